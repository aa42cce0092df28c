"""Glossary: the report's acronyms and the French names its English edition keeps.

Input: ``data/glossary.toml`` (one file for both languages; its header explains every key).
Output: a :class:`Glossary`: per language, the :class:`Acronym` entries (acronym, expansion, the
expansion's language, whether it is common knowledge) and the names kept in French. The document
stage lists the acronyms an edition uses (:meth:`Glossary.used`); the proofing checks that each is
expanded at its first use (:func:`expanded_here`) and that no unknown run of capitals is left.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, StrictBool

from . import LANGUAGES
from .diagnostics import Diagnostics
from .errors import ConfigError
from .schemas import Strict, Text

# A run of capitals (accented too, with inner hyphens: «CSMO-ÉSAC»), a plural s allowed («SMEs»).
ACRONYM = re.compile(r"(?<![\w-])([A-ZÀ-ÖØ-Þ]{2,}(?:-[A-ZÀ-ÖØ-Þ]{2,})*)(s?)(?![\w-])")
ROMAN = re.compile(r"^[IVXLCDM]+$")
NAMES_LANG = "fr"  # the language of the glossary's [[name]] entries (Québec's institutions)


@dataclass(frozen=True)
class Acronym:
    abbr: str
    expansion: str
    lang: str  # the language of the expansion
    common: bool = False
    line: int | None = None


@dataclass(frozen=True)
class Glossary:
    path: str  # as messages show it
    acronyms: dict[str, dict[str, Acronym]]  # lang → abbr → entry
    names: tuple[str, ...] = ()

    def known(self, lang: str) -> set[str]:
        """Every acronym of either language (a French name's acronym in English is known)."""
        return {abbr for entries in self.acronyms.values() for abbr in entries}

    def used(self, text: str, lang: str) -> list[Acronym]:
        """The acronyms of ``lang`` that ``text`` uses, common ones left out, sorted for a list
        (by letters, accents ignored)."""
        found = {m.group(1) for m in ACRONYM.finditer(text)}
        entries = [a for abbr, a in self.acronyms.get(lang, {}).items()
                   if abbr in found and not a.common]
        return sorted(entries, key=lambda a: _fold(a.abbr))


class _AcronymEntry(Strict):
    abbr: Text
    expansion: Text
    lang: Literal["fr", "en"] | None = None
    common: StrictBool = False


class _AcronymTable(Strict):
    fr: _AcronymEntry | None = None
    en: _AcronymEntry | None = None


class _NameEntry(Strict):
    text: Text


class GlossaryFile(Strict):
    """``data/glossary.toml``: the acronyms of each language and the names kept in French."""

    acronym: list[_AcronymTable] = Field(default_factory=list)
    name: list[_NameEntry] = Field(default_factory=list)


def load_glossary(path: Path, diag: Diagnostics, *, root: Path | None = None) -> Glossary | None:
    """Read and check ``glossary.toml`` (schema, acronyms that are runs of capitals, each written
    once per language); every problem goes to ``diag``."""
    from .schemas import validate
    from .sources import load_toml

    with diag.collecting():
        source = load_toml(path, ConfigError, root=root, missing="glossary file not found")
        model = validate(GlossaryFile, source, diag, ConfigError)
        if model is None:
            return None
        acronyms: dict[str, dict[str, Acronym]] = {lang: {} for lang in LANGUAGES}
        found = len(diag.errors)
        for index, item in enumerate(model.acronym):
            line = source.where(("acronym", index))[0]
            for lang in LANGUAGES:
                entry = getattr(item, lang)
                if entry is None:
                    continue
                where = ("acronym", index, lang, "abbr")
                if not ACRONYM.fullmatch(entry.abbr):
                    diag.error(source.error(ConfigError, "not an acronym (two or more capitals)",
                                            where, value=entry.abbr))
                if entry.abbr in acronyms[lang]:
                    diag.error(source.error(
                        ConfigError, f"acronym written twice for {lang}", where, value=entry.abbr,
                        hint=f"it is already on line {acronyms[lang][entry.abbr].line}"))
                acronyms[lang][entry.abbr] = Acronym(entry.abbr, entry.expansion,
                                                     entry.lang or lang, entry.common, line)
        if len(diag.errors) > found:
            return None
        return Glossary(source.shown, acronyms, tuple(n.text for n in model.name))
    return None


# -- first use ---------------------------------------------------------------------------------
def _fold(text: str) -> str:
    """Lower case, accents kept apart, apostrophes and spaces unified."""
    text = unicodedata.normalize("NFD", text.casefold())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    text = text.replace("’", "'").replace("\u00a0", " ").replace("\u202f", " ")
    return " ".join(text.split())


def _words(text: str) -> list[str]:
    """Words cut to their first six letters, so that plurals and agreement match
    («municipalities» / «municipality», «organismes» / «organisme»)."""
    return [w[:6] for w in re.findall(r"[\w'-]+", _fold(text))]


def expanded_here(text: str, start: int, end: int, acronym: Acronym) -> bool:
    """Whether the acronym at ``text[start:end]`` is expanded where it stands: «expansion (ABBR)»,
    «ABBR (expansion)», or the expansion elsewhere in the same paragraph («La CUMA de la
    Basse-Lièvre est une coopérative d’utilisation de matériel agricole…»)."""
    wanted = _words(acronym.expansion)
    before = text[:start].rstrip()
    if before.endswith("(") and text[end:].lstrip().startswith(")"):
        return _words(before[:-1])[-len(wanted):] == wanted
    after = text[end:].lstrip()
    if after.startswith("(") and _words(after[1:])[: len(wanted)] == wanted:
        return True
    words = _words(text)
    return any(words[i:i + len(wanted)] == wanted for i in range(len(words)))


def acronyms_in(text: str, known: Iterable[str]) -> list[tuple[int, int, str, bool]]:
    """Every run of capitals in ``text``: (start, end, acronym, whether the glossary knows it).
    Roman numerals are not acronyms."""
    known = set(known)
    return [(m.start(1), m.end(1), m.group(1), m.group(1) in known)
            for m in ACRONYM.finditer(text) if not ROMAN.match(m.group(1))]
