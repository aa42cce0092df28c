"""Layout check: read a finished PDF as a typographer would and list what they would send back.

Input: the bytes of one edition's PDF, the page geometry that its stylesheet promised (the margins
of :class:`TextBlock`, alternating or symmetric), the words that must never be hyphenated, and where
each section's text comes from (its bookmark title → its content file).
Output: a :class:`LayoutReport` of what was found, page by page:

* **blank pages** (nothing in the text block; in a print edition a blank left-hand page before a
  right-hand opening is by design and only counted);
* **near-empty pages**: one to three lines of text and nothing else, the tail of a section before a
  forced page break (title pages, whose every line is set large, are not counted);
* **hyphen runs**: more than two hyphenated lines in a row;
* **short fragments**: a hyphenated word split with fewer than three letters on one side;
* **protected words hyphenated**: a word of the never-hyphenate list, or a capitalised word (a
  proper name, a title's word), split across two lines;
* **overflow**: text or drawing outside the text block (a word, a URL or a table wider than the
  column), with the content file of the section it belongs to.

The PDF is read with pypdfium2 (PDFium's text and object positions): the check knows nothing of the
engine that made the file, so it also judges what a later stage may have changed. Lines end with the
hyphenation character WeasyPrint draws (U+2010 HYPHEN by default, ``hyphenate-character``), which a
hyphen typed in the text (U+002D) is not. :func:`report_layout` turns a report into located warnings
on the diagnostics channel (overflow as a plain warning, an error under ``--strict``; the others as
release problems).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MM = 72 / 25.4
HYPHEN = "\u2010"  # what WeasyPrint draws at a hyphenated line end (hyphenate-character)
TOLERANCE = 2.0  # points (0.7 mm): glyph overhangs (an italic f) and rounding
NEAR_EMPTY_LINES = 3
MAX_HYPHEN_RUN = 2
MIN_FRAGMENT = 3
TITLE_HEIGHT = 13.0  # points: a line box this tall is set in a title size, not the text size


@dataclass(frozen=True)
class TextBlock:
    """The page area that text may occupy, in millimetres from the trim edges.

    ``inner``/``outer`` are the margins on the binding side and the other side of a right-hand
    page; with ``alternate`` they swap on left-hand pages (print), without it every page has
    ``inner`` on the left (screen, symmetric margins give inner == outer).
    """

    top: float
    bottom: float
    inner: float
    outer: float
    alternate: bool = True

    def box(self, index: int, width: float, height: float) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in points of page ``index`` (0: the first, a right page)."""
        left_page = self.alternate and index % 2 == 1
        left = (self.outer if left_page else self.inner) * MM
        right = width - (self.inner if left_page else self.outer) * MM
        return left, self.bottom * MM, right, height - self.top * MM


# The house style (styles/report.css): 22 mm top, 24 mm bottom, 24 mm inside, 18 mm outside in
# print; the screen edition centres its text block (21 mm each side).
PRINT_BLOCK = TextBlock(top=22, bottom=24, inner=24, outer=18, alternate=True)
SCREEN_BLOCK = TextBlock(top=22, bottom=24, inner=21, outer=21, alternate=False)


@dataclass(frozen=True)
class Line:
    page: int  # 0-based
    text: str
    left: float
    bottom: float
    right: float
    top: float

    @property
    def height(self) -> float:
        return self.top - self.bottom


@dataclass(frozen=True)
class Finding:
    """One problem: its kind, its page (1-based, as printed on the PDF reader's page counter),
    what was seen, and the content file of the section it is in (when known)."""

    kind: str  # blank | near-empty | hyphen-run | short-fragment | protected | overflow | unreadable
    page: int
    detail: str
    file: str | None = None


@dataclass
class LayoutReport:
    edition: str
    pages: int
    findings: list[Finding] = field(default_factory=list)
    designed_blank: int = 0  # blank versos before a recto opening, in print

    KINDS = ("blank", "near-empty", "hyphen-run", "short-fragment", "protected", "overflow",
             "unreadable")

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(self.KINDS, 0)
        for finding in self.findings:
            counts[finding.kind] += 1
        return counts

    def of(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]


