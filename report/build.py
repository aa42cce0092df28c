"""The whole pipeline, stage by stage: from the project folder to PDFs and their manifest.

Input: :class:`BuildOptions` (project root, output folder, languages, editions, theme, cache
folder, number of worker processes) and the build's :class:`~report.diagnostics.Diagnostics`
(``--strict``, ``--check`` and ``--release`` are its properties; every stage records its problems
there).
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
import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import LANGUAGES
from . import cache as cachelib
from .characters import scan_files
from .diagnostics import Diagnostics
from .output import Output, hold_folder, write_outputs
from .processes import WorkerPool

if TYPE_CHECKING:
    from .charts import Chart
    from .config import Config
    from .content import Content
    from .document import Document
    from .exhibits import ExhibitData
    from .statistics import Statistics
    from .theme import Theme

Progress = Callable[[str, str], None]
LANG_EDITIONS = ("screen", "print")


@dataclass(frozen=True)
class BuildOptions:
    root: Path
    out_dir: Path
    languages: tuple[str, ...] = LANGUAGES
    editions: tuple[str, ...] = ("screen",)
    theme: str = "default"
    cache_dir: Path | None = None  # None: no cache
    workers: int = 2
    personal: Any = None  # report.personal.PersonalOptions, for the personal edition


@dataclass
class BuildResult:
    outputs: list[Output] = field(default_factory=list)
    manifest: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    rendered: list[str] = field(default_factory=list)  # editions laid out by the engine
    reused: list[str] = field(default_factory=list)  # editions taken from the cache
    up_to_date: bool = False
    engine: str = ""  # the font subsetter and system libraries (report.system.describe)


@dataclass
class Inputs:
    """Everything validated before any rendering: what a language worker needs."""

    config: Config
    theme: Theme
    stats: Statistics
    exhibits: dict[str, dict[str, ExhibitData]]
    content: Content
    documents: dict[str, Document]  # each language's, assembled and checked; charts come later
    editorial: Any = None  # glossary, terminology, bibliography, back cover (report.editorial)


@dataclass
class _Edition:
    lang: str
    edition: str
    data: bytes
    pages: int
    warnings: tuple[str, ...]
    rendered: bool
    seconds: tuple[float, float] = (0.0, 0.0)  # laying out, writing (0 when from the cache)
    layout: Any = None  # report.layout_check.LayoutReport


def _quiet(stage: str, detail: str) -> None:
    """The default progress callback: say nothing."""


def _both_languages(options: BuildOptions) -> bool:
    """The bilingual PDF and the web edition hold both languages whatever ``--lang`` says."""
    return "bilingual" in options.editions or "web" in options.editions


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
def validate_inputs(options: BuildOptions, diag: Diagnostics,
                    progress: Progress = _quiet) -> Inputs | None:
    """Configuration, theme, stylesheets, data, statistics, exhibits and content: read and check
    everything, going on past every problem that leaves the next checks possible (so that one run
    reports them all). Returns the inputs when everything is valid, else None; every problem is
    in ``diag``. The build and ``--check`` run this same function."""
    from .codebook import load_codebook
    from .config import Paths, load_config, load_structure
    from .content import load_content
    from .data import load_survey
    from .document import build_document
    from .editorial import load_editorial
    from .exhibits import compute_exhibits, load_definitions
    from .glyphs import check_glyphs
    from .statistics import compute_statistics
    from .stylesheets import check_stylesheets
    from .theme import load_theme

    paths = Paths.under(options.root)
    progress("configuration", "reading data/report.toml and the theme")
    languages = LANGUAGES if _both_languages(options) else options.languages
    config = load_config(options.root, diag, languages=languages, editions=options.editions,
                         theme=options.theme)
    theme = load_theme(paths, options.theme, diag)
    check_stylesheets(paths, theme, diag)
    if theme is not None:  # characters that no font of the theme draws
        check_glyphs(paths, theme, diag, languages)
    progress("data", "validating the survey")
    survey = load_survey(paths.survey, diag, root=paths.root)
    codebook = survey.codebook if survey is not None else load_codebook(  # for the names only:
        paths.survey / "codebook.yaml", Diagnostics(), root=paths.root)  # its problems are in diag
    progress("statistics", "weighting and estimating")
    stats = None
    if survey is not None:
        with diag.collecting():
            stats = compute_statistics(survey)
    definitions = None
    named: dict[str, set[str]] = {"figure": set(), "table": set()}  # broken ones included
    if codebook is not None:
        figures = load_definitions(paths.figures, "figure", codebook, diag, root=paths.root,
                                   named=named["figure"])
        tables = load_definitions(paths.tables, "table", codebook, diag, root=paths.root,
                                  named=named["table"])
        if figures is not None and tables is not None:
            definitions = {**figures, **tables}
    progress("content", "reading Markdown in every language")
    structure = config.structure if config is not None else \
        load_structure(paths.structure, Diagnostics(), root=paths.root)  # reported once
    content = load_content(paths, structure, languages, diag) if structure is not None else None
    if content is not None:
        scan_files(content.files, diag, root=paths.root)  # invisible characters: warnings
    editorial = load_editorial(paths, diag)
    cite = editorial.bibliography.short if editorial is not None else None
    exhibits = None
    if definitions is not None and stats is not None and config is not None:
        with diag.collecting():
            exhibits = compute_exhibits(definitions, stats, config.strings, cite)
    documents: dict[str, Document] = {}
    if config is not None and content is not None and codebook is not None \
            and definitions is not None:
        # Without statistics (invalid responses), every name is still checked (the codebook's).
        for lang in config.languages:
            document = build_document(
                config, content, lang, stats if exhibits is not None else None,
                exhibits[lang] if exhibits is not None else {}, {}, diag, codebook=codebook,
                defined={key: family for family, keys in named.items() for key in keys},
                editorial=editorial)
            if document is not None:
                documents[lang] = document
    if not diag.ok or config is None or theme is None or stats is None or exhibits is None \
            or content is None or editorial is None:
        return None
    return Inputs(config, theme, stats, exhibits, content, documents, editorial)


def render_charts(inputs: Inputs, lang: str, cache: cachelib.Cache) -> dict[str, Any]:
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
        cached = cache.get_json("charts", name, cachelib.shape_of(Chart))
        if cached is not None:
            charts[key] = Chart(**cached)
            continue
        chart = render_chart(data, style, lang)
        cache.put_json("charts", name, chart.__dict__)
        charts[key] = chart
    return charts


def assemble(inputs: Inputs, lang: str, charts: dict[str, Chart]) -> Document:
    """The document of one language (assembled and checked in :func:`validate_inputs`) with its
    charts in place."""
    document = inputs.documents[lang]
    for placement in document.figures:
        placement.chart = charts.get(placement.id)
    return document


def lay_out(inputs: Inputs, options: BuildOptions, lang: str, edition: str, html: str,
            cache: cachelib.Cache, diag: Diagnostics) -> _Edition | None:
    """The PDF of one edition: from the cache when its HTML and styles are unchanged (its engine
    warnings are then recorded again). None when the engine reported an error."""
    from .diagnostics import ReportWarning
    from .pdf import render_pdf
    from .printing import print_setup

    config, theme = inputs.config, inputs.theme
    folders = {config.paths.styles, theme.folder, *theme.font_dirs}
    assets = cachelib.hash_files(
        {p for folder in folders for p in folder.rglob("*") if p.is_file()}, config.paths.root)
    name = cachelib.key("pdf", edition, config.page_size, config.print_condition, html,
                        assets)
    meta = cache.get_json("pdf-meta", name, cachelib.PDF_META)
    data = cache.get("pdf", name, lambda pdf: _pdf_problem(pdf, meta)) if meta else None
    if meta is not None and data is not None:
        for warning in meta["warnings"]:
            diag.warn(ReportWarning(warning))
        return _Edition(lang, edition, data, int(meta["pages"]), tuple(meta["warnings"]), False)
    epoch = int(_dt.datetime.combine(config.date, _dt.time(12), _dt.UTC).timestamp())
    roots = (config.paths.styles, config.paths.templates, theme.folder, *theme.font_dirs)
    found = len(diag.errors)
    rendered = render_pdf(html, base_url=config.paths.root, roots=roots,
                          edition="screen" if edition == "bilingual" else edition,
                          title=f"{lang} {edition}", epoch=epoch, diag=diag,
                          page_size=config.page_size,
                          printing=print_setup(config.print_condition, theme.cmyk,
                                               config.paths.styles / "icc")
                          if edition == "print" else None)
    if len(diag.errors) > found and not diag.strict:
        return None  # an engine error: nothing to keep
    if len(diag.errors) == found:
        cache.put("pdf", name, rendered.data)
        cache.put_json("pdf-meta", name, {
            "pages": rendered.pages, "warnings": list(rendered.warnings),
            "sha256": hashlib.sha256(rendered.data).hexdigest(), "bytes": len(rendered.data)})
    return _Edition(lang, edition, rendered.data, rendered.pages, rendered.warnings, True,
                    rendered.seconds)


def _pdf_problem(pdf: bytes, meta: dict[str, Any]) -> str | None:
    """What is wrong with a cached PDF, given the record stored beside it (None: nothing)."""
    if len(pdf) != meta["bytes"] or hashlib.sha256(pdf).hexdigest() != meta["sha256"]:
        return "the PDF is not the one its record describes"
    if not pdf.startswith(b"%PDF-") or b"%%EOF" not in pdf[-1024:]:
        return "the PDF is incomplete"
    return None


def build_language(inputs: Inputs, options: BuildOptions, lang: str, editions: tuple[str, ...],
                   diag: Diagnostics) -> tuple[Document, list[_Edition], dict[str, float],
                                               Diagnostics]:
    """One language, start to finish: charts → document → HTML → PDF for each edition.

    Returns the document, the editions, how long each step took (seconds, for ``--verbose`` and
    the benchmark) and what was found on the way (``diag``, which travels back from a worker)."""
    from .release import cached_layout
    from .templates import render_html

    clock = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(step: str) -> None:
        nonlocal clock
        timings[f"{lang} {step}"] = time.perf_counter() - clock
        clock = time.perf_counter()

    # A damaged cache entry is made again: a warning even under --strict (the output is right).
    cache = cachelib.Cache(options.cache_dir, Diagnostics())
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
            done = lay_out(inputs, options, lang, edition, html, cache, diag)
            lap(f"{edition} pdf")
            if done is None:
                continue
            done.layout = cached_layout(
                cache, done.data, edition, document, inputs.content, inputs.config.paths.root,
                output_name(inputs.config, lang, edition, options.theme))
            lap(f"{edition} layout check")
            results.append(done)
            timings[f"{lang} {edition} pdf: layout"], timings[f"{lang} {edition} pdf: write"] = \
                done.seconds
    diag.merge(cache.diag)
    return document, results, timings, diag


# Allocations between two young-generation collections while a language renders, and while the
# build validates its inputs or a worker imports its libraries (Python's default is 700): the engine
# allocates millions of short-lived boxes, and the default collects over a thousand times per
# edition (measurements: docs/performance.md).
YOUNG_COLLECTION_THRESHOLD = 50_000


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """Collect garbage rarely while the body runs, and never walk what existed before it.

    Everything alive on entry (imported modules, the validated inputs) is frozen out of the
    collector (``gc.freeze``): it lives to the end of the build, and walking it at every old-
    generation collection is pure cost. Young collections run every
    :data:`YOUNG_COLLECTION_THRESHOLD` allocations instead of 700: the engine's reference cycles
    are still reclaimed, in larger batches, and peak memory does not grow (docs/performance.md).
    Both settings are restored on exit, so a caller such as the test suite keeps its own.
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

    The chart engine itself starts with the first chart to draw: started here, it made every
    rebuild wait for it, charts cached or not, since the worker was ready after the parent had
    validated; in a cold build, it costs the same either way (docs/performance.md). Nothing here reads the
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


