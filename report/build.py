"""The whole pipeline, stage by stage: from the project folder to PDFs and their manifest.

Input: :class:`BuildOptions` (project root, output folder, languages, editions, theme, strictness,
cache folder, number of worker processes).
Output: a :class:`BuildResult` listing what was written and what was laid out anew. Everything is
read, validated and rendered in memory first; files are written only at the end, atomically, so a
failed or interrupted build writes nothing and leaves the previous PDFs untouched.

    configuration → data → statistics → exhibits → content
        → per language, in parallel processes: charts → document → HTML → PDF
        → bilingual edition → output

Nothing unchanged is redone (see :mod:`report.cache`): a build whose inputs have not changed returns
at once; otherwise charts and PDFs are reused when their own inputs are unchanged.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import multiprocessing
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import LANGUAGES
from . import cache as cachelib
from .errors import raise_if_any
from .output import Output, write_outputs

Progress = Callable[[str, str], None]
LANG_EDITIONS = ("screen", "print")


@dataclass(frozen=True)
class BuildOptions:
    root: Path
    out_dir: Path
    languages: tuple[str, ...] = LANGUAGES
    editions: tuple[str, ...] = ("screen",)
    theme: str = "default"
    strict: bool = False
    check_only: bool = False
    cache_dir: Path | None = None  # None: no cache
    workers: int = 2


@dataclass
class BuildResult:
    outputs: list[Output] = field(default_factory=list)
    manifest: Path | None = None
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    rendered: list[str] = field(default_factory=list)  # editions laid out by the engine
    reused: list[str] = field(default_factory=list)  # editions taken from the cache
    up_to_date: bool = False


@dataclass
class _Inputs:
    """Everything validated before any rendering: what a language worker needs."""

    config: Any
    theme: Any
    stats: Any
    exhibits: dict[str, dict[str, Any]]
    content: Any


@dataclass
class _Edition:
    lang: str
    edition: str
    data: bytes
    pages: int
    warnings: tuple[str, ...]
    rendered: bool
    seconds: tuple[float, float] = (0.0, 0.0)  # laying out, writing (0 when from the cache)


def _quiet(stage: str, detail: str) -> None:
    """The default progress callback: say nothing."""


def output_name(config: Any, lang: str, edition: str, theme: str) -> str:
    suffix = "" if theme == "default" else f"-{theme}"
    name = config.output_names[lang] if lang in config.output_names else \
        f"{config.output_names['fr']}-bilingue"
    return f"{name}-{edition}{suffix}.pdf" if edition != "bilingual" else f"{name}{suffix}.pdf"


def stylesheets(config: Any, edition: str) -> list[str]:
    sheets = [config.paths.styles / "report.css"]
    if edition == "bilingual":
        sheets += [config.paths.styles / "screen.css", config.paths.styles / "bilingual.css"]
    else:
        sheets.append(config.paths.styles / f"{edition}.css")
    return [s.as_uri() for s in sheets if s.is_file()]


# -- stages -----------------------------------------------------------------------------------
def validate_inputs(options: BuildOptions, progress: Progress) -> _Inputs:
    """Configuration, data, statistics, exhibits and content: read and check everything."""
    from .config import load_config
    from .content import load_content
    from .data import load_survey
    from .exhibits import compute_exhibits, load_definitions
    from .statistics import compute_statistics
    from .theme import load_theme

    progress("configuration", "reading data/report.toml and the theme")
    languages = LANGUAGES if "bilingual" in options.editions else options.languages
    config = load_config(options.root, languages=languages, editions=options.editions,
                         theme=options.theme)
    theme = load_theme(config.paths, options.theme)
    progress("data", "validating the survey")
    survey = load_survey(config.paths.survey)
    progress("statistics", "weighting and estimating")
    stats = compute_statistics(survey)
    definitions = {**load_definitions(config.paths.figures, "figure", stats.codebook),
                   **load_definitions(config.paths.tables, "table", stats.codebook)}
    exhibits = compute_exhibits(definitions, stats, config.strings)
    progress("content", "reading Markdown in every language")
    content = load_content(config)
    return _Inputs(config, theme, stats, exhibits, content)


def render_charts(inputs: _Inputs, lang: str, cache: cachelib.Cache) -> dict[str, Any]:
    """Draw every figure of one language, reusing the cached SVG of a figure whose data, texts,
    chart style, locale and font are unchanged (:func:`report.charts.chart_key`)."""
    from .charts import Chart, chart_key, render_chart

    style = inputs.theme.chart_style()
    fonts = cachelib.hash_files((p for p in style.font_dir.iterdir() if p.is_file()),
                                style.font_dir)
    charts: dict[str, Chart] = {}
    for key, data in inputs.exhibits[lang].items():
        if data.family != "figure":
            continue
        name = cachelib.key("chart", chart_key(data, style, lang), fonts)
        cached = cache.get_json("charts", name)
        if cached is not None:
            charts[key] = Chart(**cached)
            continue
        chart = render_chart(data, style, lang)
        cache.put_json("charts", name, chart.__dict__)
        charts[key] = chart
    return charts


def assemble(inputs: _Inputs, lang: str, charts: dict[str, Any]) -> Any:
    """The document of one language: content, statistics and charts resolved into HTML parts."""
    from .document import build_document

    return build_document(inputs.config, inputs.content, lang, inputs.stats,
                          inputs.exhibits[lang], charts)


def lay_out(inputs: _Inputs, options: BuildOptions, lang: str, edition: str, html: str,
            cache: cachelib.Cache) -> _Edition:
    """The PDF of one edition: from the cache when its HTML and styles are unchanged."""
    from .pdf import render_pdf
    from .printing import print_setup

    config, theme = inputs.config, inputs.theme
    folders = {config.paths.styles, theme.folder, *theme.font_dirs}
    assets = cachelib.hash_files(
        {p for folder in folders for p in folder.rglob("*") if p.is_file()}, config.paths.root)
    name = cachelib.key("pdf", edition, str(options.strict), config.page_size,
                        config.print_condition, html, assets)
    meta = cache.get_json("pdf-meta", name)
    data = cache.get("pdf", name) if meta is not None else None
    if meta is not None and data is not None:
        return _Edition(lang, edition, data, int(meta["pages"]), tuple(meta["warnings"]), False)
    epoch = int(_dt.datetime.combine(config.date, _dt.time(12), _dt.UTC).timestamp())
    roots = (config.paths.styles, config.paths.templates, theme.folder, *theme.font_dirs)
    rendered = render_pdf(html, base_url=config.paths.root, roots=roots,
                          edition="screen" if edition == "bilingual" else edition,
                          title=f"{lang} {edition}", epoch=epoch, strict=options.strict,
                          page_size=config.page_size, cache=cache,
                          printing=print_setup(config.print_condition, theme.cmyk,
                                               config.paths.styles / "icc")
                          if edition == "print" else None)
    cache.put("pdf", name, rendered.data)
    cache.put_json("pdf-meta", name, {"pages": rendered.pages,
                                      "warnings": list(rendered.warnings)})
    return _Edition(lang, edition, rendered.data, rendered.pages, rendered.warnings, True,
                    rendered.seconds)


def build_language(inputs: _Inputs, options: BuildOptions, lang: str, editions: tuple[str, ...]
                   ) -> tuple[Any, list[_Edition], dict[str, float]]:
    """One language, start to finish: charts → document → HTML → PDF for each edition.

    Returns the document, the editions and how long each step took (seconds, for ``--verbose``
    and the benchmark)."""
    from .templates import render_html

    clock = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(step: str) -> None:
        nonlocal clock
        timings[f"{lang} {step}"] = time.perf_counter() - clock
        clock = time.perf_counter()

    cache = cachelib.Cache(options.cache_dir)
    with few_collections():
        charts = render_charts(inputs, lang, cache)
        lap("charts")
        document = assemble(inputs, lang, charts)
        lap("document")
        results = []
        for edition in editions:
            html = render_html(inputs.config, document, inputs.theme, edition,
                               stylesheets(inputs.config, edition))
            lap(f"{edition} html")
            results.append(lay_out(inputs, options, lang, edition, html, cache))
            lap(f"{edition} pdf")
            timings[f"{lang} {edition} pdf: layout"], timings[f"{lang} {edition} pdf: write"] = \
                results[-1].seconds
    return document, results, timings


# Allocations between two young-generation collections while a language renders, and while the
# build validates its inputs or a worker imports its libraries (Python's default is 700): the engine
# allocates millions of short-lived boxes, so the default collects over a thousand times per
# edition, about a tenth of the engine's time; validating and importing collected 480 times, for
# 0.1 s of CPU in each process.
YOUNG_COLLECTION_THRESHOLD = 50_000


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """Collect garbage rarely while the body runs, and never walk what existed before it.

    Everything alive on entry (imported modules, the validated inputs) is frozen out of the
    collector (``gc.freeze``): it lives to the end of the build, and walking it at every old-
    generation collection is pure cost. Young collections run every
    :data:`YOUNG_COLLECTION_THRESHOLD` allocations instead of 700: the engine's reference cycles
    are still reclaimed, in larger batches (the report's peak memory did not grow: 464 MiB
    against 468 MiB). Both settings are restored on exit, so a caller such as the test suite
    keeps its own.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