# -- reading -----------------------------------------------------------------------------------
def _lines(textpage: Any, page: int) -> list[Line]:
    """The page's text as lines in drawing order: PDFium's text rectangles, joined when they sit
    on one baseline and follow each other (a link or a change of font splits a line)."""
    lines: list[Line] = []
    for index in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(index)
        text = textpage.get_text_bounded(left, bottom, right, top)
        text = text.replace("\r", "").replace("\n", " ").replace("\ufffe", "-")
        if not text.strip():
            continue
        last = lines[-1] if lines else None
        if last and abs(last.bottom - bottom) < 2.5 and -2 <= left - last.right < 40:
            lines[-1] = Line(page, last.text + text, last.left, min(last.bottom, bottom),
                             max(last.right, right), max(last.top, top))
        else:
            lines.append(Line(page, text, left, bottom, right, top))
    return lines


class _Ink:
    """The boxes of a page's characters, read only when a line looks too wide: PDFium's text
    rectangles include a line's trailing space, which is no overflow."""

    def __init__(self, textpage: Any) -> None:
        self.textpage = textpage
        self.boxes: list[tuple[float, float, float, float]] | None = None

    def trim(self, line: Line) -> Line:
        if self.boxes is None:
            tp = self.textpage
            self.boxes = [tp.get_charbox(i) for i in range(tp.count_chars())
                          if not tp.get_text_range(i, 1).isspace()]
        middle = (line.bottom + line.top) / 2
        inked = [b for b in self.boxes if b[1] <= middle <= b[3] and b[0] >= line.left - 1
                 and b[2] <= line.right + 1 and b[2] > b[0]]
        if not inked:
            return line
        return Line(line.page, line.text, min(b[0] for b in inked), line.bottom,
                    max(b[2] for b in inked), line.top)


def _objects(page: Any) -> list[tuple[float, float, float, float]]:
    """Bounds of the page's drawings and images (not its text), outermost objects only."""
    import pypdfium2.raw as pdfium_c

    bounds = []
    for obj in page.get_objects(max_depth=1):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT:
            continue
        try:
            bounds.append(tuple(obj.get_bounds()))
        except Exception:  # an object PDFium cannot measure draws nothing we can judge
            continue
    return bounds


def _bookmarks(pdf: Any) -> list[tuple[int, float, str]]:
    """(page index, y of the heading, title) of every bookmark, in reading order."""
    marks = []
    for item in pdf.get_toc():
        dest = item.get_dest()
        if dest is None or dest.get_index() is None:
            continue
        _mode, view = dest.get_view()
        y = view[1] if len(view) > 1 else 1e9
        marks.append((dest.get_index(), y, " ".join(item.get_title().split())))
    return sorted(marks, key=lambda m: (m[0], -m[1]))


def _letters(text: str) -> int:
    return sum(1 for c in text if c.isalpha())


_WORD_END = re.compile(r"([^\W\d_]+(?:[’'-][^\W\d_]+)*)$")
_WORD_START = re.compile(r"^([^\W\d_]+)")


_SENTENCE_END = re.compile(r"(?:^|[.!?…:»”]\s*[«“\u00a0]*)\s*$")


def _last_word(word: str) -> str:
    """The word after an elided article: «L’accom» → «accom»."""
    return re.split(r"[’']", word)[-1]


def _capitalised(word: str) -> bool:
    """A proper name or a title's word: an upper-case first letter (elision aside)."""
    word = _last_word(word)
    return bool(word) and unicodedata.category(word[0]) == "Lu"


