"""Stage 7b, PDF/UA: complete the structure tree that the engine writes, so that a screen edition
conforms to PDF/UA-1 (ISO 14289-1) and reads well aloud.

Input: the PDF bytes of a tagged screen edition as WeasyPrint wrote them, and its
:class:`Semantics`, what the HTML says that the engine does not carry into the PDF, read by
:func:`read_semantics` from the HTML and the laid-out pages' anchors (``Page.anchors``, public).
Output: the repaired PDF bytes and the problems met (:class:`Repaired`). Nothing else changes:
the pages look the same, byte for byte in what they paint.

The engine tags the boxes it lays out (``weasyprint/pdf/tags.py``); what it leaves undone, and
what each function below does about it:

* :func:`_rewrite_page` (content streams): the running heads and page numbers (margin boxes) are
  marked content that no element reachable from the root owns; they become ``/Artifact``
  (pagination). A form XObject painted outside marked content (a transparency group: ``opacity``
  in CSS) that holds no tagged content is painted inside an ``/Artifact`` sequence. A line-end
  hyphen the engine inserts extracts as U+2010, so copied text and speech get split words; each
  is given an /ActualText of U+00AD (soft hyphen), the character the PDF standard gives a
  hyphen that only breaks a word at the end of a line, and where the hyphen glyph serves only
  there, the font's ToUnicode says U+00AD too.
* :func:`_links`: every box inside a link carries its own link annotation, referenced from a Span
  or from a Link nested in the Link; the annotations move to the outermost Link, the inner
  elements become Spans, redundant annotations (the same target, inside another one's rectangle)
  are dropped, and each link's /Contents says in words where it goes (its ``title`` in the HTML,
  or its text) instead of the anchor's id.
* :func:`_notes`: footnotes and their calls are links with the DPUB-ARIA roles ``doc-noteref``
  (the call), ``doc-footnote`` (the note) and ``doc-backlink`` (its label); the call becomes a
  Reference, the note a Note with an /ID and its label a Lbl.
* :func:`_tables`: every TH gets its /Scope (Column in a THead, Row at the start of a body row)
  and the document an /IDTree for the /ID values that the cells' /Headers name.
* :func:`_languages`: an element with another ``lang`` than its surroundings gets /Lang: by pages
  for a part of the document (``data-language-part``: the bilingual edition's halves, every
  element of them), by text for a passage (a note in the other language).
* :func:`_actual_texts`: a ``<span role="img" aria-label="…">`` (the ▲ ▼ markers) gets its words
  as /ActualText.
* :func:`_page_labels`: /PageLabels from the elements that carry ``data-page-numbering``
  (``lower-roman``, ``decimal``…) and ``data-page-prefix``, as the CSS counters number the pages,
  so that a viewer's page number is the printed one.
* Empty elements (pseudo-elements with ``content: none``, line breaks) are dropped and the
  /ParentTree is rebuilt from what is reachable.

Written against what WeasyPrint 70 produces; every rule is checked on the output by
:mod:`report.pdfua_check`, so a change in the engine shows up as a failing test, not as a silent
regression.
"""

from __future__ import annotations

import html as _html
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pikepdf

from .pdfcontent import (
    ContentReader,
    Element,
    PageContent,
    StructTree,
    link_target,
    read_page,
    text_string,
)

SOFT_HYPHEN = "\u00ad"
LINE_END_HYPHEN = "\u2010"  # what the engine draws where it hyphenates (CSS hyphenate-character)
NUMBERING_STYLES = {"decimal": "/D", "lower-roman": "/r", "upper-roman": "/R",
                    "lower-alpha": "/a", "upper-alpha": "/A"}
# Elements that are never dropped when empty: a table keeps its grid.
_KEEP_EMPTY = frozenset({"Table", "THead", "TBody", "TFoot", "TR", "TH", "TD", "Document"})
_SPACE = re.compile(r"\s+")
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})


# -- what the HTML says ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PageLabelRange:
    page: int  # 0-based index of the range's first page
    style: str  # a /S value: "/D", "/r"…
    prefix: str = ""
    start: int = 1


@dataclass(frozen=True)
class Semantics:
    """What the repair needs to know about one edition beyond its PDF."""

    lang: str = ""
    page_labels: tuple[PageLabelRange, ...] = ()
    language_parts: tuple[tuple[int, str], ...] = ()  # (first page, language), in page order
    passages: tuple[tuple[str, str], ...] = ()  # (language, text) of an element in another one
    replacements: tuple[tuple[str, str, str], ...] = ()  # (language, text, words to say)
    link_titles: tuple[tuple[str, str], ...] = ()  # (target id, title)
    notes: tuple[tuple[str, str], ...] = ()  # (note id, call id)


