"""Web edition, the site: every file of the static site, in memory, then the outputs to write.

Input: the configuration, the theme, the statistics, each language's assembled
:class:`~report.document.Document`, what PDF editions exist, and the build cache.
Output: a :class:`Site`, the files of the site by path (``fr/index.html``, ``en/…``,
``assets/…``, ``data/…``, ``pagefind/…``, ``index.html``), and :func:`site_outputs`, the same
files as :class:`~report.output.Output` entries under the site's folder (``web/``, or
``web-<theme>/`` for a partner theme), for :func:`report.output.write_outputs` to write atomically
with the manifest.

:class:`SiteBuilder` keeps what does not change from one edit to the next (the template
environment, the theme's fonts, the data package) so that the authors' server
(:mod:`report.web.serve`) re-renders only the language an edit touched.
"""

from __future__ import annotations

import html as _html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import LANGUAGES
from .. import cache as cachelib
from ..document import Document
from ..output import MANIFEST, Output
from . import assets, data, render, search
from .pages import plan

PDF_EDITIONS = ("screen", "print", "bilingual")
_TAG = re.compile(r"<[^>]+>")


def site_folder(theme: str) -> str:
    """Where the site goes in the output folder: ``web``, or ``web-<theme>`` for a partner."""
    return "web" if theme == "default" else f"web-{theme}"


@dataclass
class Site:
    """Every file of the site (path inside the site → bytes) and its pages by language."""

    folder: str
    files: dict[str, bytes] = field(default_factory=dict)
    pages: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def html(self) -> dict[str, str]:
        """The HTML pages, decoded (for the search index and the tests)."""
        return {path: data.decode("utf-8") for path, data in self.files.items()
                if path.endswith(".html")}


def pdf_links(config: Any, theme: str, lang: str, available: dict[str, dict[str, Any]],
              depth: int = 2) -> list[render.PdfLink]:
    """The PDF editions a language's pages offer: every edition, each marked available or not.

    ``available`` maps a PDF's file name to what the output folder knows of it (``pages`` and
    ``bytes``); ``depth`` is how many folders a page is below the output folder.
    """
    from ..build import output_name

    strings = config.strings[lang]
    links = []
    for edition in PDF_EDITIONS:
        owner = lang if edition != "bilingual" else "fr+en"
        name = output_name(config, owner, edition, theme)
        entry = available.get(name)
        meta = ""
        if entry is not None:
            size = render.file_size(int(entry.get("bytes") or 0), lang, strings)
            pages = int(entry.get("pages") or 0)
            meta = strings.format("web.pdf_meta", pages=pages, size=size) if pages else size
        links.append(render.PdfLink(edition, strings[f"web.pdf_{edition}"],
                                    "../" * depth + name, entry is not None, meta,
                                    lang if edition != "bilingual" else ""))
    return links


def available_pdfs(out_dir: Path, built: Iterable[Output]) -> dict[str, dict[str, Any]]:
    """The PDFs the site can link to: those of this build, and those already in the output folder
    (with their manifest entry when it has one)."""
    found: dict[str, dict[str, Any]] = {}
    try:
        entries = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8")).get("outputs", [])
    except (OSError, ValueError, AttributeError):
        entries = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and str(entry.get("path", "")).endswith(".pdf") \
                and (out_dir / str(entry["path"])).is_file():
            found[str(entry["path"])] = entry
    for output in built:
        if output.filename.endswith(".pdf"):
            found[output.filename] = {"pages": output.pages, "bytes": len(output.data)}
    return found


def text_chars(pages: Iterable[str]) -> frozenset[int]:
    """Every character the pages show (their text, tags removed, entities decoded)."""
    chars: set[int] = set()
    for page in pages:
        chars.update(map(ord, _html.unescape(_TAG.sub(" ", page))))
    return frozenset(chars)


