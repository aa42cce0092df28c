"""Editorial inputs and checks: bibliography, glossary, terminology, proofing, the hyphenation guard,
the barcode and the release check, on tiny inputs and on copies of the project."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from report.barcode import X_MM, check_digit, decode, ean13_svg
from report.bibliography import load_bibliography
from report.diagnostics import Diagnostics
from report.errors import ConfigError, ErrorGroup
from report.glossary import Acronym, expanded_here, load_glossary
from report.hyphenation import protect
from report.terminology import load_terminology

ROOT = Path(__file__).resolve().parent.parent


def _bibliography(path: Path = ROOT / "data" / "bibliography.json"):
    diag = Diagnostics()
    found = load_bibliography(path, diag, root=path.parent)
    if not diag.ok:
        raise diag.errors[0] if len(diag.errors) == 1 else ErrorGroup(diag.errors)
    return found


# -- bibliography ---------------------------------------------------------------------------------
class _Unescaped:
    """A citation session whose notes read as text (entities such as &nbsp; decoded)."""

    def __init__(self, session):
        self.session = session

    def note(self, keys):
        return html.unescape(self.session.note(keys))


def _bib(tmp_path: Path, entries: list) -> Path:
    path = tmp_path / "bibliography.json"
    path.write_text(json.dumps(entries, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def test_notes_follow_each_languages_style_and_conventions():
    bib = _bibliography()
    sessions = bib.session("fr"), bib.session("en")
    fr, en = (_Unescaped(s) for s in sessions)
    assert fr.note(["quebecnumerique-2017"]) == "QuébecNumérique, 1er\u00a0août 2017."
    assert en.note(["quebecnumerique-2017"]) == "QuébecNumérique, August 1, 2017."
    note = en.note(["direction-informatique-2017"])
    # the comma inside the closing quotation mark, the French title marked as French
    assert note.startswith("“<span lang=\"fr\">Économie sociale")
    assert "numérique</span>,” Direction Informatique, 2017." in note
    note = fr.note(["direction-informatique-2017"])
    assert note.startswith("«\u00a0Économie sociale\u00a0: un usage") and "lang=" not in note


def test_a_work_is_cited_in_full_once_per_chapter_then_short():
    bib = _bibliography()
    session = bib.session("fr")
    first = session.note(["isq-2019"])
    second = session.note(["isq-2019"])
    assert "2019" in first and "2019" not in second and second.startswith("Institut")
    assert bib.session("fr").note(["isq-2019"]) == first  # a new chapter starts over


def test_the_reference_list_and_the_source_lines():
    bib = _bibliography()
    refs = bib.references(["isq-2019", "cefrio-2017-communique", "isq-2019"], "en")
    assert len(refs) == 2 and refs[0].startswith("CEFRIO.")  # sorted by author, once each
    assert "News release" in refs[0]  # custom.en replaces the French genre
    assert bib.short("direction-informatique-2017", "en") == "Direction Informatique 2017"
    assert bib.short("not-an-entry", "fr") == "not-an-entry"


def test_a_hostile_title_is_escaped(tmp_path):
    path = _bib(tmp_path, [{"id": "x", "type": "book", "title": "<script>alert(1)</script> & co",
                            "issued": {"date-parts": [[2017]]}}])
    note = _bibliography(path).session("en").note(["x"])
    assert "<script" not in note and "</script" not in note and "&amp;" in note


def test_bibliography_problems_are_located(tmp_path):
    path = _bib(tmp_path, [{"id": "a", "type": "book", "title": "A", "issued": {"date-parts": [[1]]}},
                           {"id": "a", "type": "nonsense", "title": "B"}])
    with pytest.raises(ErrorGroup) as caught:
        _bibliography(path)
    messages = {(e.message, e.line) for e in caught.value.errors}
    second = path.read_text(encoding="utf-8").splitlines().index('    "id": "a",', 3) + 1
    assert ("bibliography id written twice", second) in messages
    assert any(m.startswith("unknown or missing type") for m, _ in messages)
    assert ("entry has no date", second) in messages
    path.write_text('[{"id": "a",\n "type": }]', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        _bibliography(path)
    assert caught.value.line == 2


# -- glossary and terminology ----------------------------------------------------------------------
@pytest.mark.parametrize("text, expanded", [
    ("un progiciel de gestion intégré (PGI) et", True),
    ("le PGI (progiciels de gestion intégrés) et", True),
    ("La PGI maison est un progiciel de gestion intégré bien connu.", True),  # same paragraph
    ("un PGI et rien d’autre", False),
    ("un progiciel (PGI) et", False),
])
def test_an_acronym_is_expanded_where_it_is_first_used(text, expanded):
    acronym = Acronym("PGI", "progiciel de gestion intégré", "fr")
    start = text.index("PGI")
    assert expanded_here(text, start, start + 3, acronym) is expanded


def test_the_glossary_lists_what_an_edition_uses():
    glossary = load_glossary(ROOT / "data" / "glossary.toml", Diagnostics())
    used = [a.abbr for a in glossary.used("Le PGI, la GRC et le GPS des OBNL.", "fr")]
    assert used == ["GRC", "OBNL", "PGI"]  # sorted; the GPS is common knowledge
    assert [a.abbr for a in glossary.used("ERP and CRM", "en")] == ["CRM", "ERP"]


def test_terminology_finds_each_variant_with_its_column():
    fr = load_terminology(ROOT / "data" / "terminology", "fr", Diagnostics())
    found = [(c, v) for c, v, _t in fr.variants_in("Un site web, un site Web et des données\u00a0massives.")]
    assert found == [(3, "site web"), (32, "données\u00a0massives")]
    en = load_terminology(ROOT / "data" / "terminology", "en", Diagnostics())
    found = [v for _c, v, _t in en.variants_in("Cooperatives under the Cooperatives Act")]
    assert found == ["Cooperatives"]  # the Act's title is an exception


def test_terminology_file_problems_are_located(tmp_path):
    (tmp_path / "fr.toml").write_text('[[term]]\npreferred = "a"\nvariants = ["b"]\n'
                                      '[[term]]\npreferred = "c"\nvariants = ["B"]\n',
                                      encoding="utf-8")
    diag = Diagnostics()
    assert load_terminology(tmp_path, "fr", diag, root=tmp_path) is None
    (error,) = diag.errors
    assert error.line == 6 and error.value == "B" and error.file == "fr.toml"


# -- hyphenation guard -----------------------------------------------------------------------------
def test_names_and_protected_words_are_marked_in_text_only():
    html = ('<html><head><title>Anglade</title></head><body><p>Membre de QuébecInnove, le '
            'CEFRIO travaille. Selon Dominique Anglade, le Chantier de l’économie sociale.</p>'
            '<p title="Anglade">Ce numérique.</p><svg><text>Montréal</text></svg></body></html>')
    out = protect(html, ["numérique"], ["Chantier de l’économie sociale"], "fr")
    # a mark takes what is glued to the word (a comma, a period): the engine breaks lines at
    # spaces only, and «QuébecInnove,» overflowed by its comma when the comma was left out
    assert '<span class="nh">QuébecInnove,</span>' in out
    assert '<span class="nh">Anglade,</span>' in out and "<title>Anglade</title>" in out
    assert 'title="Anglade"' in out and "<text>Montréal</text>" in out
    assert '<span class="nh" lang="fr">Chantier de l’économie sociale.</span>' in out
    assert "travaille. Selon " in out  # a sentence's first word may be hyphenated
    assert '<span class="nh">numérique.</span>' in out


# -- barcode ---------------------------------------------------------------------------------------
def test_the_barcode_reads_back_as_its_isbn_at_gs1_size():
    svg = ean13_svg("978-2-924001-45-5", "Inter")
    assert decode(svg) == "9782924001455"
    bars = [tuple(float(v) for v in m) for m in
            re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" '
                       r'fill="black"', svg)]
    width = float(re.search(r'width="([\d.]+)mm"', svg).group(1))
    assert min(b[2] for b in bars) == pytest.approx(X_MM)  # module width 0.33 mm (100 %)
    assert min(b[3] for b in bars) == pytest.approx(22.85)  # bar height
    assert bars[0][0] >= 11 * X_MM - 1e-6  # left quiet zone
    assert width - max(b[0] + b[2] for b in bars) >= 7 * X_MM - 1e-6  # right quiet zone
    assert "<image" not in svg and 'fill="white"' in svg


def test_a_damaged_or_wrong_barcode_does_not_read():
    svg = ean13_svg("9782924001431")
    assert decode(svg) == "9782924001431"
    first_bar = re.search(r'(<rect x="[\d.]+" y="[\d.]+" width=")0\.330(")', svg)
    assert decode(svg.replace(first_bar.group(0), f"{first_bar.group(1)}0.660{first_bar.group(2)}",
                              1)) == ""
    assert check_digit("978292400145") == 5
    with pytest.raises(ConfigError):
        ean13_svg("978-2-924001-45-4")  # wrong check digit


# -- proofing on a copy of the project -------------------------------------------------------------
def _proofread(project: Path) -> Diagnostics:
    from report.build import BuildOptions, validate_inputs
    from report.proofing import proofread

    inputs = validate_inputs(BuildOptions(root=project, out_dir=project / "dist"), Diagnostics())
    diag = Diagnostics()
    proofread(inputs.config, inputs.content, inputs.editorial, diag, inputs.stats.codebook)
    return diag


def _append(path: Path, text: str) -> int:
    """Add a paragraph at the end of a content file; its line number."""
    body = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(body, encoding="utf-8")
    return body.count("\n")


def test_proofing_names_file_line_and_column(project):
    fr = project / "data" / "content" / "fr" / "conclusion.md"
    en = project / "data" / "content" / "en" / "conclusion.md"
    line_fr = _append(fr, "Un site web, des données massives et un ERP[^9] ; le XYZQ aussi.\n\n"
                          "[^9]: Note.")
    line_en = _append(en, "A cooperative « that » used it[^9]. The ABCD.\n\n[^9]: Note.")
    found = {(Path(w.file).name, w.line, w.column, w.message) for w in _proofread(project).warnings
             if Path(str(w.file)).name == "conclusion.md"}
    line_fr, line_en = line_fr - 2, line_en - 2
    assert ("conclusion.md", line_fr, 4, "«site web»: the fr terminology prefers «site Web»") in found
    assert any(w[1] == line_fr and w[3].startswith("«données massives»") for w in found)
    assert any(w[1] == line_fr and w[3].startswith("«ERP»") for w in found)
    assert any(w[1] == line_fr and "XYZQ" in w[3] and "glossary does not know" in w[3]
               for w in found)
    assert any(w[1] == line_en and w[3].startswith("«cooperative»") for w in found)
    assert any(w[1] == line_en and "French quotation marks" in w[3] for w in found)
    assert any(w[1] == line_en and w[3].startswith("note call before the punctuation")
               for w in found)


def test_the_project_is_proofread_clean_outside_chapter_one_thresholds(project):
    """Every warning left is a significance threshold of chapter 1, whose sentences the
    statistics workstream rewrites (issue 18)."""
    left = _proofread(project).warnings
    assert all(re.match(r"«(seuil de 95 %|at the 95% level)»", w.message)
               and "/portrait" in str(w.file) for w in left), [str(w) for w in left]


def test_repeated_openings_are_counted_per_chapter(project):
    path = project / "data" / "content" / "fr" / "uses-members.md"
    for _ in range(4):
        _append(path, "Dans les faits, une phrase. Autre chose.")
    openings = [w for w in _proofread(project).warnings if "opens 4 sentences" in w.message]
    assert len(openings) == 4 and "«dans les faits une" in openings[0].message


# -- the release check -----------------------------------------------------------------------------
def test_release_refuses_placeholders_logos_and_names_each(project, capsys):
    from report.cli import main

    code = main(["--release", "--no-cache", "--workers", "1", "--quiet"], root=project)
    err = capsys.readouterr().err
    assert code == 1
    toml = (project / "data" / "report.toml").read_text(encoding="utf-8").splitlines()
    for isbn in ("978-2-924001-45-5", "978-2-924001-46-2", "978-2-924001-43-1",
                 "978-2-924001-44-8"):  # each ISBN at its own line of report.toml
        line = next(n for n, text in enumerate(toml, 1) if isbn in text)
        assert re.search(rf"data/report\.toml:{line}(:\d+)?: \[isbn(_print)?\] (fr|en) is a placeholder "
                         rf"ISBN \(value: '{isbn}'\)", err), err
    assert err.count("is a placeholder ISBN") == 4
    assert "[address] is a placeholder" in err
    assert err.count("has no logo") == 7 and "themes/default/logos/mesi.svg" in err
    assert not (project / "dist").exists()  # nothing laid out, nothing written


def test_a_draft_warns_about_the_same_problems(project):
    from report.build import BuildOptions, validate_inputs
    from report.editorial import load_editorial
    from report.release import check_inputs

    inputs = validate_inputs(BuildOptions(root=project, out_dir=project / "dist"), Diagnostics())
    diag = Diagnostics(strict=True)  # release problems are judged by --release alone
    check_inputs(inputs, diag)
    assert diag.ok and sum("placeholder ISBN" in w.message for w in diag.warnings) == 4
    (project / "data" / "content" / "en" / "back-cover.md").unlink()
    inputs.editorial = load_editorial(inputs.config.paths, Diagnostics())
    diag = Diagnostics(release=True)
    check_inputs(inputs, diag)
    assert any("no back cover" in e.message and str(e.file).endswith("en/back-cover.md")
               for e in diag.errors)


def test_placeholder_flag_must_be_true_or_false(project):
    from report.config import load_config

    path = project / "data" / "report.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^placeholder = true$", 'placeholder = "yes"', text, count=1),
                    encoding="utf-8")
    line = next(n for n, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if t == 'placeholder = "yes"')
    diag = Diagnostics()
    load_config(project, diag)
    assert any(e.line == line and "placeholder" in str(e) for e in diag.errors), \
        [str(e) for e in diag.errors]


# -- the layout check on a small PDF made for it ----------------------------------------------------
def test_the_layout_check_finds_each_kind_of_problem():
    import weasyprint

    from report.layout_check import TextBlock, check_layout

    words = "\u00ad".join(["trans", "for", "ma", "tion", "nelle", "ment"] * 3)  # one long word
    html = f"""<html lang="fr"><style>
      @page {{ size: 100mm 150mm; margin: 10mm; }}
      body {{ font: 10pt/1.3 sans-serif; margin: 0; }}
      p {{ margin: 0 0 2mm; text-align: justify; hyphens: manual; }}
      .narrow {{ width: 16mm; }}
    </style><body>
      <p class="narrow">{words}</p>
      <p class="narrow">et ab\u00adsolument tout le monde</p>
      <p style="width: 12mm">vu à Mont\u00adréal</p>
      <p style="break-before: page">Une ligne seule avant un saut.</p>
      <div style="break-before: page"></div>
      <p style="break-before: page">Un_mot_beaucoup_trop_long_pour_tenir_dans_la_colonne_de_texte.</p>
      <p>Encore une ligne.</p><p>Et une autre.</p><p>Et la dernière.</p><p>Et de quoi remplir.</p>
    </body></html>"""
    data = weasyprint.HTML(string=html).write_pdf()
    report = check_layout(data, edition="test", protected=["numérique"],
                          block=TextBlock(top=10, bottom=10, inner=10, outer=10, alternate=False),
                          sections=[("x", "data/content/fr/x.md")])
    counts = report.counts()
    assert counts["hyphen-run"] >= 1
    assert counts["short-fragment"] >= 1  # «ab‐»
    assert [f.detail for f in report.of("protected")] == ["«Mont‐réal»"]  # a proper name
    assert [f.page for f in report.of("near-empty")] == [2]
    assert [f.page for f in report.of("blank")] == [3]
    assert [f.page for f in report.of("overflow")] == [4]
    assert "past the right edge" in report.of("overflow")[0].detail
