"""Regenerate the README's pictures from a built PDF: ``python tools/readme_images.py dist/``.

Writes docs/images/cover-fr.png (page 1) and docs/images/chart-page-fr.png (the first page that
shows a figure), rendered with pypdfium2. Run it only when the look of the report changes on purpose.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pypdfium2 as pdfium

ROOT = Path(__file__).resolve().parent.parent


def main(dist: Path) -> None:
    pdf = pdfium.PdfDocument(str(dist / "economie-sociale-2-0-screen.pdf"))
    out = ROOT / "docs" / "images"
    out.mkdir(parents=True, exist_ok=True)
    pdf[0].render(scale=0.75).to_pil().save(out / "cover-fr.png", optimize=True)
    for index in range(len(pdf)):
        text = pdf[index].get_textpage().get_text_range()
        if "Figure\u00a01.2" in text and "Base" in text:
            pdf[index].render(scale=0.75).to_pil().save(out / "chart-page-fr.png", optimize=True)
            break


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "dist")
