"""The bilingual edition: French then English in one document, each part self-contained."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import run_stage

from report.bilingual import prefix_ids, render_bilingual_html
from report.build import BuildOptions, assemble, render_charts, stylesheets, validate_inputs
from report.cache import Cache

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def html() -> str:
    inputs = run_stage(validate_inputs, BuildOptions(root=ROOT, out_dir=ROOT / "dist",
                                                     editions=("bilingual",)))
    documents = {lang: assemble(inputs, lang, render_charts(inputs, lang, Cache(None)))
                 for lang in ("fr", "en")}
    return render_bilingual_html(inputs.config, documents, inputs.theme,
                                 stylesheets(inputs.config, "bilingual"))


def test_french_part_comes_first_and_each_declares_its_language(html):
    fr = html.index('<div class="part part-fr" lang="fr"')
    en = html.index('<div class="part part-en" lang="en"')
    assert fr < en
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"fr\">")


def test_each_part_has_its_own_contents_and_unique_ids(html):
    assert html.count('class="toc front-page"') == 2
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "ids collide between the parts"
    targets = set(ids)
    for href in re.findall(r'\shref="#([^"]+)"', html):
        assert href in targets, href
    assert 'href="#fr-fig-web-presence"' in html and 'href="#en-fig-web-presence"' in html


def test_prefix_ids_rewrites_references_consistently():
    source = '<a href="#x">x</a><p id="x"></p><svg><clipPath id="c"/><g clip-path="url(#c)"/></svg>'
    out = prefix_ids(source, "en")
    assert out == ('<a href="#en-x">x</a><p id="en-x"></p><svg><clipPath id="en-c"/>'
                   '<g clip-path="url(#en-c)"/></svg>')


def test_bilingual_uses_its_stylesheet():
    config = run_stage(validate_inputs, BuildOptions(root=ROOT, out_dir=ROOT / "dist")).config
    assert any(s.endswith("bilingual.css") for s in stylesheets(config, "bilingual"))
