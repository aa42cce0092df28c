"""PDF/UA: the structure repair (report/pdfua.py) and the structure checker (report/pdfua_check.py).

A small document that has every feature the report's editions have (running heads, a contents
entry with a leader, a footnote, a table with a ▲, a passage in another language, hyphenation,
page numbering) is rendered twice: by WeasyPrint alone, which the checker must fault on every
rule, and through the build's PDF stage, which the checker must pass. Then every real edition
(French, English, bilingual, a partner theme) passes the checker and the two open-source PDF/UA
checkers from PyPI (page-validation, pdfua) as a second opinion.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
from pathlib import Path

import page as page_validation
import pikepdf
import pytest
import weasyprint
from helpers import run_stage
from pdfua import Severity
from pdfua import validate as pdfua_validate

from report.config import load_config
from report.diagnostics import Diagnostics
from report.pdf import render_pdf
from report.pdfcontent import FontDecoder, StructTree, element_text, read_pages
from report.pdfua import Semantics, read_semantics, repair
from report.pdfua_check import Expectations, _guess_language, check, page_labels

ROOT = Path(__file__).resolve().parent.parent
CONFIG = run_stage(load_config, ROOT)
EPOCH = int(_dt.datetime.combine(CONFIG.date, _dt.time(12), _dt.UTC).timestamp())
HIGHER = CONFIG.strings["fr"]["marker_higher"]
EXPECT = Expectations.from_strings(CONFIG.strings)

SMALL = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Essai d’accessibilité</title>
<meta name="author" content="CEFRIO"><meta name="description" content="Un petit document">
<style>
@font-face {{ font-family: Inter; src: url({font}); }}
html {{ font-family: Inter; font-size: 10pt; hyphens: auto; }}
@page {{ size: 110mm 150mm; margin: 16mm 12mm;
  @top-right {{ content: string(head); font-size: 7pt; }}
  @bottom-right {{ content: counter(page); font-size: 7pt; }} }}
@page front {{ @bottom-right {{ content: counter(page, lower-roman); }} }}
@page start {{ counter-reset: page 1; }}
h1 {{ string-set: head content(); font-size: 14pt; }}
.front {{ page: front; }}
.chapter {{ page: start; break-before: page; }}
.toc a {{ display: flex; align-items: flex-end; }}
.toc-leader {{ flex: 1 1 0; height: 1.2pt; margin: 0 1.6mm .3em; background: radial-gradient(
  circle closest-side, #555 62%, #fff 78%) left bottom / 3pt 1.2pt repeat-x; }}
.toc-page::before {{ content: target-counter(attr(data-target), page); }}
.narrow {{ width: 32mm; text-align: justify; }}
.footnote {{ float: footnote; }}
.footnote::footnote-call, .footnote::footnote-marker {{ content: none; }}
</style></head><body>
<section class="front" id="front" data-page-numbering="lower-roman">
<h1>Essai</h1>
<nav class="toc"><a href="#chapter"><span class="toc-text"><span>1</span> Chapitre premier</span><span
class="toc-leader"></span><span class="toc-page" data-target="#chapter"></span></a></nav>
</section>
<section class="chapter" id="chapter" data-page-numbering="decimal">
<h1>Chapitre premier</h1>
<p class="narrow">Les entreprises d’économie sociale utilisent des outils informationnels
et transactionnels extraordinairement diversifiés.</p>
<p lang="en">This paragraph is written in English, and the HTML says so with the lang attribute
of the element that holds it.</p>
<table><thead><tr><th scope="col">Réponse</th><th scope="col">Ensemble</th></tr></thead>
<tbody><tr><th scope="row">Site Web</th><td>45 %<span class="marker" role="img"
aria-label="{higher}">▲</span></td></tr></tbody></table>
<p>Une phrase avec une note<a class="footnote-call" role="doc-noteref" id="footnote-call-1"
href="#footnote-1" title="Note 1">1</a><span class="footnote" role="doc-footnote"
id="footnote-1"><a class="footnote-label" role="doc-backlink" href="#footnote-call-1"
title="Retour au texte de la note 1">1.</a> Le texte de la note.</span> au milieu.</p>
</section>
</body></html>
"""


def _small_html() -> str:
    font = ROOT / "styles" / "fonts" / "inter" / "Inter-Regular.otf"
    return SMALL.format(font=font.as_uri(), higher=HIGHER)


@pytest.fixture(scope="module")
def raw() -> bytes:
    """The small document as WeasyPrint alone tags it."""
    return weasyprint.HTML(string=_small_html(), base_url=str(ROOT)).write_pdf(
        pdf_variant="pdf/ua-1")


