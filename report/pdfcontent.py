"""Reading a PDF as marked content and structure: what the structure repair (:mod:`report.pdfua`)
and the structure checker (:mod:`report.pdfua_check`) both need, on top of pikepdf.

Input: a :class:`pikepdf.Pdf`.
Output, per page (:func:`read_page`): every marked-content sequence in drawing order (its tag,
its MCID if it has one, its properties, the text it shows as Unicode through the fonts' ToUnicode
maps, with any /ActualText of nested sequences in place of what they draw) and every painting
operation made outside any marked-content sequence. For the document (:class:`StructTree`): every
structure element reachable from the structure tree root, with its parent, its type, the MCIDs
and annotations it owns, and the page of each.

Form XObjects are read where they are painted: their text belongs to the sequences open around
the ``Do`` that paints them, and marked content inside a form is reported with the form's name.

Written here rather than taken from a library: pikepdf parses content streams but does not decode
text, and pypdf's and pdfium's text extraction do not say which marked-content sequence a
character belongs to.
"""

from __future__ import annotations

import array
import functools
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pikepdf

TEXT_OPERATORS = frozenset({"Tj", "TJ", "'", '"'})
# Operators that put marks on the page (``n`` ends a path without painting it).
PAINT_OPERATORS = TEXT_OPERATORS | frozenset(
    {"f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "sh", "Do", "INLINE IMAGE"})
_CMAP_BLOCK = re.compile(rb"begin(bfchar|bfrange|codespacerange)(.*?)end\1", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f\s]*)>|\[([^\]]*)\]")


