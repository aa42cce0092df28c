"""A structure checker for tagged PDFs: the rules of PDF/UA-1 (ISO 14289-1, as the Matterhorn
Protocol tests them) that the report's editions must meet, plus what makes them read well aloud.

Input: a PDF (a path or its bytes) and, optionally, :class:`Expectations` (the languages of page
ranges, the words for the ▲ ▼ markers in each language).
Output: a :class:`Report`, the list of :class:`Finding` (rule, page, message); empty when the PDF
passes. Nothing is changed.

Rules (each a function ``_rule_*`` below; the rule's name is the finding's ``rule``):

* ``document``: tagged (/MarkInfo /Marked, /StructTreeRoot), a natural language in the catalog,
  the title shown (/DisplayDocTitle) and present in XMP, the PDF/UA identification in XMP.
* ``content``: every painting operator inside marked content; every marked-content sequence with
  an MCID owned by a structure element reachable from the root (else it must be an Artifact);
  no tagged content inside an Artifact; no MCID inside a form XObject (which nothing can own);
  every MCID an element names exists on its page.
* ``annotations``: every annotation referenced from a reachable structure element, a link
  annotation from a Link; no Link inside a Link; each link's /Contents in words (not empty, not
  the anchor id it points to).
* ``tables``: /Scope on every TH; an /IDTree holding every /ID; every /Headers value in it.
* ``languages``: a valid language for every element; paragraphs whose words are plainly French
  or plainly English carry that language (a stop-word test, for fr and en); in the page ranges of
  ``Expectations.languages``, no element is left in the document's language when the range is
  in another (an element that says a language, or lies in one that does, is taken at its word:
  a passage; the stop-word test still reads it).
* ``page-labels``: /PageLabels from the first page; where a page prints its number (a pagination
  artifact that is a numeral), the viewer's label shows it.
* ``hyphens``: no marked-content sequence ends with U+2010 (a line-end hyphen that extracts as a
  character), and no line of pdfium's extracted text does.
* ``figures``: alternative text on every Figure; a figure that draws ▲ or ▼ names each
  significant difference in words (``Expectations.markers``); a ▲ ▼ in the text has /ActualText.
* ``notes``: every Note has a unique /ID, a Lbl, and a Reference that links to it; labels count
  1, 2, 3… within each language; as many Notes as ``Expectations.notes`` says there are notes.
* ``leaders``: no run of leader dots in tagged text.

Run it from the command line on any PDF: ``python -m report.pdfua_check file.pdf``.
"""

from __future__ import annotations

import io
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf

from .pdfcontent import (
    Element,
    PageContent,
    StructTree,
    element_text,
    link_target,
    read_pages,
    text_string,
)

MARKERS = ("▲", "▼")
LINE_END_HYPHEN = "\u2010"
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_IDENTIFIER = re.compile(r"^[\w.:#/-]+$")
_LEADER = re.compile(r"(?:[.·…]\s?){4,}")
_NUMERAL = re.compile(r"^(?:\d+|[ivxlcdm]+|[IVXLCDM]+)$")
_WORD = re.compile(r"[a-zà-öø-ÿœæ’']+", re.I)
# Frequent function words, for telling French from English; each list has words the other lacks.
_STOP_WORDS = {
    "fr": frozenset(["le", "la", "les", "des", "du", "de", "et", "est", "une", "un", "pour",
                     "dans", "que", "qui", "sur", "par", "au", "aux", "ne", "pas", "plus", "ses",
                     "leur", "leurs", "cette", "ces", "avec", "sont", "ont", "été", "ou", "mais",
                     "nous", "vous", "elles", "ils", "son", "sa", "comme", "entre", "aussi",
                     "très"]),
    "en": frozenset(["the", "and", "of", "to", "in", "is", "are", "for", "with", "that", "this",
                     "by", "as", "their", "from", "have", "has", "be", "it", "or",
                     "at", "which", "not", "was", "were", "they", "its", "our", "more", "also",
                     "than", "these", "those", "who", "been"]),
}
# The elements whose language is guessed: running text. Headings, cells and short items are
# left out: they are often proper names (a French enterprise's name in the English edition).
_BLOCKS = frozenset({"P", "LBody", "Caption", "Note", "BlockQuote"})


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str
    page: int | None = None  # 1-based, as a viewer counts them

    def __str__(self) -> str:
        where = f"page {self.page}: " if self.page is not None else ""
        return f"[{self.rule}] {where}{self.message}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)  # what was checked, by kind

    @property
    def ok(self) -> bool:
        return not self.findings

    def rules(self) -> set[str]:
        return {finding.rule for finding in self.findings}

    def of(self, rule: str) -> list[Finding]:
        return [finding for finding in self.findings if finding.rule == rule]

    def summary(self, limit: int = 5) -> str:
        """The findings, at most ``limit`` per rule, then how many more."""
        lines: list[str] = []
        for rule in sorted(self.rules()):
            found = self.of(rule)
            lines += [str(f) for f in found[:limit]]
            if len(found) > limit:
                lines.append(f"[{rule}] … and {len(found) - limit} more")
        return "\n".join(lines) or "no findings"


