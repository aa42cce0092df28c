"""Stage «statistics»: survey weights and weighted estimates with their uncertainty.

Input: a validated :class:`~report.data.Survey` (responses, codebook, population margins).
Output: a :class:`Statistics` object, the query interface of docs/architecture.md::

    stats.stat("social_networks")                          # Estimate, whole population, level "1"
    stats.stat("social_networks", by="size", group="lt5")  # one subgroup
    stats.stat("investment", level="none")
    stats.breakdown("social_networks", by="legal_form")    # one Estimate per group, codebook order
    stats.distribution("investment")                       # one Estimate per level
    stats.design                                           # n, N, deff, n_eff, moe_max, weights
    stats.codebook                                         # labels

Methods (stated in the methodology appendix):

- Weights: raking (weightipy's RIM) of the respondents to the population margins of margins.yaml,
  with the weights trimmed to [0.2, 5] × the mean weight inside the raking loop (trim, re-rake until
  both hold), then scaled to sum to the population total N. Kish design effect
  deff = n·Σw²/(Σw)², effective sample size n_eff = (Σw)²/Σw².
- Proportions: p = Σw·y / Σw over the respondents asked who answered (the base; its unweighted size
  is ``n``). 95 % Wilson score interval on the subgroup's effective sample size with the finite
  population correction: n* = n_eff / FPC², FPC² = (N_g − n)/(N_g − 1), N_g = Σw of the base.
  Never Wald. Multiple-response options are proportions of respondents (they may sum over 100 %).
- Maximum margin of error: z·√(deff·0.25/n)·√((N−n)/(N−1)).
- Subgroups: each group is compared with its complement (the other groups of ``by``) by a two-sided
  z test at 95 % on the effective sample sizes (pooled proportion, with FPC): ``significance`` is
  "higher", "lower" or None. Not tested when either side has a base under 10.
- Flags: base n < 30 → "caution" (StatCan «E»); n < 10 → "suppressed" (StatCan «F»): the Estimate
  exists but ``p``, ``ci_low`` and ``ci_high`` are None, so no formatter can print the figure.

Unknown variables, levels, dimensions and groups raise :class:`~report.errors.ContentError` with a
hint listing the valid names. Estimates are computed lazily and cached per query.
"""

from __future__ import annotations

import contextlib
import io
import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from report.errors import ContentError, DataError, ErrorGroup, ReportError

if TYPE_CHECKING:  # pandas is only handed in (by the data stage): a language worker that
    import pandas as pd  # receives a pickled Statistics never imports it

    from report.codebook import Codebook
    from report.data import Survey
    from report.margins import Margins

CONFIDENCE = 0.95
Z = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)
CAUTION_N = 30
SUPPRESS_N = 10
TRIM = (0.2, 5.0)
MARGIN_TOLERANCE = 0.001  # largest accepted |weighted share − target share| after raking

Flag = Literal["ok", "caution", "suppressed"]
Significance = Literal["higher", "lower"] | None


@dataclass(frozen=True)
class Estimate:
    """One weighted proportion. ``p``, ``ci_low``, ``ci_high`` are None when suppressed."""

    variable: str
    level: str
    by: str | None
    group: str | None
    p: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    n_eff: float
    flag: Flag
    significance: Significance = None


@dataclass(frozen=True)
class Design:
    """The sample design's figures for the methodology and the ``{{design KEY}}`` shortcode."""

    n: int
    N: float
    deff: float
    n_eff: float
    moe_max: float
    weight_min: float
    weight_max: float
    weight_mean: float
    trim: tuple[float, float] = TRIM
    confidence: float = CONFIDENCE

    @property
    def moe(self) -> float:
        """Alias of ``moe_max`` (the key authors write: ``{{design moe}}``)."""
        return self.moe_max

    @property
    def weight_ratio(self) -> float:
        return self.weight_max / self.weight_min


# --------------------------------------------------------------------------- pure functions


