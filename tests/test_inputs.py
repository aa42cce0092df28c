"""Reading the inputs (report/sources.py) and their schemas (report/schemas.py): positions,
bounds, links out of the project, and messages that name the key and its line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import problems_of, run_stage

from report import schemas, sources
from report.diagnostics import Diagnostics
from report.errors import ConfigError, ContentError, DataError, ThemeError

ROOT = Path(__file__).resolve().parent.parent


def _report_toml(**replacements: str) -> str:
    text = (ROOT / "data" / "report.toml").read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, f"report.toml no longer holds {old!r}: update this test"
        text = text.replace(old, new)
    return text


def _validate(model, text: str, kind=ConfigError, file: str = "data/report.toml"):
    diag = Diagnostics()
    source = sources.parse_toml(text, kind, file=file)
    return schemas.validate(model, source, diag, kind), diag.errors


# -- positions -----------------------------------------------------------------------------------
def test_toml_positions_name_tables_keys_and_array_items():
    text = '[report]\ndate = 2017-07-13\n  url = "x"\n\n[[partners]]\nid = "a"\n[[partners]]\nid = "b"\n'
    positions = sources.toml_positions(text)
    assert positions[("report",)] == (1, 1)
    assert positions[("report", "date")] == (2, 1)
    assert positions[("report", "url")] == (3, 3)
    assert positions[("partners", 1, "id")] == (8, 1)


def test_yaml_positions_and_the_deepest_written_ancestor():
    source = sources.parse_yaml("a:\n  b: [1, 2]\n  c:\n    - x: 1\n", DataError, file="f.yaml")
    assert source.where(("a", "b", 1)) == (2, 10)
    assert source.where(("a", "c", 0, "x")) == (4, 7)
    assert source.where(("a", "c", 0, "missing")) == (4, 7)  # where it would go


# -- bounds --------------------------------------------------------------------------------------
def test_an_alias_bomb_is_refused_at_once_with_its_line():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 10) + "]")
    with pytest.raises(DataError, match="more than 200,000 values once its aliases are expanded"):
        sources.parse_yaml("\n".join(lines) + "\n", DataError, file="bomb.yaml")


def test_a_recursive_alias_and_deep_nesting_are_refused():
    with pytest.raises(DataError, match="refers to one of its own parents"):
        sources.parse_yaml("a: &a [1, *a]\n", DataError, file="x.yaml")
    deep = "a: " + "[" * 100 + "]" * 100 + "\n"
    with pytest.raises(DataError, match="nested more than 64 levels"):
        sources.parse_yaml(deep, DataError, file="x.yaml")


def test_a_file_over_its_bound_is_refused_without_being_read_whole(tmp_path):
    path = tmp_path / "big.md"
    path.write_bytes(b"x" * (sources.MAX_TEXT_BYTES + 1))
    with pytest.raises(ContentError, match="larger than"):
        sources.read_text(path, ContentError, root=tmp_path)


@pytest.mark.parametrize(("data", "name"), [("é".encode("utf-16"), "UTF-16"),
                                            ("é".encode("utf-32"), "UTF-32"),
                                            ("abcdef".encode("utf-16-le"), "UTF-16")])
def test_utf16_and_utf32_are_named(tmp_path, data, name):
    path = tmp_path / "f.toml"
    path.write_bytes(data)
    with pytest.raises(ConfigError, match=f"the file is {name}, not UTF-8"):
        sources.read_text(path, ConfigError, root=tmp_path)


# -- links out of the project ---------------------------------------------------------------------
def test_a_link_out_of_the_project_is_refused_and_not_read(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("password", encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    (project / "page.md").symlink_to(outside)
    with pytest.raises(ContentError) as caught:
        sources.read_text(project / "page.md", ContentError, root=project)
    assert "symbolic link that leads outside the project" in str(caught.value)
    assert caught.value.file == "page.md"
    (project / "inside.md").write_text("ok", encoding="utf-8")
    (project / "alias.md").symlink_to(project / "inside.md")  # a link inside is fine
    assert sources.read_text(project / "alias.md", ContentError, root=project) == "ok"


def test_a_device_or_a_fifo_is_refused(tmp_path):
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    with pytest.raises(ContentError, match="not a regular file"):
        sources.read_text(fifo, ContentError, root=tmp_path)


def test_content_linked_out_of_the_project_is_refused_by_the_build(project, tmp_path_factory):
    from report.config import load_config
    from report.content import load_content

    secret = tmp_path_factory.mktemp("elsewhere") / "secret.md"
    secret.write_text("---\ntitle: Secret\n---\nThe password.\n", encoding="utf-8")
    page = project / "data" / "content" / "en" / "conclusion.md"
    page.unlink()
    page.symlink_to(secret)
    config = run_stage(load_config, project)
    found = problems_of(load_content, config.paths, config.structure, config.languages)
    assert [str(e) for e in found] == [
        f"data/content/en/conclusion.md: refused: a symbolic link that leads outside the project "
        f"(value: '{secret}') → copy the file into the project instead of linking to it"]


def test_a_stylesheet_linked_out_of_the_project_is_refused(project, tmp_path_factory):
    from report.config import Paths
    from report.stylesheets import check_stylesheets

    elsewhere = tmp_path_factory.mktemp("elsewhere") / "elsewhere.css"
    elsewhere.write_text("body { color: red; }\n", encoding="utf-8")
    (project / "styles" / "screen.css").unlink()
    (project / "styles" / "screen.css").symlink_to(elsewhere)
    diag = Diagnostics()
    check_stylesheets(Paths.under(project), None, diag)
    assert [e.file for e in diag.errors] == ["styles/screen.css"]
    assert "outside the project" in diag.errors[0].message


# -- schemas: messages -------------------------------------------------------------------------------
def test_nan_and_inf_in_facts_are_refused_with_their_line():
    text = _report_toml(**{"value = 7000": "value = nan", "value = 210000": "value = inf"})
    model, errors = _validate(schemas.ReportFile, text)
    assert model is None
    lines = text.splitlines()
    assert [(e.message, lines[e.line - 1]) for e in errors] == [
        ("facts.enterprises.value: must be a finite number (not nan or inf)", "value = nan"),
        ("facts.jobs.value: must be a finite number (not nan or inf)", "value = inf")]


def test_an_unknown_key_suggests_the_closest_and_the_rest_is_still_checked():
    text = _report_toml(**{'publisher = "CEFRIO"': 'publsher = "CEFRIO"',
                           'page_size = "letter"': 'page_size = "legal"'})
    model, errors = _validate(schemas.ReportFile, text)
    assert [str(e).split(": ", 1)[1] for e in errors] == [
        "report.page_size: must be one of 'letter' or 'a4' (value: 'legal')",
        "report.publsher: unknown key → did you mean 'report.publisher'?"]
    assert model is None  # the page size is wrong


def test_a_misspelt_key_stands_for_the_key_it_resembles():
    text = _report_toml(**{'publisher = "CEFRIO"': 'publsher = "CEFRIO"'})
    model, errors = _validate(schemas.ReportFile, text)
    assert [e.message for e in errors] == ["report.publsher: unknown key"]
    assert model is not None and model.report.publisher == "CEFRIO"  # checks go on with it


def test_a_missing_translation_is_reported_and_the_rest_still_checked():
    text = _report_toml(**{'en = "Social Economy 2.0: Setting a Course for Digital"\n': ""})
    model, errors = _validate(schemas.ReportFile, text)
    assert [e.message for e in errors] == ["report.title.en: missing"]
    assert model is not None


def test_a_font_family_that_could_break_out_of_css_is_refused():
    text = (ROOT / "themes/default/theme.toml").read_text(encoding="utf-8").replace(
        'body = "Charis SIL"', 'body = "Charis\'; } body { background: url(/etc/passwd) }"')
    model, errors = _validate(schemas.ThemeFile, text, ThemeError, "themes/default/theme.toml")
    assert model is None
    assert [e.message for e in errors] == [
        'fonts.body: a font family name holds letters, digits, spaces, dots, hyphens and '
        'underscores only (the name the font file gives, e.g. "Charis SIL")']


def test_every_real_input_passes_its_schema():
    diag = Diagnostics()
    for path, model, kind in [("data/report.toml", schemas.ReportFile, ConfigError),
                              ("data/strings.toml", schemas.StringsFile, ConfigError),
                              *((f"themes/{t}/theme.toml", schemas.ThemeFile, ThemeError)
                                for t in ("default", "reseau-ormes", "fondation-brumes"))]:
        assert schemas.validate(model, sources.load_toml(ROOT / path, kind, root=ROOT), diag,
                                kind) is not None, path
    for path, model, kind in [("data/structure.yaml", schemas.StructureFile, ConfigError),
                              ("data/survey/codebook.yaml", schemas.CodebookFile, DataError),
                              ("data/survey/margins.yaml", schemas.MarginsFile, DataError),
                              ("data/figures.yaml", list[schemas.ExhibitFile], ContentError),
                              ("data/tables.yaml", list[schemas.ExhibitFile], ContentError)]:
        assert schemas.validate(model, sources.load_yaml(ROOT / path, kind, root=ROOT), diag,
                                kind) is not None, path
    assert diag.errors == []


def test_the_build_refuses_an_alias_bomb_in_the_codebook(project):
    from report.build import BuildOptions
    from report.check import check_all

    bomb = "\nbomb:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"  {c}: &{c} [" + ", ".join([f"*{chr(ord(c) - 1)}"] * 10) + "]\n" for c in "bcdefgh")
    with (project / "data" / "survey" / "codebook.yaml").open("a", encoding="utf-8") as handle:
        handle.write(bomb)
    diag = Diagnostics()
    check_all(BuildOptions(root=project, out_dir=project / "dist"), diag)
    assert any("alias bomb" in (e.hint or "") for e in diag.errors), diag.errors


def test_errors_name_files_relative_to_the_project(project):
    from report.config import load_config

    (project / "data" / "report.toml").write_text("[report\n", encoding="utf-8")
    found = problems_of(load_config, project)
    assert (found[0].file, found[0].line) == ("data/report.toml", 1)
    assert found[0].message.startswith("invalid TOML")


def test_an_unusable_survey_still_checks_every_name_the_content_uses(project):
    """The statistics need valid responses; the names need only the codebook."""
    from report.build import BuildOptions
    from report.check import check_all

    (project / "data" / "survey" / "responses.csv").unlink()
    page = project / "data" / "content" / "en" / "conclusion.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nSee {{stat social_network}} and "
                    "{{stat investment level=lots}} and {{figure fig-nope}}.\n", encoding="utf-8")
    diag = Diagnostics()
    check_all(BuildOptions(root=project, out_dir=project / "dist", languages=("en",)), diag)
    text = "\n".join(map(str, diag.errors))
    assert "responses.csv: missing file" in text
    assert "unknown variable 'social_network'" in text and "did you mean 'social_networks'" in text
    assert "unknown level of 'investment'" in text


def test_a_template_linked_out_of_the_project_is_refused(project, tmp_path_factory):
    from report.errors import RenderError
    from report.templates import make_environment

    elsewhere = tmp_path_factory.mktemp("elsewhere") / "cover.html"
    elsewhere.write_text("<p>{{ open('/etc/passwd') }}</p>", encoding="utf-8")
    (project / "templates" / "cover.html").unlink()
    (project / "templates" / "cover.html").symlink_to(elsewhere)
    env = make_environment(project / "templates")
    with pytest.raises(RenderError) as caught:
        env.get_template("cover.html")
    assert caught.value.file == "templates/cover.html"
    assert "outside the project" in caught.value.message
    assert env.get_template("toc.html") is not None  # the others are read as usual
