"""One channel for every problem the build finds: errors, warnings and what the engines log.

Input: what the stages find wrong, as located :class:`~report.errors.ReportError` values (file,
line or row, column, value, hint), and the warnings that libraries log while they run (WeasyPrint,
fontTools, vl-convert).
Output: the :class:`Diagnostics` object that every stage receives. It records everything in order,
says whether the build may go on (:meth:`Diagnostics.ok`) and raises one
:class:`~report.errors.ErrorGroup` holding every problem when it may not
(:meth:`Diagnostics.raise_if_errors`). ``--check``, ``--strict`` and ``--release`` are its
properties, so no stage reads the command line:

* ``strict``: every warning is an error. Engine warnings are recorded whatever the terminal shows
  (``--quiet`` or ``--verbose`` change what is printed, never what is recorded: the trap MkDocs fell
  into twice, issues 3991 and 4126), in every process: a worker's diagnostics travel back with its
  results and are merged (:meth:`Diagnostics.merge`).
* ``release``: a problem that only matters for publishing (a placeholder ISBN, a missing logo) is
  reported with ``release=True``: a warning in a draft build, an error in a release build, and
  judged by ``--release`` alone (``--strict`` is about how the draft is made: a strict draft of a
  report whose ISBNs are not assigned yet is still a draft).
* ``check_only``: the stages validate and render nothing; the same checks run as in a build, so
  ``--check`` refuses everything the build would refuse.

:func:`~report.errors.summarise` prints a long list readably: after the first few problems of one
kind in one file, the rest are counted rather than listed (100,000 identical row errors make one
line).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import ErrorGroup, RenderError, ReportError


class ReportWarning(ReportError):
    """A located problem that does not stop a draft build (``--strict`` makes it an error)."""

    kind = "warning"


class StrictError(ReportError):
    """A warning that ``--strict`` (or, for a release problem, ``--release``) made an error."""

    kind = "error (a warning, fatal under --strict or --release)"


@dataclass
class Diagnostics:
    """Every error and warning of one build, in the order found.

    Picklable: a worker process gets its own (:meth:`child`) and sends it back with its results.
    """

    strict: bool = False
    check_only: bool = False
    release: bool = False
    errors: list[ReportError] = field(default_factory=list)
    warnings: list[ReportError] = field(default_factory=list)

    # -- recording ----------------------------------------------------------------------------
    def error(self, error: ReportError) -> None:
        """Record an error (the problems of an :class:`ErrorGroup` one by one)."""
        self.errors.extend(error.errors if isinstance(error, ErrorGroup) else [error])

    def warn(self, warning: ReportError | str, *, release: bool = False, **where: Any) -> None:
        """Record a warning: a :class:`ReportError` (kept as it is) or a message located by
        ``file``, ``line``, ``column``, ``value`` and ``hint``.

        Under ``strict`` it is recorded as an error instead, so the build stops at the stage's end;
        a release problem (``release=True``) is an error under ``release``, and only then.
        """
        item = warning if isinstance(warning, ReportError) else ReportWarning(warning, **where)
        if (release and self.release) or (self.strict and not release):
            if type(item) is ReportWarning:  # said as a warning: say why it stops the build
                item = StrictError(item.message, file=item.file, line=item.line,
                                   column=item.column, value=item.value, hint=item.hint)
            self.errors.append(item)
        else:
            self.warnings.append(item)

    @contextlib.contextmanager
    def collecting(self) -> Iterator[None]:
        """Record a :class:`ReportError` raised in the block instead of letting it through.

        For a stage that stops at its first problem, inside a check that goes on: the caller
        tests :meth:`ok` or the stage's result afterwards.
        """
        try:
            yield
        except ReportError as exc:
            self.error(exc)

    def merge(self, other: Diagnostics) -> None:
        """Add what another process (or a stage run apart) found."""
        self.errors.extend(other.errors)
        self.warnings.extend(other.warnings)

    def child(self) -> Diagnostics:
        """An empty channel with the same settings, for a worker process."""
        return Diagnostics(strict=self.strict, check_only=self.check_only, release=self.release)

    # -- deciding -----------------------------------------------------------------------------
    @property
    def ok(self) -> bool:
        """True while no error has been recorded."""
        return not self.errors

    def raise_if_errors(self, summary: str | None = None) -> None:
        """Raise every error recorded so far: the error itself when alone, else an ErrorGroup."""
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise ErrorGroup(self.errors, summary)

    # -- what libraries log -------------------------------------------------------------------
    @contextlib.contextmanager
    def engine_log(self, logger: str = "weasyprint", *, where: str | None = None,
                   error: type[ReportError] = RenderError,
                   ignore: Iterable[str] = ()) -> Iterator[list[str]]:
        """Record what ``logger`` logs at WARNING or above while the block runs.

        The logger is set to pass warnings while the block runs, whatever level the command line
        gave it for the terminal, and put back after. WARNING records become warnings, ERROR
        records (WeasyPrint logs unreadable resources as errors) errors of class ``error``; each
        names ``where`` (the edition, for instance) before the library's message. Messages that
        contain one of ``ignore`` are dropped (a note about the machine, not the document).
        Yields the list of messages recorded, for the caller's own use.
        """
        log = logging.getLogger(logger)
        handler = _Recorder(self, where, error, tuple(ignore))
        previous = log.level
        log.addHandler(handler)
        if log.getEffectiveLevel() > logging.WARNING:
            log.setLevel(logging.WARNING)
        try:
            yield handler.messages
        finally:
            log.removeHandler(handler)
            log.setLevel(previous)


class _Recorder(logging.Handler):
    def __init__(self, diagnostics: Diagnostics, where: str | None, error: type[ReportError],
                 ignore: tuple[str, ...]) -> None:
        super().__init__(logging.WARNING)
        self.diagnostics = diagnostics
        self.where = where
        self.error = error
        self.ignore = ignore
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if any(text in message for text in self.ignore):
            return
        self.messages.append(message)
        text = f"{self.where}: {message}" if self.where else message
        if record.levelno >= logging.ERROR:
            self.diagnostics.error(self.error(text))
        else:
            self.diagnostics.warn(ReportWarning(text))