def start_workers(options: BuildOptions) -> WorkerPool | None:
    """Start the language workers early, or None to render in this process.

    Workers are spawned, not forked: a fork of a process in which the chart engine (vl-convert)
    or the statistics libraries have started threads can hang. Their start-up (imports, chart
    engine) overlaps with the parent's validation, so spawning costs no wall time. They die with
    this process, leave Ctrl-C to it, and a worker's death is an error saying how it ended
    (:mod:`report.processes`).
    """
    languages = LANGUAGES if _both_languages(options) else options.languages
    if options.workers < 2 or len(languages) < 2:
        return None
    # This process renders one language itself: the pool holds the others' workers.
    workers = min(options.workers, len(languages)) - 1
    return WorkerPool(workers, initializer=_warm_worker,
                      hint="build again; with --workers 1 the languages are rendered one after "
                      "the other in this process, with less memory")


def _run_languages(inputs: Inputs, options: BuildOptions, languages: tuple[str, ...],
                   editions: tuple[str, ...], pool: WorkerPool | None,
                   diag: Diagnostics, progress: Progress) -> dict[str, Any]:
    """The languages in parallel: the lightest in this process, the others in the pool's workers
    (or all in this process, one after the other, without a pool).

    This process starts its language later than a warmed-up worker (it imports the chart and
    PDF engines only after validating), so it takes the language with the least text. Each
    language records its problems in its own diagnostics (a child of ``diag``, returned with its
    results)."""
    results: dict[str, Any] = {}
    futures = {}
    here = languages
    if pool is not None:
        languages = tuple(sorted(languages, key=lambda lang: -_text_size(inputs, lang)))
        here = languages[-1:]
        for lang in languages[:-1]:
            progress("render", f"{lang}: charts, document, {', '.join(editions) or 'no PDF'} "
                     "(worker)")
            futures[lang] = pool.submit(build_language, inputs, options, lang, editions,
                                        diag.child(), what=f"the {lang} editions")
    for lang in here:
        progress("render", f"{lang}: charts, document, {', '.join(editions) or 'no PDF'}")
        results[lang] = build_language(inputs, options, lang, editions, diag.child())
    for lang, future in futures.items():
        results[lang] = pool.result(future, f"the {lang} editions")  # type: ignore[union-attr]
    return results


