"""Personal reports, the builder: one enterprise's :class:`~report.personal_model.Portrait` to PDF.

Input: a :class:`Shared` state, made once per build in the parent process (the spec, the
population's benchmarks and score distribution, the codebook's labels, the theme, the interface
strings, the chapter 3 practice texts taken from each language's assembled document, the page
settings) and, per report, a :class:`~report.personal_model.Respondent` (its id, answers and
language).
Output: a :class:`Rendered` (the PDF bytes, its page count and the engine's warnings) or a
:class:`Failed` naming the respondent and what went wrong. Nothing is written here.

A worker process builds its :class:`Worker` once (:func:`install`): the Jinja templates, the PDF
engine's font configuration (the theme's fonts are read and registered once, not once per report),
the chart engine with the chart font registered, and the shared state unpickled once. Each report
then costs its template rendering, one chart and the PDF engine's layout, nothing else. The same
worker serves a local process pool (:mod:`report.bulk`) and a Dask cluster (its worker plugin).

Templates: ``templates/personal/report.html`` (strict: a missing variable is an error; every value
escaped unless it is HTML the pipeline made: the practice texts from the content stage and the
chart's SVG). Styles: ``styles/personal.css`` after the theme's tokens, then the theme's overrides.
"""

from __future__ import annotations

import datetime as _dt
import html as _html
import math
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

from markupsafe import Markup

from .personal_model import MIN_BAND_N, Cell, Population, Portrait, Respondent, portrait
from .personal_spec import PersonalSpec

TEMPLATE = "personal/report.html"
STYLESHEET = "personal.css"
MIN_REASON = 0.2  # a gap shown as a reason for a practice: at least this share of peers differ
CHART_WIDTH = 430  # px: the plot area of the score chart
CHART_HEIGHT = 78


@dataclass(frozen=True)
class PracticeText:
    title: str  # the part's heading (safe HTML text)
    section: str  # the section's title
    number: str  # the section's number («3.2»)
    html: str  # the part's paragraphs, safe HTML made by the content stage


@dataclass(frozen=True)
class Shared:
    """Everything a worker needs, made once per build and shipped once per worker."""

    spec: PersonalSpec
    population: Population
    codebook: Any
    theme: Any
    strings: dict[str, Any]
    paths: Any  # config.Paths
    title: dict[str, str]
    publisher: str
    date: _dt.date
    page_size: str
    design_n: int
    design_N: float
    practices: dict[str, dict[str, PracticeText]]  # lang → practice id → text
    chapter: dict[str, str]  # lang → title of chapter 3
    strict: bool
    cache_dir: Path | None
    digest: str  # content hash of all of the above (report.personal.shared_digest)


@dataclass(frozen=True)
class Rendered:
    respondent: str
    lang: str
    data: bytes
    pages: int
    warnings: tuple[str, ...]
    seconds: float
    worker: tuple[int, int] = (0, 0)  # the worker's process id and how many times it was warmed


@dataclass(frozen=True)
class Failed:
    respondent: str
    message: str


# -- practice texts (in the parent, from the assembled document) ------------------------------
_H3 = re.compile(r'<h3 id="[^"]*">(.*?)</h3>\s*', re.S)
_BOX = re.compile(r'<div class="box [^"]*">.*?</div>\s*', re.S)
_XREF = re.compile(r'<a class="xref[^"]*" href="#[^"]*">(.*?)</a>', re.S)


def practice_texts(document: Any, spec: PersonalSpec) -> tuple[dict[str, PracticeText], str]:
    """Each practice's part of its chapter 3 section, from one language's assembled document
    (the «##» headings of a section are its ``h3``), and the title of the chapter that holds
    them. Boxes (the section's checklist) are left to the full report, and references to other
    parts of the report lose their links (this report has no such targets)."""
    sections = {s.id: (s, ch) for ch in document.chapters for s in ch.sections}
    out: dict[str, PracticeText] = {}
    chapter = ""
    for practice in spec.practices:
        section, ch = sections[practice.section]
        chapter = ch.opener.title
        pieces = _H3.split(section.html)  # [before, title1, body1, title2, body2, …]
        title, body = pieces[2 * practice.part - 1], pieces[2 * practice.part]
        body = _XREF.sub(r"\1", _BOX.sub("", body)).strip()
        out[practice.id] = PracticeText(title, section.title, section.number, body)
    return out, chapter


