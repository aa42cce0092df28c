"""Glyph coverage: every character of the report's text is drawn by a font of the theme.

Input: the project's folders (:class:`~report.config.Paths`), the validated
:class:`~report.theme.Theme` (its faces carry their character maps) and the languages built.
Output: one located error per place where a character occurs that no face of the theme's font
stack (body, heading, chart and fallback families) draws, recorded on the diagnostics channel:
``data/content/fr/conclusion.md:12:40: U+1F600 GRINNING FACE: no font of the theme draws this
character``. Nothing is rendered.

Without it, Pango drew such a character with whatever font the machine had (the same inputs gave
other bytes elsewhere) or, now that the engine sees only the project's fonts
(:mod:`report.fontconfig`), as an empty box. The check reads the files the report's text comes
from, as written, so each problem has its file, line and column: the content in Markdown (with its
front matter; HTML character references such as ``&#x1F600;`` count as the character they name),
``strings.toml`` and ``report.toml`` (the TOML key is named), the figure and table definitions,
the codebook (labels of variables and levels), the theme's ``theme.toml`` and ``overrides.css``,
the stylesheets (``content:`` strings) and the templates. Comments are skipped (``#`` in TOML and
YAML, ``/* */`` in CSS, ``{# #}`` and ``<!-- -->`` in templates). Control and format characters
(line ends, tabs, soft hyphens, joiners) are not drawn and not checked.

Reading every file costs a few milliseconds: characters are compared as sets, and a file is
searched line by line only when it holds a character the fonts lack.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from . import LANGUAGES
from .errors import ConfigError, ContentError, ReportError, ThemeError

if TYPE_CHECKING:
    from .config import Paths
    from .diagnostics import Diagnostics
    from .theme import Theme

_NOT_DRAWN = frozenset({"Cc", "Cf", "Zl", "Zp"})  # controls, format characters, line separators
_CHARACTER_REFERENCE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|<!--.*?-->", re.S)
_TOML_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_UNNAMED = {"Co": "(a private-use character)", "Cn": "(an unassigned code point)",
            "Cs": "(a lone surrogate)"}
_TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_.\"'-]+?)\s*=")


def covered(theme: Theme) -> frozenset[int]:
    """The code points that some face of the theme's font stack draws."""
    families = {theme.body_font, theme.heading_font, theme.chart_font, theme.fallback_font}
    points: set[int] = set()
    for face in theme.faces:
        if face.family in families:
            points |= face.chars
    return frozenset(points)


def text_files(paths: Paths, theme: Theme, languages: Iterable[str] = LANGUAGES) -> list[Path]:
    """The files the report's text comes from, in a stable order."""
    files: list[Path] = []
    for lang in languages:
        folder = paths.content / lang
        if folder.is_dir():
            files += sorted(folder.rglob("*.md"))
    files += [paths.strings, paths.report_toml, paths.figures, paths.tables,
              paths.survey / "codebook.yaml"]
    files += [theme.folder / "theme.toml", theme.folder / "overrides.css"]
    files += sorted(paths.styles.glob("*.css"))
    files += sorted(paths.templates.rglob("*.html"))
    return [f for f in dict.fromkeys(files) if f.is_file()]


def check_glyphs(paths: Paths, theme: Theme, diag: Diagnostics,
                 languages: Iterable[str] = LANGUAGES) -> None:
    """Record an error for each place where the text holds a character no font of the theme
    draws."""
    drawn = covered(theme)
    outside = _outside(drawn)
    for path in text_files(paths, theme, languages):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # unreadable files are the loaders' to report
        references = path.suffix == ".md" and _CHARACTER_REFERENCE.search(text) is not None
        if not references and outside.search(text) is None:
            continue  # the usual case: one scan of the file, in the regular expression engine
        for error in _problems(path, text, drawn, paths.root, theme, references):
            diag.error(error)


def _outside(drawn: frozenset[int]) -> re.Pattern[str]:
    """A pattern that finds any character that is neither drawn nor a control or format
    character."""
    points = sorted(drawn | set(range(0x20)) | {0x7F} | set(range(0x80, 0xA0)))
    ranges: list[tuple[int, int]] = []
    for point in points:
        if ranges and point == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], point)
        else:
            ranges.append((point, point))
    members = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                      for a, b in ranges)
    return re.compile(f"[^{members}]") if members else re.compile(r"[\s\S]")


def _problems(path: Path, text: str, drawn: frozenset[int], root: Path, theme: Theme,
              references: bool) -> Iterator[ReportError]:
    visible = _without_comments(path, text)
    shown = _shown(path, root)
    kind = _error_class(path, theme)
    table = ""
    for number, line in enumerate(visible.split("\n"), 1):
        if path.suffix == ".toml":
            header = _TOML_TABLE.match(line)
            if header:
                table = header[1].strip()
        for column, char in _characters(line, references):
            if ord(char) in drawn or _not_drawn(char):
                continue
            name = unicodedata.name(char, "") or _UNNAMED.get(unicodedata.category(char),
                                                             "(an unnamed character)")
            where = ""
            if path.suffix == ".toml":
                key = _TOML_KEY.match(line)
                if key:
                    where = f" (in {'.'.join(p for p in (table, key[1]) if p)})"
            yield kind(
                f"U+{ord(char):04X} {name}: no font of the theme draws this character{where}",
                file=shown, line=number, column=column, value=char,
                hint=f"replace it, or add a font that draws it to the theme (fonts.fallback, "
                f"with its folder in fonts.dirs of themes/{theme.name}/theme.toml)")


def _characters(line: str, references: bool) -> Iterator[tuple[int, str]]:
    """(column, character) of a line, 1-based; a character reference counts as the character
    it names, at the column of its ``&``."""
    spans: dict[int, tuple[int, str]] = {}
    if references:
        for match in _CHARACTER_REFERENCE.finditer(line):
            decoded = html.unescape(match[0])
            if decoded != match[0] and len(decoded) == 1:
                spans[match.start()] = (match.end(), decoded)
    index = 0
    while index < len(line):
        if index in spans:
            end, char = spans[index]
            yield index + 1, char
            index = end
            continue
        yield index + 1, line[index]
        index += 1


def _not_drawn(char: str) -> bool:
    return unicodedata.category(char) in _NOT_DRAWN


def _without_comments(path: Path, text: str) -> str:
    """The text with its comments blanked out (line and column numbers are kept)."""
    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match[0])

    suffix = path.suffix.lower()
    if suffix == ".css":
        return _CSS_COMMENT.sub(blank, text)
    if suffix == ".html":
        return _TEMPLATE_COMMENT.sub(blank, text)
    if suffix in (".toml", ".yaml", ".yml"):
        return "\n".join(_strip_hash_comment(line) for line in text.split("\n"))
    if suffix == ".md" and text.startswith("---"):  # YAML front matter
        end = text.find("\n---", 3)
        if end > 0:
            head = "\n".join(_strip_hash_comment(line) for line in text[:end].split("\n"))
            return head + text[end:]
    return text


def _strip_hash_comment(line: str) -> str:
    """A TOML or YAML line without its ``#`` comment (a ``#`` inside quotes is text)."""
    quote, escaped = None, False
    for index, char in enumerate(line):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            return line[:index] + " " * (len(line) - index)
    return line


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _error_class(path: Path, theme: Theme) -> type[ReportError]:
    if path.suffix == ".md":
        return ContentError
    if theme.folder in path.parents:
        return ThemeError
    return ConfigError