def _text_size(inputs: Inputs, lang: str) -> int:
    """How much text a language has to lay out (characters of its content files)."""
    content = inputs.content
    return sum(len(page.body) for page in content.pages[lang].values()) + \
        sum(len(page.body) for page in content.cases.get(lang, ()))


def engine_notes(diag: Diagnostics) -> str:
    """What the machine's libraries mean for the output: one line for ``--verbose``, and the one
    warning of a machine without HarfBuzz-Subset (an error under ``--strict``)."""
    from .system import describe, subsetter_warning

    if (warning := subsetter_warning()) is not None:
        diag.warn(warning)
    return describe()


# -- the build --------------------------------------------------------------------------------
def build(options: BuildOptions, diag: Diagnostics | None = None,
          progress: Progress = _quiet) -> BuildResult:
    """Build the report: the table of contents of the pipeline.

    Every problem goes to ``diag`` (a new one by default); the build raises them all, as one
    :class:`~report.errors.ErrorGroup`, before it writes anything. Under ``diag.check_only`` it
    stops after checking (:func:`report.check.check_all`). The personal edition (one report per
    respondent) is a pipeline of its own (:mod:`report.personal`). A build holds its output folder
    from start to end, so that no other build writes there at the same time
    (:func:`report.output.hold_folder`; a check writes nothing and holds nothing)."""
    diag = diag if diag is not None else Diagnostics()
    if diag.check_only:
        return _build(options, diag, progress)
    with hold_folder(options.out_dir, waiting=lambda message: progress("waiting", message)):
        return _build(options, diag, progress)


