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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, StrictBool

from .diagnostics import Diagnostics
from .errors import ConfigError
from .schemas import Strict, Text


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
    path: str  # as messages show it
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


class _TermEntry(Strict):
    preferred: Text
    variants: list[Text] = Field(min_length=1)
    case_sensitive: StrictBool = False
    exceptions: list[Text] = Field(default_factory=list, alias="except")
    note: str = ""


class TerminologyFile(Strict):
    """``data/terminology/<lang>.toml``: the terms of one language, the words never hyphenated."""

    never_hyphenate: list[Text] = Field(default_factory=list)
    term: list[_TermEntry] = Field(default_factory=list)


def load_terminology(folder: Path, lang: str, diag: Diagnostics, *,
                     root: Path | None = None) -> Terminology | None:
    """Read and check ``<folder>/<lang>.toml``: the schema, and no variant under two terms."""
    from .schemas import validate
    from .sources import load_toml

    path = folder / f"{lang}.toml"
    with diag.collecting():
        source = load_toml(path, ConfigError, root=root, missing="terminology file not found")
        model = validate(TerminologyFile, source, diag, ConfigError)
        if model is None:
            return None
        terms: list[Term] = []
        seen: dict[str, int | None] = {}
        found = len(diag.errors)
        for index, item in enumerate(model.term):
            line = source.where(("term", index))[0]
            for number, variant in enumerate(item.variants):
                folded = variant if item.case_sensitive else variant.casefold()
                if folded in seen:
                    diag.error(source.error(ConfigError, "variant listed twice",
                                            ("term", index, "variants", number), value=variant,
                                            hint=f"it is already under the term on line "
                                            f"{seen[folded]}"))
                seen[folded] = line
            terms.append(Term(item.preferred, tuple(item.variants), item.case_sensitive,
                              tuple(item.exceptions), item.note, line))
        if len(diag.errors) > found:
            return None
        return Terminology(lang, source.shown, tuple(terms), tuple(model.never_hyphenate))
    return None
