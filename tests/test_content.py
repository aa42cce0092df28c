"""Content of both languages: same structure, clean numbers, every case and exhibit in place."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from helpers import run_stage

from report.build import assemble
from report.config import load_config
from report.content import load_content
from report.errors import ContentError, ReportError
from report.templates import EXHIBIT_SLOT

ROOT = Path(__file__).resolve().parent.parent


def _content(project: Path):
    config = run_stage(load_config, project)
    return run_stage(load_content, config.paths, config.structure, config.languages)


@pytest.fixture(scope="module")
def documents(inputs):
    """Both languages' documents, assembled as the build does (charts are not drawn)."""
    return {lang: assemble(inputs, lang, charts={}) for lang in ("fr", "en")}


def test_case_profiles_use_the_survey_codes_and_labels(inputs, documents):
    """A case's region is named as the codebook names it (as in the charts and tables), its legal
    form in full from the interface strings; both languages describe the same enterprise."""
    codebook = inputs.stats.codebook
    cases = {lang: [s for c in documents[lang].chapters for s in c.sections if s.kind == "case"]
             for lang in ("fr", "en")}
    assert len(cases["fr"]) == len(cases["en"]) >= 10
    for lang, sections in cases.items():
        for case in sections:
            meta = case.meta
            assert meta["region_label"] == codebook.level_label("region", meta["region"], lang)
            assert meta["legal_form_label"] == \
                inputs.config.strings[lang][f"case_legal_form_{meta['legal_form']}"]
    assert {c.meta["legal_form_label"] for c in cases["fr"]} == {
        "Coopérative", "Organisme à but non lucratif (OBNL)"}


def _outline(document):
    sections = [(s.kind, s.number) for s in document.front]
    for chapter in document.chapters:
        sections.append((chapter.opener.kind, chapter.opener.number))
        sections += [(s.kind, s.number) for s in chapter.sections]
    sections += [(s.kind, s.number) for s in document.appendices]
    return sections


def test_both_languages_have_the_same_structure(documents):
    fr, en = documents["fr"], documents["en"]
    assert _outline(fr) == _outline(en)
    assert [(f.id, f.number) for f in fr.figures] == [(f.id, f.number) for f in en.figures]
    assert [(t.id, t.number) for t in fr.tables] == [(t.id, t.number) for t in en.tables]
    assert len(fr.figures) >= 10 and len(fr.tables) >= 5


def test_thirteen_cases_render_with_their_profile(documents, pdf_text):
    for lang, document in documents.items():
        cases = [s for c in document.chapters for s in c.sections if s.kind == "case"]
        assert len(cases) == 13
        assert [c.meta["order"] for c in cases] == list(range(1, 14))
        text = " ".join(pdf_text[lang])
        for case in cases:
            assert case.html.count("<h4") == 4, case.id
            assert case.title.split()[0] in text


def test_same_shortcodes_in_both_languages():
    pattern = re.compile(r"\{\{\s*([a-z_]+)\s+([^}]*)\}\}")
    for fr_file in sorted((ROOT / "data" / "content" / "fr").rglob("*.md")):
        en_file = ROOT / "data" / "content" / "en" / fr_file.relative_to(
            ROOT / "data" / "content" / "fr")
        fr_codes = sorted(pattern.findall(fr_file.read_text("utf-8")))
        en_codes = sorted(pattern.findall(en_file.read_text("utf-8")))
        assert fr_codes == en_codes, fr_file.name


BAD_FRENCH = [
    (re.compile(r"\d%"), "percent without its space"),
    (re.compile(r"\d\.\d"), "decimal point"),
    (re.compile(r"\d,\d{3}\b"), "comma as thousands separator"),
    (re.compile(r"\$\s?\d"), "dollar sign before the amount"),
]


def test_no_badly_formatted_number_in_french(documents):
    """Prose, tables and notes of the French edition: no «71%», «12.5», «1,200» or «$5»."""
    document = documents["fr"]
    parts = [s.html for s in document.front]
    for chapter in document.chapters:
        parts += [chapter.opener.html, *(s.html for s in chapter.sections)]
    parts += [s.html for s in document.appendices]
    for item in [*document.figures, *document.tables]:
        data = item.data
        parts += [c.text for row in data.cells for c in row]
        parts += [data.base_note, data.source, *data.notes, data.alt]
    text = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(
        r'<a class="xref[^"]*"[^>]*>.*?</a>', " ", "\n".join(parts))))
    text = re.sub(r"\b2\.0\b", "", text)  # «Économie sociale 2.0», «PME 2.0»
    assert "94\u00a0%" in text
    for pattern, what in BAD_FRENCH:
        found = pattern.findall(text)
        assert not found, f"{what}: {found[:5]}"


def test_only_references_to_another_part_carry_a_page_number(documents):
    """«figure 1.3» when the figure is in the section being read; «annexe A, p. 88» otherwise."""
    for document in documents.values():
        homes = {}
        sections = [s for c in document.chapters for s in [c.opener, *c.sections]]
        sections += document.front + document.appendices
        for section in sections:
            for key in EXHIBIT_SLOT.findall(section.html):
                homes.setdefault(key, section.id)
        near = far = 0
        for section in sections:
            for css, key in re.findall(r'<a class="(xref[^"]*)" href="#([^"]+)"', section.html):
                same = homes.get(key, key) == section.id
                assert (css == "xref") == same, (document.lang, section.id, key, css)
                near, far = near + same, far + (not same)
        assert near >= 10 and far >= 3, (near, far)


def test_every_exhibit_is_referred_to(documents):
    for document in documents.values():
        html = "".join(s.html for c in document.chapters for s in [c.opener, *c.sections])
        html += "".join(s.html for s in document.appendices)  # the methodology's weighting table
        for item in [*document.figures, *document.tables]:
            assert f'href="#{item.id}"' in html, item.id


def test_missing_translation_of_a_content_file_fails(project):
    (project / "data" / "content" / "en" / "conclusion.md").unlink()
    (project / "data" / "content" / "fr" / "cases" / "extra.md").write_text(
        "---\ntitle: X\n---\n", "utf-8")
    with pytest.raises(ReportError) as info:
        _content(project)
    message = str(info.value)
    assert "conclusion.md" in message and "exists in fr but not in en" in message
    assert "extra.md" in message


def test_bad_front_matter_names_file_and_line(project):
    page = project / "data" / "content" / "fr" / "uses.md"
    page.write_text("---\ntitle: [unclosed\n---\nText\n", "utf-8")
    with pytest.raises(ContentError) as info:
        _content(project)
    assert info.value.file.endswith("uses.md") and info.value.line == 2


def test_bom_and_crlf_are_accepted(project):
    page = project / "data" / "content" / "fr" / "uses.md"
    text = page.read_text("utf-8")
    page.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    content = _content(project)
    assert content.pages["fr"]["uses"].title


def test_undecodable_bytes_after_a_byte_order_mark_are_located(tmp_path):
    """Line, column and bytes count from after the byte-order mark (the decoder strips it)."""
    from report.sources import read_text

    path = tmp_path / "page.md"
    path.write_bytes(b"\xef\xbb\xbfab\nc\xe9d\n")
    with pytest.raises(ContentError) as caught:
        read_text(path, ContentError, root=tmp_path)
    assert (caught.value.line, caught.value.column, caught.value.value) == (2, 2, b"\xe9")
