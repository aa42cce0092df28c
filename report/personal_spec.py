"""Personal reports, stage «spec»: read and check ``data/personal.yaml``.

Input: the file (language-neutral: peer dimensions, benchmark tables, the digital maturity score,
the good practices of chapter 3 and the gaps they answer), the survey's codebook, the report's
structure and content (the practice sections and their parts) and the interface strings.
Output: a frozen :class:`PersonalSpec`, or one :class:`~report.errors.ErrorGroup` holding every
problem, each located by file, line and key, with what to do (the other inputs are checked the
same way). docs/personal-reports.md explains the rules the file encodes.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import LANGUAGES
from .errors import ConfigError, ReportError, raise_if_any, yaml_line

FILE = "personal.yaml"
TOP_KEYS = ("profile", "peers", "benchmarks", "maturity", "practices", "gaps", "fallback")
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


class _Problems:
    def __init__(self, path: Path, node: Any) -> None:
        self.path = path
        self.node = node
        self.errors: list[ReportError] = []

    def add(self, message: str, *where: str | int, value: Any = None, hint: str | None = None
            ) -> None:
        key = ".".join(str(w) for w in where)
        self.errors.append(ConfigError(f"{key}: {message}" if key else message, file=self.path,
                                       line=yaml_line(self.node, *where), value=value, hint=hint))


def _did_you_mean(name: Any, valid: list[str]) -> str:
    close = difflib.get_close_matches(str(name), valid, n=1)
    listing = ", ".join(valid)
    return f"did you mean {close[0]!r}? (valid: {listing})" if close else f"use one of {listing}"


def _names(value: Any) -> list[str] | None:
    if isinstance(value, list) and value and all(isinstance(v, str | int) for v in value):
        return [str(v) for v in value]
    return None


def count_parts(markdown_body: str) -> list[str]:
    """The «##» headings of a content file's body, in order (what ``part`` counts)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(markdown_body)
    return [tokens[i + 1].content for i, t in enumerate(tokens)
            if t.type == "heading_open" and t.tag == "h2"]


def _check_variable(p: _Problems, codebook: Any, var: Any, *where: str | int) -> str | None:
    if not isinstance(var, str) or var not in codebook.variables:
        p.add("unknown variable", *where, value=var,
              hint=_did_you_mean(var, codebook.variables) + " (see data/survey/codebook.yaml)")
        return None
    if codebook.type(var) not in CATEGORICAL:
        p.add(f"{var} is {codebook.type(var)}: it has no proportions to compare", *where,
              value=var, hint="use a yes/no, single, ordinal or multiple-response variable")
        return None
    return var


def _item(p: _Problems, codebook: Any, raw: Any, *where: str | int) -> Item | None:
    if isinstance(raw, str):
        var = _check_variable(p, codebook, raw, *where)
        if var is None:
            return None
        if codebook.type(var) != "binary":
            p.add(f"{var} is {codebook.type(var)}: give the points of its levels", *where,
                  value=var, hint=f"write {{variable: {var}, points: {{level: 0 to 1, …}}}}")
            return None
        return Item(var, (("1", 1.0), ("0", 0.0)))
    if not isinstance(raw, dict) or set(raw) - {"variable", "points"}:
        p.add("an item is a variable name or {variable: …, points: {…}}", *where, value=raw)
        return None
    var = _check_variable(p, codebook, raw.get("variable"), *where, "variable")
    points = raw.get("points")
    if var is None:
        return None
    if not isinstance(points, dict):
        p.add("points must map each level to a number from 0 to 1", *where, "points",
              value=points)
        return None
    levels = codebook.levels(var)
    out: list[tuple[str, float]] = []
    for level, value in points.items():
        if str(level) not in levels:
            p.add(f"unknown level of {var}", *where, "points", str(level), value=level,
                  hint=_did_you_mean(level, levels))
        elif isinstance(value, bool) or not isinstance(value, int | float) \
                or not 0 <= value <= 1:
            p.add("points must be a number from 0 to 1", *where, "points", str(level),
                  value=value)
        else:
            out.append((str(level), float(value)))
    missing = [lv for lv in levels if lv not in {str(k) for k in points}]
    if missing:
        p.add(f"points of {var} miss levels", *where, "points", value=missing,
              hint="give every level its points, so that every answer scores")
    return Item(var, tuple(out)) if len(out) == len(levels) else None