@pytest.fixture(scope="module")
def repaired() -> bytes:
    """The small document through the build's PDF stage (engine, then repair)."""
    rendered = render_pdf(_small_html(), base_url=ROOT, roots=(ROOT,), edition="screen",
                          title="small", epoch=EPOCH, diag=Diagnostics(strict=True))
    return rendered.data


RULES = ["content", "annotations", "tables", "languages", "page-labels", "hyphens", "figures",
         "notes"]


@pytest.mark.parametrize("rule", RULES)
def test_the_checker_faults_the_engine_alone_and_passes_the_repair(raw, repaired, rule):
    expectations = Expectations(markers=EXPECT.markers, notes=1)
    before = check(raw, expectations)
    after = check(repaired, expectations)
    assert before.of(rule), f"the checker found nothing wrong with {rule} in the engine's PDF"
    assert not after.of(rule), after.summary()


def test_the_repaired_small_document_passes_every_rule(repaired):
    report = check(repaired, EXPECT)
    assert report.ok, report.summary()
    for kind in ("pages", "annotations", "notes", "printed page numbers", "table headers"):
        assert report.counts[kind] > 0, kind


def test_leader_dots_in_the_text_are_found(repaired):
    """The report draws its contents' leaders as a background (styles/report.css); the engine's
    leader() writes them as characters, which a screen reader reads one by one."""
    font = (ROOT / "styles" / "fonts" / "inter" / "Inter-Regular.otf").as_uri()
    html = (f'<html lang="fr"><head><title>t</title><style>@font-face {{ font-family: Inter; '
            f'src: url({font}); }} html {{ font-family: Inter; }} a {{ display: block; }} '
            'a::after { content: leader(dotted) " " target-counter(attr(href), page); }'
            '</style></head><body><nav><a href="#x">Chapitre premier</a></nav>'
            '<h1 id="x">Chapitre premier</h1></body></html>')
    dotted = render_pdf(html, base_url=ROOT, roots=(ROOT,), edition="screen", title="dots",
                        epoch=EPOCH, diag=Diagnostics()).data
    assert check(dotted).of("leaders")
    assert not check(repaired).of("leaders")


def test_an_untagged_pdf_fails_the_document_rule():
    data = weasyprint.HTML(string=_small_html(), base_url=str(ROOT)).write_pdf()
    report = check(data)
    assert report.of("document") and report.of("content")


def _tree(data: bytes) -> tuple[pikepdf.Pdf, StructTree, list]:
    pdf = pikepdf.open(io.BytesIO(data))
    return pdf, StructTree(pdf), read_pages(pdf)


def test_repair_gives_the_small_document_the_structure_it_means(repaired):
    pdf, tree, pages = _tree(repaired)
    # the footnote: a Reference holding the call's Link; a Note with its /ID, its Lbl first
    (reference,) = [e for e in tree.elements if e.kind == "Reference"]
    assert [c.kind for c in reference.children] == ["Link"]
    (note,) = [e for e in tree.elements if e.kind == "Note"]
    assert str(note.obj.ID) == "footnote-1" and note.children[0].kind == "Lbl"
    assert element_text(note, pages).strip() == "1. Le texte de la note."
    # the English paragraph says so; the marker says its words
    english = [e for e in tree.elements if e.kind == "P" and "English" in element_text(e, pages)]
    assert [e.lang for e in english] == ["en"]
    (marker,) = [e for e in tree.elements if "/ActualText" in e.obj]
    assert str(marker.obj.ActualText) == HIGHER and element_text(marker, pages) == "▲"
    # every header cell has its scope; the IDs are in the /IDTree
    scopes = [str(e.attribute("/Scope", "/Table")) for e in tree.elements if e.kind == "TH"]
    assert scopes == ["/Column", "/Column", "/Row"]
    ids = dict(pikepdf.NameTree(tree.root.IDTree).items())
    assert len(ids) == 3 + 1  # three header cells and the note
    # the page labels: roman from the first page, arabic from the chapter
    assert page_labels(pdf) == ["i", "1"]
    # the running heads and page numbers are pagination artifacts
    artifacts = [s.text for p in pages for s in p.sequences if s.tag == "Artifact" and s.text]
    assert "i" in artifacts and "1" in artifacts and "Chapitre premier" in artifacts


def test_hyphens_extract_as_soft_hyphens(raw, repaired):
    from pypdf import PdfReader

    def text(data: bytes) -> str:
        return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)

    assert "\u2010" in text(raw)
    assert "\u2010" not in text(repaired) and "\u00ad" in text(repaired)


