"""Web edition, rendering: lay out each page of the site with the web templates.

Input: the configuration, the theme, one language's :class:`~report.document.Document` and its
pages (:mod:`report.web.pages`), what the pages link to (the PDF editions and their sizes, the CSV
files' sizes, the logos).
Output: each page as an HTML string, by file name, and the site's root page (the choice of
language).

The templates live in ``templates/web/`` and are the web edition's own: the PDF editions' templates
are not read. The environment is the report's strict one (:func:`report.templates.make_environment`:
a missing variable is an error, every value is escaped unless it is HTML the pipeline made itself).
The context is built in one function per scope (:func:`language_context`, then each page's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import jinja2
from markupsafe import Markup

from .. import LANGUAGES
from ..document import Document, ExhibitPlacement
from ..errors import RenderError
from ..i18n import Formatter, typography
from ..templates import EXHIBIT_SLOT, _StringsView, make_environment
from .pages import Note, WebPage, element_ids, page_html, resolve_links

TEMPLATES = {"home": "home.html", "figures": "figures.html", "downloads": "downloads.html",
             "colophon": "colophon.html", "search": "search.html", "data": "data.html"}


@dataclass(frozen=True)
class PdfLink:
    """One PDF edition as the pages offer it."""

    edition: str  # screen | print | bilingual
    label: str
    url: str  # relative to a language's folder
    available: bool
    meta: str = ""  # «104 pages, 0,8 Mo»
    lang_attr: str = ""  # hreflang of the file, when it is in one language


def file_size(size: int, lang: str, strings: Any) -> str:
    """«1,2 Ko» / "1.2 KB", «3 Mo» / "3 MB" (decimal units, one decimal under ten)."""
    fmt = Formatter(lang)
    if size >= 1_000_000:
        value, key = size / 1_000_000, "web.mb"
    else:
        value, key = max(size, 1) / 1000, "web.kb"
    text = fmt.number(value, 1 if value < 10 else 0)
    return strings.format(key, n=text)


def environment(templates: Any) -> jinja2.Environment:
    """The strict environment of ``templates/web``."""
    return make_environment(templates)


def language_context(config: Any, theme: Any, document: Document, *, pdfs: list[PdfLink],
                     logos: dict[str, str], sizes: dict[str, int]) -> dict[str, Any]:
    """Everything the pages of one language share."""
    lang = document.lang
    other = next(o for o in LANGUAGES if o != lang)
    strings = document.strings
    fmt = Formatter(lang)
    title = typography(config.title[lang], lang)
    head, _sep, tail = title.partition(":")
    title_html = Markup("{}:<br>{}").format(head.rstrip(), tail.strip()) if tail else \
        Markup.escape(title)
    if lang == "fr" and tail:
        title_html = Markup("{}\u00a0:<br>{}").format(head.rstrip(), tail.strip())

    def data_of(item: ExhibitPlacement) -> str:
        return strings.format(f"web.data_of_{item.family}", label=item.ref)

    def csv_size(key: str) -> str:
        return file_size(sizes[f"{lang}/data/{key}.csv"], lang, strings)

    def package_size(name: str) -> str:
        return file_size(sizes[f"data/{name}"], lang, strings)

    return {
        "lang": lang,
        "other_lang": other,
        "document": document,
        "s": _StringsView(strings),
        "other_s": _StringsView(config.strings[other]),
        "title": title,
        "title_html": title_html,
        "short_title": head.strip() if tail else title,
        "subtitle": typography(config.subtitle[lang], lang),
        "keywords": config.keywords[lang],
        "publisher": config.publisher,
        "direction": config.direction,
        "authors": config.authors,
        "date_iso": config.date.isoformat(),
        "date_long": fmt.date(config.date),
        "month": fmt.date(config.date, "month").capitalize(),
        "year": config.date.year,
        "isbn": config.isbn[lang],
        "isbn_print": config.isbn_print[lang],
        "deposit_lines": strings.format("colophon_deposit_text",
                                        year=config.date.year).split("\n"),
        "partners": [{"id": p.id, "role": p.role, "name": typography(p.name[lang], lang)}
                     for p in config.partners],
        "theme_label": theme.label.get(lang, theme.name),
        "cover_line": typography(theme.cover_line.get(lang, ""), lang),
        "logos": {key: logos.get(key, "") for key in
                  ["theme", *(p.id for p in config.partners)]},
        "pdfs": pdfs,
        "root": "../",
        "assets": "../assets/",
        "data_tables_letter": chr(ord("A") + len(document.appendices)),
        "number": fmt.number,
        "data_of": data_of,
        "csv_size": csv_size,
        "package_size": package_size,
        "exhibit_url": lambda item: item.id,  # replaced once the pages are known
    }


def _note_call(note: Note, call: int, strings: Any) -> str:
    anchor = f"fnref-{note.number}" + (f"-{call}" if call > 1 else "")
    return (f'<sup class="fn-call" data-pagefind-ignore><a id="{anchor}" '
            f'href="#fn-{note.number}">'
            f'<span class="visually-hidden">{Markup.escape(strings["web.note"])} </span>'
            f"{note.number}</a></sup>")


def render_language(env: jinja2.Environment, context: dict[str, Any],
                    pages: list[WebPage], only: set[str] | None = None) -> dict[str, str]:
    """Every page of one language (or those whose slug is in ``only``): ``{file name: HTML}``.

    First the sections' text (exhibits placed, footnotes gathered), which tells where every id
    lives; then the links between pages; then each page's template.
    """
    document: Document = context["document"]
    strings = document.strings
    placements = {p.id: p for p in [*document.figures, *document.tables]}
    figure_tpl = env.get_template("partials/figure.html")
    table_tpl = env.get_template("partials/table.html")

    def exhibit(match: re.Match[str]) -> str:
        item = placements[match.group(1)]
        template = figure_tpl if item.family == "figure" else table_tpl
        return template.render(**context, item=item)

    def place(markup: str) -> str:
        return EXHIBIT_SLOT.sub(exhibit, markup)

    targets: dict[str, str] = {}
    for page in pages:
        targets[page.slug] = page.filename
        if page.section is None:
            continue
        body, page.notes = page_html(page, place,
                                     lambda note, call: _note_call(note, call, strings))
        page.body = Markup(body)
        for key in element_ids(body):
            targets.setdefault(key, page.filename)
    for page in pages:
        if page.section is not None:
            page.body = Markup(resolve_links(str(page.body), page.filename, targets))

    def exhibit_url(item: ExhibitPlacement) -> str:
        return f"{targets.get(item.id, '')}#{item.id}"

    context = {**context, "exhibit_url": exhibit_url}
    out: dict[str, str] = {}
    for page in pages:
        if only is not None and page.slug not in only:
            continue
        name = TEMPLATES.get(page.kind, "page.html")
        try:
            out[page.filename] = env.get_template(name).render(**context, page=page)
        except jinja2.UndefinedError as exc:
            raise RenderError(f"web template variable missing: {exc.message}",
                              file=f"templates/web/{name}",
                              hint="add it to report/web/render.py language_context()") from None
        except jinja2.TemplateSyntaxError as exc:
            raise RenderError(f"template syntax error: {exc.message}", file=exc.filename,
                              line=exc.lineno) from None
    return out


def render_chooser(env: jinja2.Environment, config: Any) -> str:
    """The site's root page: the report's title in each language, and a link to each."""
    return env.get_template("chooser.html").render(
        languages=LANGUAGES,
        titles={lang: typography(config.title[lang], lang) for lang in LANGUAGES},
        subtitles={lang: typography(config.subtitle[lang], lang) for lang in LANGUAGES},
        reads={lang: config.strings[lang]["web.read_report"] for lang in LANGUAGES},
        publisher=config.publisher,
    )

