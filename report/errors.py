"""Errors of the pipeline: every problem names where it is and how to fix it.

Input: whatever a stage found wrong (a file, a row or line, a column, the offending value, a hint).
Output: exceptions whose ``str()`` is one readable line that the command line prints without a
traceback, for example::

    data/survey/responses.csv:12:size: unknown code (value: 'huge') → use one of lt5, 5to19, 20to49, 50plus

A stage that can find several problems collects them and raises one :class:`ErrorGroup`, so the user
sees every problem at once and fixes them in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any


class ReportError(Exception):
    """Base class of every error the build reports to its user.

    ``file`` is shown relative to the project when possible; ``line`` is a line number for text files
    and a row number (1 = first data row) for CSV files; ``column`` is a column number or name.
    """

    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        column: int | str | None = None,
        value: Any = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.value = value
        self.hint = hint

    def __reduce__(self) -> tuple:
        # Errors cross process boundaries (parallel editions): keep every field, not just args.
        return (_rebuild, (type(self), self.__dict__.copy()))

    @property
    def location(self) -> str:
        parts = [p for p in (self.file, self.line, self.column) if p is not None]
        return ":".join(str(p) for p in parts)

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.value is not None:
            shown = repr(self.value)
            if len(shown) > 80:
                shown = shown[:77] + "…"
            text += f" (value: {shown})"
        if self.hint:
            text += f" → {self.hint}"
        return text


class ConfigError(ReportError):
    """The report's configuration (data/report.toml, structure, strings) is wrong."""

    kind = "configuration error"


class DataError(ReportError):
    """The survey data, its codebook, schema or margins are wrong."""

    kind = "data error"


class ContentError(ReportError):
    """A content file (Markdown, front matter, shortcode, figure or table definition) is wrong."""

    kind = "content error"


class ThemeError(ReportError):
    """A theme folder or theme file is wrong."""

    kind = "theme error"


class RenderError(ReportError):
    """Charts, templates or the PDF engine failed, or warned under --strict."""

    kind = "render error"


class OutputError(ReportError):
    """The output folder cannot be written (permissions, a full disk, a file in the way)."""

    kind = "output error"


class ErrorGroup(ReportError):
    """Several problems found by one stage, reported together."""

    def __init__(self, errors: Iterable[ReportError], summary: str | None = None) -> None:
        self.errors: list[ReportError] = []
        for error in errors:
            self.errors.extend(error.errors if isinstance(error, ErrorGroup) else [error])
        count = len(self.errors)
        summary = summary or f"{count} problem{'s' if count != 1 else ''} found"
        super().__init__(summary)
        kinds = {e.kind for e in self.errors}
        self.kind = kinds.pop() if len(kinds) == 1 else "error"

    def __str__(self) -> str:
        mixed = len({e.kind for e in self.errors}) > 1  # then each line says what kind it is
        return "\n".join([self.message + ":"] + [f"  - {e.kind + ': ' if mixed else ''}{e}"
                                                  for e in self.errors])


def _rebuild(cls: type[ReportError], state: dict[str, Any]) -> ReportError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