def _build(options: BuildOptions, diag: Diagnostics, progress: Progress) -> BuildResult:
    if "personal" in options.editions:
        from .personal import build_personal, check_personal

        return check_personal(options, diag, progress) if diag.check_only else \
            build_personal(options, diag, progress)
    result = BuildResult()
    started = time.perf_counter()
    # A damaged cache entry is made again: a warning even under --strict (the output is right).
    cache = cachelib.Cache(options.cache_dir, Diagnostics())
    fingerprint = cachelib.input_fingerprint(options.root, options.theme, {
        "languages": options.languages, "editions": options.editions, "theme": options.theme,
        "strict": diag.strict, "release": diag.release, "out": str(options.out_dir)})
    record = cache.get_json("builds", fingerprint, cachelib.BUILD_RECORD)
    if not diag.check_only and record and cachelib.outputs_intact(record, options.out_dir):
        progress("up to date", "no input changed since the last build; nothing to do")
        for warning in record.get("warnings", []):
            diag.warn(warning)
        result.up_to_date = True
        result.timings["total"] = time.perf_counter() - started
        return result

    if diag.check_only:
        from .check import check_all

        check_all(options, diag, progress)
        diag.raise_if_errors("the inputs have problems")
        return result
    result.engine = engine_notes(diag)
    diag.raise_if_errors()
    pool = start_workers(options)
    try:
        with few_collections():
            inputs = validate_inputs(options, diag, progress)
        diag.raise_if_errors("the inputs have problems")
        assert inputs is not None
        from . import release

        release.check_inputs(inputs, diag)  # placeholders, logos, proofing: release problems
        diag.raise_if_errors("the report is not ready for release")  # before any layout
        result.timings["validate"] = (validated := time.perf_counter()) - started
        lang_editions = tuple(e for e in LANG_EDITIONS if e in options.editions)
        per_language = _run_languages(inputs, options, inputs.config.languages, lang_editions,
                                      pool, diag, progress)
    except BaseException:
        if pool is not None:
            pool.close(abort=True)  # an error or Ctrl-C: the workers' work is of no use
        raise
    if pool is not None:
        pool.close()
    for lang in inputs.config.languages:  # what each language found, in the languages' order
        diag.merge(per_language[lang][3])
    diag.raise_if_errors("the report could not be rendered")
    result.timings["languages (wall)"] = (rendered := time.perf_counter()) - validated
    languages = inputs.config.languages
    documents = {lang: per_language[lang][0] for lang in languages}
    editions: list[_Edition] = []
    for lang in languages:
        _document, done, timings, _diag = per_language[lang]
        editions += [e for e in done if e.lang in options.languages]
        result.timings.update(timings)
    if "bilingual" in options.editions:
        progress("render", "bilingual edition: French then English")
        from .bilingual import render_bilingual_html

        html = render_bilingual_html(inputs.config, documents, inputs.theme,
                                     stylesheets(inputs.config, "bilingual"))
        bilingual = lay_out(inputs, options, "fr+en", "bilingual", html, cache, diag)
        if bilingual is not None:
            editions.append(bilingual)
        result.timings["bilingual"] = time.perf_counter() - rendered
    diag.merge(cache.diag)
    release.check_outputs([e.layout for e in editions if e.layout is not None], diag)
    diag.raise_if_errors("the report could not be rendered")

    for edition in editions:
        key = f"{edition.lang} {edition.edition}"
        (result.rendered if edition.rendered else result.reused).append(key)
        result.outputs.append(Output(edition.lang, edition.edition, options.theme,
                                     output_name(inputs.config, edition.lang, edition.edition,
                                                 options.theme),
                                     edition.data, edition.pages))
    replace = None
    if "web" in options.editions:  # a builder of its own over the same documents
        progress("render", "web edition: pages, data, search index")
        from .web import superseded, web_outputs

        web_started = time.perf_counter()
        result.outputs += web_outputs(inputs, documents, options, result.outputs, diag)
        diag.raise_if_errors("the web edition could not be built")
        result.rendered.append("web")
        result.timings["web"] = time.perf_counter() - web_started
        replace = superseded(options.theme)
    progress("output", f"writing {len(result.outputs)} files to {options.out_dir}")
    result.manifest = write_outputs(result.outputs, options.out_dir, replace)
    cache.put_json("builds", fingerprint, {
        "outputs": [{"path": o.filename, "sha256": o.sha256} for o in result.outputs],
        "warnings": [str(w) for w in diag.warnings]})
    result.timings["total"] = time.perf_counter() - started
    return result
