"""The back cover's barcode: an ISBN as an EAN-13 symbol (Bookland), drawn as vector SVG.

Input: an ISBN-13 (hyphens allowed) and the font family for the digits.
Output: an SVG string to place inline in the HTML, at its printed size, and the decoded digits as a
check (:func:`decode`).

The bars come from python-barcode (its ``EAN13`` encoder and ``SVGWriter``: rectangles, no
raster), at the GS1 General Specifications' nominal size for a retail book (magnification 100 %):
module (X) 0.33 mm, bars 22.85 mm high, guard bars longer, a white background that keeps the
quiet zones clear on a coloured cover (11 X on the left, the writer gives 11 X on the right
where 7 X is the minimum). The human-readable digits are drawn here rather than by the writer,
which leaves the font to the engine's default: GS1 places the first digit in the left quiet zone
and the two groups of six under their halves, with «>» in the right quiet zone of an ISBN, in the
report's own font. The ISBN's check digit is verified before drawing, and the drawn bars are read
back (:func:`decode`) and compared with the ISBN: a symbol that would not scan is never printed.
"""

from __future__ import annotations

import io
import re
from xml.etree import ElementTree

from .errors import ConfigError

X_MM = 0.33  # GS1 nominal module width for EAN-13 (magnification 100 %)
BAR_MM = 22.85  # nominal bar height
QUIET_LEFT = 11  # modules
QUIET_RIGHT = 7
TOP_MM = 1.0  # python-barcode's margin above the bars
DIGITS_PT = 8.5  # the human-readable line, OCR-B size at 100 % is about 2.75 mm

_L = ["0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011",
      "0110111", "0001011"]
_G = ["".join("1" if b == "0" else "0" for b in code)[::-1] for code in _L]
_R = ["".join("1" if b == "0" else "0" for b in code) for code in _L]
_PARITY = ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG",
           "LGLGGL", "LGGLGL"]


def digits(isbn: str) -> str:
    return "".join(c for c in isbn if c.isdigit())


def check_digit(first12: str) -> int:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first12))
    return (10 - total % 10) % 10


def ean13_svg(isbn: str, font_family: str = "sans-serif") -> str:
    """The EAN-13 symbol of ``isbn`` as inline SVG (no XML declaration), sized in millimetres."""
    from barcode import EAN13
    from barcode.writer import SVGWriter

    code = digits(isbn)
    if len(code) != 13 or not code.startswith(("978", "979")) \
            or check_digit(code[:12]) != int(code[12]):
        raise ConfigError("not a valid ISBN-13 (prefix 978 or 979 and its check digit)",
                          value=isbn, hint="check the number BAnQ assigned")
    writer = SVGWriter()
    writer.with_doctype = False
    buffer = io.BytesIO()
    symbol = EAN13(code[:12], writer=writer, guardbar=True)
    symbol.write(buffer, options={"module_width": X_MM, "module_height": BAR_MM,
                                  "quiet_zone": QUIET_LEFT * X_MM, "write_text": False,
                                  "background": "white", "foreground": "black", "dpi": 300})
    svg = buffer.getvalue().decode("utf-8")
    if decode(svg) != code:
        raise ConfigError("the barcode drawn does not read back as the ISBN", value=isbn,
                          hint="report this as a bug of python-barcode's EAN-13 writer")
    return _with_digits(svg, code, font_family)


def _bars(svg: str) -> list[tuple[float, float, float, float]]:
    """(x, y, width, height) in millimetres of every black rectangle of the writer's SVG."""
    root = ElementTree.fromstring(re.sub(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>", "", svg).strip())
    bars = []
    for rect in root.iter("{http://www.w3.org/2000/svg}rect"):
        if "black" not in rect.get("style", "") + rect.get("fill", ""):
            continue
        x, y, width, height = (float(rect.get(k, "0").removesuffix("mm"))
                               for k in ("x", "y", "width", "height"))
        bars.append((x, y, width, height))
    return sorted(bars)


def _with_digits(svg: str, code: str, font_family: str) -> str:
    """The writer's bars in a symbol of the printed size (millimetres as user units), on white,
    with the digits placed as GS1 places them."""
    bars = _bars(svg)
    left = QUIET_LEFT * X_MM
    width = left + 95 * X_MM + QUIET_RIGHT * X_MM + X_MM
    text_mm = DIGITS_PT * 25.4 / 72
    height = TOP_MM + BAR_MM + text_mm + 0.8
    shift = left - bars[0][0]  # the writer's own left margin, made ours
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.3f}mm" '
             f'height="{height:.3f}mm" viewBox="0 0 {width:.3f} {height:.3f}" role="img" '
             f'aria-label="EAN-13 {code}">', f"<title>EAN-13 {code}</title>",
             f'<rect x="0" y="0" width="{width:.3f}" height="{height:.3f}" fill="white"/>']
    guard = BAR_MM + 5 * X_MM  # GS1: guard bars reach 5 X below the others
    for x, y, w, h in bars:
        h = min(h, guard)
        parts.append(f'<rect x="{x + shift:.3f}" y="{y:.3f}" width="{w:.3f}" height="{h:.3f}" '
                     'fill="black"/>')
    y = TOP_MM + BAR_MM + text_mm * 0.85
    style = (f'font-family="{font_family}" font-size="{text_mm:.3f}" fill="black" '
             'text-anchor="middle"')
    half = 42 * X_MM
    for x, text in ((left - 4 * X_MM, code[0]), (left + 3 * X_MM + half / 2, code[1:7]),
                    (left + 50 * X_MM + half / 2, code[7:]), (left + 99 * X_MM, "&gt;")):
        parts.append(f'<text x="{x:.3f}" y="{y:.3f}" {style}>{text}</text>')
    parts.append("</svg>")
    return "".join(parts)


def decode(svg: str) -> str:
    """Read an EAN-13 symbol back from its SVG bars: the 13 digits, or "" if it does not read
    (a wrong width, a wrong parity pattern or a wrong check digit)."""
    bars = _bars(svg)
    if not bars:
        return ""
    start = bars[0][0]
    modules = [0] * 95
    for x, _y, width, _h in bars:
        first = round((x - start) / X_MM)
        for m in range(first, first + round(width / X_MM)):
            if not 0 <= m < 95:
                return ""
            modules[m] = 1
    bits = "".join(map(str, modules))
    if bits[:3] != "101" or bits[45:50] != "01010" or bits[92:] != "101":
        return ""
    left = [bits[3 + 7 * i: 10 + 7 * i] for i in range(6)]
    right = [bits[50 + 7 * i: 57 + 7 * i] for i in range(6)]
    parity, out = "", ""
    for chunk in left:
        if chunk in _L:
            parity, out = parity + "L", out + str(_L.index(chunk))
        elif chunk in _G:
            parity, out = parity + "G", out + str(_G.index(chunk))
        else:
            return ""
    if parity not in _PARITY or any(chunk not in _R for chunk in right):
        return ""
    code = str(_PARITY.index(parity)) + out + "".join(str(_R.index(c)) for c in right)
    return code if check_digit(code[:12]) == int(code[12]) else ""