# -- formatting ---------------------------------------------------------------------------------
class _StringsView:
    def __init__(self, strings: Any) -> None:
        self._strings = strings

    def __getattr__(self, key: str) -> str:
        return self._strings[f"personal.{key}"]


def css_string(text: str) -> str:
    """A CSS string literal (for ``content:``) holding ``text``, safe in a ``<style>`` element."""
    escaped = "".join(c if c.isalnum() or c in " .,:;-–—·’'()" else f"\\{ord(c):x} "
                      for c in text)
    return f'"{escaped}"'


class TemplateContext(TypedDict):
    lang: str
    s: Any
    respondent: str
    meta_title: str
    meta_description: str
    meta_keywords: str
    publisher: str
    date_iso: str
    theme_css: str
    theme_overrides: str
    theme_logo: str | None
    theme_label: str
    cover_line: str
    stylesheets: list[str]
    page_css: str
    intro: str
    profile: list[tuple[str, str]]
    score: dict[str, Any]
    dimensions: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    actions_intro: tuple[str, str]
    peers: list[dict[str, Any]]
    tables: list[dict[str, Any]]
    fallback_said: str
    practices: list[dict[str, Any]]
    practices_intro: str
    about: dict[str, Any]


class Worker:
    """The warm state of one worker process: built once, renders any number of reports."""

    def __init__(self, shared: Shared) -> None:
        import jinja2
        import vl_convert
        from weasyprint.text.fonts import FontConfiguration

        from .cache import Cache
        from .i18n import Formatter

        self.shared = shared
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(shared.paths.templates)),
            undefined=jinja2.StrictUndefined, autoescape=True, trim_blocks=True,
            lstrip_blocks=True)
        self.env.filters["css_string"] = css_string
        self.template = self.env.get_template(TEMPLATE)
        self.fonts = FontConfiguration()  # the theme's @font-face fonts are registered once
        self.style = shared.theme.chart_style()
        vl_convert.register_font_directory(str(self.style.font_dir))
        self.vl = vl_convert
        self.fmt = {lang: Formatter(lang) for lang in shared.strings}
        self.cache = Cache(shared.cache_dir)
        self.lock = threading.Lock()  # one engine per process: a threaded worker takes turns
        self.rendered = 0
        theme = shared.theme
        folders = (shared.paths.styles, shared.paths.templates, theme.folder, *theme.font_dirs)
        self.roots = tuple(folders)
        self.epoch = int(_dt.datetime.combine(shared.date, _dt.time(12), _dt.UTC).timestamp())

    def warm(self) -> None:
        """Start the chart engine now (about half a second), not with the first report."""
        self.vl.vegalite_to_svg({"mark": "point", "data": {"values": [{"x": 0}]},
                                 "encoding": {"x": {"field": "x", "type": "quantitative"}}})

    # -- one report ------------------------------------------------------------------------
    def render(self, respondent: Respondent) -> Rendered:
        from .diagnostics import Diagnostics
        from .pdf import render_pdf

        started = time.perf_counter()
        shared = self.shared
        model = portrait(shared.spec, shared.population, respondent, shared.codebook)
        html = self.html(model)
        diag = Diagnostics(strict=shared.strict)
        with self.lock:
            result = render_pdf(html, base_url=shared.paths.root, roots=self.roots,
                                edition="screen", title=f"personal report {respondent.id}",
                                epoch=self.epoch, diag=diag,
                                page_size=shared.page_size,
                                font_config=self.fonts)
        diag.raise_if_errors(f"the report of {respondent.id} has problems")
        self.rendered += 1
        return Rendered(respondent.id, respondent.lang, result.data, result.pages,
                        result.warnings, time.perf_counter() - started,
                        (os.getpid(), _INSTALLS))

    def html(self, model: Portrait) -> str:
        """The report's HTML (the project's file URLs made relative to its root)."""
        context = self.context(model)
        text = self.template.render(**context)
        return text.replace(self.shared.paths.root.as_uri() + "/", "")

    def context(self, model: Portrait) -> TemplateContext:
        """Everything the template shows, formatted in the report's language."""
        shared = self.shared
        lang = model.lang
        strings = shared.strings[lang]
        s = _StringsView(strings)
        fmt = self.fmt[lang]
        cb = shared.codebook
        theme = shared.theme
        page = strings.format("personal.page_of", page="\0", pages="\1")
        before, rest = page.split("\0")
        middle, after = rest.split("\1")
        page_content = (f"{css_string(before)} counter(page) {css_string(middle)} "
                        f"counter(pages) {css_string(after)}")
        footer = strings.format("personal.footer", id=model.respondent)
        page_css = (f"@page {{ @bottom-left {{ content: {css_string(footer)}; }} "
                    f"@bottom-right {{ content: {page_content}; }} }}")
        peers = [self._peer(peer, strings, fmt) for peer in model.peers]
        tables = [self._table(t, model, strings, fmt) for t in model.tables]
        fallback_groups = [strings[f"personal.peer_{by}"] for by in model.fallbacks]
        actions_intro = strings.format("personal.actions_intro", page="\0").split("\0")
        return TemplateContext(
            lang=lang,
            s=s,
            respondent=model.respondent,
            meta_title=strings.format("personal.meta_title", id=model.respondent),
            meta_description=strings.format("personal.meta_description", id=model.respondent),
            meta_keywords=strings["personal.meta_keywords"],
            publisher=shared.publisher,
            date_iso=shared.date.isoformat(),
            theme_css=Markup(theme.css()),  # made and checked by the theme stage
            theme_overrides=Markup(theme.overrides_css),
            theme_logo=theme.logo.as_uri() if theme.logo else None,
            theme_label=theme.label.get(lang, theme.name),
            cover_line=theme.cover_line.get(lang, ""),
            stylesheets=[(shared.paths.styles / STYLESHEET).as_uri()],
            page_css=Markup(page_css),  # its texts are CSS strings (css_string)
            intro=strings.format("personal.intro", year=shared.date.year,
                                 report=shared.title[lang]),
            profile=[(cb.label(var, lang), cb.level_label(var, code, lang) if code else
                      strings["personal.no_answer"]) for var, code in model.profile],
            score=self._score(model, strings, fmt, lang),
            dimensions=self._dimensions(model, strings, fmt),
            actions=[{"number": i, "title": shared.practices[lang][c.practice.id].title,
                      "section": shared.practices[lang][c.practice.id].section,
                      "anchor": f"practice-{i}"}
                     for i, c in enumerate(model.practices, 1)],
            actions_intro=(actions_intro[0], actions_intro[1]),
            peers=peers,
            tables=tables,
            fallback_said=strings.format("personal.fallback_said",
                                         groups=", ".join(fallback_groups))
            if fallback_groups else "",
            practices=[self._practice(i, c, model, strings, fmt)
                       for i, c in enumerate(model.practices, 1)],
            practices_intro=strings.format("personal.practices_intro",
                                           chapter=shared.chapter[lang]),
            about=self._about(strings, fmt, lang),
        )

    # -- pieces ----------------------------------------------------------------------------
    def _peer(self, peer: Any, strings: Any, fmt: Any) -> dict[str, Any]:
        cb = self.shared.codebook
        lang = strings.lang
        if peer.by is None:
            return {"label": strings["personal.peer_all"], "group": "",
                    "n": strings.format("personal.base", n=fmt.number(peer.n)), "base": peer.n}
        return {"label": strings[f"personal.peer_{peer.by}"],
                "group": cb.level_label(peer.by, peer.group, lang),
                "n": strings.format("personal.base", n=fmt.number(peer.n)), "base": peer.n}

    def _cell(self, cell: Cell, base: int, strings: Any, fmt: Any) -> dict[str, Any]:
        from .exhibits import cell as exhibit_cell

        estimate = cell.estimate
        shown = exhibit_cell(estimate, fmt)
        ci = ""
        if estimate.p is not None and estimate.ci_low is not None and estimate.ci_high is not None:
            ci = strings.format("personal.ci", low=fmt.number(estimate.ci_low * 100),
                                high=fmt.percent(estimate.ci_high))
        return {"value": shown.text, "ci": ci, "flag": shown.flag, "fallback": cell.fallback,
                "group_n": cell.group_n,
                "n": strings.format("personal.base", n=fmt.number(estimate.n))
                if estimate.n != base and not cell.fallback else ""}

    def _table(self, table: Any, model: Portrait, strings: Any, fmt: Any) -> dict[str, Any]:
        cb = self.shared.codebook
        lang = strings.lang
        rows = []
        flags: set[str] = set()
        fallback_n: list[int] = []
        multiple = False
        for row in table.rows:
            if row.kind == "binary":
                label = cb.label(row.variable, lang)
            else:
                label = cb.level_label(row.variable, row.level, lang)
            multiple |= row.kind == "option"
            if row.kind == "level":
                you = ("mark", strings["personal.your_level"]) if row.own else ("", "")
            elif row.own is None:
                you = ("none", strings["personal.no_answer"])
            else:
                you = ("yes", strings["personal.yes"]) if row.own else ("no", strings["personal.no"])
            cells = [self._cell(c, p.n, strings, fmt)
                     for c, p in zip(row.cells, model.peers, strict=True)]
            for c in row.cells:
                flags.add(c.estimate.flag)
                if c.fallback and c.group_n is not None:
                    fallback_n.append(c.group_n)
            rows.append({"label": label, "you": you, "cells": cells, "own": bool(row.own),
                         "level": row.kind == "level"})
        notes = []
        if "caution" in flags:
            notes.append(strings["exhibit.note_caution"])
        if fallback_n:  # the too-small group's base is not printed: it is an aggregate under
            notes.append(strings["personal.note_fallback"])  # the report's threshold
        if multiple:
            notes.append(strings["exhibit.note_multiple"])
        return {"id": table.id, "title": strings[f"personal.table_{table.id}"], "rows": rows,
                "notes": notes}

    def _score(self, model: Portrait, strings: Any, fmt: Any, lang: str) -> dict[str, Any]:
        maturity = model.maturity
        dist = self.shared.population.distribution
        missing = math.isnan(maturity.score)
        if missing:
            sentence = strings["personal.score_missing"]
        elif maturity.percentile < 0.01:
            sentence = strings["personal.score_sentence_lowest"]
        else:
            sentence = strings.format("personal.score_sentence",
                                      share=fmt.percent(maturity.percentile))
        caption = strings.format("personal.score_caption", n=fmt.number(dist.n))
        svg, alt = ("", "") if missing else self.score_chart(model, strings, fmt, lang)
        return {"value": "" if missing else fmt.number(maturity.score), "sentence": sentence,
                "mean": strings.format("personal.score_mean", mean=fmt.number(dist.mean)),
                "chart": svg, "alt": alt, "caption": caption,
                "band_note": strings.format("personal.score_band_note",
                                            min=fmt.number(MIN_BAND_N))}

    def _dimensions(self, model: Portrait, strings: Any, fmt: Any) -> list[dict[str, Any]]:
        out = []
        for ident, own, mean in model.maturity.dimensions:
            out.append({"label": strings[f"personal.dimension_{ident}"],
                        "own": None if own is None else own, "mean": mean,
                        "own_text": strings["personal.no_answer"] if own is None
                        else fmt.number(own), "mean_text": fmt.number(mean)})
        return out

    def _practice(self, number: int, choice: Any, model: Portrait, strings: Any, fmt: Any
                  ) -> dict[str, Any]:
        shared = self.shared
        lang = strings.lang
        cb = shared.codebook
        text = shared.practices[lang][choice.practice.id]
        reasons = []
        meaningful = [r for r in choice.reasons if r.weight >= MIN_REASON] or list(choice.reasons[:1])
        for reason in meaningful[:3]:
            if cb.type(reason.variable) == "multiple":
                answer = strings.format("personal.answer_is", label=cb.label(reason.variable, lang),
                                        answer=cb.level_label(reason.variable, reason.level, lang))
            elif cb.type(reason.variable) == "binary":
                answer = strings.format("personal.answer_is", label=cb.label(reason.variable, lang),
                                        answer=strings["personal.yes" if reason.level == "1"
                                                       else "personal.no"])
            else:
                answer = strings.format("personal.answer_is", label=cb.label(reason.variable, lang),
                                        answer=cb.level_label(reason.variable, reason.level, lang))
            reasons.append(strings.format("personal.practice_reason", answer=answer,
                                          share=fmt.percent(reason.weight)))
        return {"number": number, "anchor": f"practice-{number}", "title": text.title,
                "from": strings.format("personal.practice_from", number=text.number,
                                       section=_html.unescape(text.section)),
                "reasons": reasons, "html": text.html,
                "general": "" if reasons else strings["personal.practice_general"]}

    def _about(self, strings: Any, fmt: Any, lang: str) -> dict[str, Any]:
        shared = self.shared
        cb = shared.codebook
        dims = [(strings[f"personal.dimension_{d.id}"],
                 ", ".join(_lower_first(cb.label(item.variable, lang), lang)
                           for item in d.items)) for d in shared.spec.dimensions]
        return {
            "survey": strings.format("personal.about_survey", year=shared.date.year,
                                     n=fmt.number(shared.design_n), N=fmt.number(shared.design_N)),
            "rules": strings["personal.about_rules"],
            "score": strings.format("personal.about_score", count=fmt.number(len(dims))),
            "dimensions": dims,
            "practices": strings["personal.about_practices"],
            "privacy": strings["personal.about_privacy"],
            "source": strings.format("personal.about_source", report=shared.title[lang],
                                     date=fmt.date(shared.date)),
            "simulated": strings["personal.about_simulated"],
        }

    # -- the score chart ---------------------------------------------------------------------
    def score_chart(self, model: Portrait, strings: Any, fmt: Any, lang: str) -> tuple[str, str]:
        """The population's score distribution with the enterprise's place marked: SVG, alt."""
        from .charts import D3_LOCALES

        dist = self.shared.population.distribution
        style = self.style
        score = model.maturity.score
        bars = [{"low": b.low, "high": b.high + 1 if b.high < 100 else 100, "share": b.share,
                 "label": fmt.percent(b.share), "own": b.low <= score <= b.high + 0.999}
                for b in dist.bands]
        you = strings.format("personal.score_you", score=fmt.number(score))
        top = max(b.share for b in dist.bands) * 1.5  # room above the bars for the marker's label
        spec = {
            "width": CHART_WIDTH, "height": CHART_HEIGHT,
            "background": style.background,
            "padding": {"left": 2, "right": 12, "top": 16, "bottom": 2},
            "config": {"font": style.font, "view": {"stroke": None},
                       "axis": {"labelFont": style.font, "titleFont": style.font}},
            "layer": [
                {"data": {"values": bars},
                 "mark": {"type": "rect", "stroke": "#FFFFFF", "strokeWidth": 1.5},
                 "encoding": {
                     "x": {"field": "low", "type": "quantitative",
                           "scale": {"domain": [0, 100], "nice": False},
                           "axis": {"values": [0, 20, 40, 60, 80, 100], "title":
                                    strings["personal.score_axis"], "titleFontSize": 9.5,
                                    "titleColor": style.muted, "titleFontWeight": 400,
                                    "labelFontSize": 9.5, "labelColor": style.muted,
                                    "domainColor": style.grid, "tickColor": style.grid,
                                    "grid": False}},
                     "x2": {"field": "high"},
                     "y2": {"datum": 0},
                     "y": {"field": "share", "type": "quantitative",
                           "scale": {"domain": [0, top], "nice": False, "zero": True},
                           "axis": {"format": "%", "tickCount": 3, "title": None,
                                    "labelFontSize": 9, "labelColor": style.muted,
                                    "gridColor": style.grid, "domain": False, "ticks": False}},
                     "color": {"field": "own", "type": "nominal", "legend": None,
                               "scale": {"domain": [True, False],
                                         "range": [style.palette[0], style.grid]}}}},
                {"data": {"values": bars},
                 "mark": {"type": "text", "dy": -6, "fontSize": 9, "color": style.text},
                 "encoding": {"x": {"field": "mid", "type": "quantitative"},
                     "y": {"field": "share", "type": "quantitative",
                           "scale": {"domain": [0, top], "nice": False, "zero": True}},
                     "text": {"field": "label"}},
                 "transform": [{"calculate": "(datum.low + datum.high) / 2", "as": "mid"}]},
                {"data": {"values": [{"score": score, "label": you}]},
                 "mark": {"type": "rule", "color": style.palette[1] if len(style.palette) > 1
                          else style.text, "strokeWidth": 2.5},
                 "encoding": {"x": {"field": "score", "type": "quantitative"}}},
                {"data": {"values": [{"score": score, "label": you}]},
                 "mark": {"type": "text", "align": "left" if score < 75 else "right",
                          "dx": 5 if score < 75 else -5, "baseline": "top", "y": 0,
                          "fontSize": 10.5, "fontWeight": 700,
                          "color": style.palette[1] if len(style.palette) > 1 else style.text},
                 "encoding": {"x": {"field": "score", "type": "quantitative"},
                              "text": {"field": "label"}}},
            ],
        }
        svg = self.vl.vegalite_to_svg(spec, format_locale=D3_LOCALES[lang])
        alt = strings.format("personal.score_caption", n=fmt.number(dist.n)) + ". " + \
            "; ".join(f"{b.low}–{b.high} : {fmt.percent(b.share)}" if lang == "fr" else
                      f"{b.low}–{b.high}: {fmt.percent(b.share)}" for b in dist.bands) + \
            ". " + you + "."
        svg = re.sub(r'\s(aria-roledescription|aria-label|role|class)="[^"]*"', "", svg)
        svg = re.sub(r"<svg([^>]*)>", lambda m: f'<svg{m.group(1)} role="img"><title>'
                     f"{_html.escape(alt)}</title>", svg, count=1)
        return svg, alt


