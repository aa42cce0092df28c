"""Personal reports, stage «spec»: read and check ``data/personal.yaml``.

Input: the file (language-neutral: peer dimensions, benchmark tables, the digital maturity score,
the good practices of chapter 3 and the gaps they answer), the survey's codebook, the report's
structure and content (the practice sections and their parts) and the interface strings.
Output: a frozen :class:`PersonalSpec`, or None; every problem goes to the build's diagnostics,
located by file, line, column and key, with what to do. The file's shape is its schema's
(:class:`~report.schemas.PersonalFile`); what it names is checked here against the codebook, the
structure, the content and the strings. docs/personal-reports.md explains the rules the file
encodes.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import LANGUAGES
from .diagnostics import Diagnostics
from .errors import ConfigError

if TYPE_CHECKING:
    from .codebook import Codebook
    from .config import Structure
    from .content import Content
    from .i18n import Strings
    from .sources import Source

FILE = "personal.yaml"
PRACTICES_SHOWN = 3
PER_SECTION = 2  # at most this many of the practices shown come from one chapter 3 section
CATEGORICAL = ("binary", "single", "ordinal", "multiple")


@dataclass(frozen=True)
class Item:
    """One item of a maturity dimension: a variable and the points (0–1) of each of its levels."""

    variable: str
    points: tuple[tuple[str, float], ...]  # (level, points); a yes/no item: (("1", 1), ("0", 0))

    def score(self, answer: Any) -> float | None:
        """The item's points for an answer (None when the answer is missing)."""
        return None if answer is None else dict(self.points).get(str(answer))


@dataclass(frozen=True)
class Dimension:
    id: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Table:
    id: str
    variables: tuple[str, ...]


@dataclass(frozen=True)
class Practice:
    id: str
    section: str  # content id of a chapter 3 section
    part: int  # its «##» heading, counted from 1


@dataclass(frozen=True)
class Gap:
    variable: str
    level: str  # a code or a net of the variable; for a multiple-response variable, an option
    practices: tuple[str, ...]


@dataclass(frozen=True)
class PersonalSpec:
    profile: tuple[str, ...]
    peers: tuple[str, ...]
    tables: tuple[Table, ...]
    dimensions: tuple[Dimension, ...]
    practices: tuple[Practice, ...]  # in the file's order (ties are broken by it)
    gaps: tuple[Gap, ...]
    fallback: tuple[str, ...]
    file: Path

    def practice(self, practice_id: str) -> Practice:
        return next(p for p in self.practices if p.id == practice_id)


def _did_you_mean(name: Any, valid: list[str]) -> str:
    close = difflib.get_close_matches(str(name), valid, n=1)
    listing = ", ".join(valid)
    return f"did you mean {close[0]!r}? (valid: {listing})" if close else f"use one of {listing}"


def count_parts(markdown_body: str) -> list[str]:
    """The «##» headings of a content file's body, in order (what ``part`` counts)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(markdown_body)
    return [tokens[i + 1].content for i, t in enumerate(tokens)
            if t.type == "heading_open" and t.tag == "h2"]


class _Checker:
    """Records a problem of the file at a key's position (``where``: keys and list indexes)."""

    def __init__(self, source: Source, diag: Diagnostics) -> None:
        self.source = source
        self.diag = diag
        self.found = len(diag.errors)

    def add(self, message: str, *where: str | int, value: Any = None,
            hint: str | None = None) -> None:
        key = ".".join(str(w) for w in where)
        self.diag.error(self.source.error(ConfigError, f"{key}: {message}" if key else message,
                                          where, value=value, hint=hint))

    @property
    def ok(self) -> bool:
        return len(self.diag.errors) == self.found


def _check_variable(p: _Checker, codebook: Codebook, var: str, *where: str | int) -> str | None:
    if var not in codebook.variables:
        p.add("unknown variable", *where, value=var,
              hint=_did_you_mean(var, codebook.variables) + " (see data/survey/codebook.yaml)")
        return None
    if codebook.type(var) not in CATEGORICAL:
        p.add(f"{var} is {codebook.type(var)}: it has no proportions to compare", *where,
              value=var, hint="use a yes/no, single, ordinal or multiple-response variable")
        return None
    return var


def _item(p: _Checker, codebook: Codebook, raw: Any, *where: str | int) -> Item | None:
    """A maturity item: a yes/no variable's name, or a variable and its levels' points."""
    if isinstance(raw, str):
        var = _check_variable(p, codebook, raw, *where)
        if var is None:
            return None
        if codebook.type(var) != "binary":
            p.add(f"{var} is {codebook.type(var)}: give the points of its levels", *where,
                  value=var, hint=f"write {{variable: {var}, points: {{level: 0 to 1, …}}}}")
            return None
        return Item(var, (("1", 1.0), ("0", 0.0)))
    var = _check_variable(p, codebook, raw.variable, *where, "variable")
    if var is None:
        return None
    levels = codebook.levels(var)
    for level in raw.points:
        if level not in levels:
            p.add(f"unknown level of {var}", *where, "points", level, value=level,
                  hint=_did_you_mean(level, levels))
    missing = [lv for lv in levels if lv not in raw.points]
    if missing:
        p.add(f"points of {var} miss levels", *where, "points", value=missing,
              hint="give every level its points, so that every answer scores")
    if missing or set(raw.points) - set(levels):
        return None
    return Item(var, tuple((lv, float(raw.points[lv])) for lv in levels))