@dataclass
class Repaired:
    data: bytes
    problems: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    """Collects, in one pass over the HTML, the elements whose meaning the PDF must carry."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[dict[str, Any]] = []
        self.root_lang = ""
        self.ids_numbering: list[tuple[str, str, str | None]] = []  # (id, style, prefix)
        self.parts: list[tuple[str, str]] = []  # (id, lang)
        self.passages: list[tuple[str, str]] = []
        self.replacements: list[tuple[str, str, str]] = []
        self.titles: list[tuple[str, str]] = []
        self.calls: dict[str, str] = {}  # note id → call id
        self.skip = 0  # inside <style>, <script> or <head>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        parent_lang = self.stack[-1]["lang"] if self.stack else ""
        lang = attr.get("lang", parent_lang)
        if tag == "html":
            self.root_lang = lang
        node = {"tag": tag, "lang": lang, "text": None, "kind": None, "attr": attr}
        if tag in ("style", "script", "head", "title"):
            self.skip += 1
        if "id" in attr and "data-page-numbering" in attr:
            self.ids_numbering.append((attr["id"], attr["data-page-numbering"],
                                       attr.get("data-page-prefix")))
        if "lang" in attr and lang != parent_lang and self.stack and parent_lang:
            if "data-language-part" in attr and "id" in attr:
                self.parts.append((attr["id"], lang))
            else:
                node["kind"], node["text"] = "passage", []
        if tag == "span" and attr.get("role") == "img" and attr.get("aria-label"):
            node["kind"], node["text"] = "replacement", []
        if tag == "a" and attr.get("href", "").startswith("#"):
            target = attr["href"][1:]
            if attr.get("title"):
                self.titles.append((target, attr["title"]))
            if attr.get("role") == "doc-noteref" and "id" in attr:
                self.calls[target] = attr["id"]
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        while self.stack:  # close what the HTML left open inside this element
            node = self.stack.pop()
            if node["tag"] in ("style", "script", "head", "title"):
                self.skip -= 1
            if node["kind"] == "passage":
                self.passages.append((node["lang"], "".join(node["text"])))
            elif node["kind"] == "replacement":
                self.replacements.append((node["lang"], "".join(node["text"]),
                                          node["attr"]["aria-label"]))
            if node["tag"] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        for node in self.stack:
            if node["text"] is not None:
                node["text"].append(data)


def read_semantics(html: str, anchors: list[dict[str, Any]]) -> Semantics:
    """What the repair needs from an edition's HTML; ``anchors`` are the laid-out pages' anchors
    (``[page.anchors for page in document.pages]``), which say on which page each id lies."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    page_of: dict[str, int] = {}
    for index, names in enumerate(anchors):
        for name in names:
            page_of.setdefault(name, index)
    labels: list[PageLabelRange] = []
    prefix = ""
    for element_id, style, declared in reader.ids_numbering:
        if element_id not in page_of or style not in NUMBERING_STYLES:
            continue
        prefix = declared if declared is not None else prefix
        labels.append(PageLabelRange(page_of[element_id], NUMBERING_STYLES[style], prefix))
    parts = tuple(sorted((page_of[i], lang) for i, lang in reader.parts if i in page_of))
    return Semantics(
        lang=reader.root_lang,
        page_labels=tuple(sorted(labels, key=lambda r: r.page)),
        language_parts=parts,
        passages=tuple((lang, text) for lang, text in reader.passages if _key(text)),
        replacements=tuple(reader.replacements),
        link_titles=tuple(reader.titles),
        notes=tuple(reader.calls.items()),
    )


def _key(text: str) -> str:
    """Text compared without any whitespace or hyphenation (the PDF's lines lose their spaces)."""
    return _SPACE.sub("", _html.unescape(text)).replace(SOFT_HYPHEN, "").replace(
        LINE_END_HYPHEN, "")