# -- checking ----------------------------------------------------------------------------------
def check_layout(data: bytes, *, edition: str, block: TextBlock,
                 protected: Iterable[str] = (), sections: Iterable[tuple[str, str]] = (),
                 skip_pages: Iterable[int] = (), blank_versos: bool = False,
                 blank_by_design: Iterable[int] = ()) -> LayoutReport:
    """Read one PDF and list its layout problems (see the module's docstring).

    ``sections`` pairs a bookmark title with the content file of its section (a bookmark that
    ends with the title, such as «1.2 Présence Web…» for «Présence Web…», matches);
    ``skip_pages`` are designed pages (0-based: the cover, the back cover) that hold no running
    text. With ``blank_versos`` (a print edition, whose chapters open on right-hand pages), a
    blank left-hand page is by design and only counted, as are the pages of ``blank_by_design``
    (the right-hand page before a back cover that must be a left-hand page).
    """
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    protected_words = {w.casefold() for w in protected}
    titles = [(" ".join(title.split()), file) for title, file in sections]
    marks = _bookmarks(pdf)
    skip = set(skip_pages)
    designed = set(blank_by_design)
    report = LayoutReport(edition=edition, pages=len(pdf))

    def section_file(page: int, y: float) -> str | None:
        found = None
        for mark_page, mark_y, title in marks:
            if (mark_page, -mark_y) > (page, -y - TOLERANCE):
                break
            for name, file in titles:
                if title == name or title.endswith(" " + name):
                    found = file
                    break
        return found

    previous_tail: tuple[int, str, bool] | None = None  # page, fragment, starts a sentence
    sentence_ended = True  # the last line read ended a sentence
    run = 0
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            left_edge, bottom, right_edge, top = page.get_trimbox()
            width, height = right_edge - left_edge, top - bottom
            x0, y0, x1, y1 = block.box(index, width, height)
            textpage = page.get_textpage()
            lines = _lines(textpage, index)
            ink = _Ink(textpage)
            objects = [] if index in skip else _objects(page)
            if index in skip:
                textpage.close()
                page.close()
                continue
            body = [ln for ln in lines if ln.bottom >= y0 - TOLERANCE and ln.top <= y1 + TOLERANCE]
            drawn = [b for b in objects
                     if b[0] < x1 and b[2] > x0 and b[1] < y1 and b[3] > y0
                     and not (b[0] <= x0 - TOLERANCE and b[2] >= x1 + TOLERANCE)]  # no page fill
            number = index + 1
            # blank and near-empty pages
            if not body and not drawn:
                if ((blank_versos and index % 2 == 1) or index in designed) and not lines:
                    report.designed_blank += 1
                else:
                    report.findings.append(Finding("blank", number, "nothing in the text block"))
            elif body and len(body) <= NEAR_EMPTY_LINES and not drawn_beyond(drawn, body) and \
                    any(ln.height < TITLE_HEIGHT for ln in body):
                file = section_file(index, body[0].top)
                report.findings.append(Finding(
                    "near-empty", number, f"{len(body)} line{'s' * (len(body) > 1)}: "
                    f"«{_shorten(body[-1].text)}»", file))
            # overflow: text or drawing outside the text block
            for ln in lines:
                outside_x = ln.left < x0 - TOLERANCE or ln.right > x1 + TOLERANCE
                inside_y = ln.top > y0 + TOLERANCE and ln.bottom < y1 - TOLERANCE
                below = ln.bottom < y0 - TOLERANCE and ln.top > y0 + TOLERANCE
                if outside_x and inside_y:  # the glyphs' own extent, spaces left out
                    ln = ink.trim(ln)
                    outside_x = ln.left < x0 - TOLERANCE or ln.right > x1 + TOLERANCE
                if (outside_x and inside_y) or below:
                    side = "right" if ln.right > x1 + TOLERANCE else \
                        "left" if ln.left < x0 - TOLERANCE else "bottom"
                    by = max(ln.right - x1, x0 - ln.left, y0 - ln.bottom)
                    report.findings.append(Finding(
                        "overflow", number, f"text past the {side} edge of the text block by "
                        f"{by / MM:.1f} mm: «{_shorten(ln.text)}»", section_file(index, ln.top)))
            for b in drawn:
                if b[0] < x0 - 2 * TOLERANCE or b[2] > x1 + 2 * TOLERANCE:
                    by = max(b[2] - x1, x0 - b[0])
                    report.findings.append(Finding(
                        "overflow", number, f"a drawing (table, chart or rule) {by / MM:.1f} mm "
                        "wider than the text block", section_file(index, b[3])))
            textpage.close()
            page.close()
            # hyphenation
            for ln in body:
                text = ln.text.rstrip()
                head = _WORD_START.match(text.lstrip())
                if previous_tail is not None:
                    tail_page, tail, opening = previous_tail
                    start = head.group(1) if head else ""
                    word = _last_word(tail) + start
                    if start and _letters(start) < MIN_FRAGMENT:
                        report.findings.append(Finding("short-fragment", number,
                                                       f"«{tail}‐{start}»: «{start}» alone"))
                    if word.casefold() in protected_words or (_capitalised(word)
                                                               and not opening):
                        report.findings.append(Finding("protected", tail_page + 1,
                                                       f"«{tail}‐{start}»"))
                    previous_tail = None
                if text.endswith(HYPHEN):
                    run += 1
                    found = _WORD_END.search(text[:-1])
                    tail = found.group(1) if found else ""
                    before = text[:found.start()] if found else text
                    opening = _SENTENCE_END.search(before) is not None if before.strip() \
                        else sentence_ended
                    if _letters(tail) < MIN_FRAGMENT:
                        report.findings.append(Finding("short-fragment", number,
                                                       f"«{tail}‐»: «{tail}» alone"))
                    previous_tail = (index, tail, opening)
                    if run == MAX_HYPHEN_RUN + 1:
                        report.findings.append(Finding(
                            "hyphen-run", number, f"hyphenated lines in a row from «"
                            f"{_shorten(text, 40)}»", section_file(index, ln.top)))
                else:
                    run = 0
                sentence_ended = bool(re.search(r"[.!?:…»”]\s*$", text))
    finally:
        pdf.close()
    return report