@dataclass(frozen=True)
class Expectations:
    """What the checker cannot tell from the PDF alone."""

    # (first page, last page, language), 0-based and inclusive: every element there has it.
    languages: tuple[tuple[int, int, str], ...] = ()
    # language → marker glyph → the words that say it (e.g. {"fr": {"▲": "significativement…"}})
    markers: dict[str, dict[str, str]] = field(default_factory=dict)
    detect_languages: bool = True  # flag French or English paragraphs tagged otherwise
    notes: int | None = None  # how many footnotes the document has (None: not checked)

    @classmethod
    def from_strings(cls, strings: dict[str, Any], **others: Any) -> Expectations:
        """Marker words from the report's strings (``strings[lang]["marker_higher"]`` …)."""
        markers = {lang: {"▲": s["marker_higher"], "▼": s["marker_lower"]}
                   for lang, s in strings.items()}
        return cls(markers=markers, **others)


@dataclass
class _Document:
    pdf: pikepdf.Pdf
    pages: list[PageContent]
    tree: StructTree
    lang: str

    def page_of(self, element: Element) -> int | None:
        page = self.tree.page_of(element)
        return page + 1 if page is not None else None

    def lang_of(self, element: Element) -> str:
        return element.lang or self.lang


def check(pdf: str | Path | bytes, expectations: Expectations | None = None) -> Report:
    """Check a tagged PDF against every rule (see the module's docstring)."""
    expectations = expectations or Expectations()
    source = io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf
    report = Report()
    with pikepdf.open(source) as opened:
        document = _Document(opened, read_pages(opened), StructTree(opened),
                             str(opened.Root.get("/Lang", "")))
        for rule in RULES:
            rule(document, expectations, report)
        if not isinstance(pdf, bytes):
            pdf = Path(pdf).read_bytes()
        _extracted_hyphens(pdf, report)
    return report


def _add(report: Report, rule: str, message: str, page: int | None = None) -> None:
    report.findings.append(Finding(rule, message, page))


# -- rules ---------------------------------------------------------------------------------------
def _rule_document(doc: _Document, _exp: Expectations, report: Report) -> None:
    root = doc.pdf.Root
    mark = root.get("/MarkInfo")
    if mark is None or not bool(mark.get("/Marked", False)):
        _add(report, "document", "the catalog's /MarkInfo /Marked is not true")
    if doc.tree.root is None:
        _add(report, "document", "no structure tree (/StructTreeRoot)")
    if not doc.lang or not _LANGUAGE_TAG.match(doc.lang):
        _add(report, "document", f"the catalog has no valid /Lang ({doc.lang!r})")
    prefs = root.get("/ViewerPreferences")
    if prefs is None or not bool(prefs.get("/DisplayDocTitle", False)):
        _add(report, "document", "the viewer is not asked to show the title (/DisplayDocTitle)")
    xmp = root.get("/Metadata")
    data = xmp.read_bytes().decode("utf-8", "replace") if xmp is not None else ""
    if "<dc:title>" not in data:
        _add(report, "document", "no dc:title in the XMP metadata")
    if not re.search(r"pdfuaid:part(?:>|=\")1", data):
        _add(report, "document", "no PDF/UA identification (pdfuaid:part 1) in the XMP metadata")