def load_spec(path: Path, codebook: Any, structure: Any, content: Any, strings: dict[str, Any]
              ) -> PersonalSpec:
    """Read ``path`` (data/personal.yaml) and check it; raise every problem at once.

    ``structure`` and ``content`` give the chapter 3 sections a practice may quote, and their
    «##» parts in every language; ``strings`` the interface strings, which must name every
    table and dimension in every language (``personal.table_<id>``, ``personal.dimension_<id>``).
    """
    from .config import read_yaml

    raw, node = read_yaml(path, with_node=True)
    p = _Problems(path, node)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path.name} must be a mapping of {', '.join(TOP_KEYS)}", file=path,
                          line=1)
    for key in raw:
        if key not in TOP_KEYS:
            p.add("unknown key", str(key), hint=_did_you_mean(key, list(TOP_KEYS)))
    for key in TOP_KEYS:
        if key not in raw:
            p.add(f"{key} is missing", hint="see docs/personal-reports.md")

    profile = _names(raw.get("profile")) or []
    if "profile" in raw and not profile:
        p.add("must be a list of variables", "profile", value=raw.get("profile"))
    for i, var in enumerate(profile):
        if _check_variable(p, codebook, var, "profile", i) and codebook.type(var) == "multiple":
            p.add("a profile variable has one answer", "profile", i, value=var)

    peers = _names(raw.get("peers"))
    if "peers" in raw and peers is None:
        p.add("must be a list of dimensions", "peers", value=raw.get("peers"))
    for i, dim in enumerate(peers or []):
        if dim not in codebook.dimensions:
            p.add("unknown dimension", "peers", i, value=dim,
                  hint=_did_you_mean(dim, codebook.dimensions))
    if peers and len(set(peers)) != len(peers):
        p.add("a dimension is listed twice", "peers", value=peers)

    def string_exists(key: str, *where: str | int) -> None:
        for lang in LANGUAGES:
            known = strings[lang].keys() if lang in strings else {key}
            if key not in known:
                p.add(f"no {lang} text for it in data/strings.toml", *where, value=key,
                      hint=f"add {key.split('.', 1)[1]} = \"…\" under [{lang}.personal]")

    for i, dim in enumerate(peers or []):
        string_exists(f"personal.peer_{dim}", "peers", i)

    tables: list[Table] = []
    raw_tables = raw.get("benchmarks")
    if "benchmarks" in raw and not (isinstance(raw_tables, list) and raw_tables):
        p.add("must be a list of tables (id, variables)", "benchmarks", value=raw_tables)
        raw_tables = []
    seen_tables: set[str] = set()
    for i, table in enumerate(raw_tables or []):
        if not isinstance(table, dict) or set(table) != {"id", "variables"}:
            p.add("a table has an id and variables, nothing else", "benchmarks", i, value=table)
            continue
        ident = str(table["id"])
        if ident in seen_tables:
            p.add("table id used twice", "benchmarks", i, "id", value=ident)
        seen_tables.add(ident)
        string_exists(f"personal.table_{ident}", "benchmarks", i, "id")
        names = _names(table["variables"])
        if names is None:
            p.add("must be a list of variables", "benchmarks", i, "variables",
                  value=table["variables"])
            continue
        good = [v for j, v in enumerate(names)
                if _check_variable(p, codebook, v, "benchmarks", i, "variables", j)]
        tables.append(Table(ident, tuple(good)))

    dimensions: list[Dimension] = []
    maturity = raw.get("maturity")
    raw_dims = maturity.get("dimensions") if isinstance(maturity, dict) else None
    if "maturity" in raw and not (isinstance(maturity, dict) and set(maturity) == {"dimensions"}
                                  and isinstance(raw_dims, list) and raw_dims):
        p.add("must hold dimensions: a list of (id, items)", "maturity", value=maturity)
        raw_dims = []
    for i, dim in enumerate(raw_dims or []):
        if not isinstance(dim, dict) or set(dim) != {"id", "items"} \
                or not isinstance(dim["items"], list) or not dim["items"]:
            p.add("a dimension has an id and a list of items", "maturity", "dimensions", i,
                  value=dim)
            continue
        string_exists(f"personal.dimension_{dim['id']}", "maturity", "dimensions", i, "id")
        items = [_item(p, codebook, item, "maturity", "dimensions", i, "items", j)
                 for j, item in enumerate(dim["items"])]
        dimensions.append(Dimension(str(dim["id"]), tuple(x for x in items if x is not None)))

    practices: list[Practice] = []
    chapter_sections = {s for ch in structure.chapters for s in ch.sections}
    raw_practices = raw.get("practices")
    if "practices" in raw and not (isinstance(raw_practices, dict) and raw_practices):
        p.add("must map practice ids to {section, part}", "practices", value=raw_practices)
        raw_practices = {}
    for ident, value in (raw_practices or {}).items():
        where = ("practices", str(ident))
        if not isinstance(value, dict) or set(value) != {"section", "part"}:
            p.add("a practice is {section: …, part: N}", *where, value=value)
            continue
        section, part = str(value["section"]), value["part"]
        if section not in chapter_sections:
            p.add("not a section of a chapter in data/structure.yaml", *where, "section",
                  value=section, hint=_did_you_mean(section, sorted(
                      s for s in chapter_sections if s.startswith("practice"))))
            continue
        if isinstance(part, bool) or not isinstance(part, int) or part < 1:
            p.add("part must be a whole number from 1", *where, "part", value=part)
            continue
        for lang in LANGUAGES:
            page = content.pages.get(lang, {}).get(section)
            if page is None:
                continue
            parts = count_parts(page.body)
            if part > len(parts):
                p.add(f"{page.path.name} ({lang}) has {len(parts)} «##» parts", *where, "part",
                      value=part, hint="count the «##» headings of the section's file")
        practices.append(Practice(str(ident), section, part))
    known = [pr.id for pr in practices] or [str(k) for k in (raw_practices or {})]

    def practice_ids(value: Any, *where: str | int) -> tuple[str, ...]:
        names = _names(value)
        if names is None:
            p.add("must be a list of practice ids", *where, value=value)
            return ()
        for j, name in enumerate(names):
            if name not in known:
                p.add("unknown practice", *where, j, value=name, hint=_did_you_mean(name, known))
        if len(set(names)) != len(names):
            p.add("a practice is listed twice", *where, value=names)
        return tuple(n for n in names if n in known)

    gaps: list[Gap] = []
    raw_gaps = raw.get("gaps")
    if "gaps" in raw and not isinstance(raw_gaps, list):
        p.add("must be a list of (variable, level, practices)", "gaps", value=raw_gaps)
        raw_gaps = []
    for i, gap in enumerate(raw_gaps or []):
        if not isinstance(gap, dict) or set(gap) != {"variable", "level", "practices"}:
            p.add("a gap has a variable, a level and practices, nothing else", "gaps", i,
                  value=gap)
            continue
        var = _check_variable(p, codebook, gap["variable"], "gaps", i, "variable")
        level = str(gap["level"])
        if var is not None:
            valid = codebook.levels(var) + (list(codebook.nets(var))
                                            if codebook.type(var) != "multiple" else [])
            if level not in valid:
                p.add(f"unknown level of {var}", "gaps", i, "level", value=gap["level"],
                      hint=_did_you_mean(level, valid))
                var = None
        chosen = practice_ids(gap["practices"], "gaps", i, "practices")
        if var is not None and chosen:
            gaps.append(Gap(var, level, chosen))

    fallback = practice_ids(raw.get("fallback"), "fallback") if "fallback" in raw else ()
    if "fallback" in raw and len(set(fallback)) < PRACTICES_SHOWN:
        p.add(f"must name at least {PRACTICES_SHOWN} practices", "fallback",
              value=raw.get("fallback"), hint="so that every report shows three practices")
    raise_if_any(p.errors, f"{path.name} has problems")
    assert peers is not None
    return PersonalSpec(tuple(profile), tuple(peers), tuple(tables), tuple(dimensions), tuple(practices),
                        tuple(gaps), tuple(fallback), path)
