"""Stage 6, templates: lay out one language's document as HTML with Jinja2.

Input: a :class:`~report.document.Document`, the configuration, the theme and the edition.
Output: one HTML string, the whole report (cover, colophon, partners, front matter, contents, lists of
figures and tables, chapters, appendices, data tables) ready for the PDF engine.

The environment is strict: a variable missing from the context raises (``StrictUndefined``) and every
value is escaped (``autoescape``) unless it is HTML the pipeline made itself (the sanitised content and
the charts' SVG), which is marked safe explicitly. The template context is built in one function,
:func:`template_context`.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any, TypedDict

import jinja2
from markupsafe import Markup

from .config import Config
from .document import EXHIBIT_TAG, Document, ExhibitPlacement
from .errors import RenderError
from .glossary import NAMES_LANG
from .hyphenation import protect
from .i18n import Formatter, typography
from .theme import Theme

EXHIBIT_SLOT = re.compile(f'<{EXHIBIT_TAG} key="([^"<>]+)"></{EXHIBIT_TAG}>')


class TemplateContext(TypedDict):
    lang: str
    edition: str
    document: Document
    s: Any
    title: str
    title_html: Markup
    subtitle: str
    keywords: str
    publisher: str
    direction: str
    authors: tuple[str, ...]
    date_iso: str
    date_long: str
    month: str
    year: int
    isbn: str
    isbn_print: str
    other_lang: str
    deposit_lines: list[str]
    partners: list[dict[str, Any]]
    main_partner_lang: str | None
    theme: Theme
    theme_css: Markup
    theme_overrides: Markup
    theme_label: str
    cover_line: str
    stylesheets: list[str]
    data_tables_letter: str
    number: Any
    placeholders: frozenset[str]
    address: tuple[str, ...]
    url: str
    edition_isbn: str
    edition_isbn_placeholder: bool
    barcode_svg: Markup


class _StringsView:
    """Lets templates write ``s.toc`` for ``strings["toc"]`` (missing keys still raise)."""

    def __init__(self, strings: Any) -> None:
        self._strings = strings

    def __getattr__(self, key: str) -> str:
        return self._strings[key]


class _ProjectLoader(jinja2.BaseLoader):
    """Templates read through :mod:`report.sources`, like every other input: UTF-8, bounded,
    and a template that is a link out of the templates folder is refused, not followed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get_source(self, environment: jinja2.Environment, template: str
                   ) -> tuple[str, str, Any]:
        from .sources import read_text

        path = self.folder.joinpath(*template.split("/"))
        if not path.exists() and not path.is_symlink():
            raise jinja2.TemplateNotFound(template)
        text = read_text(path, RenderError, root=self.folder,
                         name=f"templates/{template}")
        mtime = path.stat().st_mtime_ns
        return text, str(path), lambda: path.stat().st_mtime_ns == mtime


