"""Errors of the pipeline: every problem names where it is and how to fix it.

Input: whatever a stage found wrong (a file, a row or line, a column, the offending value, a hint).
Output: exceptions whose ``str()`` is one readable line that the command line prints without a
traceback, for example::

    data/survey/responses.csv:12:size: unknown code (value: 'huge') → use one of lt5, 5to19, 20to49, 50plus

A stage that can find several problems collects them and raises one :class:`ErrorGroup`, so the user
sees every problem at once and fixes them in one pass.
"""

from __future__ import annotations

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


class ErrorGroup(ReportError):
    """Several problems found by one stage, reported together."""

    def __init__(self, errors: Iterable[ReportError], summary: str | None = None) -> None:
        self.errors: list[ReportError] = []
        for error in errors:
            self.errors.extend(error.errors if isinstance(error, ErrorGroup) else [error])
        count = len(self.errors)
        summary = summary or f"{count} problem{'s' if count != 1 else ''} found"
        super().__init__(summary)
        self.kind = self.errors[0].kind if self.errors else "error"

    def __str__(self) -> str:
        return "\n".join([self.message + ":"] + [f"  - {e}" for e in self.errors])


def raise_if_any(errors: list[ReportError], summary: str | None = None) -> None:
    """Raise the errors collected by a stage: the error itself if alone, else an ErrorGroup."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ErrorGroup(errors, summary)