def load_spec(path: Path, codebook: Codebook, structure: Structure, content: Content,
              strings: dict[str, Strings], diag: Diagnostics, *, root: Path | None = None
              ) -> PersonalSpec | None:
    """Read ``path`` (data/personal.yaml) and check it; every problem goes to ``diag``.

    ``structure`` and ``content`` give the chapter 3 sections a practice may quote, and their
    «##» parts in every language; ``strings`` the interface strings, which must name every
    peer group, table and dimension in every language (``personal.peer_<dimension>``,
    ``personal.table_<id>``, ``personal.dimension_<id>``).
    """
    from .schemas import PersonalFile, validate
    from .sources import load_yaml

    with diag.collecting():
        source = load_yaml(path, ConfigError, root=root,
                           missing_hint="restore data/personal.yaml: the personal reports "
                           "need it (docs/personal-reports.md)")
        raw = validate(PersonalFile, source, diag, ConfigError)
        if raw is None:
            return None
        return _checked(raw, source, codebook, structure, content, strings, diag, path)
    return None


def _checked(raw: Any, source: Source, codebook: Codebook, structure: Structure,
             content: Content, strings: dict[str, Strings], diag: Diagnostics,
             path: Path) -> PersonalSpec | None:
    p = _Checker(source, diag)
    for i, var in enumerate(raw.profile):
        if _check_variable(p, codebook, var, "profile", i) and codebook.type(var) == "multiple":
            p.add("a profile variable has one answer", "profile", i, value=var)
    for i, dim in enumerate(raw.peers):
        if dim not in codebook.dimensions:
            p.add("unknown dimension", "peers", i, value=dim,
                  hint=_did_you_mean(dim, codebook.dimensions))
    if len(set(raw.peers)) != len(raw.peers):
        p.add("a dimension is listed twice", "peers", value=raw.peers)

    def string_exists(key: str, *where: str | int) -> None:
        for lang in LANGUAGES:
            known = strings[lang].keys() if lang in strings else {key}
            if key not in known:
                p.add(f"no {lang} text for it in data/strings.toml", *where, value=key,
                      hint=f"add {key.split('.', 1)[1]} = \"…\" under [{lang}.personal]")

    for i, dim in enumerate(raw.peers):
        string_exists(f"personal.peer_{dim}", "peers", i)
    tables: list[Table] = []
    seen: set[str] = set()
    for i, table in enumerate(raw.benchmarks):
        if table.id in seen:
            p.add("table id used twice", "benchmarks", i, "id", value=table.id)
        seen.add(table.id)
        string_exists(f"personal.table_{table.id}", "benchmarks", i, "id")
        good = [v for j, v in enumerate(table.variables)
                if _check_variable(p, codebook, v, "benchmarks", i, "variables", j)]
        tables.append(Table(table.id, tuple(good)))
    dimensions: list[Dimension] = []
    for i, dim in enumerate(raw.maturity.dimensions):
        string_exists(f"personal.dimension_{dim.id}", "maturity", "dimensions", i, "id")
        items = [_item(p, codebook, item, "maturity", "dimensions", i, "items", j)
                 for j, item in enumerate(dim.items)]
        dimensions.append(Dimension(dim.id, tuple(x for x in items if x is not None)))
    chapter_sections = {s for ch in structure.chapters for s in ch.sections}
    practices: list[Practice] = []
    for ident, value in raw.practices.items():
        where = ("practices", ident)
        if value.section not in chapter_sections:
            p.add("not a section of a chapter in data/structure.yaml", *where, "section",
                  value=value.section, hint=_did_you_mean(value.section, sorted(
                      s for s in chapter_sections if s.startswith("practice"))))
            continue
        for lang in LANGUAGES:
            page = content.pages.get(lang, {}).get(value.section)
            if page is None:
                continue
            parts = count_parts(page.body)
            if value.part > len(parts):
                p.add(f"{page.path.name} ({lang}) has {len(parts)} «##» parts", *where, "part",
                      value=value.part, hint="count the «##» headings of the section's file")
        practices.append(Practice(ident, value.section, value.part))
    known = list(raw.practices)

    def practice_ids(names: list[str], *where: str | int) -> tuple[str, ...]:
        for j, name in enumerate(names):
            if name not in known:
                p.add("unknown practice", *where, j, value=name, hint=_did_you_mean(name, known))
        if len(set(names)) != len(names):
            p.add("a practice is listed twice", *where, value=names)
        return tuple(n for n in names if n in known)

    gaps: list[Gap] = []
    for i, gap in enumerate(raw.gaps):
        var = _check_variable(p, codebook, gap.variable, "gaps", i, "variable")
        if var is not None:
            valid = codebook.levels(var) + (list(codebook.nets(var))
                                            if codebook.type(var) != "multiple" else [])
            if gap.level not in valid:
                p.add(f"unknown level of {var}", "gaps", i, "level", value=gap.level,
                      hint=_did_you_mean(gap.level, valid))
                var = None
        chosen = practice_ids(gap.practices, "gaps", i, "practices")
        if var is not None and chosen:
            gaps.append(Gap(var, gap.level, chosen))
    fallback = practice_ids(raw.fallback, "fallback")
    if len(set(fallback)) < PRACTICES_SHOWN:
        p.add(f"must name at least {PRACTICES_SHOWN} known practices", "fallback",
              value=raw.fallback, hint="so that every report shows three practices")
    if not p.ok:
        return None
    return PersonalSpec(tuple(raw.profile), tuple(raw.peers), tuple(tables), tuple(dimensions),
                        tuple(practices), tuple(gaps), fallback, path)
