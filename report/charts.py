"""Stage 4, charts: draw each figure as a vector SVG with Altair and vl-convert-python.

Input: the :class:`~report.exhibits.ExhibitData` of a figure in one language, and the theme's design
tokens (colours, chart font).
Output: a :class:`Chart`: the SVG text (fonts named as the report's ``@font-face`` declares them, so
WeasyPrint sets chart labels in the report's own typeface), its size and its alternative text.

Numbers on the bars are the exhibit's own formatted texts (rounded half up by the locale layer), so a
chart never disagrees with its data table or the prose; axis ticks use the language's d3 number
locale (decimal comma and no-break space before % in French).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import RenderError
from .exhibits import ExhibitData

D3_LOCALES: dict[str, dict[str, Any]] = {
    "fr": {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", "\u00a0$"],
           "percent": "\u00a0%"},
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""]},
}
WIDTH = 400  # px (1/96 in): the plot area; labels add to it
BAR = 17  # px per bar
_registered: set[str] = set()


@dataclass(frozen=True)
class ChartStyle:
    """Design tokens the charts use (from the theme)."""

    font: str
    font_dir: Path
    text: str
    muted: str
    grid: str
    palette: tuple[str, ...]
    background: str = "transparent"


@dataclass(frozen=True)
class Chart:
    id: str
    svg: str
    width: float
    height: float
    alt: str


def _frame(data: ExhibitData) -> list[dict[str, Any]]:
    records = []
    for r, (label, row) in enumerate(zip(data.row_labels, data.cells, strict=True)):
        for s, (series, cell) in enumerate(zip(data.series_labels, row, strict=True)):
            records.append({
                "row": label, "row_index": r, "series": series, "series_index": s,
                "value": cell.p if cell.p is not None else 0.0,
                "label": (cell.text + (" " + cell.marker if cell.marker else "")),
                "suppressed": cell.flag == "suppressed",
            })
    return records


def build_spec(data: ExhibitData, style: ChartStyle) -> dict[str, Any]:
    """The Vega-Lite specification of one figure (a plain dict, JSON-serialisable)."""
    import altair as alt  # here, not at the top: a rebuild whose charts are cached never needs it

    records = _frame(data)
    multi = len(data.series_labels) > 1
    rows = list(data.row_labels)
    n_bars = len(records)
    height = BAR * n_bars + (6 * len(rows) if multi else 0)
    y = alt.Y("row:N", sort=rows, title=None,
              axis=alt.Axis(labelLimit=250, labelFontSize=11.5, labelColor=style.text,
                            ticks=False, domain=False, labelPadding=6))
    x = alt.X("value:Q", title=None, scale=alt.Scale(domain=[0, 1]),
              axis=alt.Axis(format="%", tickCount=5, labelFontSize=10, labelColor=style.muted,
                            grid=True, gridColor=style.grid, domain=False, ticks=False))
    # The rows join the spec after Altair has built it: Altair deep-copies a chart's inline data
    # at every layer and encoding, which made up half of the time this function took.
    base = alt.Chart(alt.Data(name="table")).encode(y=y)
    if multi:
        colour = alt.Color("series:N", sort=list(data.series_labels), title=None,
                           scale=alt.Scale(domain=list(data.series_labels),
                                           range=list(style.palette[: len(data.series_labels)])),
                           legend=alt.Legend(orient="top", direction="horizontal",
                                             labelFontSize=11, symbolType="square",
                                             labelColor=style.text, columnPadding=14))
        bars = base.mark_bar(height={"band": 0.9}).encode(
            x=x, color=colour, yOffset=alt.YOffset("series:N", sort=list(data.series_labels)))
        labels = base.mark_text(align="left", dx=4, fontSize=10.5, color=style.text).encode(
            x=alt.X("value:Q"), text=alt.Text("label:N"),
            yOffset=alt.YOffset("series:N", sort=list(data.series_labels)))
    else:
        bars = base.mark_bar(height={"band": 0.72}, color=style.palette[0]).encode(x=x)
        labels = base.mark_text(align="left", dx=4, fontSize=11, color=style.text,
                                fontWeight=600).encode(x=alt.X("value:Q"),
                                                       text=alt.Text("label:N"))
    chart = (bars + labels).properties(width=WIDTH, height=height)
    config = {
        "font": style.font,
        "background": style.background,
        "view": {"stroke": None},
        "padding": {"left": 2, "right": 40, "top": 4, "bottom": 2},
        "axis": {"labelFont": style.font, "titleFont": style.font},
        "legend": {"labelFont": style.font},
        "text": {"font": style.font},
    }
    spec = chart.to_dict(validate=False)
    spec["data"] = {"values": records}
    spec["config"] = {**spec.get("config", {}), **config}
    spec.pop("$schema", None)
    return spec


def _register_font(style: ChartStyle) -> None:
    import vl_convert as vlc

    key = str(style.font_dir)
    if key not in _registered:
        vlc.register_font_directory(key)
        _registered.add(key)


def render_chart(data: ExhibitData, style: ChartStyle, lang: str) -> Chart:
    """Draw one figure in one language as SVG, from its :func:`build_spec`.

    The chart engine starts with the first drawing in a process (its cost: docs/performance.md).
    """
    import vl_convert as vlc

    spec = build_spec(data, style)
    _register_font(style)
    try:
        svg = vlc.vegalite_to_svg(spec, format_locale=D3_LOCALES[lang])
    except Exception as exc:  # vl-convert raises plain ValueError with the engine's message
        raise RenderError(f"chart {data.id} could not be drawn: {exc}",
                          file="data/figures.yaml", value=data.id) from None
    width, height = _size(svg)
    return Chart(data.id, _clean_svg(svg, data.alt), width, height, data.alt)


def chart_key(data: ExhibitData, style: ChartStyle, lang: str) -> str:
    """A content hash of everything that shapes a chart (for caching), computed without making
    its spec: what the spec is made of (the figure's data and texts in this language, the theme's
    chart style), and the number locale. The code that turns them into a spec and the versions of
    Altair and vl-convert are in every cache key (:func:`report.cache.key`), and the chart font's
    files in the chart cache's; so a cached chart is one :func:`build_spec` and
    :func:`render_chart` would draw again, and a rebuild whose charts are all cached needs neither
    Altair nor the chart engine.
    """
    style_fields = {f.name: getattr(style, f.name) for f in dataclasses.fields(style)
                    if f.name != "font_dir"}  # the folder's files are hashed by the caller
    blob = json.dumps([dataclasses.asdict(data), style_fields, lang, D3_LOCALES[lang]],
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _size(svg: str) -> tuple[float, float]:
    match = re.search(r'<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"', svg)
    if not match:
        raise RenderError("vl-convert returned an SVG without a size")
    return float(match.group(1)), float(match.group(2))


def _clean_svg(svg: str, alt: str) -> str:
    """Give the SVG a <title> (its accessible name) and drop what the PDF does not use."""
    from html import escape

    svg = re.sub(r'\s(aria-roledescription|aria-label|role|class)="[^"]*"', "", svg)
    svg = re.sub(r"<svg([^>]*)>", lambda m: f'<svg{m.group(1)} role="img"><title>'
                 f"{escape(alt)}</title>", svg, count=1)
    return svg
