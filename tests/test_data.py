"""Stage «data»: loading and validating data/survey (codebook, margins, responses)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from helpers import run_stage

from report.codebook import Codebook
from report.data import load_survey
from report.errors import ContentError, DataError, ErrorGroup, ReportError

SURVEY = Path(__file__).resolve().parents[1] / "data" / "survey"


@pytest.fixture(scope="module")
def survey():
    return run_stage(load_survey, SURVEY)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the survey folder whose responses.csv holds only the header and 6 respondents."""
    out = tmp_path / "survey"
    out.mkdir()
    for name in ("codebook.yaml", "margins.yaml"):
        shutil.copy(SURVEY / name, out / name)
    lines = (SURVEY / "responses.csv").read_text(encoding="utf-8").splitlines()
    (out / "responses.csv").write_text("\n".join(lines[:7]) + "\n", encoding="utf-8")
    return out


def rows_of(folder: Path) -> tuple[list[str], list[list[str]]]:
    lines = (folder / "responses.csv").read_text(encoding="utf-8").splitlines()
    return lines[0].split(","), [line.split(",") for line in lines[1:]]


def write_rows(folder: Path, header: list[str], rows: list[list[str]], *, newline: str = "\n",
               encoding: str = "utf-8", bom: bool = False) -> None:
    text = newline.join(",".join(r) for r in [header, *rows]) + newline
    data = text.encode(encoding)
    (folder / "responses.csv").write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def problems(excinfo: pytest.ExceptionInfo) -> list[ReportError]:
    err = excinfo.value
    return err.errors if isinstance(err, ErrorGroup) else [err]


def find(errors: list[ReportError], message: str) -> list[ReportError]:
    return [e for e in errors if message in e.message]


# --------------------------------------------------------------------------- the real survey


def test_real_survey_loads(survey):
    df = survey.responses
    assert len(df) == 400
    assert df["id"].is_unique
    assert df["id"].iloc[0] == "R001"
    assert df["employees"].dtype == "int64"
    assert df["barriers__cost"].dtype == "int64"
    assert all(isinstance(v, str) for v in df["size"])
    assert set(df["office_suite"]) == {"1", "0"}
    assert set(df["size"]) == set(survey.codebook.levels("size"))
    assert all(p.is_file() for p in survey.source_files)
    assert survey.margins.total == 7000
    for var in survey.margins.variables:
        assert sum(survey.margins.targets[var].values()) == pytest.approx(7000)


def test_every_codebook_column_is_in_the_file(survey):
    assert list(survey.responses.columns) == survey.codebook.all_columns


def test_size_matches_employees(survey):
    df = survey.responses
    bins = pd.cut(df["employees"], [-1, 4, 19, 49, 10**6], labels=["lt5", "5to19", "20to49",
                                                                    "50plus"])
    assert (bins.astype(str) == df["size"]).all()


def test_published_or_illustrative(survey):
    cb = survey.codebook
    for var in cb.variables:
        assert cb.is_illustrative(var) != bool(cb.published(var) or cb._published_entries(var))
    assert cb.published("office_suite")["value"] == 0.94
    assert cb.published("social_networks", by="size", group="lt5")["value"] == 0.69
    assert cb.published("investment", level="lt5k")["value"] == 0.49
    assert cb.published("crm") is None and cb.is_illustrative("crm")
    figures = cb.published_figures
    assert len(figures) == 14
    assert all(f["source"] for f in figures)


def test_codebook_api(survey):
    cb = survey.codebook
    assert cb.label("office_suite", "fr") == "Suite bureautique"
    assert cb.label("office_suite", "en") == "Office suite"
    assert cb.question("has_skills", "en").endswith("?")
    assert cb.levels("office_suite") == ["1", "0"]
    assert cb.levels("size") == ["lt5", "5to19", "20to49", "50plus"]
    assert cb.level_label("office_suite", "1", "fr") == "Oui"
    assert cb.level_label("digital_essential", "agree", "en") == "Agree (total)"
    assert cb.universe("erp", "fr") == "toutes les entreprises répondantes"
    assert cb.dimension_label("legal_form", "en") == "Legal form"
    assert cb.type("barriers") == "multiple" and cb.type("employees") == "numeric"
    assert cb.columns("barriers")[0] == "barriers__cost"
    assert cb.dimensions == ["legal_form", "size", "region", "age", "revenue"]
    assert len(cb.levels("sector")) >= 8
    for var in cb.variables:
        for lang in ("fr", "en"):
            assert cb.label(var, lang) and cb.question(var, lang) and cb.universe(var, lang)
            for code in cb.levels(var):
                assert cb.level_label(var, code, lang)


@pytest.mark.parametrize(
    ("call", "hint"),
    [
        (lambda cb: cb.label("social_network", "fr"), "social_networks"),
        (lambda cb: cb.level_label("size", "lt4", "fr"), "lt5"),
        (lambda cb: cb.dimension_label("sector", "fr"), "legal_form"),
        (lambda cb: cb.label("erp", "de"), "fr, en"),
    ],
)
def test_unknown_names_raise_content_error(survey, call, hint):
    with pytest.raises(ContentError) as excinfo:
        call(survey.codebook)
    assert hint in excinfo.value.hint