# -- fonts: from the codes a content stream shows to Unicode text --------------------------------
class FontDecoder:
    """Decode the strings shown with one font into text, through its /ToUnicode CMap.

    Handles what PDF writers produce for embedded fonts: ``bfchar`` and ``bfrange`` entries
    (ranges with a start value or an array of values), codes of the widths the code space ranges
    declare (two bytes for WeasyPrint's Identity-H fonts). A font without a ToUnicode map decodes
    as Latin-1, one byte per code; a code without a mapping decodes as U+FFFD.
    """

    def __init__(self, font: Any) -> None:
        self.map: dict[bytes, str] = {}
        self.width = 1
        self.table: _Table = _Table()  # code (as an int) → text, for str.translate
        cmap = font.get("/ToUnicode") if font is not None else None
        if isinstance(cmap, pikepdf.Stream):
            self._parse(cmap.read_bytes())
        elif font is not None and font.get("/Subtype") == "/Type0":
            self.width = 2

    def _parse(self, data: bytes) -> None:
        for kind, body in _CMAP_BLOCK.findall(data):
            tokens = _HEX.findall(body)
            if kind == b"codespacerange":
                if tokens:
                    self.width = max(1, len(_hex(tokens[0][0])))
                continue
            step = 2 if kind == b"bfchar" else 3
            for i in range(0, len(tokens) - step + 1, step):
                if kind == b"bfchar":
                    self.map[_hex(tokens[i][0])] = _utf16(_hex(tokens[i + 1][0]))
                    continue
                low, high = _hex(tokens[i][0]), _hex(tokens[i + 1][0])
                start, count = int.from_bytes(low, "big"), int.from_bytes(high, "big")
                if tokens[i + 2][1]:  # an array: one value per code
                    values = [_utf16(_hex(v)) for v in re.findall(rb"<([^>]*)>", tokens[i + 2][1])]
                    for offset, value in enumerate(values[:count - start + 1]):
                        self.map[(start + offset).to_bytes(len(low), "big")] = value
                    continue
                first = _hex(tokens[i + 2][0])
                base = int.from_bytes(first, "big")
                for offset in range(count - start + 1):
                    self.map[(start + offset).to_bytes(len(low), "big")] = \
                        _utf16((base + offset).to_bytes(len(first), "big"))
        self.table.update({int.from_bytes(code, "big"): text for code, text in self.map.items()})

    def codes(self, data: bytes) -> list[bytes]:
        """The codes a string shows, one per glyph."""
        return [data[i:i + self.width] for i in range(0, len(data) - self.width + 1, self.width)]

    def text(self, code: bytes) -> str:
        if not self.map:
            return code.decode("latin-1")
        return self.map.get(code, "\ufffd")

    def decode(self, data: bytes) -> str:
        if self.width == 2:  # each code becomes the character of its number, then its text
            codes = array.array("H", data[:len(data) // 2 * 2])
            if sys.byteorder == "little":
                codes.byteswap()
            shown = "".join(map(chr, codes))
        elif self.width == 1:
            shown = data.decode("latin-1")
        else:
            return "".join(self.text(code) for code in self.codes(data))
        return shown.translate(self.table) if self.map else shown


class _Table(dict[int, str]):
    """A translation table in which a code without a mapping reads as U+FFFD."""

    def __missing__(self, key: int) -> str:
        return "\ufffd"


def _hex(token: bytes) -> bytes:
    digits = re.sub(rb"\s", b"", token)
    if len(digits) % 2:
        digits += b"0"
    return bytes.fromhex(digits.decode("ascii"))


def _utf16(data: bytes) -> str:
    return data.decode("utf-16-be", errors="replace")


def text_string(value: Any) -> str:
    """A PDF text string (UTF-16BE with a byte order mark, UTF-8 with one, or PDFDocEncoding)."""
    if isinstance(value, str):
        return value
    data = bytes(value)
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be", errors="replace")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    return str(value)


# -- marked content ----------------------------------------------------------------------------
@dataclass
class Sequence:
    """One marked-content sequence (BMC or BDC … EMC)."""

    tag: str  # without the slash: "Span", "P", "Artifact"…
    mcid: int | None
    properties: Any  # the property list (a dictionary), or None
    parent: Sequence | None
    form: str | None  # the form XObject it lies in (its resource name), None on the page itself
    pieces: list[str] = field(default_factory=list)  # text shown, and nested sequences' text

    @property
    def actual_text(self) -> str | None:
        if self.properties is None or "/ActualText" not in self.properties:
            return None
        return text_string(self.properties["/ActualText"])

    @property
    def text(self) -> str:
        """What a reader extracts: the /ActualText if there is one, else the text shown."""
        actual = self.actual_text
        return actual if actual is not None else "".join(self.pieces)

    def inside(self, tag: str) -> bool:
        """Whether this sequence lies (at any depth) inside a sequence with this tag."""
        node = self.parent
        while node is not None:
            if node.tag == tag:
                return True
            node = node.parent
        return False


@dataclass
class PageContent:
    sequences: list[Sequence]  # every sequence, in the order they begin
    unmarked: list[str]  # painting operators used outside any marked content (with the form)

    @functools.cached_property
    def by_mcid(self) -> dict[int, Sequence]:
        """The page's own sequences by MCID (those in forms have no place in its numbering)."""
        return {s.mcid: s for s in self.sequences if s.mcid is not None and s.form is None}


class ContentReader:
    """Reads content streams into :class:`PageContent`, keeping one font decoder per font."""

    def __init__(self, pdf: pikepdf.Pdf, forms: bool = True) -> None:
        self.pdf = pdf
        self.forms = forms  # read the content of form XObjects where they are painted
        self.decoders: dict[tuple[int, int], FontDecoder] = {}

    def decoder(self, font: Any) -> FontDecoder:
        key = font.objgen if isinstance(font, pikepdf.Object) and font.is_indirect else (id(font), 0)
        if key not in self.decoders:
            self.decoders[key] = FontDecoder(font)
        return self.decoders[key]

    def read(self, stream: Any, resources: Any, open_: list[Sequence], content: PageContent,
             form: str | None, depth: int = 0, instructions: list[Any] | None = None) -> None:
        fonts = resources.get("/Font", {}) if resources is not None else {}
        xobjects = resources.get("/XObject", {}) if resources is not None else {}
        properties = resources.get("/Properties", {}) if resources is not None else {}
        decoder: FontDecoder | None = None
        base = len(open_)
        parsed = instructions if instructions is not None else \
            pikepdf.parse_content_stream(stream)
        for instruction in parsed:
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                if not open_:
                    content.unmarked.append(f"inline image in {form}" if form else "inline image")
                continue
            op = str(instruction.operator)
            if op in ("BDC", "BMC"):
                operands = instruction.operands
                props = operands[1] if op == "BDC" and len(operands) > 1 else None
                if isinstance(props, pikepdf.Name):  # a named property list in the resources
                    props = properties.get(str(props))
                mcid = props.get("/MCID") if isinstance(props, pikepdf.Dictionary) else None
                sequence = Sequence(str(operands[0])[1:], int(mcid) if mcid is not None else None,
                                    props, open_[-1] if open_ else None, form)
                content.sequences.append(sequence)
                open_.append(sequence)
            elif op == "EMC":
                if len(open_) > base:
                    done = open_.pop()
                    if done.parent is not None:
                        done.parent.pieces.append(done.text)
            elif op == "Tf":
                operands = instruction.operands
                decoder = self.decoder(fonts.get(str(operands[0]))) if operands else None
            elif op in TEXT_OPERATORS:
                if not open_:
                    content.unmarked.append(f"{op} in {form}" if form else op)
                elif decoder is not None:
                    open_[-1].pieces.append(decoder.decode(_shown(instruction)))
            elif op == "Do":
                operands = instruction.operands
                xobject = xobjects.get(str(operands[0])) if operands else None
                is_form = xobject is not None and xobject.get("/Subtype") == "/Form"
                if not open_:
                    kind = "form" if is_form else "image"
                    content.unmarked.append(f"Do ({kind} {operands[0]}" +
                                            (f" in {form})" if form else ")"))
                if is_form and xobject is not None and depth < 12 and self.forms:
                    self.read(xobject, xobject.get("/Resources", resources), open_, content,
                              str(operands[0]), depth + 1)
            elif op in PAINT_OPERATORS and not open_:
                content.unmarked.append(f"{op} in {form}" if form else op)
        while len(open_) > base:  # an unbalanced stream: close what it left open
            open_.pop()


_STRING = re.compile(rb"<([0-9A-Fa-f\s]*)>|\(((?:\\[0-7]{1,3}|\\.|[^\\)])*)\)", re.S)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _literal(body: bytes) -> bytes:
    """A PDF literal string's bytes (the syntax of ISO 32000-1, 7.3.4.2; qpdf writes its
    parentheses escaped)."""
    def unescape(match: re.Match[bytes]) -> bytes:
        code = match[1]
        if code[:1].isdigit():
            return bytes([int(code, 8) & 0xFF])
        return _ESCAPES.get(code, b"" if code in (b"\n", b"\r") else code)

    return _ESCAPE.sub(unescape, body)


def _shown(instruction: Any) -> bytes:
    """The bytes a text-showing instruction shows (a TJ array's strings joined)."""
    operands = instruction.operands
    if str(instruction.operator) != "TJ":
        return bytes(operands[-1])
    # One call to write the array out, rather than one Python object per glyph and kerning
    syntax = operands[0].unparse()
    shown = []
    for match in _STRING.finditer(syntax):
        if match[1] is not None:
            digits = re.sub(rb"\s", b"", match[1])
            shown.append(bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii")))
        else:
            shown.append(_literal(match[2]))
    return b"".join(shown)


def read_page(pdf: pikepdf.Pdf, page: pikepdf.Page, reader: ContentReader | None = None,
              instructions: list[Any] | None = None) -> PageContent:
    """Every marked-content sequence of one page and what is painted outside them
    (``instructions``: the page's content stream already parsed)."""
    content = PageContent([], [])
    (reader or ContentReader(pdf)).read(page, page.obj.get("/Resources"), [], content, None,
                                        instructions=instructions)
    return content


def read_pages(pdf: pikepdf.Pdf, forms: bool = True) -> list[PageContent]:
    """Every page's marked content; without ``forms``, what form XObjects hold is not read
    (faster, for what needs only the pages' own marked content)."""
    reader = ContentReader(pdf, forms)
    return [read_page(pdf, page, reader) for page in pdf.pages]


# -- structure -----------------------------------------------------------------------------------
@dataclass
class Element:
    """One structure element reachable from the structure tree root."""

    obj: Any  # the pikepdf dictionary
    parent: Element | None
    kind: str  # the structure type, without the slash ("P", "Link"…)
    children: list[Element] = field(default_factory=list)
    mcids: list[tuple[int | None, int]] = field(default_factory=list)  # (page index, MCID)
    annotations: list[Any] = field(default_factory=list)  # annotation dictionaries (via OBJR)
    order: list[Any] = field(default_factory=list)  # kids in order: Element, (page, mcid), annot

    @property
    def lang(self) -> str | None:
        """The element's language: its own /Lang or the nearest ancestor's (None: the document's)."""
        node: Element | None = self
        while node is not None:
            if "/Lang" in node.obj:
                return str(node.obj["/Lang"])
            node = node.parent
        return None

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            yield from child.walk()

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def attribute(self, key: str, owner: str | None = None) -> Any:
        """An attribute from the element's /A (one dictionary or an array of them)."""
        attrs = self.obj.get("/A")
        for attr in attrs if isinstance(attrs, pikepdf.Array) else [attrs] if attrs else []:
            if isinstance(attr, pikepdf.Dictionary) and key in attr and (
                    owner is None or attr.get("/O") == owner):
                return attr[key]
        return None


class StructTree:
    """The structure tree of a tagged PDF, read once.

    ``roots`` are the elements directly under /StructTreeRoot; ``elements`` every reachable one in
    document order; ``pages`` maps a page dictionary's object id to its index, so that an
    element's marked content is located by page.
    """

    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pdf = pdf
        self.root = pdf.Root.get("/StructTreeRoot")
        self.pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
        self.roots: list[Element] = []
        self.elements: list[Element] = []
        self.by_objgen: dict[tuple[int, int], Element] = {}
        if self.root is None:
            return
        for kid in _kids(self.root):
            if isinstance(kid, pikepdf.Dictionary):
                self.roots.append(self._read(kid, None, None))

    def _read(self, obj: Any, parent: Element | None, page: int | None) -> Element:
        kind = str(obj.get("/S", "/?"))[1:]
        element = Element(obj, parent, kind)
        if obj.is_indirect:
            if obj.objgen in self.by_objgen:  # a cycle or an element listed twice
                return self.by_objgen[obj.objgen]
            self.by_objgen[obj.objgen] = element
        self.elements.append(element)
        page = self._page(obj, page)
        for kid in _kids(obj):
            if isinstance(kid, int):
                element.mcids.append((page, int(kid)))
                element.order.append((page, int(kid)))
            elif isinstance(kid, pikepdf.Dictionary):
                kind_of_kid = kid.get("/Type")
                if kind_of_kid == "/MCR":
                    entry = (self._page(kid, page), int(kid["/MCID"]))
                    element.mcids.append(entry)
                    element.order.append(entry)
                elif kind_of_kid == "/OBJR":
                    element.annotations.append(kid["/Obj"])
                    element.order.append(kid["/Obj"])
                else:
                    child = self._read(kid, element, page)
                    element.children.append(child)
                    element.order.append(child)
        return element

    def _page(self, obj: Any, default: int | None) -> int | None:
        page = obj.get("/Pg")
        if page is None:
            return default
        return self.pages.get(page.objgen, default)

    def page_of(self, element: Element) -> int | None:
        """The page an element lies on: its /Pg, else that of its first marked content."""
        page = self._page(element.obj, None)
        if page is None:
            page = next((p for node in element.walk() for p, _ in node.mcids if p is not None),
                        None)
        return page


def _kids(obj: Any) -> list[Any]:
    kids = obj.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def element_text(element: Element, pages: list[PageContent]) -> str:
    """The text an element's marked content shows, in order, children included (the element's own
    /ActualText or /Alt is not applied: the caller decides)."""
    parts: list[str] = []
    for item in element.order:
        if isinstance(item, Element):
            actual = item.obj.get("/ActualText")
            parts.append(text_string(actual) if actual is not None else element_text(item, pages))
        elif isinstance(item, tuple):
            page, mcid = item
            sequence = pages[page].by_mcid.get(mcid) if page is not None else None
            if sequence is not None:
                parts.append(sequence.text)
    return "".join(parts)


def link_target(annotation: Any) -> str:
    """Where a link annotation goes: its destination's name, or its URI."""
    dest = annotation.get("/Dest")
    action = annotation.get("/A")
    if dest is None and action is not None:
        dest = action.get("/D", action.get("/URI"))
    return text_string(dest) if isinstance(dest, pikepdf.String) else str(dest or "")
