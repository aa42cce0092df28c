"""Exhibits and statistical shortcodes: sources per value, adjusted markers, quality notes,
intervals, the weighting table; and the prose shortcodes that choose their words from the data."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from report.build import assemble
from report.diagnostics import Diagnostics
from report.document import _Resolver, build_document
from report.errors import ReportError
from report.exhibits import adjusted_tests
from report.markdown import parse_shortcode
from report.statistics import ADJUSTMENT

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def exhibits(inputs):
    return inputs.exhibits


@pytest.fixture(scope="module")
def documents(inputs):
    return {lang: assemble(inputs, lang, charts={}) for lang in ("fr", "en")}


def _text(document) -> str:
    parts = [s.html for s in document.front]
    for chapter in document.chapters:
        parts += [chapter.opener.html, *(s.html for s in chapter.sections)]
    parts += [s.html for s in document.appendices]
    return re.sub(r"<[^>]+>", "", "\n".join(parts))


# --------------------------------------------------------------------------- sources per value


def test_a_published_subgroup_is_published_and_its_neighbours_are_not(exhibits):
    data = exhibits["en"]["fig-social-by-size"]  # figure 1.4
    sources = [row[0].source for row in data.cells]
    assert sources[0] and "QuébecNumérique" in sources[0]  # fewer than 5 employees: 69 %
    assert sources[1:] == [None, None, None]
    assert "Fewer than 5 employees" in data.source and "illustrative" in data.source
    assert "moins de 5 employés" in exhibits["fr"]["fig-social-by-size"].source


def test_published_levels_of_a_variable_are_told_apart(exhibits):
    investment = exhibits["en"]["fig-investment"]  # 21 % none and 49 % $1–$4,999 were published
    assert [row[0].source is not None for row in investment.cells] == [True, True, False, False,
                                                                        False]
    assert "No investment, $1 to $4,999" in investment.source
    assert "illustrative" in investment.source
    essential = exhibits["en"]["fig-digital-essential"]  # only «more than half» was published
    assert all(row[0].source is None for row in essential.cells)
    assert essential.source.startswith("Source: illustrative")


def test_whole_column_sources(exhibits):
    web = exhibits["en"]["fig-web-presence"]
    assert all(row[0].source for row in web.cells)
    assert "published figures (Direction Informatique" in web.source
    region = exhibits["fr"]["tab-web-by-region"]
    assert all(row[0].source for row in region.cells)  # the «Ensemble» column
    assert all(c.source is None for row in region.cells for c in row[1:])
    assert "colonne «\u00a0Ensemble\u00a0»" in region.source


# --------------------------------------------------------------------------- markers


def test_markers_follow_the_adjusted_tests(exhibits):
    """A cell is marked exactly when its test, adjusted within its exhibit, is significant; the
    adjustment takes markers away that the unadjusted test would have printed."""
    marked = demoted = 0
    for data in exhibits["en"].values():
        for row in data.cells:
            for cell in row:
                if cell.p_adjusted is None:  # not a subgroup, or suppressed: not tested
                    assert cell.marker == ""
                    continue
                assert (cell.marker != "") == (cell.p_adjusted < 0.05), data.id
                marked += cell.marker != ""
    for data in exhibits["en"].values():
        for row in data.cells:
            for cell in row:
                if cell.p_adjusted is not None:
                    assert cell.p_adjusted >= cell.p_value - 1e-12
                    demoted += cell.p_value < 0.05 and not cell.marker
    assert marked > 0 and demoted > 0


def test_marker_direction_and_two_group_dimensions(inputs, exhibits):
    data = exhibits["en"]["fig-basic-tools-by-form"]
    stats = inputs.stats
    for row, var in zip(data.cells, ("office_suite", "accounting", "videoconf"), strict=True):
        coop, npo = row
        assert coop.p_adjusted == npo.p_adjusted  # one hypothesis: coops against non-profits
        est = stats.stat(var, by="legal_form", group="coop")
        if coop.marker:
            assert coop.marker == ("▲" if est.difference > 0 else "▼")
            assert npo.marker == ("▼" if est.difference > 0 else "▲")


def test_benjamini_hochberg_and_holm_within_an_exhibit():
    def est(p_value, group, difference=0.1):
        return SimpleNamespace(by="g", group=group, variable="q", level="1", p_value=p_value,
                               difference=difference, flag="ok")

    codebook = SimpleNamespace(levels=lambda by: ["a", "b", "c", "d"])
    grid = [[est(0.01, "a"), est(0.04, "b", -0.1), est(0.03, "c"), est(0.5, "d")]]
    bh = adjusted_tests(grid, codebook, "fdr_bh")
    assert [round(bh[(0, c)][1], 4) for c in range(4)] == [0.04, 0.0533, 0.0533, 0.5]
    assert [bh[(0, c)][0] for c in range(4)] == ["higher", None, None, None]
    holm = adjusted_tests(grid, codebook, "holm")
    assert [round(holm[(0, c)][1], 4) for c in range(4)] == [0.04, 0.09, 0.09, 0.5]
    grid[0][1] = SimpleNamespace(**{**vars(grid[0][1]), "flag": "suppressed"})
    assert (0, 1) not in adjusted_tests(grid, codebook, "fdr_bh")  # an F is not tested
    assert ADJUSTMENT == "fdr_bh"


# --------------------------------------------------------------------------- notes and cells


def test_quality_notes_only_for_the_flags_an_exhibit_has(exhibits):
    for lang, by_id in exhibits.items():
        for data in by_id.values():
            flags = {c.flag for row in data.cells for c in row}
            notes = " ".join(data.notes)
            caution = "prudence" if lang == "fr" else "caution"
            assert (f"E {'À' if lang == 'fr' else 'Use'}" in notes) == ("caution" in flags), \
                (lang, data.id)
            assert notes.count("F ") >= ("suppressed" in flags)
            if "suppressed" not in flags:
                assert not any(n.startswith("F ") for n in data.notes), data.id
            if "caution" not in flags:
                assert caution not in notes.lower() or data.kind == "margins", data.id
            marked = any(c.marker for row in data.cells for c in row)
            assert any(n.startswith("▲ ▼") for n in data.notes) == marked


def test_every_shown_estimate_carries_its_interval(inputs, exhibits):
    data = exhibits["fr"]["fig-web-presence"]
    social = next(row[0] for label, row in zip(data.row_labels, data.cells, strict=True)
                  if label == "Réseaux sociaux")
    est = inputs.stats.stat("social_networks")
    assert social.ci == "66\u201375"
    assert round(est.ci_low * 100) == 66 and round(est.ci_high * 100) == 75
    for by_id in exhibits.values():
        for item in by_id.values():
            for row in item.cells:
                for cell in row:
                    assert (cell.ci == "") == (cell.flag == "suppressed" or item.kind == "margins")


def test_weighting_table(exhibits):
    data = exhibits["en"]["tab-weighting"]
    headings = ["Legal form", "Size (number of employees)", "Region"]
    assert [label for label, _n in data.row_groups] == headings
    assert sum(n for _label, n in data.row_groups) == len(data.row_labels) == 11
    assert data.group_starts == dict(zip((0, 2, 6), headings, strict=True))
    ouest = data.cells[data.row_labels.index("Western Québec")]
    assert [c.text for c in ouest] == ["26", "6.5%", "12.0%", "12.0%"]


# --------------------------------------------------------------------------- shortcodes


@pytest.fixture(scope="module")
def resolvers(inputs):
    return {lang: _Resolver(lang, inputs.config, inputs.stats, inputs.stats.codebook,
                            inputs.exhibits[lang], set(inputs.exhibits[lang]), {}, {}, {}, {},
                            Diagnostics()) for lang in ("fr", "en")}


def _inline(resolver, text: str) -> str:
    before = len(resolver.diag.errors)
    out = resolver.inline(parse_shortcode(text, Path("page.md"), 3))
    if len(resolver.diag.errors) > before:
        raise resolver.diag.errors.pop()
    return re.sub(r"<[^>]+>", "", out)


@pytest.mark.parametrize(("lang", "code", "words"), [
    ("fr", "{{share lacks_funds}}", "environ la moitié"),
    ("fr", "{{share digital_essential level=agree cap=yes}}", "Plus de la moitié"),
    ("fr", "{{share website_mobile of=third}}", "environ le tiers"),
    ("fr", "{{share website_transactional of=third}}", "moins du tiers"),
    ("fr", "{{share investment level=under_5k of=two_thirds}}", "environ les deux tiers"),
    ("en", "{{share website_mobile}}", "less than half"),
    ("en", "{{share barriers__cost of=half}}", "about half"),
    ("fr", "{{compare social_networks website_info}}", "au même niveau que"),
    ("fr", "{{compare office_suite accounting}}", "devant"),
    ("en", "{{compare accounting office_suite}}", "behind"),
    ("en", "{{compare erp by=size group=50plus vs=rest}}", "ahead of"),
    ("en", "{{compare social_networks by=size group=lt5 vs=50plus}}", "on a par with"),
    ("fr", "{{stat social_networks fmt=moe}}", "4,7\u00a0points de pourcentage"),
    ("en", "{{design moe}}", "5.3 percentage points"),
    ("fr", "{{design alpha}}", "5\u00a0%"),
    ("en", "{{design trimming}}", "Trimming changed no weight: without it, the raked weights "
     "already range from 0.39 to 2.80 times the mean weight, inside the bounds."),
    ("en", "{{flags tab-collaboration-by-form}}", "All its estimates are precise enough"),
])
def test_statistical_shortcodes_print_what_the_data_support(resolvers, lang, code, words):
    assert words in _inline(resolvers[lang], code)


def test_flags_sentence_names_only_the_flags_the_exhibit_has(resolvers, exhibits):
    for exhibit_id, data in exhibits["en"].items():
        text = _inline(resolvers["en"], f"{{{{flags {exhibit_id}}}}}")
        flags = {c.flag for row in data.cells for c in row}
        assert ("marked E" in text) == ("caution" in flags), exhibit_id
        assert ("letter F" in text) == ("suppressed" in flags), exhibit_id


@pytest.mark.parametrize(("code", "message"), [
    ("{{compare virtual_assembly by=size group=lt5 vs=rest}}", "suppressed"),
    ("{{compare social_networks website_info vs=rest}}", "not both"),
    ("{{share lacks_funds of=tenth}}", "unknown fraction"),
    ("{{share virtual_assembly by=size group=lt5}}", "suppressed"),
    ("{{flags fig-web-presnce}}", "unknown figure or table"),
    ("{{stat social_networks fmt=wald}}", "unknown format"),
])
def test_statistical_shortcode_errors(resolvers, code, message):
    with pytest.raises(ReportError, match=message):
        _inline(resolvers["en"], code)


def test_the_report_prints_the_words_the_tests_chose(documents):
    fr, en = _text(documents["fr"]), _text(documents["en"])
    assert "Les réseaux sociaux sont au même niveau que le site Web." in fr
    assert "Social networks are on a par with websites." in en
    assert "ahead of websites" not in en and "devancent" not in fr
    assert "environ la moitié des entreprises s’estiment outillées" in fr
    assert "about half say they lack the means to act" in en
    assert "more than half lack the means" not in en


def test_an_unsupported_claim_fails_the_build_with_its_line(inputs):
    page = inputs.content.pages["fr"]["portrait-skills"]
    bad = page.body + "\nAu total, plus de la moitié des entreprises manquent de moyens.\n"
    pages = {**inputs.content.pages, "fr": {**inputs.content.pages["fr"],
                                            "portrait-skills": dataclasses.replace(page, body=bad)}}
    content = dataclasses.replace(inputs.content, pages=pages)
    diag = Diagnostics()
    document = build_document(inputs.config, content, "fr", inputs.stats, inputs.exhibits["fr"],
                              {}, diag)
    assert document is None
    (problem,) = [p for p in diag.errors if "moitié" in p.message]
    assert problem.file.endswith("portrait-skills.md")
    assert problem.line == page.body_line + bad.count("\n") - 1
