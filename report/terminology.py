"""Terminology: one term per notion in each language, and the words never to hyphenate.

Input: ``data/terminology/<lang>.toml`` (one file per language; its header explains the keys):
``[[term]]`` tables with the ``preferred`` term, its ``variants``, optionally ``case_sensitive``,
``except`` (phrases where a variant is right, such as an official title) and a ``note``; and a
``never_hyphenate`` list.
Output: a :class:`Terminology` per language, whose :meth:`Terminology.variants_in` finds every
variant in a line of text, with its column. Spaces in a term match any space (no-break ones
too) and ’ matches '.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError, ReportError, raise_if_any, read_utf8, toml_key_lines, toml_position


@dataclass(frozen=True)
class Term:
    preferred: str
    variants: tuple[str, ...]
    case_sensitive: bool = False
    exceptions: tuple[str, ...] = ()
    note: str = ""
    line: int | None = None

    def pattern(self) -> re.Pattern[str]:
        words = "|".join(sorted((_literal(v) for v in self.variants), key=len, reverse=True))
        flags = 0 if self.case_sensitive else re.IGNORECASE
        return re.compile(rf"(?<![\w-])(?:{words})(?![\w-])", flags)


def _literal(text: str) -> str:
    out = []
    for char in text:
        if char in " \u00a0\u202f":
            out.append("[ \u00a0\u202f]+")
        elif char in "’'":
            out.append("[’']")
        else:
            out.append(re.escape(char))
    return "".join(out)


@dataclass(frozen=True)
class Terminology:
    lang: str
    path: Path
    terms: tuple[Term, ...]
    never_hyphenate: tuple[str, ...] = ()

    def variants_in(self, text: str) -> Iterator[tuple[int, str, Term]]:
        """(column, variant as written, term) of every variant in ``text``."""
        for term in self.terms:
            spared = [(m.start(), m.end()) for phrase in term.exceptions
                      for m in re.finditer(_literal(phrase), text)]
            for match in term.pattern().finditer(text):
                if any(a <= match.start() < b for a, b in spared):
                    continue
                yield match.start(), match.group(0), term


def load_terminology(folder: Path, lang: str) -> Terminology:
    """Read and check ``<folder>/<lang>.toml``."""
    path = folder / f"{lang}.toml"
    text = read_utf8(path, ConfigError, missing="terminology file not found", column=False)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line, column = toml_position(exc)
        raise ConfigError(f"invalid TOML: {message}", file=path, line=line, column=column) from None
    lines = toml_key_lines(text)
    term_lines = [n for n, ln in enumerate(text.splitlines(), 1) if ln.strip() == "[[term]]"]
    errors: list[ReportError] = []
    for key in raw:
        if key not in ("term", "never_hyphenate"):
            errors.append(ConfigError("unknown key", file=path, line=lines.get(key), value=key,
                                      hint="use [[term]] tables and never_hyphenate"))
    never = raw.get("never_hyphenate", [])
    if not isinstance(never, list) or not all(isinstance(w, str) and w.strip() for w in never):
        errors.append(ConfigError("never_hyphenate must be a list of words", file=path,
                                  line=lines.get("never_hyphenate"), value=never))
        never = []
    terms: list[Term] = []
    seen: dict[str, int | None] = {}
    for index, item in enumerate(raw.get("term", [])):
        line = term_lines[index] if index < len(term_lines) else None
        allowed = {"preferred", "variants", "case_sensitive", "except", "note"}
        if not isinstance(item, dict) or set(item) - allowed \
                or not isinstance(item.get("preferred"), str) \
                or not isinstance(item.get("variants"), list) or not item["variants"] \
                or not all(isinstance(v, str) and v.strip() for v in item["variants"]) \
                or not isinstance(item.get("case_sensitive", False), bool) \
                or not all(isinstance(v, str) for v in item.get("except", [])):
            errors.append(ConfigError("a [[term]] gives preferred = \"…\" and variants = [\"…\"] "
                                      "(and optionally case_sensitive, except, note)", file=path,
                                      line=line, value=item))
            continue
        for variant in item["variants"]:
            folded = variant if item.get("case_sensitive") else variant.casefold()
            if folded in seen:
                errors.append(ConfigError("variant listed twice", file=path, line=line,
                                          value=variant,
                                          hint=f"it is already under the term on line "
                                          f"{seen[folded]}"))
            seen[folded] = line
        terms.append(Term(item["preferred"], tuple(item["variants"]),
                          bool(item.get("case_sensitive", False)),
                          tuple(item.get("except", [])), str(item.get("note", "")), line))
    raise_if_any(errors, f"{path.name} has problems")
    return Terminology(lang, path, tuple(terms), tuple(never))