def raise_if_any(errors: list[ReportError], summary: str | None = None) -> None:
    """Raise the errors collected by a stage: the error itself if alone, else an ErrorGroup."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ErrorGroup(errors, summary)


# -- positions: where in a text file a problem is -------------------------------------------------

_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_TOML_KEY = re.compile(r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')"
                       r"(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*=")


def read_utf8(path: Path, error: type[ReportError], *, missing: str = "file not found",
              missing_hint: str | None = None, invalid: str = "file is not valid UTF-8",
              hint: str = "save the file as UTF-8", column: bool = True,
              shown: str | None = None) -> str:
    """Read a UTF-8 text file (a byte-order mark is accepted): how the inputs are read.

    Each problem is an ``error`` naming the file (as ``shown``, by default its path): missing
    (``missing``, ``missing_hint``), a folder, unreadable, or bytes that are not UTF-8 (``invalid``
    with the line, the column unless ``column`` is false, and the bytes). Positions count from
    after a byte-order mark.
    """
    file = shown if shown is not None else path
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(missing, file=file, hint=missing_hint) from None
    except IsADirectoryError:
        raise error("expected a file, found a folder", file=file) from None
    except OSError as exc:
        raise error(f"cannot read the file: {exc.strerror}", file=file) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        data = exc.object  # what was decoded: the bytes after a byte-order mark
        line = data[: exc.start].count(b"\n") + 1
        at = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error(invalid, file=file, line=line, column=at if column else None,
                    value=data[exc.start: exc.end], hint=hint) from None


def toml_position(exc: ValueError) -> tuple[str, int | None, int | None]:
    """The message, line and column of a ``tomllib.TOMLDecodeError`` (Python 3.11 keeps them only
    in the text: «Invalid value (at line 3, column 7)»)."""
    text = str(getattr(exc, "msg", None) or exc)
    line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    found = _TOML_AT.search(str(exc))
    if found:
        line, column = line or int(found.group(1)), column or int(found.group(2))
    return _TOML_AT.sub("", text), line, column


def _toml_name(dotted: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in re.split(r"\.(?=(?:[^\"']|\"[^\"]*\"|'[^']*')*$)",
                                                                 dotted))


def toml_key_lines(text: str) -> dict[str, int]:
    """Line (1-based) of every table and key of a TOML text, by dotted name (``report.date``,
    ``fr.exhibit.all``): where an error about a key should point. The first occurrence wins."""
    lines: dict[str, int] = {}
    table = ""
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        header = _TOML_TABLE.match(line)
        if header:
            table = _toml_name(header.group(1))
            parts = table.split(".")
            for end in range(1, len(parts) + 1):  # [facts.jobs] also opens facts
                lines.setdefault(".".join(parts[:end]), number)
            continue
        key = _TOML_KEY.match(line)
        if key:
            name = _toml_name(key.group(1))
            lines.setdefault(f"{table}.{name}" if table else name, number)
            for quotes in ('"""', "'''"):
                if line.count(quotes) % 2 == 1:
                    in_string = quotes
    return lines


def yaml_duplicate_keys(node: Any) -> list[tuple[str, int, int]]:
    """Keys written twice in one mapping of a composed YAML tree (PyYAML keeps the last one
    silently): ``(key, line, line of the first)``, lines 1-based. Merge keys (``<<:``) are allowed;
    call it before constructing the document, which merges them in."""
    found: list[tuple[str, int, int]] = []
    stack = [node] if node is not None else []
    visited: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in visited:  # an alias shares its anchor's node
            continue
        visited.add(id(current))
        if getattr(current, "id", None) == "mapping":
            first: dict[str, int] = {}
            for key, value in current.value:
                if getattr(key, "id", None) == "scalar" and key.tag != "tag:yaml.org,2002:merge":
                    line = key.start_mark.line + 1
                    if key.value in first:
                        found.append((key.value, line, first[key.value]))
                    else:
                        first[key.value] = line
                stack.append(value)
        elif getattr(current, "id", None) == "sequence":
            stack.extend(current.value)
    return sorted(found, key=lambda item: item[1])


def yaml_line(node: Any, *path: str | int) -> int | None:
    """Line (1-based) of the deepest node found along ``path`` (mapping keys, sequence indexes) in
    a composed YAML tree; for a mapping key, the line of its value."""
    if node is None:
        return None
    found = node
    for key in path:
        nxt = None
        if getattr(found, "id", None) == "mapping":
            nxt = next((v for k, v in found.value
                        if getattr(k, "id", None) == "scalar" and k.value == str(key)), None)
        elif getattr(found, "id", None) == "sequence" and isinstance(key, int) \
                and 0 <= key < len(found.value):
            nxt = found.value[key]
        if nxt is None:
            break
        found = nxt
    return found.start_mark.line + 1
