"""The whole pipeline, stage by stage: from the project folder to PDFs and their manifest.

Input: :class:`BuildOptions` (project root, output folder, languages, editions, theme, strictness).
Output: a :class:`BuildResult` listing what was written. Everything is read, validated and rendered
in memory first; files are written only at the end, atomically, so a failed build writes nothing.

    configuration → data → statistics → exhibits → charts → content → document → HTML → PDF → output
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .charts import Chart, render_chart
from .config import Config, load_config
from .content import Content, load_content
from .data import load_survey
from .document import Document, build_document
from .exhibits import ExhibitData, compute_exhibits, load_definitions
from .i18n import LANGUAGES
from .output import Output, write_outputs
from .pdf import render_pdf
from .statistics import Statistics, compute_statistics
from .templates import render_html
from .theme import Theme, load_theme

Progress = Callable[[str, str], None]


@dataclass(frozen=True)
class BuildOptions:
    root: Path
    out_dir: Path
    languages: tuple[str, ...] = LANGUAGES
    editions: tuple[str, ...] = ("screen",)
    theme: str = "default"
    strict: bool = False
    check_only: bool = False


@dataclass
class BuildResult:
    outputs: list[Output] = field(default_factory=list)
    manifest: Path | None = None
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def _quiet(stage: str, detail: str) -> None:
    """The default progress callback: say nothing."""


def output_name(config: Config, lang: str, edition: str, theme: str) -> str:
    suffix = "" if theme == "default" else f"-{theme}"
    return f"{config.output_names[lang]}-{edition}{suffix}.pdf"


def render_charts(exhibits: dict[str, ExhibitData], theme: Theme, lang: str) -> dict[str, Chart]:
    """Draw every figure of one language (tables are drawn by the templates)."""
    style = theme.chart_style()
    return {key: render_chart(data, style, lang) for key, data in exhibits.items()
            if data.family == "figure"}


def stylesheets(config: Config, edition: str) -> list[str]:
    sheets = [config.paths.styles / "report.css", config.paths.styles / f"{edition}.css"]
    return [s.as_uri() for s in sheets if s.is_file()]


def build(options: BuildOptions, progress: Progress = _quiet) -> BuildResult:
    """Build the report: the table of contents of the pipeline."""
    result = BuildResult()
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        result.timings[name] = now - clock
        clock = now

    progress("configuration", "reading data/report.toml")
    config = load_config(options.root, languages=options.languages, editions=options.editions,
                         theme=options.theme)
    theme = load_theme(config.paths, options.theme)
    step("configuration")

    progress("data", "validating the survey")
    survey = load_survey(config.paths.survey)
    step("data")

    progress("statistics", "weighting and estimating")
    stats: Statistics = compute_statistics(survey)
    definitions = {**load_definitions(config.paths.figures, "figure", stats.codebook),
                   **load_definitions(config.paths.tables, "table", stats.codebook)}
    exhibits = compute_exhibits(definitions, stats, config.strings)
    step("statistics")

    progress("content", "reading Markdown in every language")
    content: Content = load_content(config)
    step("content")

    documents: dict[str, Document] = {}
    for lang in config.languages:
        figures = sum(1 for d in exhibits[lang].values() if d.family == "figure")
        progress("charts", f"{lang}: drawing {figures} figures")
        charts = render_charts(exhibits[lang], theme, lang)
        step(f"charts {lang}")
        progress("document", f"{lang}: assembling")
        documents[lang] = build_document(config, content, lang, stats, exhibits[lang], charts)
        step(f"document {lang}")
    if options.check_only:
        return result

    epoch = int(_dt.datetime.combine(config.date, _dt.time(12), _dt.UTC).timestamp())
    roots = (config.paths.styles, config.paths.templates, theme.folder, *theme.font_dirs)
    for lang in config.languages:
        for edition in config.editions:
            progress("pdf", f"{lang} {edition}: laying out")
            html = render_html(config, documents[lang], theme, edition,
                               stylesheets(config, edition))
            rendered = render_pdf(html, base_url=config.paths.root, roots=roots,
                                  edition=edition, title=f"{lang} {edition}", epoch=epoch,
                                  strict=options.strict)
            result.warnings += [f"{lang} {edition}: {w}" for w in rendered.warnings]
            result.outputs.append(Output(lang, edition, options.theme,
                                         output_name(config, lang, edition, options.theme),
                                         rendered.data, rendered.pages))
            step(f"pdf {lang} {edition}")

    progress("output", f"writing {len(result.outputs)} files to {options.out_dir}")
    result.manifest = write_outputs(result.outputs, options.out_dir)
    step("output")
    return result