def _rule_content(doc: _Document, _exp: Expectations, report: Report) -> None:
    owned: dict[tuple[int | None, int], Element] = {}
    for element in doc.tree.elements:
        for page, mcid in element.mcids:
            owned[(page, mcid)] = element
    for index, content in enumerate(doc.pages):
        report.counts["pages"] += 1
        for operator in dict.fromkeys(content.unmarked):
            count = content.unmarked.count(operator)
            _add(report, "content", f"{count} × {operator} painted outside marked content "
                 "(neither tagged nor an artifact)", index + 1)
        mcids = set()
        for sequence in content.sequences:
            if sequence.mcid is None:
                continue
            report.counts["marked sequences"] += 1
            if sequence.form is not None:
                _add(report, "content", f"MCID {sequence.mcid} inside form {sequence.form}: no "
                     "structure element can own it", index + 1)
                continue
            mcids.add(sequence.mcid)
            if sequence.inside("Artifact"):
                _add(report, "content", f"tagged content (MCID {sequence.mcid}) inside an "
                     "Artifact", index + 1)
            if (index, sequence.mcid) not in owned:
                _add(report, "content", f"MCID {sequence.mcid} ({sequence.text.strip()[:40]!r}) "
                     "is owned by no structure element reachable from the root: tag it or make "
                     "it an Artifact", index + 1)
        for (page, mcid), element in owned.items():
            if page == index and mcid not in mcids:
                _add(report, "content", f"{element.kind} names MCID {mcid}, which the page does "
                     "not have", index + 1)


def _rule_annotations(doc: _Document, _exp: Expectations, report: Report) -> None:
    holder: dict[tuple[int, int], Element] = {}
    for linked in doc.tree.elements:
        for annotation in linked.annotations:
            holder[annotation.objgen] = linked
    for element in doc.tree.elements:
        if element.kind == "Link" and any(a.kind == "Link" for a in element.ancestors()):
            _add(report, "annotations", "a Link inside a Link", doc.page_of(element))
    names = _destination_names(doc.pdf)
    for index, page in enumerate(doc.pdf.pages):
        for annotation in page.obj.get("/Annots", []):
            subtype = str(annotation.get("/Subtype", ""))
            if subtype in ("/Popup", "/PrinterMark"):
                continue
            report.counts["annotations"] += 1
            owner = holder.get(annotation.objgen)
            if owner is None:
                _add(report, "annotations", f"a {subtype[1:]} annotation no structure element "
                     "references", index + 1)
                continue
            if subtype == "/Link":
                if owner.kind != "Link":
                    _add(report, "annotations", f"a link annotation referenced from {owner.kind}, "
                         "not from Link", index + 1)
                contents = text_string(annotation.get("/Contents", "")).strip()
                target = link_target(annotation)
                if not contents:
                    _add(report, "annotations", f"a link to {target!r} without /Contents",
                         index + 1)
                elif contents == target or contents in names or (
                        _IDENTIFIER.match(contents) and re.search(r"[-_#]", contents)):
                    _add(report, "annotations", f"a link's /Contents is an identifier "
                         f"({contents!r}), not words", index + 1)
            if "/StructParent" not in annotation:
                _add(report, "annotations", f"a {subtype[1:]} annotation without /StructParent",
                     index + 1)