class SiteBuilder:
    """Builds the site; keeps the parts that an edit of the text does not change."""

    def __init__(self, config: Any, theme: Any, stats: Any, cache: cachelib.Cache,
                 pdfs: dict[str, dict[str, Any]]) -> None:
        self.config = config
        self.theme = theme
        self.stats = stats
        self.cache = cache
        self.pdfs = pdfs
        self.folder = site_folder(theme.name)
        self.env = render.environment(config.paths.templates / "web")
        self.logos = assets.logo_files(config, theme)
        self._package: dict[str, bytes] | None = None
        self._fonts: dict[str, bytes] = {}
        self._chars: frozenset[int] = frozenset()

    # -- parts ------------------------------------------------------------------------------
    def package(self) -> dict[str, bytes]:
        """The data package (computed once: it depends on the statistics only)."""
        if self._package is None:
            self._package = data.data_package(self.config, self.stats)
        return self._package

    def language(self, document: Document, only: set[str] | None = None
                 ) -> tuple[dict[str, bytes], list[Any]]:
        """The pages and CSV files of one language, and its pages (only the pages whose slug is
        in ``only``, when given)."""
        lang = document.lang
        exhibits = {p.id: p.data for p in [*document.figures, *document.tables]}
        files = data.exhibit_files(exhibits, document.strings, lang)
        sizes = {path: len(blob) for path, blob in {**files, **self.package()}.items()}
        context = render.language_context(
            self.config, self.theme, document, logos=self.logos, sizes=sizes,
            pdfs=pdf_links(self.config, self.theme.name, lang, self.pdfs))
        pages = plan(document)
        rendered = render.render_language(self.env, context, pages, only)
        files.update({f"{lang}/{name}": text.encode("utf-8") for name, text in rendered.items()})
        return files, pages

    def fonts(self, pages: Iterable[str]) -> dict[str, bytes]:
        """The theme's stylesheet and fonts, subset to the pages' characters; made again only
        when a page brings a character the subsets lack."""
        chars = text_chars(pages)
        if not self._fonts or not chars <= self._chars:
            self._chars = self._chars | chars
            self._fonts = assets.theme_files(self.theme, self._chars, self.cache)
        return self._fonts

    def static(self) -> dict[str, bytes]:
        """The stylesheet, the search script, the logos and the root page (read anew each time:
        an author may be editing them)."""
        files = assets.static_files(self.config, self.theme,
                                    self.config.paths.templates / "web" / "assets")
        files["index.html"] = render.render_chooser(self.env, self.config).encode("utf-8")
        return files

    # -- the whole site ---------------------------------------------------------------------
    def build(self, documents: dict[str, Document], *, with_search: bool = True) -> Site:
        site = Site(self.folder)
        for lang in LANGUAGES:
            files, site.pages[lang] = self.language(documents[lang])
            site.files.update(files)
        site.files.update(self.package())
        site.files.update(self.static())
        site.files.update(self.fonts(site.html.values()))
        if with_search:
            site.files.update(search.index(site.html))
        return site


def outline(document: Document) -> tuple[Any, ...]:
    """Everything of a document that more than its own page shows: every part's id, kind,
    titles, number, label and front matter, and every exhibit's number and caption (the
    contents, the lists, the breadcrumbs, previous and next). Two documents with the same outline
    differ only in the text of some parts: only those parts' pages change."""
    parts = [*document.front, *(c.opener for c in document.chapters),
             *(s for c in document.chapters for s in c.sections), *document.appendices]
    return (tuple((p.id, p.kind, p.title, p.short_title, p.number, p.label, repr(p.meta))
                  for p in parts),
            tuple((e.id, e.number, e.label, e.data) for e in [*document.figures,
                                                                *document.tables]))


def changed_parts(old: Document, new: Document) -> set[str] | None:
    """The ids of the parts whose text changed, or None when the outline changed (every page may
    show the change)."""
    if outline(old) != outline(new):
        return None
    def texts(document: Document) -> dict[str, str]:
        return {p.id: p.html for p in [*document.front, *(c.opener for c in document.chapters),
                                       *(s for c in document.chapters for s in c.sections),
                                       *document.appendices]}
    before, after = texts(old), texts(new)
    return {key for key in after if before.get(key) != after[key]}


def site_outputs(site: Site, theme: str) -> list[Output]:
    """The site's files as outputs under its folder, for the output writer and the manifest.

    Each file is listed with the edition ``web``; its language is that of its folder (``fr``,
    ``en``), or ``fr+en`` for what both languages share; ``pages`` is 1 for an HTML page, 0 for
    any other file.
    """
    outputs = []
    for path, blob in sorted(site.files.items()):
        first = path.split("/", 1)[0]
        lang = first if first in LANGUAGES else "fr+en"
        outputs.append(Output(lang, "web", theme, f"{site.folder}/{path}", blob,
                              1 if path.endswith(".html") else 0))
    return outputs


def build_site(config: Any, theme: Any, stats: Any, documents: dict[str, Document],
               cache: cachelib.Cache, pdfs: dict[str, dict[str, Any]]) -> Site:
    """The whole web edition, in memory."""
    return SiteBuilder(config, theme, stats, cache, pdfs).build(documents)