# -- the repair --------------------------------------------------------------------------------
def repair(data: bytes, semantics: Semantics) -> Repaired:
    """Repair the structure of a tagged PDF (see the module's docstring)."""
    problems: list[str] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/StructTreeRoot" not in pdf.Root:
            return Repaired(data, ["the PDF is not tagged: nothing to repair"])
        reader = ContentReader(pdf, forms=False)  # what forms hold (charts) is not read aloud
        parsed = [list(pikepdf.parse_content_stream(page)) for page in pdf.pages]
        pages = [read_page(pdf, page, reader, parsed[i]) for i, page in enumerate(pdf.pages)]
        tree = StructTree(pdf)
        _rewrite_content(pdf, pages, parsed, tree, reader)
        tree = _links(pdf, tree, pages, dict(semantics.link_titles))
        problems += _notes(pdf, tree, semantics.notes)
        tree = StructTree(pdf)
        texts = _texts(tree, pages)
        _tables(pdf, tree)
        problems += _languages(tree, texts, semantics)
        problems += _actual_texts(tree, texts, semantics)
        _drop_empty(tree)
        _parent_tree(pdf, tree)
        _page_labels(pdf, semantics.page_labels)
        out = io.BytesIO()
        if "/ID" in pdf.trailer:  # the file identifier: a hash of what is written, nothing else
            del pdf.trailer["/ID"]
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return Repaired(out.getvalue(), problems)


# -- content streams: artifacts and hyphens ------------------------------------------------------
def _rewrite_content(pdf: pikepdf.Pdf, pages: list[PageContent], parsed: list[list[Any]],
                     tree: StructTree, reader: ContentReader) -> None:
    """One pass over each page's content stream (:func:`_rewrite_page`); ``pages`` is updated to
    say what the pages now say."""
    owned = {(page, mcid) for element in tree.elements for page, mcid in element.mcids}
    for index, page in enumerate(pdf.pages):
        content = pages[index]
        orphans = {s.mcid for s in content.sequences
                   if s.mcid is not None and s.form is None and (index, s.mcid) not in owned}
        hyphenated = {s.mcid for s in content.sequences
                      if s.mcid is not None and s.form is None and (index, s.mcid) in owned
                      and s.actual_text is None and "".join(s.pieces).endswith(LINE_END_HYPHEN)}
        rewritten = _rewrite_page(parsed[index], orphans, hyphenated,
                                  page.obj.get("/Resources"), reader)
        if rewritten is not None:
            page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(rewritten))
        for sequence in content.sequences:
            if sequence.form is None and sequence.mcid in orphans:
                sequence.tag, sequence.mcid = "Artifact", None
            elif sequence.form is None and sequence.mcid in hyphenated:
                sequence.pieces[-1] = sequence.pieces[-1][:-1] + SOFT_HYPHEN
    # Where the hyphen glyph serves only at line ends, its ToUnicode entry says so too, for the
    # extractors that ignore /ActualText (pypdf, for one).
    if not any(LINE_END_HYPHEN in s.text.rstrip(LINE_END_HYPHEN) for page in pages
               for s in page.sequences):
        _soft_hyphen_glyphs(pdf)


def _soft_hyphen_glyphs(pdf: pikepdf.Pdf) -> None:
    """Map to U+00AD the glyphs that fonts' ToUnicode maps map to U+2010."""
    entry = re.compile(rb"(<[0-9A-Fa-f]+>\s*)<2010>")
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font":
            continue
        cmap = obj.get("/ToUnicode")
        if isinstance(cmap, pikepdf.Stream):
            data = cmap.read_bytes()
            changed = entry.sub(rb"\1<00ad>", data)
            if changed != data:
                cmap.write(changed)


