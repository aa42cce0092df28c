"""Properties that must hold for every input, checked on generated inputs (hypothesis).

- The survey loader: every valid file loads, whatever its line ends or byte-order mark; every
  corrupted one raises a DataError naming responses.csv with the row and column of the damage; no
  input at all, not even random bytes, raises anything else.
- The locale layer: money, money in words, «7 sur 10», and French typography, which must be
  idempotent and change only spacing.
"""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from helpers import run_stage
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from report.data import load_survey
from report.errors import DataError, ErrorGroup, ReportError
from report.i18n import NBSP, NNBSP, Formatter, typography

FR, EN = Formatter("fr"), Formatter("en")
SLOW = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# -- a small survey: the loader's rules, on files small enough to generate -----------------------
TEXT = {"fr": "texte", "en": "text"}
CODEBOOK = {
    "survey": {"title": TEXT},
    "dimensions": {"legal_form": {"label": TEXT}},
    "variables": {
        "legal_form": {"type": "single", "label": TEXT, "question": TEXT, "universe": TEXT,
                       "codes": {"coop": TEXT, "npo": TEXT}, "illustrative": True},
        "employees": {"type": "numeric", "label": TEXT, "question": TEXT, "universe": TEXT,
                      "range": {"min": 0, "max": 5000}, "illustrative": True},
        "crm": {"type": "binary", "label": TEXT, "question": TEXT, "universe": TEXT,
                "codes": {"1": TEXT, "0": TEXT}, "illustrative": True},
    },
}
SCHEMA = {
    "fields": [
        {"name": "id", "type": "string", "constraints": {"required": True, "unique": True}},
        {"name": "legal_form", "type": "string",
         "constraints": {"required": True, "enum": ["coop", "npo"]}},
        {"name": "employees", "type": "integer",
         "constraints": {"required": True, "minimum": 0, "maximum": 5000}},
        {"name": "crm", "type": "string", "constraints": {"required": True, "enum": ["1", "0"]}},
    ],
    "primaryKey": ["id"],
    "missingValues": [""],
}
MARGINS = {"population": {"total": 100},
           "margins": {"legal_form": {"targets": {"coop": 50, "npo": 50}, "source": "test"}}}
HEADER = ["id", "legal_form", "employees", "crm"]


@pytest.fixture(scope="module")
def survey_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("survey")
    (folder / "codebook.yaml").write_text(json.dumps(CODEBOOK), "utf-8")  # JSON is YAML
    (folder / "schema.json").write_text(json.dumps(SCHEMA), "utf-8")
    (folder / "margins.yaml").write_text(json.dumps(MARGINS), "utf-8")
    return folder


row_strategy = st.tuples(st.sampled_from(["coop", "npo"]), st.integers(0, 5000),
                         st.sampled_from(["1", "0"]))
rows_strategy = st.lists(row_strategy, min_size=1, max_size=12)


def csv_bytes(rows: list[tuple[str, int, str]], *, crlf: bool = False, bom: bool = False) -> bytes:
    end = "\r\n" if crlf else "\n"
    lines = [",".join(HEADER)] + [f"R{i:03d},{form},{employees},{crm}"
                                  for i, (form, employees, crm) in enumerate(rows, start=1)]
    return (b"\xef\xbb\xbf" if bom else b"") + (end.join(lines) + end).encode("utf-8")


def errors_of(exc: ReportError) -> list[ReportError]:
    return exc.errors if isinstance(exc, ErrorGroup) else [exc]


@SLOW
@given(rows=rows_strategy, crlf=st.booleans(), bom=st.booleans())
def test_valid_files_load(survey_dir, rows, crlf, bom):
    (survey_dir / "responses.csv").write_bytes(csv_bytes(rows, crlf=crlf, bom=bom))
    frame = run_stage(load_survey, survey_dir).responses
    assert list(frame["id"]) == [f"R{i:03d}" for i in range(1, len(rows) + 1)]
    assert list(frame["legal_form"]) == [r[0] for r in rows]
    assert list(frame["employees"]) == [r[1] for r in rows]
    assert list(frame["crm"]) == [r[2] for r in rows]