def test_repair_changes_nothing_that_is_painted(raw, repaired):
    import pypdfium2 as pdfium
    from PIL import ImageChops

    def images(data: bytes):
        document = pdfium.PdfDocument(data)
        return [document[i].render(scale=1).to_pil().convert("RGB") for i in range(len(document))]

    for before, after in zip(images(raw), images(repaired), strict=True):
        assert ImageChops.difference(before, after).getbbox() is None


def test_repair_is_reproducible():
    html = _small_html()
    document = weasyprint.HTML(string=html, base_url=str(ROOT)).render(pdf_variant="pdf/ua-1")
    semantics = read_semantics(html, [p.anchors for p in document.pages])
    data = document.write_pdf(pdf_variant="pdf/ua-1")
    assert repair(data, semantics).data == repair(data, semantics).data


def test_read_semantics_collects_what_the_pdf_must_carry():
    html = _small_html()
    anchors = [{"front": (0, 0)}, {"chapter": (0, 0), "footnote-1": (0, 0)}]
    semantics = read_semantics(html, anchors)
    assert semantics.lang == "fr"
    assert [(r.page, r.style, r.prefix) for r in semantics.page_labels] == [(0, "/r", ""),
                                                                             (1, "/D", "")]
    assert [lang for lang, _text in semantics.passages] == ["en"]
    assert semantics.replacements == (("fr", "▲", HIGHER),)
    assert semantics.notes == (("footnote-1", "footnote-call-1"),)
    assert dict(semantics.link_titles)["footnote-1"] == "Note 1"


def test_a_passage_the_repair_cannot_find_is_reported(raw):
    result = repair(raw, Semantics(lang="fr", passages=(("en", "Nowhere in this document"),)))
    assert any("Nowhere" in problem for problem in result.problems)


def test_figures_must_name_their_significant_differences():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><title>{alt}</title>'
           '<text x="10" y="20" font-family="Inter">45 % ▲</text></svg>')
    font = (ROOT / "styles" / "fonts" / "inter" / "Inter-Regular.otf").as_uri()

    def figure(alt: str) -> bytes:
        html = (f'<html lang="fr"><head><title>t</title><style>@font-face {{ font-family: Inter; '
                f'src: url({font}); }} html {{ font-family: Inter; }}</style></head><body>'
                f'<figure>{svg.format(alt=alt)}</figure></body></html>')
        return render_pdf(html, base_url=ROOT, roots=(ROOT,), edition="screen", title="f",
                          epoch=EPOCH, diag=Diagnostics()).data

    silent = check(figure("Graphique à barres. Site Web : 45 %."), EXPECT)
    assert any("names 0" in f.message for f in silent.of("figures")), silent.summary()
    named = check(figure(f"Graphique à barres. Site Web : 45 % ({HIGHER})."), EXPECT)
    assert not named.of("figures"), named.summary()


def test_expected_languages_are_checked_by_page(repaired):
    report = check(repaired, Expectations(languages=((1, 1, "en"),), detect_languages=False))
    assert report.of("languages")
    assert not check(repaired, Expectations(languages=((0, 0, "fr"),))).of("languages")


def test_language_guess():
    assert _guess_language("Les entreprises de la région sont actives sur les réseaux") == "fr"
    assert _guess_language("The enterprises of the region are active on the networks") == "en"
    assert _guess_language("Coopérative de solidarité Les Sentiers") is None  # a name, too short
    assert _guess_language("45 % 23 % 12 %") is None


def test_font_decoder_reads_bfchar_and_bfrange():
    owner = pikepdf.new()
    cmap = pikepdf.Stream(owner, b"""begincmap
1 begincodespacerange <0000> <ffff> endcodespacerange
2 beginbfchar <0003> <0020> <0010> <00660069> endbfchar
2 beginbfrange <0020> <0022> <0041> <0030> <0031> [<00e9> <2010>] endbfrange
endcmap""")
    decoder = FontDecoder(pikepdf.Dictionary(ToUnicode=cmap))
    assert decoder.width == 2
    assert decoder.decode(bytes.fromhex("0020002100220003001000300031")) == "ABC fié\u2010"
    assert decoder.decode(bytes.fromhex("7777")) == "\ufffd"


# -- the real editions ----------------------------------------------------------------------------
def _languages_by_label(path: Path) -> tuple[tuple[int, int, str], ...]:
    """The bilingual edition's parts, from its page labels (FR-…, EN-…)."""
    with pikepdf.open(path) as pdf:
        labels = page_labels(pdf)
    assert labels is not None
    ranges = []
    for lang in ("fr", "en"):
        pages = [i for i, label in enumerate(labels) if label.startswith(lang.upper() + "-")]
        assert pages and pages == list(range(pages[0], pages[-1] + 1)), lang
        ranges.append((pages[0], pages[-1], lang))
    return tuple(ranges)