def make_environment(templates: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=_ProjectLoader(templates),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def template_context(config: Config, document: Document, theme: Theme, edition: str,
                     stylesheets: list[str]) -> TemplateContext:
    """Everything the templates may use, for one language and edition."""
    lang = document.lang
    fmt = Formatter(lang)
    strings = document.strings
    title = config.title[lang]
    # On the cover the title breaks after its colon: «Économie sociale 2.0 :» / «Cap vers…»
    head, _sep, tail = typography(title, lang).partition(":")
    title_html = (Markup("{}:<br>{}").format(head, tail.strip()) if tail else Markup.escape(title))
    isbn_table = "isbn_print" if edition == "print" else "isbn"
    edition_isbn = getattr(config, isbn_table)[lang]
    logos = {}
    for partner in config.partners:
        logo = theme.folder / "logos" / f"{partner.id}.svg"
        logos[partner.id] = logo.as_uri() if logo.is_file() else None
    return TemplateContext(
        lang=lang,
        edition=edition,
        document=document,
        s=_StringsView(strings),
        title=typography(title, lang),
        title_html=title_html,
        subtitle=typography(config.subtitle[lang], lang),
        keywords=config.keywords[lang],
        publisher=config.publisher,
        direction=config.direction,
        authors=config.authors[lang],
        date_iso=config.date.isoformat(),
        date_long=fmt.date(config.date),
        month=fmt.date(config.date, "month").capitalize(),
        year=config.date.year,
        isbn=config.isbn[lang],
        isbn_print=config.isbn_print[lang],
        other_lang="en" if lang == "fr" else "fr",
        deposit_lines=strings.format("colophon_deposit_text", year=config.date.year).split("\n"),
        partners=[{"id": p.id, "role": p.role, "logo": logos[p.id],
                   **_name_parts(p.name, lang)} for p in config.partners],
        main_partner_lang=_foreign(config.strings, "main_partner_name", lang),
        theme=theme,
        theme_css=Markup(theme.css()),
        theme_overrides=Markup(theme.overrides_css),
        theme_label=theme.label.get(lang, theme.name),
        cover_line=typography(theme.cover_line.get(lang, ""), lang),
        stylesheets=stylesheets,
        data_tables_letter=chr(ord("A") + len(document.appendices)),
        number=fmt.number,
        placeholders=config.placeholders,
        address=config.address,
        url=config.url,
        edition_isbn=edition_isbn,
        edition_isbn_placeholder=isbn_table in config.placeholders,
        barcode_svg=_barcode(edition_isbn, theme) if document.back_cover else Markup(""),
    )


def _barcode(isbn: str, theme: Theme) -> Markup:
    """The ISBN's EAN-13 symbol, drawn by report/barcode.py (our SVG: safe to place as is)."""
    from .barcode import ean13_svg

    return Markup(ean13_svg(isbn, theme.heading_font))


_FOOTNOTE = re.compile(r'<span class="footnote">')


def number_footnotes(html: str, strings: Any) -> str:
    """Number the footnotes of one language's report from 1, in reading order, and give each its
    call and its label as links, with the DPUB-ARIA roles that the PDF's structure repair maps to
    a Reference and a Note with its Lbl (report/pdfua.py): the call links to the note, the note's
    label back to the call. The engine's own call and marker are turned off (report.css), so
    the numbers restart in each part of the bilingual edition, which numbers each language's body
    on its own.
    """
    count = 0

    def number(_match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        call = Markup.escape(strings.format("footnote_call", n=count))
        back = Markup.escape(strings.format("footnote_back", n=count))
        return (f'<a class="footnote-call" role="doc-noteref" id="footnote-call-{count}" '
                f'href="#footnote-{count}" title="{call}">{count}</a>'
                f'<span class="footnote" role="doc-footnote" id="footnote-{count}">'
                f'<a class="footnote-label" role="doc-backlink" href="#footnote-call-{count}" '
                f'title="{back}">{count}.</a> ')

    return _FOOTNOTE.sub(number, html)


def _name_parts(names: dict[str, str], lang: str) -> dict[str, str]:
    """A partner's name as the template shows it: ``name``, and when an edition in another
    language names it by its French name (a proper name, perhaps with a gloss after it), that
    French part as ``foreign`` (tagged ``lang="fr"`` so that a screen reader pronounces it in
    French) and the rest as ``rest``."""
    name = typography(names[lang], lang)
    if lang == "fr" or not names[lang].startswith(names["fr"]):
        return {"name": name, "foreign": "", "rest": ""}
    return {"name": name, "foreign": typography(names["fr"], "fr"),
            "rest": typography(names[lang][len(names["fr"]):], lang)}


def _foreign(strings: Any, key: str, lang: str) -> str | None:
    """``"fr"`` when an edition in another language gives the string ``key`` in French (an
    untranslated proper name), else None."""
    return "fr" if lang != "fr" and strings[lang][key] == strings["fr"][key] else None


def relative_urls(html: str, root: Path) -> str:
    """Name project files relative to the project root (the PDF engine's base URL).

    The HTML is then the same in every clone of the project, so the PDF cache is shared.
    """
    return html.replace(root.as_uri() + "/", "")


def render_html(config: Config, document: Document, theme: Theme, edition: str,
                stylesheets: list[str]) -> str:
    """Render the whole report of one language and edition as an HTML string."""
    return render_fragment(config, document, theme, edition, stylesheets, "base.html")


def render_fragment(config: Config, document: Document, theme: Theme, edition: str,
                    stylesheets: list[str], template: str) -> str:
    """Render one template (the whole report, or the body of one language) with the context."""
    env = make_environment(config.paths.templates)
    context = template_context(config, document, theme, edition, stylesheets)
    placements: dict[str, ExhibitPlacement] = {
        p.id: p for p in [*document.figures, *document.tables]
    }
    figure_tpl = env.get_template("partials/figure.html")
    table_tpl = env.get_template("partials/table.html")

    rendered: set[str] = set()

    def render_exhibit(match: re.Match[str]) -> str:
        item = placements[html.unescape(match.group(1))]
        rendered.add(item.id)
        if item.family == "figure":
            return figure_tpl.render(**context, item=item)
        return table_tpl.render(**context, data=item.data, caption_label=item.label,
                                table_id=item.id)

    def exhibits(section_html: str) -> Markup:
        # The section's HTML was made and sanitised by the content stage: it is safe.
        return Markup(EXHIBIT_SLOT.sub(render_exhibit, section_html))

    env.filters["exhibits"] = exhibits
    try:
        result = number_footnotes(env.get_template(template).render(**context),
                                  document.strings)
    except jinja2.UndefinedError as exc:
        raise RenderError(f"template variable missing: {exc.message}",
                          file=config.paths.templates,
                          hint="add it to report/templates.py template_context()") from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"template syntax error: {exc.message}", file=exc.filename,
                          line=exc.lineno) from None
    check_complete(result, document, placements, rendered, config.paths.templates / template)
    result = protect(result, document.protected_words, document.foreign_names, NAMES_LANG)
    return relative_urls(result, config.paths.root)


def check_complete(result: str, document: Document, placements: dict[str, ExhibitPlacement],
                   rendered: set[str], template: Path) -> None:
    """Refuse HTML that leaves out part of the document: an empty template, or one that drops
    sections, figures or tables, would otherwise be laid out and published (a blank page over
    the good PDF). Every section's id must be in the HTML and every exhibit placed in it."""
    if not result.strip():
        raise RenderError("the template renders nothing", file=template,
                          hint="restore it (git checkout it, or copy it from the project)")
    sections = [*document.front, *(s for chapter in document.chapters
                                   for s in (chapter.opener, *chapter.sections)),
                *document.appendices]
    missing = [s.id for s in sections if f'id="{s.id}"' not in result]
    unplaced = [key for key in placements if key not in rendered]
    if not missing and not unplaced:
        return
    parts = []
    if missing:
        parts.append(f"{len(missing)} of {len(sections)} sections ({_some(missing)})")
    if unplaced:
        parts.append(f"{len(unplaced)} of {len(placements)} figures and tables "
                     f"({_some(unplaced)})")
    raise RenderError(f"the template leaves out part of the report: {' and '.join(parts)}",
                      file=template,
                      hint="every section must be rendered with its id, and its HTML through the "
                      "exhibits filter ({{ section.html | exhibits }}); see templates/body.html")


def _some(ids: list[str], shown: int = 3) -> str:
    return ", ".join(ids[:shown]) + (f", … ({len(ids) - shown} more)" if len(ids) > shown else "")