# each corruption: (column it damages or None for the whole row, function(lines, row) → lines)
def _set(column: str, value: bytes):
    def corrupt(lines: list[bytes], row: int) -> list[bytes]:
        cells = lines[row].split(b",")
        cells[HEADER.index(column)] = value
        lines[row] = b",".join(cells)
        return lines

    return column, corrupt


def _row(change):
    def corrupt(lines: list[bytes], row: int) -> list[bytes]:
        lines[row] = change(lines[row], lines)
        return lines

    return None, corrupt


CORRUPTIONS = {
    "unknown code": _set("legal_form", b"corporation"),
    "code in the wrong case": _set("legal_form", b"COOP"),
    "not a number": _set("employees", b"many"),
    "a decimal number": _set("employees", b"12.5"),
    "out of range": _set("employees", b"5001"),
    "negative": _set("employees", b"-3"),
    "yes instead of 1": _set("crm", b"yes"),
    "missing answer": _set("crm", b""),
    "Latin-1 text": _set("legal_form", "coopé".encode("latin-1")),
    "a lone byte": _set("crm", b"\xff"),
    "missing id": _set("id", b""),
    "duplicate id": _set("id", b"R001"),
    "a cell too few": _row(lambda line, lines: line.rsplit(b",", 1)[0]),
    "a cell too many": _row(lambda line, lines: line + b",1"),
    "an unclosed quote": _set("legal_form", b'"coop'),
}


@SLOW
@given(rows=st.lists(row_strategy, min_size=2, max_size=10), data=st.data(),
       kind=st.sampled_from(sorted(CORRUPTIONS)), crlf=st.booleans())
def test_corrupted_files_name_the_row_and_column(survey_dir, rows, data, kind, crlf):
    row = data.draw(st.integers(2 if kind == "duplicate id" else 1, len(rows)), label="row")
    column, corrupt = CORRUPTIONS[kind]
    lines = csv_bytes(rows).rstrip(b"\n").split(b"\n")
    lines = corrupt(lines, row)
    end = b"\r\n" if crlf else b"\n"
    (survey_dir / "responses.csv").write_bytes(end.join(lines) + end)
    with pytest.raises(ReportError) as info:
        run_stage(load_survey, survey_dir)
    errors = errors_of(info.value)
    assert all(isinstance(e, DataError) for e in errors), errors
    assert all(e.file and e.file.endswith("responses.csv") for e in errors), [str(e) for e in errors]
    where = [(e.line, e.column) for e in errors]
    if kind == "an unclosed quote":  # the quote swallows the rest of the file: from this row on
        assert any(line is not None and line >= row for line, _c in where), [str(e) for e in errors]
    else:
        assert any(line == row and (column is None or col == column) for line, col in where), \
            (kind, row, [str(e) for e in errors])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(content=st.one_of(
    st.binary(max_size=400),
    st.text(alphabet=',"\n\r ;\tabcRnop01é\x00', max_size=300).map(lambda t: t.encode("utf-8")),
    st.lists(st.lists(st.sampled_from(["coop", "npo", "1", "0", "R001", "", "42", '"', "é"]),
                      max_size=6), max_size=8).map(
        lambda rows: "\n".join([",".join(HEADER)] + [",".join(r) for r in rows]).encode()),
))
@example(content=b"")
@example(content=b"\xef\xbb\xbf")
@example(content=",".join(HEADER).encode())
def test_no_input_raises_anything_but_a_data_error(survey_dir, content):
    (survey_dir / "responses.csv").write_bytes(content)
    try:
        run_stage(load_survey, survey_dir)
    except ReportError as exc:
        assert all(isinstance(e, DataError) for e in errors_of(exc))
        assert "Traceback" not in str(exc)


# -- the locale layer ----------------------------------------------------------------------------
def half_up(value: Decimal, places: int = 0) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def grouped(value: Decimal, places: int, thousands: str, point: str) -> str:
    whole, _, fraction = f"{value:.{places}f}".partition(".")
    groups = re.sub(r"(?<=\d)(?=(\d{3})+$)", thousands, whole)
    return groups + (point + fraction if places else "")


