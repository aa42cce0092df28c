"""The release check: what keeps a draft from being published, reported before and after layout.

Input: the validated inputs of a build (configuration, theme, content, editorial files, codebook),
then the PDFs it laid out with their documents.
Output: located problems on the diagnostics channel, each a *release problem*: a warning in a
draft build (which says which), an error under ``python build.py --release``, which then writes
nothing:

* **placeholders**: each value of a ``data/report.toml`` table marked ``placeholder = true``
  (the four ISBNs, the publisher's address), one message per value, at its line;
* **partner logos**: each partner of ``data/report.toml`` without ``logos/<id>.svg`` in the
  theme (a draft prints a hatched «Logo à fournir» slot; a release must print none);
* **back cover**: a language without ``data/content/<lang>/back-cover.md``, and a missing
  ``[address]``;
* **every editorial check** of :mod:`report.proofing` (terminology, acronyms, note calls,
  repeated openings, the other language, sources);
* **layout** (:mod:`report.layout_check`), per edition laid out: blank and near-empty pages,
  hyphenation runs, short fragments, protected words hyphenated; text outside the text block is an
  ordinary warning (an error under ``--strict``), named with its section's content file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import LANGUAGES
from .errors import ConfigError, ReportError
from .layout_check import (
    PRINT_BLOCK,
    SCREEN_BLOCK,
    Finding,
    LayoutReport,
    check_layout,
    relative,
    report_layout,
)


def check_inputs(inputs: Any, diag: Any) -> None:
    """Placeholders, logos, back cover and address, then every proofing check (release
    problems: judged by ``--release`` alone, see :meth:`report.diagnostics.Diagnostics.warn`),
    each naming its file relative to the project."""
    found = diag.child()
    _check_inputs(inputs, found)
    root = inputs.config.paths.root
    for problem in (*found.errors, *found.warnings):  # project-relative, as printed
        if problem.file is not None:
            problem.file = relative(problem.file, root)
    diag.merge(found)


def _check_inputs(inputs: Any, diag: Any) -> None:
    from .proofing import proofread

    config, editorial = inputs.config, inputs.editorial
    check_placeholders(config, diag)
    check_logos(config, inputs.theme, diag)
    for lang in config.languages:
        if lang not in editorial.back_cover:
            diag.warn("no back cover text for this language: the edition has no back cover",
                      file=config.paths.content / lang / "back-cover.md",
                      hint="write it (front matter with a title, then the summary printed on the "
                      "back cover), as in the other language", release=True)
    proofread(config, inputs.content, editorial, diag, inputs.stats.codebook)


def check_placeholders(config: Any, diag: Any) -> None:
    """One message per placeholder value, at its line, and one for a missing address."""
    from .sources import load_toml

    try:
        source = load_toml(config.paths.report_toml, ConfigError, root=config.paths.root)
    except ReportError:  # read and reported by the configuration stage
        return
    for table in sorted(config.placeholders):
        marker = source.where((table, "placeholder"))[0]
        if table in ("isbn", "isbn_print"):
            for lang in config.languages:
                diag.warn(source.error(
                    ConfigError, f"[{table}] {lang} is a placeholder ISBN", (table, lang),
                    value=getattr(config, table)[lang],
                    hint="put the ISBN that Bibliothèque et Archives nationales du Québec "
                    f"assigned, then delete `placeholder = true` (line {marker})"), release=True)
        else:
            diag.warn(source.error(
                ConfigError, f"[{table}] is a placeholder (not confirmed by the publisher)",
                (table, "lines"), value=" / ".join(config.address) if table == "address" else None,
                hint=f"confirm it, then delete `placeholder = true` (line {marker})"),
                release=True)
    if not config.address:
        diag.warn(source.error(ConfigError, "no publisher's address for the back cover", (),
                               hint='add [address] with lines = ["…", "…"]'), release=True)


def check_logos(config: Any, theme: Any, diag: Any) -> None:
    """Each partner's logo in the theme's logos folder."""
    for partner in config.partners:
        logo = theme.folder / "logos" / f"{partner.id}.svg"
        if not logo.is_file():
            diag.warn(f"partner «{partner.name[LANGUAGES[0]]}» has no logo: the partners page "
                      "prints a placeholder", file=relative(logo, config.paths.root),
                      hint=f"add the partner's SVG logo as {logo.name} (see the README, "
                      "«Making a partner edition»)", release=True)


# -- after layout --------------------------------------------------------------------------------
def sections(document: Any, content: Any, root: Path) -> list[tuple[str, str]]:
    """(title, content file) of every part of a document, for the layout check's locations."""
    pages = content.pages.get(document.lang, {})
    cases = {case.id: case for case in content.cases.get(document.lang, [])}
    out = []
    parts = [*document.front]
    for chapter in document.chapters:
        parts += [chapter.opener, *chapter.sections]
    parts += document.appendices
    for part in parts:
        page = pages.get(part.id) or cases.get(part.id)
        if page is not None:
            out.append((part.title, relative(page.path, root)))
    return out


def layout_of(data: bytes, edition: str, document: Any, content: Any, root: Path,
              name: str) -> LayoutReport:
    """The layout check of one language edition's PDF (the cover and back cover skipped)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        return LayoutReport(edition=name, pages=0, findings=[
            Finding("unreadable", 0, f"PDFium cannot read the PDF ({exc})")])
    pages = len(pdf)
    pdf.close()
    back = document.back_cover is not None
    skip = [0] + ([pages - 1] if back else [])
    # in print, the back cover is a left-hand page: a blank right-hand page may precede it
    designed = [pages - 2] if back and edition == "print" else []
    return check_layout(data, edition=name, block=PRINT_BLOCK if edition == "print"
                        else SCREEN_BLOCK, protected=document.protected_words,
                        sections=sections(document, content, root), skip_pages=skip,
                        blank_versos=edition == "print", blank_by_design=designed)


def check_outputs(reports: list[LayoutReport], diag: Any) -> None:
    """Each edition's layout findings: overflow a warning (an error under ``--strict``), the rest
    release problems."""
    for report in reports:
        report_layout(report, diag, report.edition)


LAYOUT_SHAPE = {"edition": str, "pages": int, "designed_blank": int,
                "findings": [{"kind": str, "page": int, "detail": str, "file": (str, type(None))}]}


def cached_layout(cache: Any, data: bytes, edition: str, document: Any, content: Any,
                  root: Path, name: str) -> LayoutReport:
    """:func:`layout_of`, kept in the cache by the PDF's bytes (and the words and sections it
    was checked against): a PDF from the cache is not read again."""
    from dataclasses import asdict

    from .cache import key as cache_key

    key = cache_key("layout", data, name, json.dumps([document.protected_words,
                                                      sections(document, content, root)]))
    found = cache.get_json("layout", key, LAYOUT_SHAPE)
    if found is not None:
        findings = [Finding(**f) for f in found.pop("findings")]
        return LayoutReport(**found, findings=findings)
    report = layout_of(data, edition, document, content, root, name)
    cache.put_json("layout", key, asdict(report))
    return report