# --------------------------------------------------------------------------- bad responses


def test_every_problem_reported_at_once(folder):
    header, rows = rows_of(folder)
    col = {name: i for i, name in enumerate(header)}
    rows[1][col["id"]] = rows[0][col["id"]]  # row 2: duplicate id
    rows[2][col["size"]] = "huge"  # row 3: unknown code
    rows[3][col["erp"]] = ""  # row 4: missing required answer
    rows[4][col["employees"]] = "-3"  # row 5: out of range
    rows[5][col["barriers__cost"]] = "yes"  # row 6: not 0 or 1
    write_rows(folder, header, rows)
    # row 1: bytes that are not UTF-8 (Latin-1 «é» in the region column)
    raw = (folder / "responses.csv").read_bytes().split(b"\n")
    cells = raw[1].split(b",")
    cells[col["region"]] = b"r\xe9gion"
    raw[1] = b",".join(cells)
    (folder / "responses.csv").write_bytes(b"\n".join(raw))

    with pytest.raises(ErrorGroup) as excinfo:
        run_stage(load_survey, folder)
    errors = problems(excinfo)
    csv_file = str(folder / "responses.csv")
    expected = [
        ("undecodable text", 1, "region"),
        ("duplicate id", 2, "id"),
        ("unknown code", 3, "size"),
        ("missing required answer", 4, "erp"),
        ("value out of range", 5, "employees"),
        ("0 or 1", 6, "barriers__cost"),
    ]
    for message, row, column in expected:
        found = [e for e in errors if (message in e.message or message in (e.hint or ""))
                 and e.line == row and e.column == column]
        assert found, f"{message} row {row} {column} not reported: {[str(e) for e in errors]}"
        assert found[0].file == csv_file
        assert isinstance(found[0], DataError)
    by_rule = {m: find(errors, m)[0] for m, _, _ in expected if m != "0 or 1"}
    assert find(errors, "unknown code")[1].value == "yes"
    assert by_rule["duplicate id"].value == rows[0][col["id"]]
    assert "row 1" in by_rule["duplicate id"].hint
    assert by_rule["unknown code"].value == "huge"
    assert "lt5" in by_rule["unknown code"].hint
    assert by_rule["value out of range"].value == "-3"
    assert "E9" in by_rule["undecodable text"].message and "file line 2" in by_rule[
        "undecodable text"].message
    # one error per cell: -3 employees is also inconsistent with size, reported separately
    cells_reported = [(e.line, e.column) for e in errors if e.line is not None]
    assert len(cells_reported) == len(set(cells_reported))
    text = str(excinfo.value)
    assert "responses.csv:3:size: unknown code (value: 'huge')" in text
    assert [(e.line, e.column) for e in errors] == [  # row by row, in the file's column order
        (1, "region"), (2, "id"), (3, "size"), (4, "erp"), (5, "employees"), (6, "barriers__cost")]


def test_bom_and_crlf_are_accepted(folder):
    header, rows = rows_of(folder)
    write_rows(folder, header, rows, newline="\r\n", bom=True)
    survey = run_stage(load_survey, folder)
    assert survey.responses.columns[0] == "id"
    assert len(survey.responses) == 6
    assert survey.responses["legal_form"].iloc[0] in ("coop", "npo")


def test_header_problems(folder):
    header, rows = rows_of(folder)
    drop = header.index("crm")
    header = header[:drop] + header[drop + 1:] + ["extra"]
    rows = [r[:drop] + r[drop + 1:] + ["x"] for r in rows]
    write_rows(folder, header, rows)
    with pytest.raises(ErrorGroup) as excinfo:
        run_stage(load_survey, folder)
    errors = problems(excinfo)
    assert [e.column for e in find(errors, "missing column")] == ["crm"]
    assert [e.column for e in find(errors, "column not in the codebook")] == ["extra"]


def test_size_inconsistent_with_employees_and_exclusive_none(folder):
    header, rows = rows_of(folder)
    col = {name: i for i, name in enumerate(header)}
    rows[0][col["size"]], rows[0][col["employees"]] = "lt5", "120"
    rows[1][col["barriers__none"]], rows[1][col["barriers__cost"]] = "1", "1"
    write_rows(folder, header, rows)
    with pytest.raises(ErrorGroup) as excinfo:
        run_stage(load_survey, folder)
    errors = problems(excinfo)
    assert find(errors, "size does not match employees")[0].line == 1
    assert find(errors, "exclusive")[0].line == 2


def test_ragged_row(folder):
    header, rows = rows_of(folder)
    rows[2] = rows[2][:-3]
    write_rows(folder, header, rows)
    with pytest.raises(ReportError) as excinfo:
        run_stage(load_survey, folder)
    assert find(problems(excinfo), "cells, the header has")[0].line == 3


# --------------------------------------------------------------------------- bad files


