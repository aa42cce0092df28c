"""The real report, read as its editor and typographer would: layout, languages, back cover,
case studies, acronyms and references in both screen editions (the session build ``built``)."""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pytest

from report.layout_check import SCREEN_BLOCK, _lines, check_layout
from report.proofing import MARKED

LANGS = ("fr", "en")


@pytest.fixture(scope="session")
def pages(built) -> dict[str, list[str]]:
    """Each edition's pages as text, lines joined and hyphenated words made whole again."""
    out = {}
    for lang in LANGS:
        pdf = pdfium.PdfDocument(built.pdf(lang).read_bytes())
        texts = []
        for page in pdf:
            text = page.get_textpage().get_text_range().replace("\ufffe", "-")
            text = re.sub("\u2010\r?\n", "", text)  # the engine's hyphenation
            texts.append(" ".join(text.split()))
        pdf.close()
        out[lang] = texts
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_the_layout_check_finds_nothing(built, inputs, lang):
    data = built.pdf(lang).read_bytes()
    pdf = pdfium.PdfDocument(data)
    count = len(pdf)
    pdf.close()
    report = check_layout(data, edition=lang, block=SCREEN_BLOCK, skip_pages=(0, count - 1),
                          protected=inputs.editorial.protected_words(lang))
    assert report.counts() == dict.fromkeys(report.KINDS, 0), \
        [f"{f.kind} p. {f.page}: {f.detail}" for f in report.findings]
    layout_words = ("blank page", "near-empty", "hyphenated", "text outside")
    assert not [w for w in built.diag.warnings if any(k in w.message for k in layout_words)]


@pytest.mark.parametrize("lang", LANGS)
def test_the_screen_edition_has_symmetric_margins(built, lang):
    """Left- and right-hand pages set their text at the same place (21 mm each side)."""
    pdf = pdfium.PdfDocument(built.pdf(lang).read_bytes())
    lefts = {0: [], 1: []}
    for index in range(2, len(pdf) - 1):
        lines = _lines(pdf[index].get_textpage(), index)
        body = [ln for ln in lines if 70 < ln.bottom < 720 and ln.height < 13]
        if len(body) > 10:
            lefts[index % 2].append(min(ln.left for ln in body))
    pdf.close()
    inner = 21 * 72 / 25.4
    for parity in (0, 1):
        assert lefts[parity] and abs(min(lefts[parity]) - inner) < 2.5, (parity, lefts[parity])


# French left in the English edition, and the reverse: names and titles marked as such are taken
# out first (the glossary's names, the partners', the case studies', the works' titles).
STOP = {"en": r"\b(les|des|une|est|pour|dans|avec|selon|sont|aux|leur|cette|données|édition)\b",
        "fr": r"\b(the|and|with|which|from|this|that|these|survey|edition)\b"}
TYPOGRAPHY = {"en": r"[«»]|\b1er\b|\w\u00a0[:;!?]", "fr": r"[“”]|\d%"}


@pytest.mark.parametrize("lang", LANGS)
def test_no_other_language_left_in_an_edition(pages, inputs, lang):
    from report.proofing import foreign_names

    config, editorial = inputs.config, inputs.editorial
    allowed = foreign_names(config, inputs.content, editorial, lang)
    allowed += [config.strings[lang]["colophon_other_language"]]
    for page in inputs.content.pages[lang].values():  # phrases the authors marked: [...]{lang=xx}
        allowed += [m.group(0)[1:m.group(0).index("]")] for m in MARKED.finditer(page.body)]
    text = " ".join(pages[lang][1:])
    for phrase in sorted(allowed, key=len, reverse=True):
        text = re.sub(re.escape(" ".join(phrase.split())).replace("’", "[’']"), " ", text)
    found = [m.group(0) for m in re.finditer(rf".{{0,30}}(?:{STOP[lang]}|{TYPOGRAPHY[lang]}).{{0,30}}",
                                             text)]
    assert not found, found[:10]


def test_the_english_colophon_and_sources_are_in_english(pages):
    assert "Équipe de recherche" not in " ".join(pages["en"])
    assert "CEFRIO research team" in pages["en"][1]
    assert "1er août" not in " ".join(pages["en"])
    sources = [p for p in pages["en"] if "published figures (" in p]
    assert sources and all("«" not in p for p in sources)
    assert "published figures (Direction Informatique 2017)" in " ".join(sources)


@pytest.mark.parametrize("lang, isbn", [("fr", "978-2-924001-45-5"), ("en", "978-2-924001-46-2")])
def test_the_back_cover(built, pages, lang, isbn):
    back = pages[lang][-1]
    assert f"ISBN {isbn}" in back and "cefr.io/es20" in back and "888, rue Saint-Jean" in back
    assert "9 782924 00" in back  # the human-readable line under the bars
    pdf = pdfium.PdfDocument(built.pdf(lang).read_bytes())
    page = pdf[len(pdf) - 1]
    kinds = [obj.type for obj in page.get_objects()]
    page.close()
    pdf.close()
    assert pdfium.raw.FPDF_PAGEOBJ_IMAGE not in kinds  # vector bars, no picture
    assert kinds.count(pdfium.raw.FPDF_PAGEOBJ_PATH) >= 30


@pytest.mark.parametrize("lang, marker", [("fr", "Étude de cas fictive (portrait composite)"),
                                          ("en", "Fictional case study (composite portrait)")])
def test_every_case_study_page_says_it_is_a_fictional_composite(pages, inputs, lang, marker):
    """From the first case study to the next chapter, every page carries the marker at its foot
    (and each case's head says it in full)."""
    cases = inputs.content.cases[lang]
    head = inputs.config.strings[lang]["case_fiction"].split(":")[0].strip()
    first = next(i for i, p in enumerate(pages[lang]) if cases[0].title in p and head in p)
    chapter = inputs.content.pages[lang]["pme20"].title
    end = next(i for i, p in enumerate(pages[lang]) if i > first and p.count(chapter))
    assert end - first > len(cases)
    assert all(marker in p for p in pages[lang][first:end]), \
        [i + 1 for i, p in enumerate(pages[lang][first:end], first) if marker not in p]
    assert marker not in pages[lang][end]
    heads = sum(p.count(head) for p in pages[lang][first:end])
    assert heads >= len(cases)


@pytest.mark.parametrize("lang, entries", [
    ("fr", ["PGI Progiciel de gestion intégré", "OBNL Organisme à but non lucratif"]),
    ("en", ["ERP Enterprise resource planning", "CMA Census metropolitan area"])])
def test_the_list_of_acronyms(pages, lang, entries):
    page = next(p for p in pages[lang] if p.startswith(("Sigles et acronymes", "Acronyms")))
    assert all(entry in page for entry in entries)
    assert "GPS" not in page  # common knowledge: not listed


@pytest.mark.parametrize("lang, title, entry", [
    ("fr", "Références", "QuébecNumérique, 1er août 2017."),
    ("en", "References", "QuébecNumérique. August 1, 2017.")])
def test_the_reference_list_and_the_notes(pages, lang, title, entry):
    references = next(p for p in pages[lang] if p.startswith(title))
    assert entry in references and "Institut de la statistique du Québec" in references
    notes = " ".join(pages[lang])
    # the first note of a chapter citing Direction Informatique gives the work in full
    full = {"fr": "« Économie sociale : un usage encore timide du numérique », Direction "
                  "Informatique, 2017.",
            "en": "“Économie sociale : un usage encore timide du numérique,” Direction "
                  "Informatique, 2017."}[lang]
    assert full.replace(" ", "") in notes.replace(" ", "").replace("\u00a0", "")
