"""Web edition, pages: split one language's assembled document into the pages of the site.

Input: a :class:`~report.document.Document` (format-free: every section's HTML is already safe,
its exhibits are slots, its footnotes are ``<span class="footnote">`` at their call).
Output: the site's pages of that language, in reading order (:func:`plan`), each with the
HTML of its main text made for the web (:func:`page_html`): exhibits placed by the caller's
renderer, headings shifted so that every page starts at ``h1`` and never skips a level,
footnotes gathered at the end of the page with links both ways, and cross-references
pointing at the page that holds their target (:func:`resolve_links`).

One page per section of the report: the front matter, each chapter's opening text, each section,
each case study, each appendix and the figure data; plus pages the site generates (home with
the contents, list of figures and tables, downloads, publication details, search). A page's
file name is its section id, the same in both languages, so that the language switch lands on
the same section.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from markupsafe import Markup

from ..document import Chapter, Document, Section

# Pages the site generates itself (not sections of the report), by file name.
HOME, FIGURES, DOWNLOADS, COLOPHON, SEARCH, DATA_TABLES = (
    "index", "figures", "downloads", "colophon", "search", "data-tables")

_FOOTNOTE_OPEN = '<span class="footnote">'
_SPAN = re.compile(r"<span\b[^>]*>|</span>")
_HEADING = re.compile(r"<(/?)h([1-6])\b")
_ID = re.compile(r'\sid="([^"]+)"')
_HREF = re.compile(r'(\shref=")#([^"]*)(")')


@dataclass
class Note:
    """One footnote of a page: its number, its HTML and how many calls refer to it."""

    number: int
    html: Markup
    calls: int = 1


@dataclass
class WebPage:
    """One page of the site in one language."""

    slug: str  # file name without .html, the same in every language
    kind: str  # home | front | chapter | section | case | appendix | data | figures | …
    title: str  # plain text (escaped by the templates)
    section: Section | None = None
    chapter: Chapter | None = None  # the chapter a section or case study belongs to
    in_sequence: bool = True  # part of the reading order (previous / next)
    body: Markup = field(default_factory=Markup)
    notes: list[Note] = field(default_factory=list)
    previous: WebPage | None = None
    next: WebPage | None = None

    @property
    def filename(self) -> str:
        return f"{self.slug}.html"

    @property
    def number(self) -> str:
        return self.section.number if self.section else ""

    @property
    def label(self) -> str:
        return self.section.label if self.section else ""


def plan(document: Document) -> list[WebPage]:
    """Every page of one language's site; those in the reading order first, in that order."""
    s = document.strings
    pages = [WebPage(HOME, "home", s["web.home"])]
    pages += [WebPage(sec.id, "front", sec.title, sec) for sec in document.front]
    for chapter in document.chapters:
        pages.append(WebPage(chapter.opener.id, "chapter", chapter.opener.title, chapter.opener,
                             chapter))
        pages += [WebPage(sec.id, sec.kind, sec.title, sec, chapter) for sec in chapter.sections]
    pages += [WebPage(sec.id, "appendix", sec.title, sec) for sec in document.appendices]
    pages.append(WebPage(DATA_TABLES, "data", s["data_tables"]))
    pages += [WebPage(FIGURES, "figures", s["web.figures_and_tables"], in_sequence=False),
              WebPage(DOWNLOADS, "downloads", s["web.downloads"], in_sequence=False),
              WebPage(COLOPHON, "colophon", s["web.about"], in_sequence=False),
              WebPage(SEARCH, "search", s["web.search"], in_sequence=False)]
    sequence = [p for p in pages if p.in_sequence]
    for before, after in itertools.pairwise(sequence):
        before.next, after.previous = after, before
    slugs = [p.slug for p in pages]
    duplicates = sorted({slug for slug in slugs if slugs.count(slug) > 1})
    if duplicates:  # a section id equal to a generated page's name
        from ..errors import ContentError

        raise ContentError("a section's id is the name of a page the web edition makes itself",
                           value=duplicates[0], hint="rename the content file (data/structure"
                           f".yaml); these names are taken: {', '.join(sorted(set(slugs)))}")
    return pages


def shift_headings(markup: str, by: int) -> str:
    """Move every heading ``by`` levels up (``by`` > 0) so that a page's text starts at h2."""
    if by <= 0:
        return markup
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{max(2, int(m.group(2)) - by)}", markup)


def extract_footnotes(markup: str, call: Callable[[Note, int], str]) -> tuple[str, list[Note]]:
    """Replace each ``<span class="footnote">…</span>`` by the call ``call(note, n)`` returns (``n``:
    the how-many-th call of this note) and return the notes, numbered in order of first call.

    The same note called twice on a page (``[^1]`` written twice in a file) is one note with two
    calls. The spans are balanced (the content stage's sanitiser wrote them), so counting
    ``<span`` and ``</span>`` finds where a note ends even when it holds a formatted statistic.
    """
    notes: dict[str, Note] = {}
    out: list[str] = []
    position = 0
    while (start := markup.find(_FOOTNOTE_OPEN, position)) != -1:
        depth, end = 1, -1
        for match in _SPAN.finditer(markup, start + len(_FOOTNOTE_OPEN)):
            depth += -1 if match.group(0) == "</span>" else 1
            if depth == 0:
                end = match.start()
                break
        if end == -1:
            break  # unbalanced: leave the rest as it is
        text = markup[start + len(_FOOTNOTE_OPEN):end].strip()
        note = notes.get(text)
        if note is None:
            note = notes[text] = Note(len(notes) + 1, Markup(text), 0)
        note.calls += 1
        out.append(markup[position:start])
        out.append(call(note, note.calls))
        position = end + len("</span>")
    out.append(markup[position:])
    return "".join(out), list(notes.values())


def page_html(page: WebPage, place_exhibits: Callable[[str], str],
              call: Callable[[Note, int], str]) -> tuple[str, list[Note]]:
    """The main text of a section's page: exhibits placed, headings from h2, footnotes gathered.

    The section's heading itself is the page's ``h1`` (the template writes it); headings inside
    the text were made one level below the section's depth in the printed report
    (:mod:`report.markdown`), so they move up by that depth less one.
    """
    assert page.section is not None
    markup = shift_headings(page.section.html, page.section.level - 1)
    markup, notes = extract_footnotes(markup, call)
    return place_exhibits(markup), notes


def element_ids(markup: str) -> list[str]:
    """Every ``id`` attribute of a piece of HTML."""
    return [html.unescape(m) for m in _ID.findall(markup)]


def resolve_links(markup: str, here: str, targets: dict[str, str]) -> str:
    """Point every same-document link (``href="#id"``) at the page that holds ``id``.

    ``targets`` maps each id of the site to its page's file name; an id on this page (``here``)
    stays a fragment, one on another page becomes ``page.html#id`` (or ``page.html`` for the page's
    own top). An id that no page holds is left as it is (the content stage checked references).
    """
    def point(match: re.Match[str]) -> str:
        key = html.unescape(match.group(2))
        page = targets.get(key)
        if page is None or page == here:
            return match.group(0)
        url = page if key == page.removesuffix(".html") else f"{page}#{match.group(2)}"
        return f"{match.group(1)}{url}{match.group(3)}"

    return _HREF.sub(point, markup)
