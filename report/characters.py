"""Characters in content that nobody sees: control characters and bidirectional overrides.

Input: the content files of a :class:`~report.content.Content` (or any text and its file).
Output: one located warning per character, through :class:`~report.diagnostics.Diagnostics`
(``file:line:column``, the code point and its name); nothing is changed.

* **Control characters** (U+0000–U+001F except tab and line ends, U+007F–U+009F): a copy and paste
  from a PDF or a terminal brings them (a form feed, an escape sequence, a NUL). They are invisible
  in most editors, and the PDF engine draws nothing or a box for them.
* **Bidirectional embeddings, overrides and isolates** (U+202A–U+202E, U+2066–U+2069): they make
  text display in another order than it is stored, so a sentence can read differently from what a
  search, a screen reader or a reviewer of the source sees (the «Trojan Source» technique). The
  report's languages are written left to right and need none of them. The left-to-right and
  right-to-left *marks* (U+200E, U+200F), which reorder nothing by themselves, are accepted.

Under ``--strict`` each warning is an error, like every warning.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from .diagnostics import Diagnostics

INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_C0 = ("NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR",
       "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC",
       "FS", "GS", "RS", "US")


def describe(char: str) -> str:
    """«U+202E (RIGHT-TO-LEFT OVERRIDE)», «U+001B (ESC)»."""
    code = ord(char)
    if code < 0x20:
        return f"U+{code:04X} ({_C0[code]})"
    if code == 0x7F:
        return "U+007F (DEL)"
    if code <= 0x9F:
        return f"U+{code:04X} (C1 control)"
    return f"U+{code:04X} ({unicodedata.name(char, 'unnamed')})"


def scan_text(text: str, file: Path | str, diag: Diagnostics) -> int:
    """Warn about each invisible character of ``text`` (a file's whole text, newlines as ``\\n``),
    located by line and column (in characters, from 1). Returns how many were found."""
    found = 0
    line, line_start = 1, 0
    for match in INVISIBLE.finditer(text):
        at = match.start()
        line += text.count("\n", line_start, at)
        line_start = text.rfind("\n", 0, at) + 1
        char = match.group()
        found += 1
        if "\u202a" <= char <= "\u2069":
            diag.warn(f"bidirectional control character {describe(char)}: the text may display "
                      "in another order than it is written", file=file, line=line,
                      column=at - line_start + 1,
                      hint="remove it: French and English need no direction override")
        else:
            diag.warn(f"invisible control character {describe(char)}", file=file, line=line,
                      column=at - line_start + 1,
                      hint="remove it (it often comes with text pasted from a PDF or a terminal)")
    return found


def scan_files(files: Iterable[Path], diag: Diagnostics, *, root: Path | None = None) -> int:
    """:func:`scan_text` on each content file, read as the content stage reads it and named as
    it names it (relative to ``root``, the project)."""
    from .errors import ContentError, ReportError
    from .sources import read_text, shown

    found = 0
    for path in files:
        try:
            text = read_text(path, ContentError, root=root)
        except ReportError:
            continue  # reported by the content stage
        found += scan_text(text, shown(path, root), diag)
    return found
