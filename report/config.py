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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import (
    ConfigError,
    ReportError,
    raise_if_any,
    read_utf8,
    toml_key_lines,
    toml_position,
    yaml_duplicate_keys,
    yaml_line,
)
from .i18n import LANGUAGES, Strings, load_strings
from .printing import CONDITIONS

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
    print_condition: str = "FOGRA39"  # [print] condition: a key of report.printing.CONDITIONS


def _isbn_ok(isbn: str) -> bool:
    digits = [c for c in isbn if c.isdigit()]
    if len(digits) != 13:
        return False
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits[:12]))
    return (10 - total % 10) % 10 == int(digits[12])


def _read_toml(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """Read a TOML file: its tables and the line of every key (for error messages)."""
    text = read_utf8(path, ConfigError, missing="configuration file not found",
                     hint="save it as UTF-8", column=False)
    if not text.strip():
        raise ConfigError("file is empty", file=path,
                          hint="restore it from the project's history (git) or a colleague's copy")
    try:
        return tomllib.loads(text), toml_key_lines(text)
    except tomllib.TOMLDecodeError as exc:
        message, line, column = toml_position(exc)
        raise ConfigError(f"invalid TOML: {message}", file=path, line=line, column=column,
                          hint="check the quotes, brackets and '=' on this line") from None


_YAML_LOADER = yaml.SafeLoader  # the pure-Python loader points at the error, not the end of text


def read_yaml(path: Path, error: type[ReportError] = ConfigError, *,
              with_node: bool = False) -> Any:
    """Read a YAML file; a syntax error or a key written twice names its line and column.

    With ``with_node``, return ``(data, node)``: the composed tree gives lines to later errors.
    """
    text = read_utf8(path, error, hint="save it as UTF-8", column=False)
    if not text.strip():
        raise error("file is empty", file=path)
    loader = _YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        duplicates = yaml_duplicate_keys(node)  # before construction merges `<<:` keys in
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise error(
            f"invalid YAML: {getattr(exc, 'problem', None) or exc}",
            file=path,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            hint="check the indentation, colons, brackets and quotes on this line or the one "
            "before",
        ) from None
    finally:
        loader.dispose()
    raise_if_any([error("key written twice", file=path, line=line, value=key,
                        hint=f"it is already on line {first}: keep one of them")
                  for key, line, first in duplicates])
    return (data, node) if with_node else data


def _unknown_keys(found: dict, allowed: set[str], path: Path, where: str,
                  lines: Callable[[str], int | None] | None = None) -> list[ReportError]:
    errors: list[ReportError] = []
    for key in found:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            errors.append(ConfigError(
                f"unknown key in {where}", file=path, value=key,
                line=lines(str(key)) if lines else None,
                hint=f"did you mean {close[0]!r}?" if close else
                f"use one of {', '.join(sorted(allowed))}",
            ))
    return errors


def _bilingual(table: dict, key: str, path: Path, errors: list[ReportError],
               line: Callable[[str], int | None] = lambda _key: None) -> dict[str, str]:
    value = table.get(key)
    if not isinstance(value, dict):
        errors.append(ConfigError(f"[report.{key}] must give a text per language", file=path,
                                  line=line(f"report.{key}") or line("report"),
                                  hint=f"add [report.{key}] with fr = \"…\" and en = \"…\""))
        return {lang: "" for lang in LANGUAGES}
    for lang in LANGUAGES:
        if not isinstance(value.get(lang), str) or not value[lang].strip():
            errors.append(ConfigError(f"missing {lang} text for {key}", file=path,
                                      line=line(f"report.{key}.{lang}") or line(f"report.{key}"),
                                      hint=f"add {lang} = \"…\" under [report.{key}]"))
    return {lang: str(value.get(lang, "")) for lang in LANGUAGES}


def load_structure(path: Path) -> Structure:
    """Read ``structure.yaml``: front matter, chapters with their sections, appendices."""
    raw, node = read_yaml(path, with_node=True)
    errors: list[ReportError] = []

    def err(message: str, *where: str | int, value: Any = None, hint: str | None = None) -> None:
        errors.append(ConfigError(message, file=path, line=yaml_line(node, *where), value=value,
                                  hint=hint))

    def ids(value: Any, *where: str | int) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            err(f"{where[-1]} must be a list of content ids", *where, value=value,
                hint="write one '- id' per line below it")
            return ()
        return tuple(str(v) for v in value)

    if not isinstance(raw, dict):
        raise ConfigError("structure must be a mapping with front, chapters, appendices", file=path,
                          line=1)
    errors += _unknown_keys(raw, {"front", "chapters", "appendices"}, path, "structure",
                            lambda key: yaml_line(node, key))
    chapters = []
    items = raw.get("chapters") or []
    if not isinstance(items, list):
        err("chapters must be a list", "chapters", hint="write one '- id: …' per chapter")
        items = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or "id" not in item:
            err(f"chapter {index + 1} needs an id", "chapters", index)
            continue
        errors += _unknown_keys(item, {"id", "numbered", "sections", "cases"}, path,
                                f"chapter {item['id']}",
                                lambda key, i=index: yaml_line(node, "chapters", i, key))
        for flag in ("numbered", "cases"):
            if flag in item and not isinstance(item[flag], bool):
                err(f"{flag} must be true or false", "chapters", index, flag, value=item[flag])
        chapters.append(ChapterSpec(
            id=str(item["id"]),
            numbered=bool(item.get("numbered", True)),
            sections=ids(item.get("sections"), "chapters", index, "sections"),
            cases=bool(item.get("cases", False)),
        ))
    structure = Structure(
        front=ids(raw.get("front"), "front"),
        chapters=tuple(chapters),
        appendices=ids(raw.get("appendices"), "appendices"),
    )
    listed = structure.content_ids()
    for dup in sorted({i for i in listed if listed.count(i) > 1}):
        errors.append(ConfigError("content id listed twice", file=path, value=dup,
                                  line=_last_mention(node, dup)))
    raise_if_any(errors)
    return structure


def _last_mention(node: Any, word: str) -> int | None:
    """The line of the last value ``word`` in a composed YAML tree (the second mention of an id),
    whether the lists are written one item per line or ``[a, b]``."""
    lines, stack = [], [node]
    while stack:
        item = stack.pop()
        if getattr(item, "id", None) == "scalar" and item.value == word:
            lines.append(item.start_mark.line + 1)
        elif getattr(item, "id", None) == "sequence":
            stack += item.value
        elif getattr(item, "id", None) == "mapping":
            stack += [value for _key, value in item.value]
    return max(lines, default=None)


def _table(raw: dict, key: str, path: Path, lines: dict[str, int],
           errors: list[ReportError]) -> dict[str, Any]:
    """``raw[key]`` when it is a table; else report it and go on with an empty one."""
    value = raw.get(key, {})
    if isinstance(value, dict):
        return value
    errors.append(ConfigError(f"[{key}] must be a table", file=path, line=lines.get(key),
                              value=value, hint=f"write a line [{key}] and its keys below it"))
    return {}


def load_config(
    root: Path,
    *,
    languages: tuple[str, ...] = LANGUAGES,
    editions: tuple[str, ...] = ("screen",),
    theme: str = "default",
) -> Config:
    """Read ``data/report.toml``, ``data/structure.yaml`` and ``data/strings.toml`` under ``root``.

    The three files are checked independently: every problem of every file is reported at once.
    """
    paths = Paths.under(root)
    path = paths.report_toml
    errors: list[ReportError] = []
    try:
        raw, lines = _read_toml(path)
    except ConfigError as exc:  # still check the other two files, then stop
        errors.append(exc)
        for other in (lambda: load_structure(paths.structure), lambda: load_strings(paths.strings)):
            try:
                other()
            except ReportError as more:
                errors.append(more)
        raise_if_any(errors, "the configuration has problems")
    line = lines.get
    errors += _unknown_keys(raw, {"report", "isbn", "isbn_print", "output", "credits", "facts",
                                  "partners", "print"},
                            path, "report.toml", line)
    report = _table(raw, "report", path, lines, errors)
    errors += _unknown_keys(report, {"publisher", "date", "page_size", "url", "title", "subtitle",
                                     "keywords"}, path, "[report]",
                            lambda key: line(f"report.{key}"))
    title = _bilingual(report, "title", path, errors, line)
    subtitle = _bilingual(report, "subtitle", path, errors, line)
    keywords = _bilingual(report, "keywords", path, errors, line)
    date = report.get("date")
    if not isinstance(date, _dt.date) or isinstance(date, _dt.datetime):
        errors.append(ConfigError("[report] date must be a date like 2017-07-13", file=path,
                                  line=line("report.date") or line("report"), value=date,
                                  hint="write it without quotes: date = 2017-07-13"))
        date = _dt.date(2000, 1, 1)
    page_size = str(report.get("page_size", "letter")).lower()
    if page_size not in PAGE_SIZES:
        errors.append(ConfigError("unknown page size", file=path, line=line("report.page_size"),
                                  value=page_size, hint=f"use one of {', '.join(PAGE_SIZES)}"))
    for key in ("publisher", "url"):
        if key in report and not isinstance(report[key], str):
            errors.append(ConfigError(f"[report] {key} must be text", file=path,
                                      line=line(f"report.{key}"), value=report[key]))
    isbn = _table(raw, "isbn", path, lines, errors)
    isbn_print = _table(raw, "isbn_print", path, lines, errors)
    for table, numbers in (("isbn", isbn), ("isbn_print", isbn_print)):
        for lang in LANGUAGES:
            if not _isbn_ok(str(numbers.get(lang, ""))):
                errors.append(ConfigError(
                    f"[{table}] {lang}: ISBN missing or with a wrong check digit", file=path,
                    line=line(f"{table}.{lang}") or line(table), value=numbers.get(lang),
                    hint="give a 13-digit ISBN, e.g. 978-2-924001-45-5"))
    output = _table(raw, "output", path, lines, errors)
    for lang in LANGUAGES:
        name = output.get(lang, "")
        if not isinstance(name, str) or not name or any(c in name for c in "/\\") \
                or name.startswith("."):
            errors.append(ConfigError(f"output name for {lang} is missing or not a plain name",
                                      file=path, line=line(f"output.{lang}") or line("output"),
                                      value=name, hint="a file name without folders, e.g. "
                                      "economie-sociale-2-0"))
    if len({str(output.get(lang)) for lang in LANGUAGES}) != len(LANGUAGES):
        errors.append(ConfigError("two languages would write to the same file", file=path,
                                  line=line("output"),
                                  hint="give each language its own [output] name"))
    facts: dict[str, Fact] = {}
    for key, fact in _table(raw, "facts", path, lines, errors).items():
        where = line(f"facts.{key}")
        if not isinstance(fact, dict):
            errors.append(ConfigError(f"[facts.{key}] must be a table", file=path, line=where,
                                      value=fact, hint="give its value, kind and source"))
            continue
        errors += _unknown_keys(fact, {"value", "kind", "source", "decimals"}, path,
                                f"[facts.{key}]", lambda k, f=key: line(f"facts.{f}.{k}"))
        value, decimals = fact.get("value"), fact.get("decimals", 0)
        if isinstance(value, bool) or not isinstance(value, int | float) or fact.get("kind") not in (
            "count", "money", "plain"
        ) or isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6:
            errors.append(ConfigError(f"[facts.{key}] needs a numeric value and a kind",
                                      file=path, line=where,
                                      hint="value is a number, kind is count, money or plain, "
                                      "decimals (optional) a whole number from 0 to 6"))
            continue
        facts[key] = Fact(key, float(value), fact["kind"], decimals, str(fact.get("source", "")))
    partners = []
    items = raw.get("partners") or []
    if not isinstance(items, list):
        errors.append(ConfigError("partners must be a list of [[partners]] tables", file=path,
                                  line=line("partners"), value=items))
        items = []
    for item in items:
        if not isinstance(item, dict):
            errors.append(ConfigError("each partner must be a [[partners]] table", file=path,
                                      line=line("partners"), value=item))
            continue
        partners.append(Partner(id=str(item.get("id")), role=str(item.get("role", "partner")),
                                name={lang: str(item.get(lang, "")) for lang in LANGUAGES}))
        for lang in LANGUAGES:
            if not item.get(lang):
                errors.append(ConfigError(f"partner {item.get('id')!r} has no {lang} name",
                                          file=path, line=line("partners")))
    printing = _table(raw, "print", path, lines, errors)
    errors += _unknown_keys(printing, {"condition"}, path, "[print]",
                            lambda key: line(f"print.{key}"))
    condition = printing.get("condition", "FOGRA39")
    if not isinstance(condition, str) or condition not in CONDITIONS:
        errors.append(ConfigError("unknown printing condition", file=path,
                                  line=line("print.condition"), value=condition,
                                  hint=f"use one of {', '.join(CONDITIONS)}"))
    credits = _table(raw, "credits", path, lines, errors)
    authors = credits.get("authors", [])
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
        errors.append(ConfigError("[credits] authors must be a list of names", file=path,
                                  line=line("credits.authors"), value=authors,
                                  hint='authors = ["First Last", "…"]'))
        authors = []
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
        isbn_print={lang: str(isbn_print[lang]) for lang in LANGUAGES},
        output_names={lang: str(output[lang]) for lang in LANGUAGES},
        authors=tuple(authors),
        direction=str(credits.get("direction", "")),
        facts=facts,
        partners=tuple(partners),
        structure=structure,
        strings=strings,
        languages=tuple(lang for lang in LANGUAGES if lang in languages),
        editions=tuple(e for e in EDITIONS if e in editions),
        theme=theme,
        print_condition=str(condition),
    )