def kish(weights: np.ndarray) -> tuple[float, float]:
    """(deff, n_eff) of a set of weights: deff = n·Σw²/(Σw)², n_eff = (Σw)²/Σw²."""
    w = np.asarray(weights, dtype=float)
    if w.size == 0 or w.sum() <= 0:
        return math.nan, 0.0
    n_eff = float(w.sum() ** 2 / np.square(w).sum())
    return w.size / n_eff, n_eff


def fpc_squared(population: float, n: int) -> float:
    """(N − n)/(N − 1), clipped to [0, 1]; 1 when N is unknown or ≤ 1."""
    if not population or population <= 1:
        return 1.0
    return min(1.0, max(0.0, (population - n) / (population - 1)))


def wilson_interval(p: float, n_eff: float, fpc2: float = 1.0, z: float = Z) -> tuple[float, float]:
    """Wilson score interval for a proportion on an effective sample size, with FPC².

    Equivalent to ``statsmodels.stats.proportion.proportion_confint(p·n*, n*, method="wilson")``
    with n* = n_eff / fpc2.
    """
    if n_eff <= 0:
        return 0.0, 1.0
    if fpc2 <= 0:
        return p, p
    n = n_eff / fpc2
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(max(0.0, p * (1 - p) / n + z2 / (4 * n * n)))
    # the score interval always contains p; min/max guard against rounding at p = 0 or 1
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


def weighted_proportion(y: np.ndarray, w: np.ndarray) -> tuple[float, int, float, float]:
    """(p, n, n_eff, Σw) of 0/1 values ``y`` with weights ``w``; p is nan when n = 0."""
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    total = float(w.sum())
    if y.size == 0 or total <= 0:
        return math.nan, int(y.size), 0.0, 0.0
    return float((w * y).sum() / total), int(y.size), kish(w)[1], total


def flag_for(n: int) -> Flag:
    """"suppressed" under SUPPRESS_N, "caution" under CAUTION_N, else "ok"."""
    if n < SUPPRESS_N:
        return "suppressed"
    if n < CAUTION_N:
        return "caution"
    return "ok"


def compare(p1: float, n_star1: float, p2: float, n_star2: float, pooled: float,
            z: float = Z) -> Significance:
    """Two-sided z test of p1 vs p2 on effective sizes (FPC included in n*): higher/lower/None."""
    if n_star1 <= 0 or n_star2 <= 0:
        return None
    var = pooled * (1 - pooled) * (1 / n_star1 + 1 / n_star2)
    if var <= 0:
        return None
    stat = (p1 - p2) / math.sqrt(var)
    if stat > z:
        return "higher"
    if stat < -z:
        return "lower"
    return None


class _TrimBounds(tuple):
    """(floor, cap) for weightipy's trimming, comparable with a number by its cap.

    weightipy 0.4.2 handles a (min, max) cap in ``Rake.start`` but ``Rake.__init__`` first checks
    ``cap <= 1`` and ``cap < 1.5``, which fails on a tuple; comparing by the cap passes that check.
    """

    def __le__(self, other: object) -> bool:
        return self[1] <= other if isinstance(other, int | float) else \
            tuple.__le__(self, other)  # type: ignore[operator]

    def __lt__(self, other: object) -> bool:
        return self[1] < other if isinstance(other, int | float) else \
            tuple.__lt__(self, other)  # type: ignore[operator]