def _rewrite_page(instructions: list[Any], orphans: set[int], hyphenated: set[int],
                  resources: Any, reader: ContentReader) -> list[Any] | None:
    """A page's content stream with its margin boxes as pagination artifacts, the forms painted
    outside marked content that hold no tagged content inside an artifact, and the line-end
    hyphen of each sequence in ``hyphenated`` shown inside a Span whose /ActualText is a soft
    hyphen; None when nothing changes."""
    xobjects = resources.get("/XObject", {}) if resources is not None else {}
    fonts = resources.get("/Font", {}) if resources is not None else {}
    out: list[Any] = []
    changed = False
    depth = 0
    decoder = None
    current: int | None = None  # the hyphenated sequence being shown
    last_text: int | None = None
    for instruction in instructions:
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            out.append(instruction)
            continue
        op = str(instruction.operator)
        if op in ("BDC", "BMC"):
            depth += 1
            props = instruction.operands[1] if op == "BDC" else None
            mcid = int(props.get("/MCID", -1)) if isinstance(props, pikepdf.Dictionary) else -1
            if mcid in orphans:
                instruction = pikepdf.ContentStreamInstruction(
                    [pikepdf.Name.Artifact, pikepdf.Dictionary(Type=pikepdf.Name.Pagination)],
                    pikepdf.Operator("BDC"))
                changed = True
            elif mcid in hyphenated:
                current, last_text = mcid, None
        elif op == "EMC":
            depth -= 1
            if current is not None:
                if last_text is not None and decoder is not None:
                    changed |= _split_last_glyph(out, last_text, decoder)
                current = None
        elif op == "Tf":
            decoder = reader.decoder(fonts.get(str(instruction.operands[0])))
        elif op in ("TJ", "Tj") and current is not None:
            last_text = len(out)
        elif op == "Do" and depth == 0:
            form = xobjects.get(str(instruction.operands[0]))
            if form is not None and form.get("/Subtype") == "/Form" and not _has_marked(form):
                out += [pikepdf.ContentStreamInstruction([pikepdf.Name.Artifact],
                                                         pikepdf.Operator("BMC")),
                        instruction, pikepdf.ContentStreamInstruction([], pikepdf.Operator("EMC"))]
                changed = True
                continue
        out.append(instruction)
    return out if changed else None


def _has_marked(form: Any, depth: int = 0) -> bool:
    """Whether a form XObject (or one it paints) holds marked content with an MCID."""
    if b"MCID" in form.read_bytes():
        return True
    xobjects = form.get("/Resources", {}).get("/XObject", {})
    return depth < 8 and any(x.get("/Subtype") == "/Form" and _has_marked(x, depth + 1)
                             for x in xobjects.values())


def _split_last_glyph(out: list[Any], position: int, decoder: Any) -> bool:
    instruction = out[position]
    operands = list(instruction.operands)
    items = list(operands[0]) if str(instruction.operator) == "TJ" else [operands[0]]
    last = max((i for i, item in enumerate(items) if isinstance(item, pikepdf.String)),
               default=None)
    if last is None:
        return False
    codes = decoder.codes(bytes(items[last]))
    if not codes or decoder.text(codes[-1]) != LINE_END_HYPHEN:
        return False
    head = [*items[:last]] + ([pikepdf.String(b"".join(codes[:-1]))] if len(codes) > 1 else [])
    tail = [pikepdf.String(codes[-1]), *items[last + 1:]]
    replacement = []
    if head:
        replacement.append(pikepdf.ContentStreamInstruction([pikepdf.Array(head)],
                                                            pikepdf.Operator("TJ")))
    replacement += [
        pikepdf.ContentStreamInstruction(
            [pikepdf.Name.Span, pikepdf.Dictionary(ActualText=pikepdf.String(SOFT_HYPHEN))],
            pikepdf.Operator("BDC")),
        pikepdf.ContentStreamInstruction([pikepdf.Array(tail)], pikepdf.Operator("TJ")),
        pikepdf.ContentStreamInstruction([], pikepdf.Operator("EMC")),
    ]
    out[position:position + 1] = replacement
    return True


# -- structure: links ---------------------------------------------------------------------------
def _kids(obj: Any) -> pikepdf.Array:
    kids = obj.get("/K")
    if kids is None:
        obj.K = pikepdf.Array()
    elif not isinstance(kids, pikepdf.Array):
        obj.K = pikepdf.Array([kids])
    return obj.K


def _is_objr(kid: Any) -> bool:
    return isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR"


def _links(pdf: pikepdf.Pdf, tree: StructTree, pages: list[PageContent],
           titles: dict[str, str]) -> StructTree:
    """Annotations reachable from the outermost Link only, one per box of the link; /Contents in
    words. Returns the structure tree as it is now."""

    def visit(element: Element, link: Element | None) -> None:
        obj = element.obj
        objrs = [kid for kid in _kids(obj) if _is_objr(kid)]
        if element.kind == "Link" and link is not None:
            obj.S = pikepdf.Name.Span  # a link inside a link: its annotations belong to the outer
        if objrs and (element.kind != "Link" or link is not None):
            if link is None:
                obj.S = pikepdf.Name.Link
                link = element
            else:
                kids = _kids(obj)
                keep = [kid for kid in kids if not _is_objr(kid)]
                obj.K = pikepdf.Array(keep)
                for objr in objrs:
                    _kids(link.obj).append(objr)
        elif element.kind == "Link" and link is None:
            link = element
        for child in element.children:
            visit(child, link)

    for root in tree.roots:
        visit(root, None)
    annotation_pages = {}
    for index, page in enumerate(pdf.pages):
        for annotation in page.obj.get("/Annots", []):
            annotation_pages[annotation.objgen] = index
    tree = StructTree(pdf)
    for element in tree.elements:
        if element.kind != "Link":
            continue
        kept = _dedupe(pdf, element, annotation_pages)
        element.annotations = kept
        text = _readable(element, pages)
        for annotation in kept:
            words = titles.get(link_target(annotation)) or text or link_target(annotation)
            annotation.Contents = pikepdf.String(words)
    return tree


