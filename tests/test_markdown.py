"""Markdown rendering: shortcodes, headings, footnotes, and hostile input."""

import html
from pathlib import Path

import pytest

from report.errors import ContentError
from report.markdown import MarkdownRenderer


class Echo:
    def __init__(self):
        self.seen = []

    def inline(self, code):
        self.seen.append(code)
        return f'<span class="stat">{code.name}:{",".join(code.args)}</span>'

    def block(self, code):
        self.seen.append(code)
        return f'<figure id="{code.args[0]}"></figure>'


def render(text, lang="fr", level=2):
    resolver = Echo()
    out = MarkdownRenderer(lang, str).render(text, file=Path("page.md"), first_line=5,
                                             heading_level=level, id_prefix="p",
                                             resolver=resolver)
    return out, resolver


def test_shortcodes_inline_and_block_with_lines():
    out, resolver = render("Un {{stat social_networks by=size group=lt5}} ici.\n\n"
                           "{{figure fig-web}}\n")
    assert '<span class="stat">stat:social_networks</span>' in out.html
    assert '<figure id="fig-web"></figure>' in out.html
    code = resolver.seen[0]
    assert code.options == {"by": "size", "group": "lt5"} and code.line == 5
    assert resolver.seen[1].line == 7


def test_figure_inside_a_sentence_is_refused():
    with pytest.raises(ContentError, match="alone on its own line"):
        render("Voir {{figure fig-web}} ici.")


def test_headings_shift_below_the_file_heading():
    out, _ = render("## Sous-titre\n\n### Plus bas\n", level=3)
    assert '<h3 id="p--sous-titre">Sous-titre</h3>' in out.html
    assert "<h4" in out.html
    assert [h[0] for h in out.headings] == [3, 4]


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ("[x](javascript:alert(1))", 'href="javascript'),
        ("[x](file:///etc/passwd)", 'href="file'),
        ('<img src="http://evil/x.png">', "<img"),
        ("<a href='http://evil'>x</a>", "<a href='http"),
    ],
)
def test_hostile_markdown_is_escaped(source, forbidden):
    out, _ = render(source)
    assert forbidden not in out.html


def test_markdown_image_is_refused():
    with pytest.raises(ContentError, match="images are placed"):
        render("![x](../../etc/passwd)")


def test_footnote_is_inline_and_french_spacing_applied():
    out, _ = render("Texte[^1] : suite.\n\n[^1]: Une note *ici*.\n")
    assert '<span class="footnote">Une note <em>ici</em>.</span>' in out.html
    assert "\u00a0: suite" in html.unescape(out.html)  # nh3 writes U+00A0 as &nbsp;
    assert "footnotes-list" not in out.html


def test_containers():
    out, _ = render("::: callout Mon titre\n- un\n:::\n\n::: checklist Liste\n- a\n:::\n")
    assert '<div class="box callout"><p class="box-title">Mon titre</p>' in out.html
    assert '<div class="box checklist">' in out.html


# -- pdfua workstream: a phrase in another language --------------------------------------------
def test_a_phrase_in_another_language_keeps_its_language_and_typography():
    out, _resolver = render("Cited: “[Économie sociale : un usage timide]{lang=fr},” 2017.", "en")
    assert '<span lang="fr">Économie sociale&nbsp;: un usage timide</span>' in out.html


@pytest.mark.parametrize("source", ["[x]{.footnote}", "[x]{lang=\"fr onclick\"}", "[x]{#id}"])
def test_a_span_takes_a_language_and_nothing_else(source):
    with pytest.raises(ContentError, match="language code"):
        render(source, "en")
