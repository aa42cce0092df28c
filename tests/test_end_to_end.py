"""The real report, built once: titles, headings, chart labels, manifest, fonts."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from helpers import run_stage
from pypdf import PdfReader

from report.config import load_config

ROOT = Path(__file__).resolve().parent.parent
CONFIG = run_stage(load_config, ROOT)


def _key(name: str) -> str:
    """Font names compared without punctuation, case or "Regular" (WeasyPrint writes
    "Inter-Semi-Bold" for the face whose PostScript name is "Inter-SemiBold")."""
    return re.sub(r"[^a-z]", "", name.lower()).replace("regular", "")


def _postscript_name(path: Path) -> str:
    with TTFont(path, lazy=True) as font:
        return str(font["name"].getDebugName(6))


VENDORED = {_key(_postscript_name(p)) for p in (ROOT / "styles" / "fonts").rglob("*")
            if p.suffix in (".ttf", ".otf")}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_title_and_chapter_headings(pdf_text, lang):
    text = _squash(" ".join(pdf_text[lang]))
    title = _squash(CONFIG.title[lang]).replace(" : ", " :").split(":")[0]
    assert title.strip() in text
    for chapter in CONFIG.structure.chapters:
        page = (ROOT / "data" / "content" / lang / f"{chapter.id}.md").read_text("utf-8")
        heading = re.search(r"^title:\s*[\"']?(.+?)[\"']?$", page, re.M).group(1)
        words = _squash(heading).split()[:3]
        assert " ".join(words) in text, heading


@pytest.mark.parametrize(("lang", "label"), [("fr", "Suite bureautique"),
                                             ("en", "Office suite")])
def test_chart_label_in_each_language(pdf_text, lang, label):
    chart_pages = [t for t in pdf_text[lang] if ("Figure" in t and label in t)]
    assert chart_pages, f"no page shows the chart label {label!r}"


def test_numbers_follow_each_language(pdf_text):
    fr = " ".join(pdf_text["fr"])
    en = " ".join(pdf_text["en"])
    assert re.search(r"\b94 %", fr.replace("\u00a0", " ")), "French percent with a space"
    assert re.search(r"\b94%", en), "English percent without a space"
    assert not re.search(r"\b\d+%", fr), "French text has a percent without its space"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_apostrophes_are_typographic_everywhere(pdf_text, lang):
    """Prose, chart labels, tables, notes and case profiles: no typewriter apostrophe between two
    letters anywhere in the edition (the codebook's labels are typed with ')."""
    found = [(number, match.group(0)) for number, text in enumerate(pdf_text[lang], 1)
             for match in re.finditer(r"\w+'\w+", text)]
    assert found == []
    assert any("’" in text for text in pdf_text[lang])


def test_manifest_matches_files(built):
    entries = built.manifest["outputs"]
    assert {(e["lang"], e["edition"]) for e in entries} == {("fr", "screen"), ("en", "screen")}
    for entry in entries:
        path = built.out / entry["path"]
        data = path.read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["pages"] == len(PdfReader(path).pages)
        assert entry["theme"] == "default"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_font_is_embedded_and_vendored(built, lang, embedded_fonts):
    seen = embedded_fonts(built.pdf(lang))
    assert seen
    for name, descriptor in seen.items():
        family = _key(name.lstrip("/").split("+", 1)[-1])
        assert family in VENDORED, f"{name} is not a vendored font"
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), name


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_report_is_about_a_hundred_pages(built, lang):
    pages = len(PdfReader(built.pdf(lang)).pages)
    assert 80 <= pages <= 140, pages


def test_no_engine_warnings_under_strict(built):
    assert built.diag.warnings == [] and built.diag.errors == []