def _dedupe(pdf: pikepdf.Pdf, link: Element, pages: dict[tuple[int, int], int]) -> list[Any]:
    """Drop a link's annotations that another of its annotations with the same target contains."""
    objrs = [kid for kid in _kids(link.obj) if _is_objr(kid)]
    rects = []
    for objr in objrs:
        x0, y0, x1, y1 = (float(v) for v in objr.Obj.Rect)
        rects.append([min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)])
    dropped = set()
    for i, objr in enumerate(objrs):
        for j, other in enumerate(objrs):
            if i == j or j in dropped or link_target(objr.Obj) != link_target(other.Obj):
                continue
            a, b = rects[i], rects[j]
            inside = (b[0] - 0.01 <= a[0] and b[1] - 0.01 <= a[1] and a[2] <= b[2] + 0.01
                      and a[3] <= b[3] + 0.01)
            if inside and (a != b or j < i):
                dropped.add(i)
                break
    if not dropped:
        return [objr.Obj for objr in objrs]
    gone = {objrs[i].Obj.objgen for i in dropped}
    link.obj.K = pikepdf.Array([kid for kid in _kids(link.obj)
                                if not (_is_objr(kid) and kid.Obj.objgen in gone)])
    for objgen in gone:
        page = pdf.pages[pages[objgen]].obj
        page.Annots = pikepdf.Array([a for a in page.Annots if a.objgen != objgen])
    return [objrs[i].Obj for i in range(len(objrs)) if i not in dropped]


def _readable(element: Element, pages: list[PageContent]) -> str:
    """An element's text for a description: the text of its parts joined by spaces where the
    engine's lines lost them, line-end hyphens removed."""
    parts: list[str] = []

    def collect(node: Element) -> None:
        for item in node.order:
            if isinstance(item, Element):
                actual = item.obj.get("/ActualText")
                if actual is not None:
                    parts.append(text_string(actual))
                else:
                    collect(item)
            elif isinstance(item, tuple) and item[0] is not None:
                sequence = pages[item[0]].by_mcid.get(item[1])
                if sequence is not None:
                    parts.append(sequence.text)

    collect(element)
    text = ""
    for part in parts:
        if text.endswith((LINE_END_HYPHEN, SOFT_HYPHEN)):
            text = text[:-1] + part
        elif text and not text[-1].isspace() and part and not part[0].isspace() \
                and part[0] not in ",.;:)»”’":
            text += " " + part
        else:
            text += part
    return _SPACE.sub(" ", text).strip()


# -- structure: footnotes -----------------------------------------------------------------------
def _new_element(pdf: pikepdf.Pdf, kind: str, parent: Any, page: Any) -> Any:
    element = pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name("/" + kind),
                                 P=parent, K=pikepdf.Array())
    if page is not None:
        element.Pg = page
    return pdf.make_indirect(element)


def _wrap(pdf: pikepdf.Pdf, element: Element, kind: str) -> Any:
    """Put a new element of ``kind`` between ``element`` and its parent, in its place."""
    parent = element.obj.P
    wrapper = _new_element(pdf, kind, parent, element.obj.get("/Pg"))
    kids = _kids(parent)
    for i, kid in enumerate(kids):
        if isinstance(kid, pikepdf.Dictionary) and kid.objgen == element.obj.objgen:
            kids[i] = wrapper
            break
    wrapper.K.append(element.obj)
    element.obj.P = wrapper
    return wrapper