def drawn_beyond(drawn: list[tuple[float, float, float, float]], body: list[Line]) -> bool:
    """Whether drawings (a chart, a table's rules, a box) take more room than the lines: a page
    with a figure and two lines of notes is not near-empty."""
    if not drawn:
        return False
    text_top = max(ln.top for ln in body)
    text_bottom = min(ln.bottom for ln in body)
    return any(b[3] - b[1] > 30 and (b[3] > text_top + 5 or b[1] < text_bottom - 5)
               for b in drawn)


def _shorten(text: str, size: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


# -- reporting ---------------------------------------------------------------------------------
MESSAGES = {
    "blank": ("blank page", "the screen edition needs no blank page: use break-before: page, "
              "not right, for what opens on a new page"),
    "near-empty": ("near-empty page before a forced break",
                   "shorten or lengthen the section's last paragraphs, or let the break go"),
    "hyphen-run": ("more than two hyphenated lines in a row",
                   "reword a line of the paragraph or protect one of its words"),
    "short-fragment": ("a hyphenated word split with fewer than three letters on a line",
                       "check hyphenate-limit-chars in styles/report.css"),
    "protected": ("a protected word (proper name, acronym, title) is hyphenated",
                  "add it to never_hyphenate in data/terminology/<lang>.toml"),
    "unreadable": ("the layout check could not read the PDF", "report it: the PDF is damaged"),
    "overflow": ("text outside the text block",
                 "shorten the word, URL or table, or let it wrap (a long URL: put it in a note)"),
}


def report_layout(report: LayoutReport, diag: Any, pdf_name: str) -> None:
    """Record each finding on the diagnostics channel, located by the PDF's page and, when known,
    the section's content file. Overflow is an ordinary warning (an error under ``--strict``);
    the rest are release problems (errors under ``--release``)."""
    for finding in report.findings:
        message, hint = MESSAGES[finding.kind]
        where = f"{pdf_name}, page {finding.page}"
        overflow = finding.kind == "overflow"
        diag.warn(f"{message} ({where}): {finding.detail}", file=finding.file, hint=hint,
                  release=not overflow)


def relative(path: Path | str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