amounts = st.decimals(min_value=0, max_value=Decimal("1e13"), allow_nan=False, places=2)


@given(amount=amounts, places=st.integers(0, 2))
def test_money(amount, places):
    rounded = half_up(amount, places)
    assert FR.money(amount, places) == grouped(rounded, places, NBSP, ",") + f"{NBSP}$"
    assert EN.money(amount, places) == "$" + grouped(rounded, places, ",", ".")


@given(amount=amounts, places=st.integers(0, 1))
@example(amount=Decimal("999999999.6"), places=0)  # rounds up to the next scale
@example(amount=Decimal("999500000"), places=0)
@example(amount=Decimal("1999999"), places=0)
@example(amount=Decimal("1500000000"), places=1)
def test_money_in_words(amount, places):
    fr, en = FR.money_words(amount, places), EN.money_words(amount, places)
    billion, million = Decimal(10) ** 9, Decimal(10) ** 6
    if amount >= billion or (amount >= million and half_up(amount / million, places) >= 1000):
        size, fr_word, en_word = billion, "milliard", "billion"
    elif amount >= million:
        size, fr_word, en_word = million, "million", "million"
    else:
        assert fr == FR.money(amount) and en == EN.money(amount)
        return
    figure = half_up(amount / size, places)
    assert 1 <= figure < 1000 or size == billion
    plural = "s" if figure >= 2 else ""
    assert fr == grouped(figure, places, NBSP, ",") + f"{NBSP}{fr_word}{plural} de dollars"
    assert en == "$" + grouped(figure, places, ",", ".") + f"{NBSP}{en_word}"


@given(st.decimals(min_value=0, max_value=1, places=4))
@example(Decimal("0.05"))
@example(Decimal("0.95"))
@example(Decimal("0.6849"))
def test_out_of_ten(p):
    tenths = int(half_up(p * 10))
    assert FR.out_of_ten(p) == f"{tenths}{NBSP}sur{NBSP}10"
    assert EN.out_of_ten(p) == f"{tenths}{NBSP}in{NBSP}10"
    assert 0 <= tenths <= 10


@given(st.integers(0, 10**9), st.integers(0, 3))
def test_number_rounds_half_up(n, places):
    value = Decimal(n).scaleb(-3)  # three decimals, so rounding is exercised
    rounded = half_up(value, places)
    assert EN.number(value, places) == grouped(rounded, places, ",", ".")
    assert FR.number(value, places) == grouped(rounded, places, NBSP, ",")


french_text = st.text(alphabet=list("aé Z10:;!?«»%$.,/()'\u00a0\u202f\n-"), max_size=40)


@given(french_text)
@example("Il dit : « bonjour » ! Vraiment ? 71 % à 10:30 ; https://x.ca")
@example("a !!")
@example("«»")
@example(": a")
@example("5 $ ?")
@example("100 000 $ ; 1 100 110")
def test_french_typography_is_idempotent_and_changes_only_spaces_and_apostrophes(text):
    once = typography(text, "fr")
    assert typography(once, "fr") == once
    spaces = re.compile(f"[ {NBSP}{NNBSP}]")
    assert spaces.sub("", once).replace("’", "'") == spaces.sub("", text).replace("’", "'")
    english = typography(text, "en")
    assert english.replace("’", "'") == text.replace("’", "'") and len(english) == len(text)
    for out in (once, english):
        assert not re.search(r"(?<=[^\W\d_])'(?=[^\W\d_])", out)


@given(french_text)
@example("\n ;")  # a line that starts with punctuation (found by hypothesis)
@example("100 000 $ ; 1 100 110")
def test_french_typography_leaves_no_plain_space_where_a_no_break_one_belongs(text):
    out = typography(text, "fr")
    assume("://" not in out)
    assert not re.search(r"(?<![;!?]) [;!?]+(?=[\s»)\]]|$)|« | »|(?<=\d) %", out), out
    assert not re.search(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?!\d)", out), out  # «1 300»