@pytest.fixture(params=["fr", "en", "bilingual", "partner-fr"])
def edition(request, built) -> tuple[str, Path]:
    name = request.param
    if name in ("fr", "en"):
        return name, built.pdf(name)
    return name, request.getfixturevalue("bilingual_pdf" if name == "bilingual"
                                         else "partner_pdf")


def test_every_edition_passes_the_structure_checker(edition):
    name, path = edition
    expectations = EXPECT
    if name == "bilingual":
        expectations = Expectations(markers=EXPECT.markers, languages=_languages_by_label(path))
    report = check(path, expectations)
    assert report.ok, f"{name}: {report.summary()}"
    assert report.counts["printed page numbers"] > 80
    assert report.counts["notes"] >= 8 and report.counts["figures"] >= 17


def test_every_edition_passes_page_validation(edition):
    """Second opinion: page-validation's PDF/UA-1 profile (104 rules of the veraPDF corpus)."""
    name, path = edition
    result = page_validation.validate_pdf(str(path), profile="ua1")
    assert result.is_compliant, f"{name}: " + "; ".join(
        f"{f.rule_id}: {f.message}" for f in result.failures)


def test_every_edition_passes_pdfua(edition):
    """Second opinion: pdfua's checks (16 PDF/UA-1 rules). Its rule UA-14-001 (empty headings)
    cannot run with pikepdf 10 (it probes an Array for an attribute and gets a ValueError): it
    is skipped by pdfua itself and reported as such, not as a finding."""
    name, path = edition
    report = pdfua_validate(str(path))
    findings = [f for f in report.findings if f.severity >= Severity.INFO]
    assert not findings, f"{name}: " + "; ".join(f"{f.rule_id}: {f.message}" for f in findings)


def test_the_bilingual_edition_tags_its_english_half_and_restarts_its_notes(bilingual_pdf):
    (fr_first, fr_last, _), (en_first, en_last, _) = _languages_by_label(bilingual_pdf)
    with pikepdf.open(bilingual_pdf) as pdf:
        tree, pages = StructTree(pdf), read_pages(pdf)
        english = [e for e in tree.elements if en_first <= (tree.page_of(e) or -1) <= en_last]
        assert len(english) > 1000
        langs = [str(e.obj.get("/Lang", "")) for e in english]
        assert "" not in langs  # every element of the part says its language
        # but for French names and titles, and the note that the report exists in French
        french = [element_text(e, pages) for e in english if str(e.obj.Lang) == "fr"]
        # (French names are marked wherever they appear: partners, case studies, institutions,
        # the acronyms' French expansions; report/hyphenation.py)
        assert 0 < len(set(french)) < 120 and langs.count("en") > 20 * len(french)
        assert any("offert en français" in text for text in french)
        labels = {lang: [element_text(n.children[0], pages).strip() for n in tree.elements
                         if n.kind == "Note" and first <= (tree.page_of(n) or -1) <= last]
                  for first, last, lang in ((fr_first, fr_last, "fr"), (en_first, en_last, "en"))}
    for lang, found in labels.items():
        assert found and found[0] == "1." and len(found) == int(found[-1].rstrip(".")), lang


def test_the_case_profile_is_a_table_with_row_headers(built):
    with pikepdf.open(built.pdf("fr")) as pdf:
        tree, pages = StructTree(pdf), read_pages(pdf)
        profiles = [e for e in tree.elements if e.kind == "Table" and any(
            c.kind == "Caption" and "Profil" in element_text(c, pages) for c in e.children)]
        assert len(profiles) == len(list((ROOT / "data" / "content" / "fr" / "cases").glob("*.md")))
        for table in profiles:
            headers = [e for e in table.walk() if e.kind == "TH"]
            assert len(headers) == 5
            assert all(str(h.attribute("/Scope", "/Table")) == "/Row" for h in headers)


def test_contents_entries_are_one_link_each_and_say_where_they_go(built):
    with pikepdf.open(built.pdf("en")) as pdf:
        tree, pages = StructTree(pdf), read_pages(pdf)
        toc = next(e for e in tree.elements if e.kind == "H2"
                   and element_text(e, pages) == "Contents")
        toc_page = tree.page_of(toc)
        links = [e for e in tree.elements if e.kind == "Link" and tree.page_of(e) == toc_page]
        assert len(links) > 20
        for link in links:
            (annotation, *_more) = link.annotations
            text = str(annotation.Contents)
            assert re.search(r"[A-Za-z]{3}.* \d+$", text), text  # the title, then its page