def test_missing_and_empty_files(folder):
    (folder / "margins.yaml").unlink()
    (folder / "responses.csv").write_bytes(b"\xef\xbb\xbf\r\n")
    with pytest.raises(ErrorGroup) as excinfo:
        run_stage(load_survey, folder)
    errors = problems(excinfo)
    assert find(errors, "missing file")[0].file == str(folder / "margins.yaml")
    assert find(errors, "empty file")[0].file == str(folder / "responses.csv")


@pytest.mark.parametrize(("encoding", "name"), [("utf-16", "UTF-16"), ("utf-16-be", "UTF-16"),
                                                ("utf-32", "UTF-32")])
def test_a_csv_in_utf16_or_utf32_is_named_as_such(folder, encoding, name):
    header, rows = rows_of(folder)
    write_rows(folder, header, rows, encoding=encoding)
    with pytest.raises(DataError) as excinfo:
        run_stage(load_survey, folder)
    assert excinfo.value.message == f"the file is {name}, not UTF-8"
    assert "Latin" not in str(excinfo.value)


def test_missing_folder(tmp_path):
    with pytest.raises(DataError, match="not found"):
        run_stage(load_survey, tmp_path / "nowhere")


def test_malformed_yaml_reports_its_line(folder):
    text = (folder / "margins.yaml").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(text) if line.startswith("  legal_form:"))
    text[start + 1] = "    targets: {coop: 3300, npo: 3700"
    (folder / "margins.yaml").write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as excinfo:
        run_stage(load_survey, folder)
    bad_yaml = find(problems(excinfo), "invalid YAML")[0]
    assert bad_yaml.file.endswith("margins.yaml")
    assert start + 2 <= bad_yaml.line <= start + 3 and bad_yaml.column is not None


def test_label_missing_in_one_language(folder):
    path = folder / "codebook.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    target = next(i for i, line in enumerate(lines)
                  if 'label: {fr: "Suite bureautique", en: "Office suite"}' in line)
    lines[target] = '    label: {fr: "Suite bureautique"}'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as excinfo:
        run_stage(load_survey, folder)
    errors = problems(excinfo)
    assert len(errors) == 1  # the responses are still checked, and are fine
    err = errors[0]
    assert err.file == str(path)
    assert err.message == "variables.office_suite.label.en: missing"
    assert err.line == target + 1


def test_codebook_cross_checks(folder):
    path = folder / "codebook.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("      - {<<: *di, value: 0.14}", "      - {<<: *di, value: 14}")
    text = text.replace("    type: ordinal\n    label: {fr: \"Investissement",
                        "    type: ordinale\n    label: {fr: \"Investissement")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ErrorGroup) as excinfo:
        run_stage(load_survey, folder)
    errors = problems(excinfo)
    bound = find(errors, "must be at most 1")[0]
    assert bound.message.startswith("variables.erp.published.0.value: ")
    assert bound.value == 14 and "between 0 and 1" in bound.hint
    kind = find(errors, "variables.investment.type: must be one of")[0]
    assert kind.value == "ordinale" and "'ordinal'" in kind.message


def test_margins_checks(folder):
    path = folder / "margins.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("{coop: 3300, npo: 3700}", "{coop: 3300, npo: 3600}")
    text = text.replace("    assumption: true\n    source: \"ISQ, L'économie sociale au Québec – "
                        "Portrait statistique 2016 (65", "    source: \"\"\n    x: \"(65", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ErrorGroup) as excinfo:
        run_stage(load_survey, folder)
    errors = problems(excinfo)
    total = find(errors, "not the population total 7000")[0]
    assert total.message.startswith("margins.legal_form.targets: margin counts sum to 6900")
    assert find(errors, "margins.size: a margin needs a source")
    assert find(errors, "margins.size.x: unknown key")


def test_codebook_from_dict_minimal():
    cb = Codebook({
        "variables": {
            "q": {"type": "binary", "label": {"fr": "Q", "en": "Q"},
                  "codes": {"1": {"fr": "Oui", "en": "Yes"}, "0": {"fr": "Non", "en": "No"}},
                  "universe": {"fr": "tous", "en": "all", "filter": {"variable": "g", "in": ["a"]}},
                  "published": {"value": 0.5, "source": "s"}},
        },
        "dimensions": {},
    })
    assert cb.universe_filter("q") == {"variable": "g", "in": ["a"]}
    assert cb.published("q")["level"] == "1"


def test_undecodable_yaml_reports_its_line(folder):
    path = folder / "codebook.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    target = next(i for i, line in enumerate(lines) if "Suite bureautique" in line)
    data = "\n".join(lines).encode("utf-8").split(b"\n")
    data[target] = data[target].replace(b"Suite", b"Suit\xe9")
    path.write_bytes(b"\n".join(data))
    with pytest.raises(DataError) as excinfo:
        run_stage(load_survey, folder)
    err = find(problems(excinfo), "not valid UTF-8")[0]
    assert err.file == str(path) and err.line == target + 1 and err.value == b"\xe9"