def _notes(pdf: pikepdf.Pdf, tree: StructTree, notes: tuple[tuple[str, str], ...]) -> list[str]:
    """Calls become Reference > Link; notes become Note (with /ID) > Lbl > Link, text."""
    calls = dict(notes)
    backs = {call: note for note, call in notes}
    found: set[str] = set()
    for element in tree.elements:
        if element.kind != "Link" or not element.annotations:
            continue
        target = link_target(element.annotations[0])
        if target in calls and (element.parent is None or element.parent.kind != "Reference"):
            _wrap(pdf, element, "Reference")
        elif target in backs:
            note = element.parent
            if note is None or note.kind == "Lbl":
                continue
            _wrap(pdf, element, "Lbl")
            note.obj.S = pikepdf.Name.Note
            note.obj.ID = pikepdf.String(backs[target])
            found.add(backs[target])
    return [f"footnote {note} was not found in the PDF's structure"
            for note in calls if note not in found]


# -- structure: tables ---------------------------------------------------------------------------
def _tables(pdf: pikepdf.Pdf, tree: StructTree) -> None:
    """/Scope on every TH; an /IDTree for every /ID."""
    for element in tree.elements:
        if element.kind != "TH":
            continue
        kinds = [a.kind for a in element.ancestors()]
        row = element.parent
        in_head = "THead" in kinds[:kinds.index("Table")] if "Table" in kinds else "THead" in kinds
        first = row is not None and row.children and row.children[0] is element
        has_data = row is not None and any(c.kind == "TD" for c in row.children)
        scope = "/Column" if in_head or not (first and has_data) else "/Row"
        attrs = element.obj.get("/A")
        table_attrs = None
        for attr in attrs if isinstance(attrs, pikepdf.Array) else [attrs] if attrs else []:
            if isinstance(attr, pikepdf.Dictionary) and attr.get("/O") == "/Table":
                table_attrs = attr
        if table_attrs is None:
            table_attrs = pikepdf.Dictionary(O=pikepdf.Name.Table)
            element.obj.A = table_attrs if attrs is None else pikepdf.Array(
                [*(attrs if isinstance(attrs, pikepdf.Array) else [attrs]), table_attrs])
        table_attrs.Scope = pikepdf.Name(scope)
    ids: dict[bytes, Any] = {}
    for element in tree.elements:
        if "/ID" in element.obj:
            ids.setdefault(bytes(element.obj.ID), element.obj)
    if ids:
        names = pikepdf.NameTree.new(pdf)
        for key in sorted(ids):
            names[key.decode("latin-1")] = ids[key]
        assert tree.root is not None
        tree.root.IDTree = names.obj


# -- structure: languages and replacement texts -----------------------------------------------
def _languages(tree: StructTree, texts: dict[tuple[int, int], str],
               semantics: Semantics) -> list[str]:
    problems = []
    parts = list(semantics.language_parts)
    if parts:
        def part_lang(page: int | None) -> str | None:
            lang = None
            for first, part in parts:
                if page is not None and page >= first:
                    lang = part
            return lang

        for element in tree.elements:
            lang = part_lang(tree.page_of(element))
            if lang is not None and element.kind != "Document":
                element.obj.Lang = pikepdf.String(lang)
    for lang, text in semantics.passages:
        matches = _outermost(tree, texts, _key(text)) or _split(tree, texts, _key(text))
        if not matches:
            problems.append(f"a passage in language '{lang}' was not found in the PDF "
                            f"({text.strip()[:60]!r})")
        for element in matches:
            for node in element.walk():  # its parts say so too (a part's /Lang set above)
                if node is element or "/Lang" in node.obj:
                    node.obj.Lang = pikepdf.String(lang)
    return problems


def _texts(tree: StructTree, pages: list[PageContent]) -> dict[tuple[int, int], str]:
    """Each element's text (its /ActualText, else its content's), compared as :func:`_key`
    compares texts; each element's text is made once from its children's."""
    made: dict[tuple[int, int], str] = {}

    def text(element: Element) -> str:
        key = element.obj.objgen
        if key not in made:
            parts = []
            for item in element.order:
                if isinstance(item, Element):
                    actual = item.obj.get("/ActualText")
                    parts.append(text_string(actual) if actual is not None else text(item))
                elif isinstance(item, tuple) and item[0] is not None:
                    sequence = pages[item[0]].by_mcid.get(item[1])
                    parts.append(sequence.text if sequence is not None else "")
            made[key] = "".join(parts)
        return made[key]

    return {element.obj.objgen: _key(text(element)) for element in tree.elements}


