"""Stage 1, configuration: read and check the report's settings before anything else runs.

Input: the project folder (``data/report.toml``, ``data/structure.yaml``, ``data/strings.toml``) and
the build options from the command line.
Output: a frozen :class:`Config` that every later stage reads: titles, date, ISBNs, output names,
context facts, partners, the report's structure, the interface strings of each language, and the
paths of every input folder. Every problem found is reported at once, with file, line and key.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostics
from .errors import ConfigError
from .i18n import LANGUAGES, Strings, load_strings

if TYPE_CHECKING:
    from .schemas import ReportFile

EDITIONS: tuple[str, ...] = ("screen", "print", "bilingual")
PAGE_SIZES = {"letter": "8.5in 11in", "a4": "210mm 297mm"}


@dataclass(frozen=True)
class Paths:
    """Where the inputs live. Every input folder the PDF engine may read is listed here."""

    root: Path
    data: Path
    survey: Path
    content: Path
    templates: Path
    styles: Path
    fonts: Path
    themes: Path

    @property
    def report_toml(self) -> Path:
        return self.data / "report.toml"

    @property
    def structure(self) -> Path:
        return self.data / "structure.yaml"

    @property
    def strings(self) -> Path:
        return self.data / "strings.toml"

    @property
    def figures(self) -> Path:
        return self.data / "figures.yaml"

    @property
    def tables(self) -> Path:
        return self.data / "tables.yaml"

    @classmethod
    def under(cls, root: Path) -> Paths:
        root = root.resolve()
        return cls(
            root=root,
            data=root / "data",
            survey=root / "data" / "survey",
            content=root / "data" / "content",
            templates=root / "templates",
            styles=root / "styles",
            fonts=root / "styles" / "fonts",
            themes=root / "themes",
        )


@dataclass(frozen=True)
class Fact:
    """A context figure quoted in the prose (``{{fact KEY}}``)."""

    key: str
    value: float
    kind: str  # count | money | plain
    decimals: int
    source: str


@dataclass(frozen=True)
class Partner:
    id: str
    name: dict[str, str]
    role: str = "partner"


@dataclass(frozen=True)
class ChapterSpec:
    id: str
    numbered: bool
    sections: tuple[str, ...]
    cases: bool


@dataclass(frozen=True)
class Structure:
    front: tuple[str, ...]
    chapters: tuple[ChapterSpec, ...]
    appendices: tuple[str, ...]

    def content_ids(self) -> list[str]:
        """Every content file id the structure names, in reading order."""
        ids = list(self.front)
        for chapter in self.chapters:
            ids.append(chapter.id)
            ids.extend(chapter.sections)
        ids.extend(self.appendices)
        return ids


@dataclass(frozen=True)
class Config:
    """Everything the build needs to know before it reads data or content."""

    paths: Paths
    title: dict[str, str]
    subtitle: dict[str, str]
    keywords: dict[str, str]
    publisher: str
    date: _dt.date
    page_size: str
    url: str
    isbn: dict[str, str]
    isbn_print: dict[str, str]
    output_names: dict[str, str]
    authors: dict[str, tuple[str, ...]]  # per language: «Équipe de recherche» / "Research team"
    direction: str
    facts: dict[str, Fact]
    partners: tuple[Partner, ...]
    structure: Structure
    strings: dict[str, Strings]
    languages: tuple[str, ...] = LANGUAGES
    editions: tuple[str, ...] = ("screen",)
    theme: str = "default"
    extra: dict[str, Any] = field(default_factory=dict)
    print_condition: str = "FOGRA39"  # [print] condition: a key of report.printing.CONDITIONS
    address: tuple[str, ...] = ()  # the publisher's postal address ([address] lines)
    placeholders: frozenset[str] = frozenset()  # tables marked `placeholder = true`


def load_structure(path: Path, diag: Diagnostics, *, root: Path | None = None
                   ) -> Structure | None:
    """Read ``structure.yaml``: front matter, chapters with their sections, appendices; a content
    id listed twice is an error at its second mention."""
    from .schemas import StructureFile, validate  # here: a language worker never loads schemas
    from .sources import load_yaml

    with diag.collecting():
        source = load_yaml(path, ConfigError, root=root)
        model = validate(StructureFile, source, diag, ConfigError)
        if model is None:
            return None
        structure = Structure(
            front=tuple(model.front),
            chapters=tuple(ChapterSpec(c.id, c.numbered, tuple(c.sections), c.cases)
                           for c in model.chapters),
            appendices=tuple(model.appendices))
        seen: set[str] = set()
        places: list[tuple[tuple[str | int, ...], str]] = [
            (("front", i), v) for i, v in enumerate(model.front)]
        for i, chapter in enumerate(model.chapters):
            places.append((("chapters", i, "id"), chapter.id))
            places += [(("chapters", i, "sections", j), v) for j, v in enumerate(chapter.sections)]
        places += [(("appendices", i), v) for i, v in enumerate(model.appendices)]
        duplicated = False
        for loc, name in places:
            if name in seen:
                diag.error(source.error(ConfigError, "content id listed twice", loc, value=name,
                                        hint="each content file appears once in the report"))
                duplicated = True
            seen.add(name)
        return None if duplicated else structure
    return None


def load_config(root: Path, diag: Diagnostics, *, languages: tuple[str, ...] = LANGUAGES,
                editions: tuple[str, ...] = ("screen",), theme: str = "default") -> Config | None:
    """Read ``data/report.toml``, ``data/structure.yaml`` and ``data/strings.toml`` under ``root``.

    The three files are checked independently and every problem goes to ``diag``; the
    configuration is returned when all three can be used (even with problems recorded, such as a
    misspelt key, so that the checks that depend on it go on), else None.
    """
    from .schemas import ReportFile, validate
    from .sources import load_toml

    paths = Paths.under(root)
    for lang in languages:
        if lang not in LANGUAGES:
            diag.error(ConfigError("unknown language", value=lang,
                                   hint=f"use one of {', '.join(LANGUAGES)}"))
    report: ReportFile | None = None
    with diag.collecting():
        source = load_toml(paths.report_toml, ConfigError, root=paths.root,
                           missing="configuration file not found",
                           empty_hint="restore it from the project's history (git) or a "
                           "colleague's copy")
        report = validate(ReportFile, source, diag, ConfigError)
    structure = load_structure(paths.structure, diag, root=paths.root)
    strings = load_strings(paths.strings, diag, root=paths.root)
    if report is None or structure is None or strings is None:
        return None
    return Config(
        paths=paths,
        title=report.report.title.as_dict(),
        subtitle=report.report.subtitle.as_dict(),
        keywords=report.report.keywords.as_dict(),
        publisher=report.report.publisher,
        date=report.report.date,
        page_size=report.report.page_size,
        url=report.report.url,
        isbn={lang: getattr(report.isbn, lang) for lang in LANGUAGES},
        isbn_print={lang: getattr(report.isbn_print, lang) for lang in LANGUAGES},
        output_names={lang: getattr(report.output, lang) for lang in LANGUAGES},
        authors={lang: tuple(report.credits.authors if isinstance(report.credits.authors, list)
                             else getattr(report.credits.authors, lang)) for lang in LANGUAGES},
        direction=report.credits.direction,
        facts={key: Fact(key, fact.value, fact.kind, fact.decimals, fact.source)
               for key, fact in report.facts.items()},
        partners=tuple(Partner(p.id, {"fr": p.fr, "en": p.en}, p.role) for p in report.partners),
        structure=structure,
        strings=strings,
        languages=tuple(lang for lang in LANGUAGES if lang in languages),
        editions=tuple(e for e in EDITIONS if e in editions),
        theme=theme,
        print_condition=report.print_.condition,
        address=tuple(report.address.lines) if report.address is not None else (),
        placeholders=frozenset(name for name, table in (
            ("isbn", report.isbn), ("isbn_print", report.isbn_print), ("address", report.address))
            if table is not None and table.placeholder),
    )
