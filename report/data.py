"""Stage «data»: load and validate the survey of social-economy enterprises.

Input: a survey folder (``data/survey/``) holding

- ``codebook.yaml``: every variable's type, bilingual labels, question, universe, codes, and either
  its ``published`` figures or ``illustrative: true``; the ``dimensions`` usable as ``by``
  (:mod:`report.codebook`);
- ``margins.yaml``: population margins for raking, each with a source or ``assumption: true``
  (:mod:`report.margins`);
- ``responses.csv``: one row per respondent, checked cell by cell against the codebook
  (:mod:`report.responses`).

Output: a :class:`Survey` (responses as a pandas DataFrame, the codebook, the margins, and the
source files for cache keys), or None; every problem found in the three files is recorded in the
build's :class:`~report.diagnostics.Diagnostics`, located by file, line or row, column and value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .codebook import Codebook, load_codebook
from .diagnostics import Diagnostics
from .errors import DataError
from .margins import Margins, load_margins
from .responses import check_rows, frame, read_table
from .sources import shown

if TYPE_CHECKING:
    import pandas as pd

FILES = {"codebook": "codebook.yaml", "margins": "margins.yaml", "responses": "responses.csv"}


@dataclass
class Survey:
    """The validated survey: what the statistics stage needs."""

    responses: pd.DataFrame
    codebook: Codebook
    margins: Margins
    source_files: tuple[Path, ...]


def load_survey(survey_dir: Path, diag: Diagnostics, *, root: Path | None = None
                ) -> Survey | None:
    """Load and validate the survey folder; None when any of its files has a problem (each one
    recorded in ``diag``)."""
    survey_dir = Path(survey_dir)
    if not survey_dir.is_dir():
        diag.error(DataError("survey folder not found", file=shown(survey_dir, root),
                             hint="it holds " + ", ".join(FILES.values())))
        return None
    paths = {key: survey_dir / name for key, name in FILES.items()}
    found = len(diag.errors)
    codebook = load_codebook(paths["codebook"], diag, root=root)
    margins = load_margins(paths["margins"], codebook, diag, root=root)
    table = read_table(paths["responses"], diag, root=root)
    if table is not None and codebook is not None:
        check_rows(table, codebook, diag, shown(paths["responses"], root))
    if len(diag.errors) > found or codebook is None or margins is None or table is None:
        return None
    return Survey(responses=frame(table, codebook), codebook=codebook, margins=margins,
                  source_files=tuple(paths.values()))