def _outermost(tree: StructTree, texts: dict[tuple[int, int], str], key: str) -> list[Element]:
    """The elements whose text is ``key`` and whose parent's text is not."""
    found = []
    for element in tree.elements:
        if texts.get(element.obj.objgen) != key or element.kind == "Document":
            continue
        parent = element.parent
        if parent is not None and texts.get(parent.obj.objgen) == key:
            continue
        found.append(element)
    return found


def _split(tree: StructTree, texts: dict[tuple[int, int], str], key: str) -> list[Element]:
    """Runs of sibling elements whose texts make ``key`` together: an inline element that the
    engine broke across lines is one element per line."""
    found = []
    for element in tree.elements:
        kids = element.children
        for i in range(len(kids)):
            text = ""
            for j in range(i, len(kids)):
                text += texts.get(kids[j].obj.objgen, "")
                if not key.startswith(text) or not text:
                    break
                if text == key:
                    found += kids[i:j + 1]
                    break
    return found


def _actual_texts(tree: StructTree, texts: dict[tuple[int, int], str],
                  semantics: Semantics) -> list[str]:
    """Words for symbols (``role="img"`` with ``aria-label``): /ActualText in the element's
    language."""
    problems = []
    for (lang, text), words in {(lang, _key(text)): words
                                for lang, text, words in semantics.replacements}.items():
        matches = [e for e in _outermost(tree, texts, text)
                   if (e.lang or semantics.lang) == lang and e.kind in ("Span", "NonStruct")]
        if not matches:
            problems.append(f"the symbol {text!r} ({lang}) was not found in the PDF's structure")
        for element in matches:
            element.obj.ActualText = pikepdf.String(words)
            if element.kind == "NonStruct":
                element.obj.S = pikepdf.Name.Span
    return problems


# -- structure: clean-up and the parent tree ---------------------------------------------------
def _drop_empty(tree: StructTree) -> None:
    """Remove elements without content (no marked content, annotation or content-bearing child):
    the engine's elements for ``content: none`` pseudo-elements and line breaks."""

    def has_content(element: Element) -> bool:
        keep = [child for child in element.children if has_content(child)]
        kept = {id(child) for child in keep}
        gone = {child.obj.objgen for child in element.children if id(child) not in kept}
        if gone:
            element.obj.K = pikepdf.Array([
                kid for kid in _kids(element.obj)
                if not (isinstance(kid, pikepdf.Dictionary) and kid.is_indirect
                        and kid.objgen in gone)])
            element.children = keep
        return bool(keep or element.mcids or element.annotations or element.kind in _KEEP_EMPTY)

    for root in tree.roots:
        has_content(root)


def _parent_tree(pdf: pikepdf.Pdf, tree: StructTree) -> None:
    """Rebuild /ParentTree from the reachable elements: each page's MCIDs, each annotation."""
    by_page: dict[int, dict[int, Any]] = {}
    annotations: dict[int, Any] = {}
    for element in tree.elements:
        for page, mcid in element.mcids:
            if page is not None:
                by_page.setdefault(page, {})[mcid] = element.obj
        for annotation in element.annotations:
            if "/StructParent" in annotation:
                annotations[int(annotation.StructParent)] = element.obj
    numbers = pikepdf.NumberTree.new(pdf)
    keys = []
    for index, pdf_page in enumerate(pdf.pages):
        if "/StructParents" not in pdf_page.obj:
            continue
        key = int(pdf_page.obj.StructParents)
        mcids = by_page.get(index, {})
        numbers[key] = pdf.make_indirect(pikepdf.Array(
            [mcids.get(m, None) for m in range(max(mcids, default=-1) + 1)]))
        keys.append(key)
    for key, element in annotations.items():
        numbers[key] = element
        keys.append(key)
    assert tree.root is not None
    tree.root.ParentTree = numbers.obj
    tree.root.ParentTreeNextKey = max(keys, default=-1) + 1


def _page_labels(pdf: pikepdf.Pdf, ranges: tuple[PageLabelRange, ...]) -> None:
    if not ranges:
        return
    labels = pikepdf.NumberTree.new(pdf)
    if ranges[0].page != 0:
        labels[0] = pikepdf.Dictionary(S=pikepdf.Name.D)
    for label in ranges:
        entry = pikepdf.Dictionary(S=pikepdf.Name(label.style), St=label.start)
        if label.prefix:
            entry.P = pikepdf.String(label.prefix)
        labels[label.page] = entry
    pdf.Root.PageLabels = labels.obj
