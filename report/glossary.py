"""Glossary: the report's acronyms and the French names its English edition keeps.

Input: ``data/glossary.toml`` (one file for both languages; its header explains every key).
Output: a :class:`Glossary`: per language, the :class:`Acronym` entries (acronym, expansion, the
expansion's language, whether it is common knowledge) and the names kept in French. The document
stage lists the acronyms an edition uses (:meth:`Glossary.used`); the proofing checks that each is
expanded at its first use (:func:`expanded_here`) and that no unknown run of capitals is left.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import LANGUAGES
from .errors import ConfigError, ReportError, raise_if_any, read_utf8, toml_key_lines, toml_position

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
    path: Path
    acronyms: dict[str, dict[str, Acronym]]  # lang → abbr → entry
    names: tuple[str, ...] = ()
    name_lines: dict[str, int] = field(default_factory=dict)

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


def load_glossary(path: Path) -> Glossary:
    """Read and check ``glossary.toml``: every acronym has an expansion in each language it names,
    written once per language; names are texts."""
    text = read_utf8(path, ConfigError, missing="glossary file not found", column=False)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line, column = toml_position(exc)
        raise ConfigError(f"invalid TOML: {message}", file=path, line=line, column=column) from None
    lines = toml_key_lines(text)
    entry_lines = [n for n, ln in enumerate(text.splitlines(), 1) if ln.strip() == "[[acronym]]"]
    errors: list[ReportError] = []
    for key in raw:
        if key not in ("acronym", "name"):
            errors.append(ConfigError("unknown table", file=path, line=lines.get(key), value=key,
                                      hint="use [[acronym]] and [[name]]"))
    acronyms: dict[str, dict[str, Acronym]] = {lang: {} for lang in LANGUAGES}
    for index, item in enumerate(raw.get("acronym", [])):
        line = entry_lines[index] if index < len(entry_lines) else None
        if not isinstance(item, dict) or not item or set(item) - set(LANGUAGES):
            errors.append(ConfigError("an [[acronym]] gives fr and/or en entries", file=path,
                                      line=line, value=item,
                                      hint='fr = { abbr = "PGI", expansion = "…" }'))
            continue
        for lang, entry in item.items():
            if not isinstance(entry, dict) or not isinstance(entry.get("abbr"), str) \
                    or not isinstance(entry.get("expansion"), str) \
                    or set(entry) - {"abbr", "expansion", "lang", "common"}:
                errors.append(ConfigError(f"{lang}: give abbr and expansion (and optionally "
                                          "lang, common)", file=path, line=line, value=entry))
                continue
            abbr = entry["abbr"]
            if not ACRONYM.fullmatch(abbr):
                errors.append(ConfigError("not an acronym (two or more capitals)", file=path,
                                          line=line, value=abbr))
            if abbr in acronyms[lang]:
                errors.append(ConfigError(f"acronym written twice for {lang}", file=path,
                                          line=line, value=abbr,
                                          hint=f"it is already on line {acronyms[lang][abbr].line}"))
            acronyms[lang][abbr] = Acronym(abbr, entry["expansion"], entry.get("lang", lang),
                                           bool(entry.get("common", False)), line)
    names: list[str] = []
    name_lines = [n for n, ln in enumerate(text.splitlines(), 1) if ln.strip() == "[[name]]"]
    found_lines: dict[str, int] = {}
    for index, item in enumerate(raw.get("name", [])):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            errors.append(ConfigError("a [[name]] gives text = \"…\"", file=path,
                                      line=name_lines[index] if index < len(name_lines) else None))
            continue
        names.append(item["text"])
        found_lines[item["text"]] = name_lines[index] + 1 if index < len(name_lines) else 0
    raise_if_any(errors, f"{path.name} has problems")
    return Glossary(path, acronyms, tuple(names), found_lines)


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
