"""``python build.py --check``: validate every input and report every problem at once, render nothing.

Input: the :class:`~report.build.BuildOptions` of a build and its
:class:`~report.diagnostics.Diagnostics`.
Output: every problem found, in the diagnostics. Nothing is laid out by the PDF engine, no chart is
drawn and nothing is written.

The check runs the build's own validation (:func:`report.build.validate_inputs`: configuration,
theme, stylesheets, survey, statistics, figures and tables, content, and each language's document
with every shortcode resolved), which goes on past every problem that leaves the next checks
possible, so that an editor fixes every file in one pass; then it fills each language's templates
(without drawing the charts), so that a template or interface string the build would miss is
reported too. The build refuses nothing that this check lets through, short of what only the
engine can find (a chart that fails to draw, an engine warning under ``--strict``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .diagnostics import Diagnostics

if TYPE_CHECKING:
    from .build import BuildOptions

Progress = Callable[[str, str], None]


def _quiet(stage: str, detail: str) -> None:
    """The default progress callback: say nothing."""


def check_all(options: BuildOptions, diag: Diagnostics, progress: Progress = _quiet) -> None:
    """Run every check the inputs allow; every problem goes to ``diag``."""
    from .bilingual import render_bilingual_html
    from .build import stylesheets, validate_inputs
    from .charts import Chart
    from .templates import render_html

    inputs = validate_inputs(options, diag, progress)
    if inputs is None:
        return
    if diag.release:  # --check --release: what keeps the report from release, as errors
        from .release import check_inputs

        check_inputs(inputs, diag)
    for lang, document in inputs.documents.items():
        for placed in document.figures:  # the charts are not drawn: an empty picture stands in
            placed.chart = Chart(placed.id, "<svg xmlns='http://www.w3.org/2000/svg'/>", 1, 1,
                                 placed.data.alt)
        progress("templates", f"{lang}: checking the templates and interface strings")
        for edition in ("screen", "print"):
            if edition in options.editions or edition == "screen":
                with diag.collecting():
                    render_html(inputs.config, document, inputs.theme, edition,
                                stylesheets(inputs.config, edition))
    if "bilingual" in options.editions and len(inputs.documents) == 2:
        with diag.collecting():
            render_bilingual_html(inputs.config, inputs.documents, inputs.theme,
                                  stylesheets(inputs.config, "bilingual"))
    if "web" in options.editions:
        from .web import check_web

        progress("templates", "web edition: checking its templates and interface strings")
        check_web(inputs, diag)