# -- parallel editions ------------------------------------------------------------------------
def _warm_worker() -> None:
    """Run in each worker as it starts, while the parent validates the inputs: import the
    rendering stack (Altair and vl-convert included) and what unpickling the inputs needs, so that
    the language's real work starts at once.

    The chart engine itself starts with the first chart to draw (about 0.7 s): started here,
    it made every rebuild wait for it, charts cached or not, since the worker was ready after the
    parent had validated; in a cold build, it costs the same either way. Nothing here reads the
    project: the parent reports its problems. Pandas is not imported (the statistics arrive as
    NumPy arrays), nor the theme's fonts read (the charts register them).
    The worker exits without collecting its garbage (:func:`exit_without_collecting`): the
    laid-out document it leaves behind takes most of a second to walk, and the build waits
    for its workers to end."""
    exit_without_collecting()
    with few_collections():
        import altair  # noqa: F401
        import vl_convert  # noqa: F401

        from . import charts, document, pdf, statistics, templates  # noqa: F401


def exit_without_collecting() -> None:
    """At this process's exit, skip the final garbage collection (``gc.freeze`` at exit).

    Only for processes that end when their build ends (the command line and the language
    workers): the operating system reclaims their memory at once, while a collection of the
    laid-out documents' reference cycles costs close to a second on the build's critical path.
    Files are closed and outputs written before exit; nothing relies on those objects' finalizers.
    """
    import atexit

    atexit.register(gc.freeze)