def _rule_tables(doc: _Document, _exp: Expectations, report: Report) -> None:
    id_tree = doc.tree.root.get("/IDTree") if doc.tree.root is not None else None
    ids: dict[str, Any] = {}
    if id_tree is not None:
        ids = {str(key): value for key, value in pikepdf.NameTree(id_tree).items()}
    for element in doc.tree.elements:
        if "/ID" in element.obj:
            key = text_string(element.obj.ID)
            target = ids.get(key)
            if target is None or target.objgen != element.obj.objgen:
                _add(report, "tables", f"/ID {key!r} of a {element.kind} is not in the /IDTree",
                     doc.page_of(element))
        if element.kind == "TH":
            report.counts["table headers"] += 1
            scope = element.attribute("/Scope", "/Table")
            if scope not in ("/Row", "/Column", "/Both"):
                _add(report, "tables", f"TH {element_text(element, doc.pages).strip()[:30]!r} "
                     "has no /Scope", doc.page_of(element))
        headers = element.attribute("/Headers", "/Table")
        if headers is not None:
            for header in headers:
                key = text_string(header)
                target = ids.get(key)
                if target is None:
                    _add(report, "tables", f"/Headers names {key!r}, which the /IDTree lacks",
                         doc.page_of(element))
                elif str(target.get("/S")) != "/TH":
                    _add(report, "tables", f"/Headers names {key!r}, which is not a TH",
                         doc.page_of(element))


def _guess_language(text: str) -> str | None:
    """'fr' or 'en' when the text's function words say so plainly, else None."""
    words = [w.lower().strip("’'") for w in _WORD.findall(text)]
    if len(words) < 8:
        return None
    counts = {lang: sum(w in stop for w in words) for lang, stop in _STOP_WORDS.items()}
    (best, high), (_other, low) = sorted(counts.items(), key=lambda kv: -kv[1])
    return best if high >= 3 and high >= 3 * max(low, 1) else None


def _own_text(element: Element, doc: _Document) -> str:
    """An element's text without the parts that say they are in another language."""
    lang = doc.lang_of(element)
    parts: list[str] = []
    for item in element.order:
        if isinstance(item, Element):
            if doc.lang_of(item) == lang:
                parts.append(_own_text(item, doc))
        elif isinstance(item, tuple) and item[0] is not None:
            sequence = doc.pages[item[0]].by_mcid.get(item[1])
            if sequence is not None:
                parts.append(sequence.text)
    return " ".join(parts)


def _rule_languages(doc: _Document, exp: Expectations, report: Report) -> None:
    texts: dict[tuple[int, int], str] = {}
    for element in doc.tree.elements:
        if "/Lang" in element.obj:
            lang = str(element.obj.Lang)
            if lang and not _LANGUAGE_TAG.match(lang):
                _add(report, "languages", f"{element.kind} has an invalid /Lang {lang!r}",
                     doc.page_of(element))
        page = doc.tree.page_of(element)
        for first, last, expected in exp.languages:
            # an element (or an ancestor) that says another language is a passage in it
            said = element.lang is not None
            if page is not None and first <= page <= last and not said and \
                    doc.lang.split("-")[0] != expected:
                _add(report, "languages", f"{element.kind} is in '{doc.lang_of(element)}' (the "
                     f"document's) where the language is '{expected}'", page + 1)
        if exp.detect_languages and element.kind in _BLOCKS:
            report.counts["paragraphs"] += 1
            text = texts.setdefault(element.obj.objgen, _own_text(element, doc))
            guess = _guess_language(text)
            if guess is not None and doc.lang_of(element).split("-")[0] != guess:
                _add(report, "languages", f"{element.kind} {text.strip()[:50]!r} reads as "
                     f"'{guess}' but is tagged '{doc.lang_of(element)}'", doc.page_of(element))


