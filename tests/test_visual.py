"""Pixel comparisons of key pages (cover, a chart page, a case study) with committed references.

The references are regenerated only on purpose, by ``python tools/visual_refs.py``. When a page
differs, the test saves the rendering and a difference image (changed pixels in red) to
``tests/visual/diff/``, which git ignores.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("visual_refs", ROOT / "tools" / "visual_refs.py")
assert _spec is not None and _spec.loader is not None
visual_refs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(visual_refs)


@pytest.mark.parametrize("name", sorted(visual_refs.PAGES))
def test_page_matches_reference(built, name):
    lang, anchor = visual_refs.PAGES[name]
    reference = visual_refs.REFERENCES / f"{name}.png"
    assert reference.is_file(), f"missing {reference}: run python tools/visual_refs.py"
    actual = visual_refs.render(built.pdf(lang), anchor)
    with Image.open(reference) as image:
        expected = image.convert("RGB")
    changed, difference = visual_refs.compare(actual, expected)
    if changed > visual_refs.AREA_TOLERANCE:
        visual_refs.DIFFS.mkdir(parents=True, exist_ok=True)
        actual.save(visual_refs.DIFFS / f"{name}-actual.png")
        if difference is not None:
            difference.save(visual_refs.DIFFS / f"{name}-diff.png")
        pytest.fail(f"{name}: {changed:.2%} of the pixels differ from {reference.name} "
                    f"(tolerance {visual_refs.AREA_TOLERANCE:.2%}); see {visual_refs.DIFFS}. "
                    "If the change is intended, run python tools/visual_refs.py")


def test_comparison_catches_a_change_and_tolerates_noise():
    """The comparison itself: a moved block fails, one-level anti-aliasing noise passes."""
    page = Image.new("RGB", (100, 100), "white")
    page.paste(Image.new("RGB", (30, 10), (11, 85, 99)), (10, 10))
    moved = Image.new("RGB", (100, 100), "white")
    moved.paste(Image.new("RGB", (30, 10), (11, 85, 99)), (10, 14))
    noisy = page.point(lambda v: max(0, v - 3))
    assert visual_refs.compare(moved, page)[0] > visual_refs.AREA_TOLERANCE
    assert visual_refs.compare(noisy, page)[0] == 0
    assert visual_refs.compare(page.resize((50, 50)), page)[0] == 1.0