def start_workers(options: BuildOptions) -> ProcessPoolExecutor | None:
    """Start the language workers early, or None to render in this process.

    Workers are spawned, not forked: a fork of a process in which the chart engine (vl-convert)
    or the statistics libraries have started threads can hang. Their start-up (imports, chart
    engine) overlaps with the parent's validation, so spawning costs no wall time.
    """
    languages = LANGUAGES if "bilingual" in options.editions else options.languages
    if options.check_only or options.workers < 2 or len(languages) < 2:
        return None
    # This process renders one language itself: the pool holds the others' workers.
    workers = min(options.workers, len(languages)) - 1
    pool = ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("spawn"),
                               initializer=_warm_worker)
    for _ in range(workers):
        pool.submit(int)  # make the pool start every worker now
    return pool


def _run_languages(inputs: _Inputs, options: BuildOptions, languages: tuple[str, ...],
                   editions: tuple[str, ...], pool: ProcessPoolExecutor | None,
                   progress: Progress) -> dict[str, Any]:
    """The languages in parallel: the lightest in this process, the others in the pool's workers
    (or all in this process, one after the other, without a pool).

    This process starts its language later than a warmed-up worker (it imports the chart and
    PDF engines only after validating), so it takes the language with the least text (the report's
    French has 14 % more characters than its English, and 6 % more pages)."""
    results: dict[str, Any] = {}
    futures = {}
    if pool is not None:
        languages = tuple(sorted(languages, key=lambda lang: -_text_size(inputs, lang)))
    for lang in languages[:-1] if pool is not None else ():
        progress("render", f"{lang}: charts, document, {', '.join(editions) or 'no PDF'} (worker)")
        futures[lang] = pool.submit(build_language, inputs, options, lang, editions)
    for lang in languages if pool is None else languages[-1:]:
        progress("render", f"{lang}: charts, document, {', '.join(editions) or 'no PDF'}")
        results[lang] = build_language(inputs, options, lang, editions)
    for lang, future in futures.items():
        results[lang] = future.result()
    return results