def rake_weights(frame: pd.DataFrame, margins: Margins, trim: tuple[float, float] = TRIM
                 ) -> np.ndarray:
    """Rake respondents to the margins with weightipy, trimming to ``trim`` × the mean weight.

    Input: a frame holding the margin variables (codes as strings), the margins.
    Output: one weight per row, summing to ``margins.total``. Raises DataError when a margin group
    has no respondent or when the raked weights miss a margin by more than MARGIN_TOLERANCE.
    """
    import weightipy

    errors: list[ReportError] = []
    for var in margins.variables:
        present = set(frame[var].dropna().astype(str))
        for code, count in margins.targets[var].items():
            if count > 0 and code not in present:
                errors.append(DataError("no respondent in a margin group: cannot rake",
                                        column=var, value=code))
    if errors:
        raise errors[0] if len(errors) == 1 else ErrorGroup(errors)
    scheme = weightipy.scheme_from_dict(
        {var: {c: 100 * s for c, s in margins.shares(var).items()} for var in margins.variables},
        name="survey",
        rim_params={"cap": _TrimBounds(trim), "convcrit": 1e-9, "max_iterations": 2000},
    )
    data = frame[margins.variables].astype(str).reset_index(drop=True)
    with contextlib.redirect_stdout(io.StringIO()):  # weightipy prints its convergence notes
        raw = weightipy.weight(data, scheme).to_numpy(dtype=float)
    weights = raw / raw.sum() * margins.total
    worst = 0.0
    for var in margins.variables:
        codes = data[var].to_numpy()
        for code, share in margins.shares(var).items():
            worst = max(worst, abs(weights[codes == code].sum() / margins.total - share))
    if worst > MARGIN_TOLERANCE:
        raise DataError(
            f"raking did not reproduce the margins (largest gap {worst:.2%})",
            hint="a margin group may have too few respondents for the trimming bounds "
            f"{trim[0]}–{trim[1]} × mean",
        )
    return weights


# --------------------------------------------------------------------------- statistics


