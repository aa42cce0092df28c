"""The web edition: the report as a static, accessible, bilingual website.

A builder over the assembled documents, like the PDF editions (:mod:`report.templates`,
:mod:`report.pdf`): it receives each language's :class:`~report.document.Document` (sections,
exhibits, charts, notes and cross-references, computed once for every edition) and writes its own
files with its own templates (``templates/web/``). Nothing upstream knows it exists.

Input: the validated inputs of the build (configuration, theme, statistics), the documents of
both languages, the build options and the outputs already rendered (the PDFs the site links to).
Output: the site's files as :class:`~report.output.Output` entries under ``web/`` in the output
folder (``web-<theme>/`` for a partner theme), written atomically with the PDFs and listed in
``manifest.json`` with the edition ``web``:

    pages (:mod:`.pages`) → data files (:mod:`.data`) → HTML (:mod:`.render`)
        → theme, fonts and scripts (:mod:`.assets`) → search index (:mod:`.search`)
        → the site (:mod:`.site`) → outputs

``python build.py serve`` (:mod:`.serve`) serves it to authors with a rebuild on save.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..diagnostics import Diagnostics
from ..output import Output

__all__ = ["check_web", "superseded", "web_outputs"]


def web_outputs(inputs: Any, documents: dict[str, Any], options: Any,
                built: list[Output], diag: Diagnostics) -> list[Output]:
    """The web edition's files, for :func:`report.output.write_outputs`; none when it could not be
    built (every problem is in ``diag``).

    ``built`` are the outputs this build has rendered so far: the PDFs the pages link to (with
    those already in the output folder)."""
    from .. import cache as cachelib
    from .site import available_pdfs, build_site, site_outputs

    with diag.collecting():
        site = build_site(inputs.config, inputs.theme, inputs.stats, documents,
                          cachelib.Cache(options.cache_dir),
                          available_pdfs(options.out_dir, built))
        return site_outputs(site, options.theme)
    return []


def check_web(inputs: Any, diag: Diagnostics) -> None:
    """``--check --edition web``: render every page of both languages (templates and interface
    strings), without fonts or search index; every problem goes to ``diag``."""
    from .. import cache as cachelib
    from .site import SiteBuilder

    builder = SiteBuilder(inputs.config, inputs.theme, inputs.stats, cachelib.Cache(None), {})
    for document in inputs.documents.values():
        with diag.collecting():
            builder.language(document)
    with diag.collecting():
        builder.static()


def superseded(theme: str) -> Callable[[dict[str, object]], bool]:
    """Which entries of an earlier manifest a new web edition replaces: every file of the earlier
    site of the same theme (a page or an index file that the new site no longer has is removed,
    so the folder holds the site that the manifest lists and nothing else)."""
    return lambda entry: entry.get("edition") == "web" and entry.get("theme") == theme
