"""The print edition's raster images, read from the finished PDF: resolution and colour.

Input: the bytes of a written PDF, the raster files the engine was served (to name the images),
and the resolution a printer needs (300 dpi).
Output: one message per problem, e.g. ``page 3: raster image photo.png (100 × 100 px) prints at
50 dpi (at least 300 needed)`` or ``page 3: raster image photo.png (100 × 100 px) is RGB, not
CMYK``. Nothing is changed.

The check reads the file as any PDF reader would, through pikepdf: each page's content stream is
parsed, the current transformation matrix is followed through ``q``, ``Q`` and ``cm`` (into form
XObjects, with their ``/Matrix``, and into tiling patterns painted with ``scn``), and each image
XObject drawn with ``Do`` is measured where it lands: its pixel size against the size it is drawn
at, in points (72 to the inch). An image drawn twice is measured at each place. The colour space
is the image's own: DeviceGray, DeviceCMYK, an ICC profile of 1 or 4 components, an indexed
palette on one of those, and a stencil mask pass; anything else (RGB, Lab) is reported.

It needs nothing from WeasyPrint's internals (it used to walk WeasyPrint's private layout boxes).
Pages that draw no image at all are not parsed.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

RASTER_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff"})
_PRINTABLE_SPACES = {"/DeviceGray": "grey", "/DeviceCMYK": "CMYK", "/CalGray": "grey"}
_SPACE_NAMES = {"/DeviceRGB": "RGB", "/CalRGB": "RGB", "/Lab": "Lab", "/DeviceN": "DeviceN",
                "/Separation": "a separation"}
_ICC_COMPONENTS = {1: None, 3: "RGB", 4: None}


def raster_problems(data: bytes, served: Iterable[Path] = (), min_dpi: float = 300) -> list[str]:
    """Every raster image of the PDF ``data`` drawn under ``min_dpi`` or not in CMYK or grey."""
    import pikepdf

    names = _names_by_size(served)
    problems: list[str] = []
    with pikepdf.Pdf.open(io.BytesIO(data)) as pdf:
        walker = _Walker(pikepdf, names, min_dpi)
        for number, page in enumerate(pdf.pages, 1):
            resources = page.obj.get("/Resources")
            if not walker.has_images(resources):
                continue
            walker.walk(page.obj, resources, pikepdf.Matrix(), number)
        problems = list(dict.fromkeys(walker.problems))
    return problems


def _names_by_size(served: Iterable[Path]) -> dict[tuple[int, int], list[str]]:
    """The raster files the engine read, by pixel size (a PDF keeps no file names)."""
    from PIL import Image

    names: dict[tuple[int, int], list[str]] = {}
    for path in dict.fromkeys(served):
        if path.suffix.lower() not in RASTER_SUFFIXES:
            continue
        try:
            with Image.open(path) as image:
                names.setdefault(image.size, []).append(path.name)
        except Exception:  # the fetcher refused it already, or it changed since
            continue
    return names


class _Walker:
    """Follows the transformation matrix through content streams and measures each image."""

    def __init__(self, pikepdf: Any, names: dict[tuple[int, int], list[str]],
                 min_dpi: float) -> None:
        self.pikepdf = pikepdf
        self.names = names
        self.min_dpi = min_dpi
        self.problems: list[str] = []
        self._has_images: dict[tuple[int, int], bool] = {}

    # -- which resources hold images ----------------------------------------------------------
    def has_images(self, resources: Any, depth: int = 0) -> bool:
        if resources is None or depth > 16:
            return False
        pikepdf = self.pikepdf
        for category in ("/XObject", "/Pattern"):
            group = resources.get(category)
            if not isinstance(group, pikepdf.Dictionary):
                continue
            for _name, item in group.items():
                if self._holds_image(item, depth):
                    return True
        return False

    def _holds_image(self, item: Any, depth: int) -> bool:
        pikepdf = self.pikepdf
        if not isinstance(item, pikepdf.Stream):
            return False
        key = item.objgen
        if key != (0, 0) and key in self._has_images:
            return self._has_images[key]
        if item.get("/Subtype") == pikepdf.Name.Image:
            found = True
        else:  # a form XObject or a tiling pattern: its own resources
            found = self.has_images(item.get("/Resources"), depth + 1)
        if key != (0, 0):
            self._has_images[key] = found
        return found

    # -- drawing ------------------------------------------------------------------------------
    def walk(self, stream: Any, resources: Any, base: Any, page: int,
             depth: int = 0) -> None:
        """Follow one content stream drawn with ``base`` as its initial matrix."""
        if depth > 16:
            return
        pikepdf = self.pikepdf
        ctm, saved = base, []
        for operands, operator in pikepdf.parse_content_stream(stream):
            op = str(operator)
            if op == "q":
                saved.append(ctm)
            elif op == "Q":
                ctm = saved.pop() if saved else base
            elif op == "cm" and len(operands) == 6:
                ctm = pikepdf.Matrix(*(float(v) for v in operands)) @ ctm
            elif op == "Do" and operands:
                self._draw(resources, "/XObject", operands[0], ctm, page, depth)
            elif op in ("scn", "SCN") and operands and \
                    isinstance(operands[-1], pikepdf.Name):
                # A tiling pattern's cells are drawn in the pattern's space: its /Matrix maps
                # it onto this stream's initial space, whatever the matrix is when it is painted.
                self._draw(resources, "/Pattern", operands[-1], base, page, depth)

    def _draw(self, resources: Any, category: str, name: Any, ctm: Any, page: int,
              depth: int) -> None:
        pikepdf = self.pikepdf
        group = resources.get(category) if resources is not None else None
        item = group.get(name) if isinstance(group, pikepdf.Dictionary) else None
        if not isinstance(item, pikepdf.Stream):
            return
        if item.get("/Subtype") == pikepdf.Name.Image:
            self._measure(item, ctm, page)
        elif self._holds_image(item, depth):
            matrix = item.get("/Matrix")
            own = pikepdf.Matrix(*(float(v) for v in matrix)) if matrix is not None \
                else pikepdf.Matrix()
            inner = item.get("/Resources", resources)
            self.walk(item, inner, own @ ctm, page, depth + 1)

    def _measure(self, image: Any, ctm: Any, page: int) -> None:
        width_px, height_px = int(image.get("/Width", 0)), int(image.get("/Height", 0))
        if not width_px or not height_px:
            return
        # The image fills the unit square of its matrix: its sides are the matrix's two rows.
        width_in = math.hypot(ctm.a, ctm.b) / 72
        height_in = math.hypot(ctm.c, ctm.d) / 72
        if width_in <= 0 or height_in <= 0:
            return
        candidates = self.names.get((width_px, height_px))
        name = f"{' or '.join(candidates)} " if candidates else ""
        label = f"raster image {name}({width_px} × {height_px} px)"
        dpi = min(width_px / width_in, height_px / height_in)
        if dpi < self.min_dpi - 0.5:
            self.problems.append(f"page {page}: {label} prints at {dpi:.0f} dpi (at least "
                                 f"{self.min_dpi:.0f} needed)")
        if image.get("/ImageMask", False):
            return
        space = self._space(image.get("/ColorSpace"))
        if space is not None:
            self.problems.append(f"page {page}: {label} is {space}, not CMYK")

    def _space(self, space: Any) -> str | None:
        """None for a colour space fit for print (grey, CMYK), else its name."""
        pikepdf = self.pikepdf
        if space is None:
            return None  # JPXDecode images carry their own; WeasyPrint writes none
        if isinstance(space, pikepdf.Name):
            text = str(space)
            return None if text in _PRINTABLE_SPACES else _SPACE_NAMES.get(text, text[1:])
        if isinstance(space, pikepdf.Array) and len(space):
            family = str(space[0])
            if family == "/ICCBased" and len(space) > 1:
                components = int(space[1].get("/N", 0))
                return _ICC_COMPONENTS.get(components, f"{components} components")
            if family == "/Indexed" and len(space) > 1:
                return self._space(space[1])
            return None if family in _PRINTABLE_SPACES else _SPACE_NAMES.get(family, family[1:])
        return None
