"""Population margins for raking the survey weights (``data/survey/margins.yaml``).

Input: the file, checked against its schema (:class:`~report.schemas.MarginsFile`: a positive
population total; per margin variable, non-negative counts and a source, or ``assumption: true``
with a justification in both languages), then against the codebook: each margin is a categorical
variable whose codes are exactly the margin's, and whose counts sum to the population total.
Output: :class:`Margins`, or None when the file cannot be used; every problem goes to the build's
diagnostics, located.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .codebook import CATEGORICAL, Codebook
from .diagnostics import Diagnostics
from .errors import DataError


@dataclass(frozen=True)
class Margins:
    """Population margins for raking: ``targets[var][code]`` = population count; sum = ``total``."""

    total: float
    targets: dict[str, dict[str, float]]
    info: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def variables(self) -> list[str]:
        return list(self.targets)

    def shares(self, var: str) -> dict[str, float]:
        """Target proportions (0–1) of a margin variable."""
        counts = self.targets[var]
        return {code: value / self.total for code, value in counts.items()}

    def is_assumption(self, var: str) -> bool:
        return bool(self.info.get(var, {}).get("assumption", False))


def load_margins(path: Path, codebook: Codebook | None, diag: Diagnostics, *,
                 root: Path | None = None) -> Margins | None:
    """Read and check ``margins.yaml`` (against the codebook when it is usable)."""
    from .schemas import MarginsFile, validate
    from .sources import load_yaml

    with diag.collecting():
        source = load_yaml(path, DataError, root=root, missing="missing file",
                           missing_hint=f"add {path.name} to {path.parent}")
        model = validate(MarginsFile, source, diag, DataError)
        if model is None:
            return None
        total = model.population.total
        usable = True
        for var, margin in model.margins.items():
            if margin.assumption and margin.note is None:
                diag.error(source.error(DataError, f"margins.{var}: an assumed margin needs a "
                                        "justification in both languages", ("margins", var),
                                        hint="add note: {fr: …, en: …}"))
            if not margin.assumption and not (margin.source or "").strip():
                diag.error(source.error(DataError, f"margins.{var}: a margin needs a source",
                                        ("margins", var),
                                        hint="add source: …, or assumption: true with a note"))
            loc = ("margins", var, "targets")
            counts = dict(margin.targets)
            if codebook is not None:
                if var not in codebook.variables or codebook.type(var) not in CATEGORICAL:
                    diag.error(source.error(DataError, f"margins.{var}: not a categorical "
                                            "variable of the codebook", ("margins", var),
                                            value=var))
                    usable = False
                    continue
                levels = codebook.levels(var)
                if sorted(counts) != sorted(levels):
                    diag.error(source.error(
                        DataError, f"margins.{var}.targets: margin codes differ from the "
                        "codebook codes", loc, value=sorted(counts),
                        hint="give a count for each of " + ", ".join(levels)))
                    usable = False
            if abs(sum(counts.values()) - total) > 0.5:
                diag.error(source.error(
                    DataError, f"margins.{var}.targets: margin counts sum to "
                    f"{sum(counts.values()):g}, not the population total {total:g}", loc,
                    hint="make each margin sum to population.total"))
                usable = False
        if not usable:
            return None
        return Margins(total=total,
                       targets={var: dict(m.targets) for var, m in model.margins.items()},
                       info={var: m.model_dump(exclude={"targets"})
                             for var, m in model.margins.items()})
    return None