def _text_size(inputs: _Inputs, lang: str) -> int:
    """How much text a language has to lay out (characters of its content files)."""
    content = inputs.content
    return sum(len(page.body) for page in content.pages[lang].values()) + \
        sum(len(page.body) for page in content.cases.get(lang, ()))


# -- the build --------------------------------------------------------------------------------
def build(options: BuildOptions, progress: Progress = _quiet) -> BuildResult:
    """Build the report: the table of contents of the pipeline."""
    result = BuildResult()
    started = time.perf_counter()
    cache = cachelib.Cache(options.cache_dir)
    fingerprint = cachelib.input_fingerprint(options.root, options.theme, {
        "languages": options.languages, "editions": options.editions, "theme": options.theme,
        "strict": options.strict, "out": str(options.out_dir)})
    record = cache.get_json("builds", fingerprint)
    if not options.check_only and record and cachelib.outputs_intact(record, options.out_dir):
        progress("up to date", "no input changed since the last build; nothing to do")
        result.up_to_date = True
        result.timings["total"] = time.perf_counter() - started
        return result

    if options.check_only:
        from .check import check_all

        raise_if_any(check_all(options, progress), "the inputs have problems")
        return result
    pool = start_workers(options)
    try:
        with few_collections():
            inputs = validate_inputs(options, progress)
        result.timings["validate"] = (validated := time.perf_counter()) - started
        lang_editions = tuple(e for e in LANG_EDITIONS if e in options.editions)
        per_language = _run_languages(inputs, options, inputs.config.languages, lang_editions,
                                      pool, progress)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    result.timings["languages (wall)"] = (rendered := time.perf_counter()) - validated
    languages = inputs.config.languages
    editions: list[_Edition] = []
    for lang in languages:
        _document, done, timings = per_language[lang]
        editions += [e for e in done if e.lang in options.languages]
        result.timings.update(timings)
    if "bilingual" in options.editions:
        progress("render", "bilingual edition: French then English")
        from .bilingual import render_bilingual_html

        documents = {lang: per_language[lang][0] for lang in LANGUAGES}
        html = render_bilingual_html(inputs.config, documents, inputs.theme,
                                     stylesheets(inputs.config, "bilingual"))
        editions.append(lay_out(inputs, options, "fr+en", "bilingual", html, cache))
        result.timings["bilingual"] = time.perf_counter() - rendered

    for edition in editions:
        key = f"{edition.lang} {edition.edition}"
        (result.rendered if edition.rendered else result.reused).append(key)
        result.warnings += [f"{key}: {w}" for w in edition.warnings]
        result.outputs.append(Output(edition.lang, edition.edition, options.theme,
                                     output_name(inputs.config, edition.lang, edition.edition,
                                                 options.theme),
                                     edition.data, edition.pages))
    progress("output", f"writing {len(result.outputs)} files to {options.out_dir}")
    result.manifest = write_outputs(result.outputs, options.out_dir)
    cache.put_json("builds", fingerprint, {"outputs": [
        {"path": o.filename, "sha256": o.sha256} for o in result.outputs]})
    result.timings["total"] = time.perf_counter() - started
    return result