def _label(entry: Any, offset: int) -> str:
    style = str(entry.get("/S", ""))
    number = int(entry.get("/St", 1)) + offset
    prefix = text_string(entry.get("/P", ""))
    if style == "/D":
        return prefix + str(number)
    if style in ("/r", "/R"):
        roman = _roman(number)
        return prefix + (roman if style == "/R" else roman.lower())
    if style in ("/a", "/A"):
        letters = chr(ord("A") + (number - 1) % 26) * ((number - 1) // 26 + 1)
        return prefix + (letters if style == "/A" else letters.lower())
    return prefix


def _roman(number: int) -> str:
    out = ""
    for value, digits in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                          (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                          (4, "IV"), (1, "I")):
        while number >= value:
            out, number = out + digits, number - value
    return out


def page_labels(pdf: pikepdf.Pdf) -> list[str] | None:
    """Each page's label, as a viewer shows it (None: the PDF has no /PageLabels)."""
    if "/PageLabels" not in pdf.Root:
        return None
    entries = sorted((int(k), v) for k, v in pikepdf.NumberTree(pdf.Root.PageLabels).items())
    labels = []
    for index in range(len(pdf.pages)):
        start, entry = max(((k, v) for k, v in entries if k <= index), default=(0, None),
                           key=lambda kv: kv[0])
        labels.append(_label(entry, index - start) if entry is not None else str(index + 1))
    return labels


def _rule_page_labels(doc: _Document, _exp: Expectations, report: Report) -> None:
    labels = page_labels(doc.pdf)
    if labels is None:
        _add(report, "page-labels", "no /PageLabels: a viewer numbers the pages 1, 2, 3… "
             "whatever they print")
        return
    if 0 not in {int(k) for k in pikepdf.NumberTree(doc.pdf.Root.PageLabels)}:
        _add(report, "page-labels", "/PageLabels does not start at the first page")
    for index, content in enumerate(doc.pages):
        printed = [s.text.strip() for s in content.sequences
                   if s.tag == "Artifact" and _NUMERAL.match(s.text.strip())]
        if not printed:
            continue
        report.counts["printed page numbers"] += 1
        label = labels[index]
        if not any(label == number or label.endswith("-" + number) or
                   label.endswith(" " + number) for number in printed):
            _add(report, "page-labels", f"the page prints {printed[-1]!r} but a viewer shows "
                 f"{label!r}", index + 1)


def _rule_hyphens(doc: _Document, _exp: Expectations, report: Report) -> None:
    for index, content in enumerate(doc.pages):
        for sequence in content.sequences:
            if sequence.mcid is not None and sequence.text.endswith(LINE_END_HYPHEN):
                _add(report, "hyphens", f"{sequence.text.strip()[-30:]!r} ends with a hyphen "
                     "that extracts as U+2010 (give it /ActualText U+00AD)", index + 1)


def _extracted_hyphens(data: bytes, report: Report) -> None:
    """What a reader copies (pdfium's text extraction, which Chrome's viewer uses)."""
    try:
        import pypdfium2 as pdfium
    except ImportError:  # the structural check above still runs
        return
    document = pdfium.PdfDocument(data)
    try:
        for index in range(len(document)):
            text = document[index].get_textpage().get_text_range()
            for line in text.splitlines():
                if line.rstrip().endswith(LINE_END_HYPHEN):
                    _add(report, "hyphens", f"extracted text {line.strip()[-30:]!r} ends with "
                         "U+2010", index + 1)
    finally:
        document.close()


def _rule_figures(doc: _Document, exp: Expectations, report: Report) -> None:
    for element in doc.tree.elements:
        if element.kind == "Figure":
            report.counts["figures"] += 1
            alt = text_string(element.obj.get("/Alt", element.obj.get("/ActualText", ""))).strip()
            if not alt:
                _add(report, "figures", "a Figure without alternative text", doc.page_of(element))
                continue
            shown = element_text(element, doc.pages)
            words = exp.markers.get(doc.lang_of(element).split("-")[0], {})
            for marker in MARKERS:
                count = shown.count(marker)
                if not count:
                    continue
                if marker not in words:
                    _add(report, "figures", f"a figure shows {marker} and the checker was not "
                         "given its words in this language", doc.page_of(element))
                elif alt.count(words[marker]) < count:
                    _add(report, "figures", f"a figure shows {count} × {marker} but its "
                         f"alternative text names {alt.count(words[marker])} "
                         f"({words[marker]!r}): {alt[:60]!r}", doc.page_of(element))
        elif element.kind != "Figure" and not element.children and \
                element_text(element, doc.pages).strip() in MARKERS and \
                not any("/ActualText" in node.obj for node in [element, *element.ancestors()]):
            _add(report, "figures", f"a {element_text(element, doc.pages).strip()} marker "
                 "without /ActualText", doc.page_of(element))
    for element in doc.tree.elements:
        actual = element.obj.get("/ActualText")
        if actual is None or element_text(element, doc.pages).strip() not in MARKERS:
            continue
        glyph = element_text(element, doc.pages).strip()
        said = exp.markers.get(doc.lang_of(element).split("-")[0], {}).get(glyph)
        if said is not None and text_string(actual) != said:
            _add(report, "figures", f"{glyph} reads {text_string(actual)!r}, not {said!r} "
                 f"({doc.lang_of(element)})", doc.page_of(element))


def _rule_notes(doc: _Document, exp: Expectations, report: Report) -> None:
    seen: Counter[str] = Counter()
    referenced: set[str] = set()
    for element in doc.tree.elements:
        if element.kind == "Link" and any(a.kind == "Reference" for a in element.ancestors()):
            referenced.update(link_target(a) for a in element.annotations)
    numbering: dict[str, int] = {}
    previous_lang = None
    for element in doc.tree.elements:
        if element.kind != "Note":
            continue
        report.counts["notes"] += 1
        page = doc.page_of(element)
        note_id = text_string(element.obj.get("/ID", "")).strip()
        if not note_id:
            _add(report, "notes", "a Note without /ID", page)
        seen[note_id] += 1
        if note_id and note_id not in referenced:
            _add(report, "notes", f"Note {note_id!r}: no Reference links to it", page)
        labels = [c for c in element.children if c.kind == "Lbl"]
        if not labels:
            _add(report, "notes", f"Note {note_id!r} has no Lbl", page)
            continue
        lang = doc.lang_of(element)
        if lang != previous_lang:
            numbering[lang] = 0
            previous_lang = lang
        numbering[lang] += 1
        label = element_text(labels[0], doc.pages).strip().rstrip(".")
        if label != str(numbering[lang]):
            _add(report, "notes", f"note {label!r} where note {numbering[lang]} was expected "
                 f"(notes count from 1 in each language)", page)
    for note_id, count in seen.items():
        if note_id and count > 1:
            _add(report, "notes", f"/ID {note_id!r} is on {count} Notes")
    if exp.notes is not None and report.counts["notes"] != exp.notes:
        _add(report, "notes", f"{report.counts['notes']} Notes where the document has "
             f"{exp.notes} footnotes")


def _rule_leaders(doc: _Document, _exp: Expectations, report: Report) -> None:
    for index, content in enumerate(doc.pages):
        tagged = "".join(s.text for s in content.sequences
                         if s.mcid is not None and not s.inside("Artifact"))
        runs = _LEADER.findall(tagged)
        if runs:
            _add(report, "leaders", f"{len(runs)} runs of leader dots read as text "
                 f"({runs[0][:12]!r}…)", index + 1)


RULES: tuple[Callable[[_Document, Expectations, Report], None], ...] = (
    _rule_document, _rule_content, _rule_annotations, _rule_tables, _rule_languages,
    _rule_page_labels, _rule_hyphens, _rule_figures, _rule_notes, _rule_leaders)


# -- helpers ---------------------------------------------------------------------------------------


def _destination_names(pdf: pikepdf.Pdf) -> set[str]:
    names = pdf.Root.get("/Names")
    dests = names.get("/Dests") if names is not None else None
    if dests is None:
        return set()
    return {str(key) for key in pikepdf.NameTree(dests)}


def main(argv: Iterable[str] | None = None) -> int:
    paths = list(argv if argv is not None else sys.argv[1:])
    if not paths:
        print("usage: python -m report.pdfua_check FILE.pdf …", file=sys.stderr)
        return 2
    expectations = Expectations()
    strings = Path(__file__).resolve().parent.parent / "data" / "strings.toml"
    if strings.is_file():  # the report's own words for the ▲ ▼ markers
        from .diagnostics import Diagnostics
        from .i18n import load_strings

        loaded = load_strings(strings, Diagnostics(), root=strings.parent.parent)
        if loaded is not None:
            expectations = Expectations.from_strings(loaded)
    failed = 0
    for path in paths:
        report = check(path, expectations)
        print(f"{path}: {'passes' if report.ok else f'{len(report.findings)} findings'} "
              f"({', '.join(f'{n} {k}' for k, n in sorted(report.counts.items()))})")
        if not report.ok:
            print(report.summary())
            failed = 1
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