def _lower_first(label: str, lang: str) -> str:
    """«Suite bureautique» → «suite bureautique» inside a French list (acronyms stay)."""
    if lang == "fr" and label[1:2].islower():
        return label[0].lower() + label[1:]
    if lang == "en" and label[1:2].islower() and label.split()[0] not in ("ERP", "CRM", "BI"):
        return label[0].lower() + label[1:]
    return label


# -- the worker's lifetime ----------------------------------------------------------------------
_WORKER: Worker | None = None
_INSTALLS = 0  # warm states built in this process (one per worker, unless the shared state changes)


def install(shared_blob: bytes) -> Worker:
    """Build this process's warm state from the pickled :class:`Shared` (once per worker)."""
    import pickle

    global _WORKER, _INSTALLS
    shared = pickle.loads(shared_blob)
    if _WORKER is None or _WORKER.shared.digest != shared.digest:
        _WORKER = Worker(shared)
        _WORKER.warm()
        _INSTALLS += 1
    return _WORKER


def current() -> Worker:
    """This process's warm state: installed by the pool's initializer or the Dask plugin."""
    if _WORKER is None:
        from .errors import RenderError

        raise RenderError("this worker has no personal-report state",
                          hint="start workers through report.bulk (a pool or the Dask plugin)")
    return _WORKER


def render_task(respondent: Respondent) -> Rendered | Failed:
    """Render one report in this worker; a failure is returned with the respondent's id (the
    others go on)."""
    try:
        return current().render(respondent)
    except Exception as exc:  # any failure of one report, reported with its id
        message = str(exc) or type(exc).__name__
        return Failed(respondent.id, f"{type(exc).__name__}: {message}")