@dataclass(frozen=True, eq=False)
class Statistics:
    """Weighted estimates of the survey, queried by variable, level and subgroup.

    Holds NumPy arrays only (no pandas), so that it pickles small and a language worker that
    receives it does not import pandas. Frozen; compared and hashed by identity (it holds arrays
    and a per-query cache).
    """

    codebook: Codebook
    design: Design
    weights: np.ndarray  # one weight per respondent, in the order of the responses' rows
    # One array per column of the responses, in row order: the answers (codes as strings, numbers
    # as ints), None where the respondent gave none.
    columns: dict[str, np.ndarray] = field(repr=False)
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    # arrays --------------------------------------------------------------------
    def _cached(self, key: tuple[Any, ...], make: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def _codes(self, column: str) -> np.ndarray:
        return self.columns[column]

    def _answered(self, column: str) -> np.ndarray:
        return self._cached(("answered", column), lambda: np.fromiter(
            (v is not None for v in self.columns[column]), dtype=bool, count=len(self.weights)))

    def _base(self, var: str) -> np.ndarray:
        """Respondents asked ``var`` (universe) who answered it."""

        def make() -> np.ndarray:
            mask = np.ones(len(self.weights), dtype=bool)
            for col in self.codebook.columns(var):
                mask &= self._answered(col)
            flt = self.codebook.universe_filter(var)
            if flt is not None:
                mask &= _member(self._codes(flt["variable"]), flt["in"])
            return mask

        return self._cached(("base", var), make)

    def _indicator(self, var: str, level: str) -> np.ndarray:
        def make() -> np.ndarray:
            if self.codebook.type(var) == "multiple":
                return (self._codes(f"{var}__{level}") == 1).astype(float)
            members = self.codebook.nets(var).get(level, [level])
            return _member(self._codes(var), members).astype(float)

        return self._cached(("y", var, level), make)

    # validation ----------------------------------------------------------------
    def _level(self, var: str, level: str | None) -> str:
        """The level of a query, checked (a yes/no variable's level is "1" by default)."""
        return self.codebook.query(var, level)[1]

    def _group(self, by: str | None, group: str | None) -> None:
        self.codebook.check_group(by, group)

    # queries -------------------------------------------------------------------
    def stat(self, variable: str, level: str | None = None, by: str | None = None,
             group: str | None = None) -> Estimate:
        """Weighted proportion of ``variable`` = ``level`` (default "1" for yes/no variables),
        in the whole population or in ``group`` of dimension ``by``."""
        level = self._level(variable, level)
        self._group(by, group)
        if by is not None and group is None:
            raise ContentError("by= given without group=", value=by,
                               hint="add group=… with one of " + ", ".join(self.codebook.levels(by))
                               + ", or use a breakdown")
        key = ("stat", variable, level, by, None if group is None else str(group))
        return self._cached(key, lambda: self._estimate(variable, level, by,
                                                        None if group is None else str(group)))

    def breakdown(self, variable: str, by: str, level: str | None = None) -> list[Estimate]:
        """One Estimate per group of ``by``, in codebook order."""
        self._group(by, None)
        return [self.stat(variable, level=level, by=by, group=g) for g in self.codebook.levels(by)]

    def distribution(self, variable: str, by: str | None = None,
                     group: str | None = None) -> list[Estimate]:
        """One Estimate per level (codebook order) of a single, ordinal, binary or multiple var."""
        self._level(variable, self.codebook.levels(variable)[0] if self.codebook.levels(variable)
                    else None)
        return [self.stat(variable, level=lv, by=by, group=group)
                for lv in self.codebook.levels(variable)]

    def _estimate(self, var: str, level: str, by: str | None, group: str | None) -> Estimate:
        w = self.weights
        base = self._base(var)
        y = self._indicator(var, level)
        sel = base if by is None else base & (self._codes(by) == group)
        p, n, n_eff, pop = weighted_proportion(y[sel], w[sel])
        flag = flag_for(n)
        if flag == "suppressed":
            return Estimate(var, level, by, group, None, None, None, n, n_eff, flag, None)
        fpc2 = fpc_squared(pop, n)
        low, high = wilson_interval(p, n_eff, fpc2)
        significance: Significance = None
        if by is not None:
            rest = base & ~(self._codes(by) == group) & self._answered(by)
            p2, n2, n_eff2, pop2 = weighted_proportion(y[rest], w[rest])
            if n2 >= SUPPRESS_N:
                pooled, _, _, _ = weighted_proportion(y[sel | rest], w[sel | rest])
                fpc2_rest = fpc_squared(pop2, n2)
                significance = compare(
                    p, n_eff / fpc2 if fpc2 > 0 else math.inf,
                    p2, n_eff2 / fpc2_rest if fpc2_rest > 0 else math.inf, pooled,
                )
        return Estimate(var, level, by, group, p, low, high, n, n_eff, flag, significance)


def design_of(weights: np.ndarray, population: float) -> Design:
    """Design figures of a set of weights for a population of size ``population``."""
    w = np.asarray(weights, dtype=float)
    n = int(w.size)
    deff, n_eff = kish(w)
    moe_max = Z * math.sqrt(deff * 0.25 / n) * math.sqrt(fpc_squared(population, n))
    return Design(
        n=n,
        N=float(population),
        deff=deff,
        n_eff=n_eff,
        moe_max=moe_max,
        weight_min=float(w.min()),
        weight_max=float(w.max()),
        weight_mean=float(w.mean()),
    )


def _member(codes: np.ndarray, members: Any) -> np.ndarray:
    """Which answers are among ``members`` (a set lookup: the answers mix strings and None)."""
    wanted = set(members)
    return np.fromiter((code in wanted for code in codes), dtype=bool, count=len(codes))


def _columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each column of the responses as a NumPy object array, None where an answer is missing."""
    columns = {}
    for name in frame.columns:
        values = np.array(frame[name].astype(object).to_numpy(), dtype=object)
        values[frame[name].isna().to_numpy()] = None
        columns[str(name)] = values
    return columns


def statistics_from_weights(survey: Survey, weights: np.ndarray | pd.Series) -> Statistics:
    """The query interface on given weights (one per respondent, in row order; sum = N).

    Used by :func:`compute_statistics` after raking, and by tests with hand-made weights.
    """
    frame = survey.responses.reset_index(drop=True)
    w = np.asarray(weights, dtype=float)
    if w.shape != (len(frame),) or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise DataError("weights must be one finite non-negative number per respondent",
                        value=w.shape)
    return Statistics(
        codebook=survey.codebook,
        design=design_of(w, float(w.sum())),
        weights=w,
        columns=_columns(frame),
    )


def compute_statistics(survey: Survey) -> Statistics:
    """Weight the survey and return the query interface.

    Input: a validated Survey. Output: Statistics (weights raked to the margins and summing to the
    population total N, design figures, lazily computed and cached estimates).
    Raises DataError when the sample cannot be raked to the margins.
    """
    return statistics_from_weights(survey, rake_weights(survey.responses, survey.margins))
