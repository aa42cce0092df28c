"""Stage 3b, exhibits: turn figure and table definitions into the numbers they show.

Input: ``data/figures.yaml`` and ``data/tables.yaml`` (language-neutral definitions: kind, variables,
grouping, captions in both languages) and the :class:`~report.statistics.Statistics` of the survey.
Output: for each language, one :class:`ExhibitData` per definition: row and series labels from the
codebook, one :class:`Cell` per value with its estimate, its formatted text («71 %» / "71%"), its
95 % interval, its significance marker, its quality flag and its source, and the notes every survey
exhibit carries (base, source, significance, caution, multiple response). Charts
(``report.charts``) and tables (templates) are drawn from this, so a chart, its data table and the
prose always show the same rounded number.

What is computed here rather than in the statistics stage, because it depends on the exhibit:

* markers: each subgroup is tested against its complement (``Estimate.p_value``); the p-values of
  one exhibit are adjusted together for multiple comparisons (``statistics.ADJUSTMENT``:
  Benjamini–Hochberg by default, or Holm) and ▲ ▼ follow the adjusted result. In a dimension of
  two groups, «coop vs the rest» and «npo vs the rest» are one hypothesis, counted once;
* sources: whether a value is a published 2017 figure is decided per cell (variable, level and
  subgroup) from the codebook's ``published`` entries, never per variable;
* notes: the E and F notes appear only under an exhibit that has an E or an F;
* ``kind: margins`` (tables only): the weighting diagnostics of the methodology, one row per group
  of each raking margin: respondents, sample share, weighted share, population share.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostics
from .errors import ContentError
from .i18n import Formatter, Strings, typography

if TYPE_CHECKING:
    from .codebook import Codebook

FIGURE_KINDS = {"bars", "groups", "grouped", "distribution"}
TABLE_KINDS = {"crosstab", "margins"}
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
    ci: str = ""  # the 95 % interval in percent, «66–75» ("" when suppressed)
    source: str | None = None  # the published 2017 source of this value; None: illustrative
    p_adjusted: float | None = None  # the test against the complement, adjusted in the exhibit
    p_value: float | None = None  # the same test, unadjusted (None: not tested)


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
    # Rows grouped under headings (label, number of rows), in order; () when the rows are not
    # grouped (the weighting table groups its rows by margin).
    row_groups: tuple[tuple[str, int], ...] = ()

    @property
    def group_starts(self) -> dict[int, str]:
        """The index of each row group's first row → the group's heading."""
        starts, index = {}, 0
        for label, count in self.row_groups:
            starts[index] = label
            index += count
        return starts


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


def interval_text(estimate: Any, fmt: Formatter) -> str:
    """The 95 % interval in whole percent, «66–75» (the exhibit's note gives the unit); "" when
    the estimate is suppressed."""
    if estimate.ci_low is None or estimate.ci_high is None:
        return ""
    return f"{fmt.number(estimate.ci_low * 100)}\u2013{fmt.number(estimate.ci_high * 100)}"


def cell(estimate: Any, fmt: Formatter, significance: str | bool | None = True,
         source: str | None = None, p_adjusted: float | None = None) -> Cell:
    """Format one estimate as the exhibits show it: value, interval, marker, quality flag.

    ``significance``: the marker's direction ("higher", "lower" or None), as adjusted in the
    exhibit; True (the default) takes the estimate's own, unadjusted test.
    """
    if estimate.flag == "suppressed" or estimate.p is None:
        return Cell(None, "F", "", "suppressed", estimate.n, "", source)
    text = fmt.percent(estimate.p)
    if estimate.flag == "caution":
        text += "\u00a0E"
    direction = estimate.significance if significance is True else significance
    marker = MARKERS.get(str(direction or ""), "")
    return Cell(estimate.p, text, marker, estimate.flag, estimate.n, interval_text(estimate, fmt),
                source, p_adjusted, None if p_adjusted is None else estimate.p_value)


def adjusted_tests(grid: list[list[Any]], codebook: Any, method: str | None = None
                   ) -> dict[tuple[int, int], tuple[str | None, float]]:
    """The tests of one exhibit's subgroups against their complements, adjusted together.

    Returns ``{(row, series): (significance, adjusted p-value)}`` for every tested cell (a
    subgroup whose estimate is not suppressed). In a dimension of two groups the two cells are one
    hypothesis (each group's complement is the other group), counted once in the family.
    """
    from .statistics import ADJUSTMENT, significance_of
    from .variance import ADJUSTMENTS

    family: dict[tuple[Any, ...], list[tuple[int, int]]] = {}
    for r, row in enumerate(grid):
        for c, est in enumerate(row):
            if est.by is None or est.p_value is None or est.flag == "suppressed":
                continue
            two = len(codebook.levels(est.by)) == 2
            key = (est.variable, est.level, est.by) + (() if two else (est.group,))
            family.setdefault(key, []).append((r, c))
    if not family:
        return {}
    keys = list(family)
    first = [family[k][0] for k in keys]
    adjusted = ADJUSTMENTS[method or ADJUSTMENT]([grid[r][c].p_value for r, c in first])
    out: dict[tuple[int, int], tuple[str | None, float]] = {}
    for key, p_adj in zip(keys, adjusted, strict=True):
        for r, c in family[key]:
            out[(r, c)] = (significance_of(grid[r][c].difference, p_adj), p_adj)
    return out


def _published_source(estimate: Any, codebook: Any) -> str | None:
    """The source of the published 2017 figure this estimate reproduces, or None (illustrative):
    decided for this variable, level and subgroup, never for the variable as a whole."""
    entry = codebook.published(estimate.variable, level=estimate.level, by=estimate.by,
                               group=estimate.group)
    return None if entry is None else str(entry.get("source"))


def _source_name(source: str | None, lang: str,
                 cite: Callable[[str, str], str] | None) -> str | None:
    return source if source is None or cite is None else cite(source, lang)


def compute_exhibit(defn: ExhibitDef, stats: Any, lang: str, strings: Strings,
                    cite: Callable[[str, str], str] | None = None) -> ExhibitData:
    """The data behind one figure or table, in one language. ``cite(source, lang)`` names a
    published figure's source (report.bibliography: «Direction Informatique 2017», the codebook
    giving a bibliography id); without it the codebook's text is printed as it is."""
    if defn.kind == "margins":
        return _margins_exhibit(defn, stats, lang, strings)
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
    tests = adjusted_tests(grid, cb)
    cells = tuple(
        tuple(cell(e, fmt, tests.get((r, c), (None, None))[0],
                   _source_name(_published_source(e, cb), lang, cite),
                   tests.get((r, c), (None, None))[1]) for c, e in enumerate(row))
        for r, row in enumerate(grid))
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
    notes = quality_notes(cells, strings, fmt)
    if cb.type(first) == "multiple":
        notes.append(strings["exhibit.note_multiple"])
    source = _source_note(rows, series, cells, lang, strings)
    caption = typography(defn.caption[lang], lang)
    alt = _alt_text(caption, rows, series, cells, strings)
    return ExhibitData(defn.id, defn.family, defn.kind, caption, tuple(rows), tuple(series),
                       cells, bases, base_note, tuple(notes), source, alt)


def quality_notes(cells: tuple[tuple[Cell, ...], ...], strings: Strings, fmt: Formatter
                  ) -> list[str]:
    """The notes on markers and flags that this exhibit needs: each only when a cell has it."""
    from .statistics import ADJUSTMENT, CAUTION_N, CV_CAUTION, CV_SUPPRESS, SUPPRESS_N

    flat = [c for row in cells for c in row]
    notes = []
    if any(c.marker for c in flat):
        notes.append(strings.format("exhibit.note_significance",
                                    method=strings[f"stats.method_{ADJUSTMENT}"]))
    limits = {"cv_low": fmt.percent(CV_CAUTION, 1), "cv_high": fmt.percent(CV_SUPPRESS, 1),
              "n_caution": fmt.number(CAUTION_N), "n_suppressed": fmt.number(SUPPRESS_N)}
    if any(c.flag == "caution" for c in flat):
        notes.append(strings.format("exhibit.note_caution", **limits))
    if any(c.flag == "suppressed" for c in flat):
        notes.append(strings.format("exhibit.note_suppressed", **limits))
    return notes


def _source_note(rows: list[str], series: list[str], cells: tuple[tuple[Cell, ...], ...],
                 lang: str, strings: Strings) -> str:
    """Say which values are published 2017 figures and which are illustrative, value by value."""
    shown = [(r, c, cell) for r, row in enumerate(cells) for c, cell in enumerate(row)]
    published = [(r, c, cell) for r, c, cell in shown if cell.source]
    if not published:
        return strings["exhibit.source_illustrative"]
    sources = sorted({str(cell.source) for _r, _c, cell in published})
    if len(published) == len(shown):
        return strings.format("exhibit.source_published", sources="; ".join(sources))

    def lower(label: str) -> str:  # mid-sentence in French: «suite bureautique», «ERP» kept
        return label[0].lower() + label[1:] if lang == "fr" and label[1:2].islower() else label

    parts = []
    for source in sources:
        mine = [(r, c) for r, c, cell in published if cell.source == source]
        by_series: dict[int, list[int]] = {}
        for r, c in mine:
            by_series.setdefault(c, []).append(r)
        groups = []
        for c, rs in by_series.items():
            labels = ", ".join(lower(rows[r]) for r in rs)
            groups.append(labels if len(series) == 1 else
                          strings.format("stats.source_series", series=series[c],
                                         labels=labels))
        parts.append(strings.format("stats.source_part", labels="; ".join(groups),
                                    source=source))
    return strings.format("exhibit.source_mixed", published="; ".join(parts))


def _margins_exhibit(defn: ExhibitDef, stats: Any, lang: str, strings: Strings) -> ExhibitData:
    """The weighting table: for each group of each raking margin, the respondents, their share of
    the sample, their share after weighting and the population's share (the margin)."""
    fmt = Formatter(lang)
    cb = stats.codebook
    margins = stats.design.margins
    known = {row.variable for row in margins}
    missing = [v for v in defn.variables if v not in known]
    if missing:
        raise ContentError(f"table {defn.id}: not a raking margin", file=defn.file,
                           line=defn.line, value=", ".join(missing),
                           hint="list margins of data/survey/margins.yaml: "
                           + ", ".join(sorted(known)))
    rows: list[str] = []
    cells: list[tuple[Cell, ...]] = []
    row_groups: list[tuple[str, int]] = []
    for var in defn.variables:
        mine = [row for row in margins if row.variable == var]
        heading = typography(cb.dimension_label(var, lang), lang) if var in cb.dimensions \
            else cb.label(var, lang)
        row_groups.append((heading, len(mine)))
        for row in mine:
            rows.append(cb.level_label(var, row.code, lang))
            cells.append((
                Cell(None, fmt.number(row.n), "", "ok", row.n),
                Cell(row.sample_share, fmt.percent(row.sample_share, 1), "", "ok", row.n),
                Cell(row.weighted_share, fmt.percent(row.weighted_share, 1), "", "ok", row.n),
                Cell(row.population_share, fmt.percent(row.population_share, 1), "", "ok", row.n),
            ))
    series = [strings["stats.margins_n"], strings["stats.margins_sample"],
              strings["stats.margins_weighted"], strings["stats.margins_population"]]
    n = stats.design.n
    base_note = strings.format("exhibit.base", universe=cb.universe(defn.variables[0], lang),
                               n=fmt.number(n))
    caption = typography(defn.caption[lang], lang)
    grid = tuple(cells)
    return ExhibitData(defn.id, defn.family, defn.kind, caption, tuple(rows), tuple(series), grid,
                       (n, n, n, n), base_note, (strings["stats.margins_note"],),
                       strings["stats.margins_source"],
                       _alt_text(caption, rows, series, grid, strings), tuple(row_groups))


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
        from .statistics import ADJUSTMENT

        alt += " " + strings.format("exhibit.note_significance",
                                    method=strings[f"stats.method_{ADJUSTMENT}"]).lstrip("▲▼ ")
    return alt


def compute_exhibits(defs: dict[str, ExhibitDef], stats: Any, strings: dict[str, Strings],
                     cite: Callable[[str, str], str] | None = None
                     ) -> dict[str, dict[str, ExhibitData]]:
    """Every exhibit in every language: ``result[lang][id]`` (``cite``: see compute_exhibit)."""
    return {
        lang: {key: compute_exhibit(d, stats, lang, strings[lang], cite)
               for key, d in defs.items()}
        for lang in strings
    }
