"""``python build.py --check``: validate every input and report every problem at once, render nothing.

Input: the :class:`~report.build.BuildOptions` of a build (project root, languages, editions, theme).
Output: the list of every :class:`~report.errors.ReportError` found, empty when the inputs are valid.
Nothing is laid out by the PDF engine, no chart is drawn and nothing is written.

The build stops at its first failing stage; a check goes on wherever the stages do not depend on each
other, so that an editor fixes every file in one pass:

    configuration ─┬──────────────────────────── content ──┐
    theme          │                                       ├─ documents → HTML (per language)
    survey data ───┴─ statistics ─ figures, tables ────────┘

When the survey data are invalid but the codebook is usable, the shortcodes, figures and tables are
still checked against the codebook (with stand-in numbers); when report.toml or strings.toml is
invalid, the content is still checked (with stand-in facts and strings); when a content file or an
exhibit definition is wrong, the others are still assembled. So a CSV error, a configuration error and
a content error are all reported by the same run. Only a wrong ``structure.yaml`` stops the content
checks (it says which files to read), and the templates are tried only on valid inputs.

The caller raises the list (``raise_if_any(check_all(options))``) to print it like any build error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from . import LANGUAGES
from .errors import ErrorGroup, ReportError

T = TypeVar("T")
Progress = Callable[[str, str], None]


def _quiet(stage: str, detail: str) -> None:
    """The default progress callback: say nothing."""


@dataclass(frozen=True)
class _StandInChart:
    """What the templates read from a chart, without drawing it (``--check`` draws nothing)."""

    id: str
    svg: str
    width: float
    height: float
    alt: str


def _stand_in_statistics(codebook: Any) -> Any:
    """Statistics that check every name against the codebook and answer with a placeholder.

    Used when the survey rows are invalid: shortcodes, figures and tables can still be checked.
    """
    import numpy as np

    from .statistics import Design, Estimate, Statistics

    class NamesOnly(Statistics):
        def _estimate(self, var: str, level: str, by: str | None, group: str | None) -> Estimate:
            return Estimate(var, level, by, group, 0.5, 0.4, 0.6, 100, 100.0, "ok", None)

    design = Design(n=100, N=1000.0, deff=1.0, n_eff=100.0, moe_max=0.1, weight_min=1.0,
                    weight_max=1.0, weight_mean=1.0)
    return NamesOnly(codebook=codebook, design=design, weights=np.zeros(0), columns={})


class _AnyFact(dict):
    """Facts when report.toml cannot be read: every key is known (its problems are reported)."""

    def get(self, key: Any, default: Any = None) -> Any:
        from .config import Fact

        return Fact(str(key), 1.0, "count", 0, "")


class _AnyStrings:
    """Interface strings when strings.toml cannot be read: every key answers with its name."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __getitem__(self, key: str) -> str:
        return key

    def get(self, key: str) -> str:
        return key

    def format(self, key: str, **values: object) -> str:
        return key


def _stand_in_config(options: Any, paths: Any, languages: tuple[str, ...]) -> Any:
    """A configuration to check the content with when report.toml or strings.toml is wrong (their
    problems are already reported); None when structure.yaml is wrong too."""
    import datetime as _dt

    from .config import load_structure
    from .i18n import load_strings

    try:
        structure = load_structure(paths.structure)
    except ReportError:
        return None
    try:
        strings: dict[str, Any] = load_strings(paths.strings)
    except ReportError:
        strings = {lang: _AnyStrings(lang) for lang in LANGUAGES}
    return _StandInConfig(paths=paths, structure=structure, strings=strings, facts=_AnyFact(),
                          languages=tuple(lang for lang in LANGUAGES if lang in languages),
                          editions=options.editions, theme=options.theme,
                          date=_dt.date(2000, 1, 1))


class _StandInConfig:
    """What the content and document stages read from a :class:`~report.config.Config`; any other
    setting reads as an empty text per language."""

    def __init__(self, **settings: Any) -> None:
        self.__dict__.update(settings)

    def __getattr__(self, name: str) -> Any:
        return {lang: "" for lang in LANGUAGES}


