"""Regenerate the visual regression references: ``python tools/visual_refs.py``.

Builds the French screen edition (strict, without the cache) into a temporary folder and writes one
small PNG per key page to ``tests/visual/`` (see :data:`PAGES`). ``tests/test_visual.py`` compares
the pages of every test build with these pictures. Run this only when the look of the report changes
on purpose, look at the new pictures, and commit them with the change that explains them.

The helpers here (which page, how it is rendered, how two renderings are compared) are the ones the
tests use, so that references and checks cannot drift apart.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageChops

ROOT = Path(__file__).resolve().parent.parent
REFERENCES = ROOT / "tests" / "visual"
DIFFS = REFERENCES / "diff"  # ignored by git: written when a comparison fails
SCALE = 0.4  # 72 dpi × 0.4: a letter page is 245 × 317 pixels
# name → (language, anchor): the page that shows the element with that id (None: the cover)
PAGES: dict[str, tuple[str, str | None]] = {
    "cover-fr": ("fr", None),
    "chart-fr": ("fr", "fig-tools-overview"),
    "case-fr": ("fr", "cases-cooperative-alimentaire"),
}
# A pixel differs when a channel moves by more than PIXEL_TOLERANCE (anti-aliasing stays below);
# a page differs when more than AREA_TOLERANCE of its pixels do (a moved word is far above).
PIXEL_TOLERANCE = 40
AREA_TOLERANCE = 0.002


def page_index(pdf: Path, anchor: str | None) -> int:
    """The 0-based index of the page holding the element ``anchor`` (its named destination)."""
    if anchor is None:
        return 0
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    destinations = reader.named_destinations
    if anchor not in destinations:
        raise KeyError(f"{pdf.name} has no destination #{anchor}")
    return reader.get_destination_page_number(destinations[anchor])


def render(pdf: Path, anchor: str | None) -> Image.Image:
    """The page holding ``anchor``, rendered at :data:`SCALE` in RGB."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        return document[page_index(pdf, anchor)].render(scale=SCALE).to_pil().convert("RGB")
    finally:
        document.close()


def compare(actual: Image.Image, expected: Image.Image) -> tuple[float, Image.Image | None]:
    """The share of pixels that differ beyond the tolerance, and an image that shows them (None if
    the sizes differ, which is a difference of its own)."""
    if actual.size != expected.size:
        return 1.0, None
    delta = ImageChops.difference(actual, expected)
    mask = delta.convert("L").point(lambda v: 255 if v > PIXEL_TOLERANCE else 0)
    changed = mask.histogram()[255] / (actual.width * actual.height)
    # The difference image: the expected page faded, with the changed pixels in red.
    faded = Image.blend(expected, Image.new("RGB", expected.size, "white"), 0.7)
    faded.paste(Image.new("RGB", expected.size, (220, 0, 0)), mask=mask)
    return changed, faded


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from report.build import BuildOptions, build
    from report.diagnostics import Diagnostics

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        result = build(BuildOptions(root=ROOT, out_dir=out, languages=("fr",),
                                    editions=("screen",), cache_dir=None),
                       Diagnostics(strict=True))
        pdf = out / result.outputs[0].filename
        REFERENCES.mkdir(parents=True, exist_ok=True)
        for name, (_lang, anchor) in PAGES.items():
            path = REFERENCES / f"{name}.png"
            render(pdf, anchor).save(path, optimize=True)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
