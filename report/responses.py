"""The survey's responses (``data/survey/responses.csv``): read every row and check every cell.

Input: the CSV file (UTF-8; a byte-order mark and CRLF line ends are accepted), one row per
respondent, column ``id`` then one column per codebook variable (``<variable>__<code>`` 0/1 columns
for multiple-response variables), and the :class:`~report.codebook.Codebook`.
Output: the responses as a pandas DataFrame (codes as strings, numbers as integers, missing
answers as missing values), or None; every problem goes to the build's diagnostics, naming the
row (1 = the first row after the header), the column and the value.

The codebook is the one schema of the rows: each cell is checked against its variable's type and
codes, its range, its universe (an answer from someone who was not asked is as wrong as a missing
one from someone who was), its derived class (``size`` from ``employees``) and its multiple-response
question's exclusive option; ids are unique. (A frictionless Table Schema cannot say who was
asked a question or how one column derives from another, so the checks would be split between two
validators with two sets of messages; one validator written from the codebook says it all.)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .codebook import ID_COLUMN, Codebook, column_name
from .diagnostics import Diagnostics
from .errors import DataError, ReportError
from .sources import MAX_DATA_BYTES, read_bytes, shown, wide_encoding

if TYPE_CHECKING:  # imported where the frame is built: a language worker never needs pandas
    import pandas as pd


@dataclass
class Table:
    """The CSV's cells as text: the header and the rows (padded or cut to the header's width)."""

    header: list[str]
    rows: list[list[str]]


def read_table(path: Path, diag: Diagnostics, *, root: Path | None = None) -> Table | None:
    """Read the CSV file into cells; report a missing, empty or undecodable file, malformed rows
    and bytes that are not UTF-8 (by row, column and file line)."""
    file = shown(path, root)
    try:
        data = read_bytes(path, DataError, root=root, limit=MAX_DATA_BYTES, missing="missing file",
                          missing_hint=f"add {path.name} to {path.parent}")
    except DataError as exc:
        diag.error(exc)
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    wide = wide_encoding(data)
    if wide:
        diag.error(DataError(f"the file is {wide}, not UTF-8", file=file,
                             hint="save it as UTF-8 (in a spreadsheet: «CSV UTF-8»)"))
        return None
    if not data.strip():
        diag.error(DataError("empty file", file=file))
        return None
    text = data.decode("utf-8", errors="replace")
    records: list[list[str]] = []
    starts: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    previous_end = 0
    try:
        for record in reader:
            records.append(record)
            starts.append(previous_end + 1)
            previous_end = reader.line_num
    except csv.Error as exc:
        diag.error(DataError(f"malformed CSV: {exc}", file=file, line=len(records)))
    while records and not any(cell.strip() for cell in records[-1]):
        records.pop()  # trailing blank lines
        starts.pop()
    if not records:
        diag.error(DataError("empty file", file=file))
        return None
    header = [h.strip() for h in records[0]]
    width = len(header)
    rows: list[list[str]] = []
    for i, record in enumerate(records[1:], start=1):
        if not any(cell.strip() for cell in record):
            diag.error(DataError("empty row", file=file, line=i, hint="remove the blank line"))
        elif len(record) != width:
            diag.error(DataError(f"row has {len(record)} cells, the header has {width}",
                                 file=file, line=i, hint="check the commas and quotes"))
        rows.append((record + [""] * width)[:width])
    if "\ufffd" in text:
        for number, chunk in _bad_lines(data):
            row = next((i for i, s in reversed(list(enumerate(starts))) if s <= number), 0)
            columns = [h for h, c in zip(header, records[row], strict=False) if "\ufffd" in c]
            diag.error(DataError(
                f"undecodable text: bytes {chunk.hex(' ').upper()} are not UTF-8 (file line "
                f"{number})", file=file, line=row if row > 0 else None,
                column=columns[0] if columns else None,
                value=records[row][header.index(columns[0])] if columns else None,
                hint="save the file as UTF-8 (it looks like Latin-1 / Windows-1252)"))
    return Table(header, rows)


def _bad_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(file line, offending bytes) for each line that is not valid UTF-8."""
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, line[exc.start: exc.end]