def check_all(options: Any, progress: Progress = _quiet) -> list[ReportError]:
    """Run every check the inputs allow and return every problem found (empty: all valid)."""
    from .config import Paths, load_config
    from .content import load_content
    from .data import load_codebook, load_survey
    from .diagnostics import Diagnostics
    from .document import build_document
    from .exhibits import compute_exhibits, load_definitions
    from .glyphs import check_glyphs
    from .statistics import compute_statistics
    from .templates import render_html
    from .theme import load_theme

    errors: list[ReportError] = []

    def attempt(stage: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return stage(*args, **kwargs)
        except ReportError as exc:
            errors.extend(exc.errors if isinstance(exc, ErrorGroup) else [exc])
            return None

    paths = Paths.under(options.root)
    languages = LANGUAGES if "bilingual" in options.editions else options.languages
    progress("configuration", "checking data/report.toml, structure.yaml, strings.toml")
    config = attempt(load_config, options.root, languages=languages, editions=options.editions,
                     theme=options.theme)
    progress("theme", f"checking themes/{options.theme}")
    theme = attempt(load_theme, paths, options.theme)
    if theme is not None:  # characters that no font of the theme draws
        check_glyphs(paths, theme, glyph_diag := Diagnostics(), languages)
        errors.extend(glyph_diag.errors)

    progress("data", "checking the survey")
    survey = attempt(load_survey, paths.survey)
    stats = attempt(compute_statistics, survey) if survey is not None else None
    if survey is None:
        codebook, _reported = load_codebook(paths.survey)  # by load_survey already
        stats = _stand_in_statistics(codebook) if codebook is not None else None

    definitions = None
    if stats is not None:
        progress("exhibits", "checking data/figures.yaml and data/tables.yaml")
        found = len(errors)
        figures = attempt(load_definitions, paths.figures, "figure", stats.codebook, errors)
        tables = attempt(load_definitions, paths.tables, "table", stats.codebook, errors)
        if figures is not None and tables is not None:
            definitions = ({**figures, **tables}, len(errors) == found)

    stand_in = config is None
    if stand_in:
        config = _stand_in_config(options, paths, languages)
        if config is None:
            return _unique(errors)
    exhibits = None
    if definitions is not None:
        strings = {lang: config.strings[lang] for lang in config.languages}
        defs, valid = definitions
        if valid:
            exhibits = attempt(compute_exhibits, defs, stats, strings)
        else:  # each definition that can be computed: the others' problems are reported above
            exhibits = {lang: {} for lang in strings}
            for key, definition in defs.items():
                try:
                    one = compute_exhibits({key: definition}, stats, strings)
                except ReportError:
                    continue
                for lang in strings:
                    exhibits[lang][key] = one[lang][key]
    progress("content", "checking the Markdown of every language")
    found = len(errors)
    content = attempt(load_content, config, errors)
    if content is None or exhibits is None:
        return _unique(errors)
    content_valid = len(errors) == found
    for lang in config.languages:
        if set(config.structure.content_ids()) - set(content.pages.get(lang, {})):
            continue  # a file is missing or unreadable (reported): its language cannot be assembled
        progress("document", f"{lang}: checking shortcodes and references")
        document = attempt(build_document, config, content, lang, stats, exhibits[lang], {})
        if document is None or theme is None or stand_in or not content_valid:
            continue  # the templates expect valid inputs
        for placed in document.figures:
            placed.chart = _StandInChart(placed.id, "<svg xmlns='http://www.w3.org/2000/svg'/>",
                                         1, 1, placed.data.alt)
        progress("templates", f"{lang}: checking the templates and interface strings")
        attempt(render_html, config, document, theme, "screen", [])
    return _unique(errors)


def _unique(errors: list[ReportError]) -> list[ReportError]:
    """The same problem found twice (e.g. through two stages) is reported once."""
    seen: set[tuple[str, str]] = set()
    out = []
    for error in errors:
        key = (type(error).__name__, str(error))
        if key not in seen:
            seen.add(key)
            out.append(error)
    return out
