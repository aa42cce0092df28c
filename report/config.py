"""Stage 1, configuration: read and check the report's settings before anything else runs.

Input: the project folder (``data/report.toml``, ``data/structure.yaml``, ``data/strings.toml``) and
the build options from the command line.
Output: a frozen :class:`Config` that every later stage reads: titles, date, ISBNs, output names,
context facts, partners, the report's structure, the interface strings of each language, and the
paths of every input folder. Every problem found is reported at once, with file, line and key.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError, ReportError, raise_if_any
from .i18n import LANGUAGES, Strings, load_strings

EDITIONS: tuple[str, ...] = ("screen", "print")
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
    output_names: dict[str, str]
    authors: tuple[str, ...]
    direction: str
    facts: dict[str, Fact]
    partners: tuple[Partner, ...]
    structure: Structure
    strings: dict[str, Strings]
    languages: tuple[str, ...] = LANGUAGES
    editions: tuple[str, ...] = ("screen",)
    theme: str = "default"
    extra: dict[str, Any] = field(default_factory=dict)


def _isbn_ok(isbn: str) -> bool:
    digits = [c for c in isbn if c.isdigit()]
    if len(digits) != 13:
        return False
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits[:12]))
    return (10 - total % 10) % 10 == int(digits[12])


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError("configuration file not found", file=path) from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise ConfigError("file is not valid UTF-8", file=path, line=line,
                          value=exc.object[exc.start: exc.end], hint="save it as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc.msg}", file=path, line=exc.lineno,
                          column=exc.colno) from None


def read_yaml(path: Path, error: type[ReportError] = ConfigError) -> Any:
    """Read a YAML file; a syntax error names its line and column."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error("file not found", file=path) from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise error("file is not valid UTF-8", file=path, line=line,
                    value=exc.object[exc.start: exc.end], hint="save it as UTF-8") from None
    if not text.strip():
        raise error("file is empty", file=path)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise error(
            f"invalid YAML: {getattr(exc, 'problem', exc)}",
            file=path,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None


def _unknown_keys(found: dict, allowed: set[str], path: Path, where: str) -> list[ReportError]:
    errors: list[ReportError] = []
    for key in found:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            errors.append(ConfigError(
                f"unknown key in {where}", file=path, value=key,
                hint=f"did you mean {close[0]!r}?" if close else f"use one of {sorted(allowed)}",
            ))
    return errors


def _bilingual(table: dict, key: str, path: Path, errors: list[ReportError]) -> dict[str, str]:
    value = table.get(key)
    if not isinstance(value, dict):
        errors.append(ConfigError(f"[{key}] must give a text per language", file=path,
                                  hint="add fr = \"…\" and en = \"…\""))
        return {lang: "" for lang in LANGUAGES}
    for lang in LANGUAGES:
        if not isinstance(value.get(lang), str) or not value[lang].strip():
            errors.append(ConfigError(f"missing {lang} text for {key}", file=path,
                                      hint=f"add {lang} = \"…\" under [{key}]"))
    return {lang: str(value.get(lang, "")) for lang in LANGUAGES}


def load_structure(path: Path) -> Structure:
    """Read ``structure.yaml``: front matter, chapters with their sections, appendices."""
    raw = read_yaml(path)
    errors: list[ReportError] = []
    if not isinstance(raw, dict):
        raise ConfigError("structure must be a mapping with front, chapters, appendices", file=path)
    errors += _unknown_keys(raw, {"front", "chapters", "appendices"}, path, "structure")
    chapters = []
    for index, item in enumerate(raw.get("chapters") or []):
        if not isinstance(item, dict) or "id" not in item:
            errors.append(ConfigError(f"chapter {index + 1} needs an id", file=path))
            continue
        errors += _unknown_keys(item, {"id", "numbered", "sections", "cases"}, path,
                                f"chapter {item['id']}")
        chapters.append(ChapterSpec(
            id=str(item["id"]),
            numbered=bool(item.get("numbered", True)),
            sections=tuple(str(s) for s in item.get("sections") or ()),
            cases=bool(item.get("cases", False)),
        ))
    structure = Structure(
        front=tuple(str(s) for s in raw.get("front") or ()),
        chapters=tuple(chapters),
        appendices=tuple(str(s) for s in raw.get("appendices") or ()),
    )
    ids = structure.content_ids()
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        errors.append(ConfigError("content id listed twice", file=path, value=dup))
    raise_if_any(errors)
    return structure


def load_config(
    root: Path,
    *,
    languages: tuple[str, ...] = LANGUAGES,
    editions: tuple[str, ...] = ("screen",),
    theme: str = "default",
) -> Config:
    """Read ``data/report.toml``, ``data/structure.yaml`` and ``data/strings.toml`` under ``root``."""
    paths = Paths.under(root)
    path = paths.report_toml
    raw = _read_toml(path)
    errors: list[ReportError] = []
    errors += _unknown_keys(raw, {"report", "isbn", "output", "credits", "facts", "partners"},
                            path, "report.toml")
    report = raw.get("report", {})
    errors += _unknown_keys(report, {"publisher", "date", "page_size", "url", "title", "subtitle",
                                     "keywords"}, path, "[report]")
    title = _bilingual(report, "title", path, errors)
    subtitle = _bilingual(report, "subtitle", path, errors)
    keywords = _bilingual(report, "keywords", path, errors)
    date = report.get("date")
    if not isinstance(date, _dt.date):
        errors.append(ConfigError("[report] date must be a date like 2017-07-13", file=path,
                                  value=date))
        date = _dt.date(2000, 1, 1)
    page_size = str(report.get("page_size", "letter")).lower()
    if page_size not in PAGE_SIZES:
        errors.append(ConfigError("unknown page size", file=path, value=page_size,
                                  hint=f"use one of {', '.join(PAGE_SIZES)}"))
    isbn = raw.get("isbn", {})
    for lang in LANGUAGES:
        if not _isbn_ok(str(isbn.get(lang, ""))):
            errors.append(ConfigError(f"ISBN for {lang} is missing or has a wrong check digit",
                                      file=path, value=isbn.get(lang),
                                      hint="give a 13-digit ISBN, e.g. 978-2-924001-45-5"))
    output = raw.get("output", {})
    for lang in LANGUAGES:
        name = str(output.get(lang, ""))
        if not name or any(c in name for c in "/\\") or name.startswith("."):
            errors.append(ConfigError(f"output name for {lang} is missing or not a plain name",
                                      file=path, value=name))
    if len({output.get(lang) for lang in LANGUAGES}) != len(LANGUAGES):
        errors.append(ConfigError("two languages would write to the same file", file=path,
                                  hint="give each language its own [output] name"))
    facts: dict[str, Fact] = {}
    for key, fact in (raw.get("facts") or {}).items():
        errors += _unknown_keys(fact, {"value", "kind", "source", "decimals"}, path,
                                f"[facts.{key}]")
        if not isinstance(fact.get("value"), int | float) or fact.get("kind") not in (
            "count", "money", "plain"
        ):
            errors.append(ConfigError(f"[facts.{key}] needs a numeric value and a kind",
                                      file=path, hint="kind is count, money or plain"))
            continue
        facts[key] = Fact(key, float(fact["value"]), fact["kind"], int(fact.get("decimals", 0)),
                          str(fact.get("source", "")))
    partners = []
    for item in raw.get("partners") or []:
        partners.append(Partner(id=str(item.get("id")), role=str(item.get("role", "partner")),
                                name={lang: str(item.get(lang, "")) for lang in LANGUAGES}))
        for lang in LANGUAGES:
            if not item.get(lang):
                errors.append(ConfigError(f"partner {item.get('id')!r} has no {lang} name",
                                          file=path))
    credits = raw.get("credits", {})
    for lang in languages:
        if lang not in LANGUAGES:
            errors.append(ConfigError("unknown language", value=lang,
                                      hint=f"use one of {', '.join(LANGUAGES)}"))
    structure: Structure | None = None
    strings: dict[str, Strings] = {}
    for loader in ("structure", "strings"):
        try:
            if loader == "structure":
                structure = load_structure(paths.structure)
            else:
                strings = load_strings(paths.strings)
        except ReportError as exc:
            errors.append(exc)
    raise_if_any(errors, "the configuration has problems")
    assert structure is not None
    return Config(
        paths=paths,
        title=title,
        subtitle=subtitle,
        keywords=keywords,
        publisher=str(report.get("publisher", "")),
        date=date,
        page_size=page_size,
        url=str(report.get("url", "")),
        isbn={lang: str(isbn[lang]) for lang in LANGUAGES},
        output_names={lang: str(output[lang]) for lang in LANGUAGES},
        authors=tuple(credits.get("authors", ())),
        direction=str(credits.get("direction", "")),
        facts=facts,
        partners=tuple(partners),
        structure=structure,
        strings=strings,
        languages=tuple(lang for lang in LANGUAGES if lang in languages),
        editions=tuple(e for e in EDITIONS if e in editions),
        theme=theme,
    )
