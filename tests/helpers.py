"""Helpers shared by several test modules (pytest puts this folder on the import path)."""

from __future__ import annotations

from typing import Any


def run_stage(stage: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one stage with diagnostics of its own: raise what it recorded (one error, or a group),
    else return its result. For tests of a stage alone."""
    from report.diagnostics import Diagnostics

    diag = Diagnostics()
    result = stage(*args, diag=diag, **kwargs)
    diag.raise_if_errors()
    return result


def problems_of(stage: Any, *args: Any, **kwargs: Any) -> list[Any]:
    """Run one stage and return every problem it recorded (an empty list: none)."""
    from report.diagnostics import Diagnostics

    diag = Diagnostics()
    stage(*args, diag=diag, **kwargs)
    return diag.errors