def check_rows(table: Table, codebook: Codebook, diag: Diagnostics, file: str) -> None:
    """Check every cell against the codebook (see the module's docstring)."""
    found: set[tuple[int | None, str | None]] = {  # a cell reported already (undecodable bytes)
        (e.line, str(e.column)) for e in diag.errors if e.file == file and e.column is not None}
    problems: list[ReportError] = []

    def report(error: ReportError) -> None:
        key = (error.line, str(error.column) if error.column is not None else None)
        if error.line is None or error.column is None or key not in found:
            found.add(key)
            problems.append(error)

    header = table.header
    pos = {h: i for i, h in enumerate(header)}
    declared = codebook.all_columns
    for name in declared:
        if name not in pos:
            report(DataError("missing column declared in the codebook", file=file, column=name,
                             hint="add the column to the CSV header"))
    seen: set[str] = set()
    for name in header:
        if name in seen:
            report(DataError("duplicate column", file=file, column=name))
        seen.add(name)
        if name not in declared:
            report(DataError("column not in the codebook", file=file, column=name,
                             hint="declare the variable in codebook.yaml or remove the column"))
    rows = table.rows
    if not rows:
        report(DataError("no respondents: the file has only a header", file=file))

    def cells(col: str) -> list[str] | None:
        return [r[pos[col]].strip() for r in rows] if col in pos else None

    for var in codebook.variables:
        _check_variable(var, codebook, cells, len(rows), file, report)
    ids = cells(ID_COLUMN)
    first: dict[str, int] = {}
    for i, value in enumerate(ids or [], start=1):
        if value == "":
            report(DataError("missing required answer", file=file, line=i, column=ID_COLUMN,
                             hint="every row needs an id"))
        elif value in first:
            report(DataError("duplicate id", file=file, line=i, column=ID_COLUMN, value=value,
                             hint=f"the same as in row {first[value]}"))
        else:
            first[value] = i
    order = {name: i for i, name in enumerate(header)}
    for problem in sorted(problems, key=lambda e: (e.line or 0, order.get(str(e.column), -1))):
        diag.error(problem)  # row by row, in the file's column order


def _check_variable(var: str, codebook: Codebook, cells: Any, count: int, file: str,
                    report: Any) -> None:
    """The cells of one variable: codes or numbers, range, universe, derived class, exclusive."""
    vtype = codebook.type(var)
    flt = codebook.universe_filter(var)
    if flt is None:
        asked = [True] * count
    else:
        values = cells(flt["variable"]) or [""] * count
        asked = [v in flt["in"] for v in values]
    universe = codebook.universe(var, "en")
    for col in codebook.columns(var):
        values = cells(col)
        if values is None:
            continue
        if vtype == "multiple":
            valid: tuple[str, ...] | None = ("0", "1")
            hint = "a multiple-response column holds 0 or 1"
        elif vtype == "numeric":
            valid, hint = None, None
        else:
            valid = tuple(codebook.levels(var))
            hint = "use one of " + ", ".join(valid)
        low, high = codebook.range(var) if vtype == "numeric" else (None, None)
        for i, (value, is_asked) in enumerate(zip(values, asked, strict=True), start=1):
            where: dict[str, Any] = {"file": file, "line": i, "column": col}
            if value == "":
                if is_asked:
                    report(DataError("missing required answer", **where,
                                     hint=f"asked of {universe}"))
            elif not is_asked:
                report(DataError("answer outside the question's universe", **where, value=value,
                                 hint=f"asked only of {universe}"))
            elif valid is not None:
                if value not in valid:
                    report(DataError("unknown code", **where, value=value, hint=hint))
            elif not value.lstrip("-").isdigit():
                report(DataError("wrong type", **where, value=value, hint="expected an integer"))
            elif (low is not None and int(value) < low) or (high is not None and int(value) > high):
                report(DataError("value out of range", **where, value=value,
                                 hint=f"must be between {low} and {high}"))
    derived = codebook.derived(var)
    if derived:
        codes, sources = cells(var), cells(derived["from"])
        bounds = {str(k): v for k, v in derived["bounds"].items()}
        src_low, src_high = codebook.range(derived["from"])
        for i, (code, raw) in enumerate(zip(codes or [], sources or [], strict=False), start=1):
            if code not in bounds or not raw.lstrip("-").isdigit():
                continue
            number = int(raw)
            if (src_low is not None and number < src_low) or \
                    (src_high is not None and number > src_high):
                continue  # reported as out of range
            low, high = bounds[code]
            if number < (low if low is not None else number) or \
                    number > (high if high is not None else number):
                report(DataError(
                    f"{var} does not match {derived['from']} = {number}", file=file, line=i,
                    column=var, value=code,
                    hint=f"{code} means {derived['from']} between {low} and {high or 'more'}"))
    exclusive = codebook.exclusive(var) if vtype == "multiple" else None
    if exclusive:
        columns = {c: cells(c) for c in codebook.columns(var)}
        if all(v is not None for v in columns.values()):
            own = column_name(var, exclusive)
            for i in range(count):
                if columns[own][i] == "1" and any(
                        values[i] == "1" for c, values in columns.items() if c != own):
                    report(DataError(f"'{exclusive}' is exclusive but other options are 1",
                                     file=file, line=i + 1, column=own, value="1"))


def frame(table: Table, codebook: Codebook) -> pd.DataFrame:
    """The checked cells as a DataFrame: codes as strings, numbers as integers, None missing."""
    import pandas as pd

    pos = {h: i for i, h in enumerate(table.header)}
    columns: dict[str, Any] = {}
    for col in codebook.all_columns:
        raw = [r[pos[col]].strip() for r in table.rows]
        var = col.split("__", 1)[0] if col not in codebook.variables and col != ID_COLUMN else col
        vtype = "id" if col == ID_COLUMN else codebook.type(var)
        if vtype in ("numeric", "multiple"):
            series = pd.Series([int(v) if v != "" else None for v in raw], dtype="Int64")
            columns[col] = series.astype("int64") if not series.isna().any() else series
        else:
            columns[col] = pd.Series([v if v != "" else None for v in raw], dtype="str")
    return pd.DataFrame(columns)
