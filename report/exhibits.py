"""Stage 3b, exhibits: turn figure and table definitions into the numbers they show.

Input: ``data/figures.yaml`` and ``data/tables.yaml`` (language-neutral definitions: kind, variables,
grouping, captions in both languages) and the :class:`~report.statistics.Statistics` of the survey.
Output: for each language, one :class:`ExhibitData` per definition: row and series labels from the
codebook, one :class:`Cell` per value with its estimate, its formatted text («71 %» / "71%"), its
significance marker and its quality flag, and the notes every survey exhibit carries (base, source,
significance, caution, multiple response). Charts (``report.charts``) and tables (templates) are
drawn from this, so a chart, its data table and the prose always show the same rounded number.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError, ReportError, raise_if_any, read_utf8, yaml_duplicate_keys
from .i18n import LANGUAGES, Formatter, Strings, typography

FIGURE_KINDS = {"bars", "groups", "grouped", "distribution"}
TABLE_KINDS = {"crosstab"}
DEF_KEYS = {"id", "kind", "variables", "variable", "by", "level", "sort", "caption"}
SORTS = ("none", "descending")
MARKERS = {"higher": "▲", "lower": "▼"}


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping (for error messages)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    mapping["__keys__"] = {str(k.value): k.start_mark.line + 1 for k, _v in node.value
                           if isinstance(k, yaml.ScalarNode)}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass(frozen=True)
class ExhibitDef:
    id: str
    family: str  # figure | table
    kind: str
    variables: tuple[str, ...]
    by: str | None
    level: str | None
    sort: str
    caption: dict[str, str]
    file: Path
    line: int


@dataclass(frozen=True)
class Cell:
    p: float | None
    text: str
    marker: str  # "▲", "▼" or ""
    flag: str  # ok | caution | suppressed
    n: int


@dataclass(frozen=True)
class ExhibitData:
    """What one figure or table shows, in one language."""

    id: str
    family: str
    kind: str
    caption: str
    row_labels: tuple[str, ...]
    series_labels: tuple[str, ...]  # one series for bars, groups and distribution
    cells: tuple[tuple[Cell, ...], ...]  # [row][series]
    bases: tuple[int, ...]  # unweighted base per series (per row for `groups`)
    base_note: str
    notes: tuple[str, ...]
    source: str
    alt: str


def _read_definitions(path: Path, family: str) -> list[Any]:
    """The parsed YAML list of a definitions file; every mapping carries its lines."""
    text = read_utf8(path, ContentError, missing=f"{family} definitions not found",
                     missing_hint=f"restore data/{path.name}; it lists the report's {family}s",
                     hint="save it as UTF-8", column=False)
    if not text.strip():
        raise ContentError("file is empty", file=path,
                           hint=f"list the {family}s, or restore the file from the project's "
                           "history")
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        duplicates = yaml_duplicate_keys(node)
        raw = (loader.construct_document(node) if node is not None else None) or []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ContentError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", file=path,
                           line=mark.line + 1 if mark else None,
                           column=mark.column + 1 if mark else None,
                           hint="check the indentation, colons, brackets and quotes on this line "
                           "or the one before") from None
    finally:
        loader.dispose()
    raise_if_any([ContentError("key written twice", file=path, line=line, value=key,
                               hint=f"it is already on line {first}: keep one of them")
                  for key, line, first in duplicates], f"{path.name} has problems")
    if not isinstance(raw, list):
        raise ContentError(f"{path.name} must be a list of {family} definitions", file=path,
                           line=1, hint=f"start each {family} with a line '- id: …'")
    return raw


def load_definitions(path: Path, family: str, codebook: Any,
                     problems: list[ReportError] | None = None) -> dict[str, ExhibitDef]:
    """Read and check figures.yaml or tables.yaml against the codebook; report every problem.

    Every problem is raised at once; or, given a ``problems`` list (``--check``), added to it, and
    the definitions that could be read are returned.
    """
    raw = _read_definitions(path, family)
    kinds = FIGURE_KINDS if family == "figure" else TABLE_KINDS
    errors: list[ReportError] = []
    defs: dict[str, ExhibitDef] = {}
    seen: set[str] = set()
    known = set(codebook.variables)
    for item in raw:
        line = item.get("__line__") if isinstance(item, dict) else None
        if not isinstance(item, dict) or not isinstance(item.get("id"), str | int) \
                or not str(item.get("id")).strip():
            errors.append(ContentError(f"each {family} needs an id", file=path, line=line,
                                       hint=f"start it with '- id: {family[:3]}-…'"))
            continue
        ident = str(item["id"])
        keys = item.get("__keys__", {})

        def err(message: str, value: Any = None, hint: str | None = None, key: str | None = None,
                _line: int | None = line, _keys: dict[str, int] = keys) -> None:
            errors.append(ContentError(message, file=path, line=_keys.get(key or "", _line),
                                       value=value, hint=hint))

        for key in item:
            if key not in DEF_KEYS and key not in ("__line__", "__keys__"):
                err(f"unknown key in {family} {ident}", key,
                    f"use {', '.join(sorted(DEF_KEYS))}", key=str(key))
        harmless = len(errors)  # the problems above do not keep the exhibit from being computed
        kind = item.get("kind")
        if kind not in kinds:
            err(f"unknown {family} kind", kind, f"use one of {', '.join(sorted(kinds))}", "kind")
        variables = item.get("variables")
        if variables is None:
            variables = [item["variable"]] if item.get("variable") is not None else []
        elif not isinstance(variables, list):
            err(f"variables of {family} {ident} must be a list", variables,
                "write variables: [first, second, …]", "variables")
            variables = []
        if not variables:
            err(f"{family} {ident} names no variable", hint="add variable: or variables:")
        for var in variables:
            if not isinstance(var, str) or _base_variable(var, codebook) not in known:
                err("unknown variable", var, "see data/survey/codebook.yaml",
                    "variable" if "variable" in item else "variables")
        variables = [str(v) for v in variables]
        by = item.get("by")
        if kind in ("groups", "grouped", "crosstab") and not by:
            err(f"a {kind} {family} needs by:", hint="by: legal_form, size or region")
        if by is not None and (not isinstance(by, str) or by not in codebook.dimensions):
            err("unknown grouping dimension", by,
                f"use one of {', '.join(codebook.dimensions)}", "by")
        level = item.get("level")
        if level is not None and not isinstance(level, str | int):
            err("level must be a code", level, 'write level: "1" or level: none', "level")
        sort = str(item.get("sort", "none"))
        if sort not in SORTS:
            err("unknown sort", item.get("sort"), f"use {' or '.join(SORTS)}", "sort")
        usable = len(errors) == harmless
        caption = item.get("caption") or {}
        for lang in LANGUAGES:
            text = caption.get(lang) if isinstance(caption, dict) else None
            if not isinstance(text, str) or not text.strip():
                err(f"{family} {ident} has no {lang} caption", hint=f"add caption: {{{lang}: …}}",
                    key="caption")
        if ident in seen:
            err(f"{family} id defined twice", ident, key="id")
        seen.add(ident)
        if not usable:
            continue
        defs[ident] = ExhibitDef(
            id=ident, family=family, kind=str(kind), variables=tuple(variables),
            by=by if isinstance(by, str) else None,
            level=None if level is None else str(level), sort=sort,
            caption={lang: str(caption.get(lang, "")) for lang in LANGUAGES}
            if isinstance(caption, dict) else {}, file=path, line=int(line or 0),
        )
    if problems is not None:
        problems.extend(errors)
    else:
        raise_if_any(errors, f"{path.name} has problems")
    return defs


def _base_variable(var: str, codebook: Any) -> str:
    """``barriers__cost`` names option ``cost`` of the multiple-response variable ``barriers``."""
    return var.split("__", 1)[0] if "__" in var and var not in codebook.variables else var


def _query(stats: Any, var: str, by: str | None = None, group: str | None = None,
           level: str | None = None) -> Any:
    codebook = stats.codebook
    base = _base_variable(var, codebook)
    if base != var:
        level = var.split("__", 1)[1]
    return stats.stat(base, level=level, by=by, group=group)


def _label(codebook: Any, var: str, lang: str) -> str:
    base = _base_variable(var, codebook)
    if base != var:
        return codebook.level_label(base, var.split("__", 1)[1], lang)
    return codebook.label(var, lang)


def cell(estimate: Any, fmt: Formatter) -> Cell:
    """Format one estimate as the exhibits show it: value, marker, quality flag."""
    if estimate.flag == "suppressed" or estimate.p is None:
        return Cell(None, "F", "", "suppressed", estimate.n)
    text = fmt.percent(estimate.p)
    if estimate.flag == "caution":
        text += "\u00a0E"
    marker = MARKERS.get(estimate.significance or "", "")
    return Cell(estimate.p, text, marker, estimate.flag, estimate.n)


def compute_exhibit(defn: ExhibitDef, stats: Any, lang: str, strings: Strings) -> ExhibitData:
    """The data behind one figure or table, in one language."""
    fmt = Formatter(lang)
    cb = stats.codebook
    rows: list[str]
    series: list[str]
    grid: list[list[Any]]
    if defn.kind == "bars":
        rows = [_label(cb, v, lang) for v in defn.variables]
        series = [strings["exhibit.all"]]
        grid = [[_query(stats, v, level=defn.level)] for v in defn.variables]
    elif defn.kind == "distribution":
        var = defn.variables[0]
        rows = [cb.level_label(var, code, lang) for code in cb.levels(var)]
        series = [strings["exhibit.all"]]
        grid = [[e] for e in stats.distribution(var)]
    elif defn.kind == "groups":
        var = defn.variables[0]
        groups = cb.levels(defn.by)
        rows = [cb.level_label(defn.by, g, lang) for g in groups]
        series = [_label(cb, var, lang)]
        grid = [[_query(stats, var, by=defn.by, group=g, level=defn.level)] for g in groups]
    else:  # grouped, crosstab
        groups = cb.levels(defn.by)
        rows = [_label(cb, v, lang) for v in defn.variables]
        series = [cb.level_label(defn.by, g, lang) for g in groups]
        grid = [[_query(stats, v, by=defn.by, group=g, level=defn.level) for g in groups]
                for v in defn.variables]
        if defn.kind == "crosstab":
            series = [strings["exhibit.all"], *series]
            grid = [[_query(stats, v, level=defn.level), *row]
                    for v, row in zip(defn.variables, grid, strict=True)]
    if defn.sort == "descending" and defn.kind == "bars":
        order = sorted(range(len(rows)), key=lambda i: -(grid[i][0].p or 0))
        rows = [rows[i] for i in order]
        grid = [grid[i] for i in order]
    cells = tuple(tuple(cell(e, fmt) for e in row) for row in grid)
    flat = [e for row in grid for e in row]
    if defn.kind == "groups":
        bases = tuple(row[0].n for row in grid)
    else:
        bases = tuple(grid[0][j].n for j in range(len(series)))
    first = _base_variable(defn.variables[0], cb)
    total_n = max(e.n for e in flat if e.by is None) if any(e.by is None for e in flat) \
        else sum(bases)
    base_note = strings.format("exhibit.base", universe=cb.universe(first, lang),
                               n=fmt.number(total_n))
    notes: list[str] = []
    if any(e.significance for e in flat):
        notes.append(strings["exhibit.note_significance"])
    if any(c.flag == "caution" for row in cells for c in row):
        notes.append(strings["exhibit.note_caution"])
    if any(c.flag == "suppressed" for row in cells for c in row):
        notes.append(strings["exhibit.note_suppressed"])
    if cb.type(first) == "multiple":
        notes.append(strings["exhibit.note_multiple"])
    source = _source_note(defn, cb, lang, strings)
    caption = typography(defn.caption[lang], lang)
    alt = _alt_text(caption, rows, series, cells, strings)
    return ExhibitData(defn.id, defn.family, defn.kind, caption, tuple(rows), tuple(series),
                       cells, bases, base_note, tuple(notes), source, alt)


def _source_note(defn: ExhibitDef, cb: Any, lang: str, strings: Strings) -> str:
    """Say which values are published 2017 figures and which are illustrative."""
    published = {v: cb.published(_base_variable(v, cb)) for v in defn.variables}
    if defn.by is not None or not any(published.values()):
        return strings["exhibit.source_illustrative"]
    sources = "; ".join(sorted({str(p.get("source")) for p in published.values() if p}))
    if all(published.values()):
        return strings.format("exhibit.source_published", sources=sources)
    labels = [_label(cb, v, lang) for v, p in published.items() if p]
    if lang == "fr":  # mid-sentence: «suite bureautique», but «ERP» stays as it is
        labels = [w[0].lower() + w[1:] if w[1:2].islower() else w for w in labels]
    return strings.format("exhibit.source_mixed", sources=sources, labels=", ".join(labels))


def _alt_text(caption: str, rows: list[str], series: list[str],
              cells: tuple[tuple[Cell, ...], ...], strings: Strings) -> str:
    """A sentence a screen reader can read instead of the chart: every value, in order, each
    significant difference (a ▲ or ▼ on the chart) said in words after its value, and then what
    the markers mean."""
    words = {"▲": strings["marker_higher"], "▼": strings["marker_lower"]}

    def value(c: Cell) -> str:
        return f"{c.text} ({words[c.marker]})" if c.marker else c.text

    parts = []
    for label, row in zip(rows, cells, strict=True):
        if len(series) == 1:
            parts.append(f"{label} : {value(row[0])}" if strings.lang == "fr"
                         else f"{label}: {value(row[0])}")
        else:
            values = ", ".join(f"{s} {value(c)}" for s, c in zip(series, row, strict=True))
            parts.append(f"{label} ({values})")
    intro = strings.format("exhibit.alt_intro", caption=caption)
    alt = intro + " " + "; ".join(parts) + "."
    if any(c.marker for row in cells for c in row):
        alt += " " + strings["exhibit.note_significance"].lstrip("▲▼ ")
    return alt


def compute_exhibits(defs: dict[str, ExhibitDef], stats: Any,
                     strings: dict[str, Strings]) -> dict[str, dict[str, ExhibitData]]:
    """Every exhibit in every language: ``result[lang][id]``."""
    return {
        lang: {key: compute_exhibit(d, stats, lang, strings[lang]) for key, d in defs.items()}
        for lang in strings
    }
