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

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostics
from .errors import ContentError
from .i18n import Formatter, Strings, typography

if TYPE_CHECKING:
    from .codebook import Codebook

FIGURE_KINDS = {"bars", "groups", "grouped", "distribution"}
TABLE_KINDS = {"crosstab"}
MARKERS = {"higher": "▲", "lower": "▼"}


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


def load_definitions(path: Path, family: str, codebook: Codebook, diag: Diagnostics, *,
                     root: Path | None = None, named: set[str] | None = None
                     ) -> dict[str, ExhibitDef] | None:
    """Read and check ``figures.yaml`` or ``tables.yaml``: each definition against its schema
    (:class:`~report.schemas.ExhibitFile`), then its kind, variables and dimension against the
    codebook; every problem goes to ``diag``. Returns the definitions that can be computed, or
    None when the file cannot be read. ``named`` receives every id the file defines, broken
    definitions' included (so that the content placing them is not reported as well)."""
    from .schemas import ExhibitFile, validate
    from .sources import load_yaml

    with diag.collecting():
        source = load_yaml(path, ContentError, root=root,
                           missing=f"{family} definitions not found",
                           missing_hint=f"restore data/{path.name}; it lists the report's "
                           f"{family}s", empty_hint=f"list the {family}s, or restore the file "
                           "from the project's history")
        if not isinstance(source.data, list):
            raise source.error(ContentError, f"{path.name} must be a list of {family} "
                               "definitions", (), hint=f"start each {family} with a line '- id: …'")
        kinds = FIGURE_KINDS if family == "figure" else TABLE_KINDS
        defs: dict[str, ExhibitDef] = {}
        for index, item in enumerate(source.data):
            found = len(diag.errors)
            written = item.get("id") if isinstance(item, dict) else None
            if named is not None and isinstance(written, str):
                named.add(written)
            label = f"{family} {written}" if isinstance(written, str) else \
                f"{family} {index + 1}"
            model = validate(ExhibitFile, source, diag, ContentError, data=item, prefix=(index,),
                             label=label)
            if model is None:
                continue
            ident = model.id

            def err(message: str, key: str | None = None, value: Any = None,
                    hint: str | None = None, _index: int = index, _label: str = label) -> None:
                diag.error(source.error(ContentError, f"{_label}: {message}",
                                        (_index, key) if key else (_index,), value=value,
                                        hint=hint))

            if model.kind not in kinds:
                err(f"a {model.kind} is not a kind of {family}", "kind", model.kind,
                    f"use one of {', '.join(sorted(kinds))}")
            variables = list(model.variables or [model.variable or ""])
            known = codebook.variables
            for var in variables:
                if _base_variable(var, codebook) not in known:
                    close = difflib.get_close_matches(var, known, n=1)
                    err("unknown variable", "variable" if model.variable else "variables", var,
                        f"did you mean {close[0]!r}?" if close else
                        "see data/survey/codebook.yaml")
            if model.kind in ("groups", "grouped", "crosstab") and not model.by:
                err(f"a {model.kind} {family} needs by:", None, None,
                    "by: legal_form, size or region")
            if model.by is not None and model.by not in codebook.dimensions:
                err("unknown grouping dimension", "by", model.by,
                    f"use one of {', '.join(codebook.dimensions)}")
            if ident in defs:
                err("id defined twice", "id", ident, "give each figure and table its own id")
                continue
            if len(diag.errors) > found:
                continue
            defs[ident] = ExhibitDef(
                id=ident, family=family, kind=model.kind, variables=tuple(variables),
                by=model.by, level=model.level, sort=model.sort,
                caption=model.caption.as_dict(), file=path,
                line=source.where((index,))[0] or 0)
        return defs
    return None


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
