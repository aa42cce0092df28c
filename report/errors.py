"""Errors of the pipeline: every problem names where it is and how to fix it.

Input: whatever a stage found wrong (a file, a row or line, a column, the offending value, a hint).
Output: exceptions whose ``str()`` is one readable line that the command line prints without a
traceback, for example::

    data/survey/responses.csv:12:size: unknown code (value: 'huge') → use one of lt5, 5to19, 20to49, 50plus

A stage that can find several problems collects them and raises one :class:`ErrorGroup`, so the user
sees every problem at once and fixes them in one pass.
"""

from __future__ import annotations

from collections import defaultdict
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
        return "\n".join([self.message + ":"] + [f"  - {line}" for line in
                                                  summarise(self.errors, kinds=mixed)])


SHOWN_PER_KIND = 5  # problems of one kind in one file printed in full before they are counted


def summarise(problems: list[ReportError], shown: int = SHOWN_PER_KIND, *,
              kinds: bool = False) -> list[str]:
    """One line per problem (each starting with its kind, under ``kinds``), except that after
    ``shown`` problems with the same message in the same file the rest are counted on one line
    (with the range of lines or rows they are on)."""
    total: dict[tuple[str | None, str, str], int] = defaultdict(int)
    for problem in problems:
        total[(problem.file, problem.kind, problem.message)] += 1
    seen: dict[tuple[str | None, str, str], int] = defaultdict(int)
    rest: dict[tuple[str | None, str, str], list[int | None]] = defaultdict(list)
    lines: list[str | tuple[str | None, str, str]] = []
    for problem in problems:
        key = (problem.file, problem.kind, problem.message)
        seen[key] += 1
        if total[key] <= shown or seen[key] <= shown:
            lines.append(f"{problem.kind}: {problem}" if kinds else str(problem))
            continue
        if not rest[key]:
            lines.append(key)  # where the count goes, once every problem is seen
        rest[key].append(problem.line)
    out = []
    for line in lines:
        if isinstance(line, str):
            out.append(line)
            continue
        file, _kind, message = line
        where = [n for n in rest[line] if n is not None]
        span = f" ({'rows' if str(file).endswith('.csv') else 'lines'} {min(where)}–{max(where)})" \
            if where else ""
        out.append(f"… and {len(rest[line]):,} more in {file}: {message}{span}" if file else
                   f"… and {len(rest[line]):,} more: {message}{span}")
    return out


def _rebuild(cls: type[ReportError], state: dict[str, Any]) -> ReportError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error
