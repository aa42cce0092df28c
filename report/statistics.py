"""Stage «statistics»: survey weights and weighted estimates with their design-based uncertainty.

Input: a validated :class:`~report.data.Survey` (responses, codebook, population margins).
Output: a :class:`Statistics` object, the query interface of docs/architecture.md::

    stats.stat("social_networks")                          # Estimate, whole population, level "1"
    stats.stat("social_networks", by="size", group="lt5")  # one subgroup
    stats.stat("investment", level="none")
    stats.breakdown("social_networks", by="legal_form")    # one Estimate per group, codebook order
    stats.distribution("investment")                       # one Estimate per level
    stats.compare("social_networks", "website_info")       # Difference: paired test
    stats.compare("erp", by="legal_form", group="coop", vs="npo")   # two groups ("rest": complement)
    stats.design                                           # n, N, deff, n_eff, moe_max, weights,
                                                           # trimming, margins table
    stats.codebook                                         # labels

Methods (stated in the methodology appendix):

- Weights: raking (weightipy's RIM) of the respondents to the population margins of margins.yaml,
  with the weights trimmed to [0.2, 5] × the mean weight inside the raking loop (trim, re-rake until
  both hold), then scaled to sum to the population total N. Whether the trimming acted is measured
  by raking once more without it (``Design.trimmed``). Kish design effect of the weights
  deff = n·Σw²/(Σw)², effective sample size n_eff = (Σw)²/Σw² (``Design``; also per domain in
  ``Estimate.n_eff``).
- Proportions: p = Σw·y / Σw over the respondents asked who answered (the base; its unweighted size
  is ``n``). Multiple-response options are proportions of respondents (they may sum over 100 %).
- Variance: Taylor linearisation with the raking residuals and the finite population correction
  (:mod:`report.variance`, as R's survey package does for a raked design). ``se`` is its square
  root, ``cv`` = se/p, ``deff`` its ratio to the variance of a simple random sample of the same
  size drawn without replacement from the domain: (1 − n_d/N̂_d)·p(1 − p)/(n_d − 1), N̂_d = Σ_d w
  (as R's ``svymean(deff = TRUE)``).
- Intervals at 95 %: logit, expit(logit p ± z·se/(p(1 − p))) (R's ``svyciprop(method = "logit")``
  with the normal quantile). Where p is 0 or 1 the design variance is zero and the logit undefined:
  Wilson's score interval on the domain's Kish effective size with the FPC instead. Never Wald.
- Maximum margin of error (methodology): z·√(deff·0.25/n)·√((N−n)/(N−1)), Kish's deff.
- Differences: a subgroup against its complement (the other groups of ``by``), two groups, or two
  variables on the same respondents (paired): the difference of the two proportions, its
  linearised variance from the difference of their influence values (covariance included), a
  two-sided z test at 95 %. ``Estimate.significance`` and ``p_value`` are the unadjusted test
  against the complement; exhibits adjust them for multiple comparisons (``ADJUSTMENT``). Not
  tested when either side has a base under 10 or the estimate is suppressed.
- Quality flags (Statistics Canada's rule on the coefficient of variation, with a base-size floor):
  CV from 16.6 % to 33.3 %, or a base under 30 → "caution" («E»); CV above 33.3 %, or a base under
  10 → "suppressed" («F»): the Estimate exists but ``p``, ``ci_low`` and ``ci_high`` are None, so no
  formatter can print the figure. An estimate of 0 % has no CV: the base-size rule alone applies.

Unknown variables, levels, dimensions and groups raise :class:`~report.errors.ContentError` with a
hint listing the valid names. Estimates are computed lazily and cached per query.
"""

from __future__ import annotations

import contextlib
import io
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from report.errors import ContentError, DataError, ErrorGroup, ReportError
from report.variance import (
    CONFIDENCE,
    Linearisation,
    Z,
    linearisation,
    logit_interval,
    proportion_influence,
    two_sided_p,
    wilson_interval,
)

if TYPE_CHECKING:  # pandas is only handed in (by the data stage): a language worker that
    import pandas as pd  # receives a pickled Statistics never imports it

    from report.codebook import Codebook
    from report.data import Survey
    from report.margins import Margins

CAUTION_N = 30
SUPPRESS_N = 10
CV_CAUTION = 0.166  # Statistics Canada: «E» from a CV of 16.6 % …
CV_SUPPRESS = 0.333  # … to 33.3 %; «F» above
TRIM = (0.2, 5.0)
UNTRIMMED = (1e-6, 1e6)  # bounds that never bind: the raking without trimming, for comparison
MARGIN_TOLERANCE = 0.001  # largest accepted |weighted share − target share| after raking
ALPHA = 1 - CONFIDENCE
# Multiple comparisons within an exhibit: "fdr_bh" (Benjamini–Hochberg) or "holm", the names of
# statsmodels.stats.multitest; report.variance implements both.
ADJUSTMENT = "fdr_bh"

Flag = Literal["ok", "caution", "suppressed"]
Significance = Literal["higher", "lower"] | None


@dataclass(frozen=True)
class Estimate:
    """One weighted proportion. ``p``, ``ci_low``, ``ci_high`` are None when suppressed.

    ``n_eff`` is the domain's Kish effective size (weighting only); ``se``, ``cv`` and ``deff`` are
    design-based (raking residuals, FPC). ``significance``, ``p_value`` and ``difference`` compare a
    subgroup with its complement (p − p_complement), unadjusted for multiple comparisons.
    """

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
    se: float | None = None
    cv: float | None = None
    deff: float | None = None
    p_value: float | None = None
    difference: float | None = None

    @property
    def moe(self) -> float | None:
        """Half the interval's width (its margin of error, as a proportion); None if suppressed."""
        if self.ci_low is None or self.ci_high is None:
            return None
        return (self.ci_high - self.ci_low) / 2


@dataclass(frozen=True)
class Difference:
    """A difference between two proportions, first − second, with its design-based test.

    ``kind``: "paired" (two variables, same respondents), "groups" (two groups of a dimension) or
    "complement" (a group against the other groups; ``second`` is then None). The interval is
    difference ± z·se; ``significance`` is the unadjusted two-sided test at 95 %.
    """

    kind: Literal["paired", "groups", "complement"]
    first: Estimate
    second: Estimate | None
    difference: float
    se: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float
    significance: Significance

    @property
    def tested(self) -> bool:
        """False when a side's base is under 10 or a side is suppressed (no test is reported)."""
        sides = [self.first] if self.second is None else [self.first, self.second]
        return all(e.flag != "suppressed" for e in sides) and not math.isnan(self.p_value)


@dataclass(frozen=True)
class MarginRow:
    """One group of a raking margin: sample and population compared (methodology table)."""

    variable: str
    code: str
    n: int
    sample_share: float  # unweighted share of respondents
    weighted_share: float  # share of the weights after raking
    population_share: float  # the margin's target


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
    trimmed: int = 0  # respondents whose weight the trimming changed
    untrimmed_min: float | None = None  # raked weights without trimming: smallest and largest
    untrimmed_max: float | None = None
    margins: tuple[MarginRow, ...] = ()
    adjustment: str = ADJUSTMENT

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


def weighted_proportion(y: np.ndarray, w: np.ndarray) -> tuple[float, int, float, float]:
    """(p, n, n_eff, Σw) of 0/1 values ``y`` with weights ``w``; p is nan when n = 0."""
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    total = float(w.sum())
    if y.size == 0 or total <= 0:
        return math.nan, int(y.size), 0.0, 0.0
    return float((w * y).sum() / total), int(y.size), kish(w)[1], total


def flag_for(n: int, cv: float | None = None) -> Flag:
    """Statistics Canada's quality flag: "suppressed" («F») for a CV above 33.3 % or a base under
    10; "caution" («E») for a CV from 16.6 % to 33.3 % or a base under 30; else "ok"."""
    if n < SUPPRESS_N or (cv is not None and cv > CV_SUPPRESS):
        return "suppressed"
    if n < CAUTION_N or (cv is not None and cv >= CV_CAUTION):
        return "caution"
    return "ok"


def significance_of(difference: float, p_value: float, alpha: float = ALPHA) -> Significance:
    """"higher" or "lower" when the two-sided p-value is under ``alpha``, else None."""
    if math.isnan(p_value) or p_value >= alpha:
        return None
    return "higher" if difference > 0 else "lower"


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
    # The variance's inputs (weights, raking margins, N); None: the weights were not calibrated.
    calibration: Linearisation | None = field(default=None, repr=False)
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    # arrays --------------------------------------------------------------------
    def _cached(self, key: tuple[Any, ...], make: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def linearisation(self) -> Linearisation:
        """The variance estimator: the calibration's, or (weights not calibrated) one without
        margins, for a population of Σw."""
        if self.calibration is not None:
            return self.calibration
        return self._cached(("linearisation",), lambda: linearisation(
            self.weights, float(np.sum(self.weights))))

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

    def _domain(self, var: str, by: str | None, group: str | None) -> np.ndarray:
        """The base of ``var``, within ``group`` of ``by`` when given."""
        base = self._base(var)
        return base if by is None else base & (self._codes(by) == group)

    def _influence(self, var: str, level: str, domain: np.ndarray) -> tuple[float, np.ndarray]:
        return proportion_influence(self._indicator(var, level), domain, self.weights)

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

    def compare(self, variable: str, other: str | None = None, *, level: str | None = None,
                other_level: str | None = None, by: str | None = None, group: str | None = None,
                vs: str | None = None) -> Difference:
        """The design-based difference of two proportions, first − second:

        * ``compare(a, b)``: two variables on the same respondents (paired), in the whole
          population or in ``group`` of ``by``;
        * ``compare(a, by=…, group=g, vs=h)``: one variable in two groups of ``by``; ``vs="rest"``
          compares the group with the other groups (its complement).
        """
        if (other is None) == (vs is None):
            raise ContentError("compare takes either a second variable or vs=GROUP",
                               value=variable, hint="compare(a, b) or compare(a, by=…, group=…, "
                               "vs=…)")
        first = self.stat(variable, level=level, by=by, group=group)
        level = first.level
        if other is not None:
            second = self.stat(other, level=other_level, by=by, group=group)
            key: tuple[Any, ...] = ("paired", variable, level, other, second.level, by, group)
            return self._cached(key, lambda: self._difference(
                "paired", first, second, (variable, level, self._domain(variable, by, group)),
                (other, second.level, self._domain(other, by, group))))
        if by is None or group is None:
            raise ContentError("vs= needs by= and group=", value=vs,
                               hint="compare(a, by=size, group=lt5, vs=rest)")
        if vs != "rest":
            self._group(by, vs)
        if vs == "rest":
            domain = self._base(variable) & self._answered(by) & ~(self._codes(by) == group)
            key = ("complement", variable, level, by, group)
            return self._cached(key, lambda: self._difference(
                "complement", first, None, (variable, level, self._domain(variable, by, group)),
                (variable, level, domain)))
        second = self.stat(variable, level=level, by=by, group=vs)
        key = ("groups", variable, level, by, group, vs)
        return self._cached(key, lambda: self._difference(
            "groups", first, second, (variable, level, self._domain(variable, by, group)),
            (variable, level, self._domain(variable, by, vs))))

    def design_effects(self) -> list[float]:
        """Design effects of the whole-population estimates of every question (yes/no: «yes»;
        ordinal and multiple response: every level), for the methodology's range."""

        def make() -> list[float]:
            out = []
            for var in self.codebook.variables:
                vtype = self.codebook.type(var)
                levels = (["1"] if vtype == "binary" else self.codebook.levels(var)
                          if vtype in ("ordinal", "multiple") else [])
                for level in levels:
                    deff = self.stat(var, level=level).deff
                    if deff is not None:
                        out.append(deff)
            return out

        return self._cached(("design_effects",), make)

    # computing -----------------------------------------------------------------
    def _estimate(self, var: str, level: str, by: str | None, group: str | None) -> Estimate:
        w = self.weights
        sel = self._domain(var, by, group)
        n = int(sel.sum())
        n_eff = kish(w[sel])[1]
        if n == 0 or w[sel].sum() <= 0:
            return Estimate(var, level, by, group, None, None, None, n, n_eff, "suppressed")
        lin = self.linearisation
        p, z = self._influence(var, level, sel)
        variance = max(0.0, lin.variance(z))
        se = math.sqrt(variance)
        cv = se / p if p > 0 else None
        fpc = 1.0 - lin.sampling_fraction
        # the variance of a simple random sample of n respondents drawn without replacement from
        # the domain's (estimated) population, as R's svymean(deff = TRUE) takes it
        domain_total = float(w[sel].sum())
        srs = (1 - n / domain_total) * p * (1 - p) / (n - 1) if n > 1 and domain_total > n \
            else 0.0
        deff = variance / srs if srs > 0 else None
        flag = flag_for(n, cv)
        if flag == "suppressed":
            return Estimate(var, level, by, group, None, None, None, n, n_eff, flag, None, se, cv,
                            deff)
        low, high = logit_interval(p, se) or wilson_interval(p, n_eff, fpc)
        significance = p_value = difference = None
        if by is not None:
            rest = self._base(var) & self._answered(by) & ~(self._codes(by) == group)
            if int(rest.sum()) >= SUPPRESS_N and n >= SUPPRESS_N:
                p2, z2 = self._influence(var, level, rest)
                difference = p - p2
                d_se = math.sqrt(max(0.0, lin.variance(z - z2)))
                p_value = two_sided_p(difference / d_se) if d_se > 0 else math.nan
                if math.isnan(p_value):
                    p_value = None
                else:
                    significance = significance_of(difference, p_value)
        return Estimate(var, level, by, group, p, low, high, n, n_eff, flag, significance, se, cv,
                        deff, p_value, difference)

    def _difference(self, kind: Literal["paired", "groups", "complement"], first: Estimate,
                    second: Estimate | None, a: tuple[str, str, np.ndarray],
                    b: tuple[str, str, np.ndarray]) -> Difference:
        (var_a, level_a, dom_a), (var_b, level_b, dom_b) = a, b
        p1, z1 = self._influence(var_a, level_a, dom_a)
        p2, z2 = self._influence(var_b, level_b, dom_b)
        n2 = int(dom_b.sum())
        usable = (first.flag != "suppressed" and first.n >= SUPPRESS_N and n2 >= SUPPRESS_N
                  and (second is None or second.flag != "suppressed"))
        if not usable:
            nan = math.nan
            return Difference(kind, first, second, nan, nan, nan, nan, nan, nan, None)
        difference = p1 - p2
        se = math.sqrt(max(0.0, self.linearisation.variance(z1 - z2)))
        stat = difference / se if se > 0 else math.nan
        p_value = two_sided_p(stat)
        return Difference(kind, first, second, difference, se, difference - Z * se,
                          difference + Z * se, stat, p_value, significance_of(difference, p_value))


def design_of(weights: np.ndarray, population: float, **extra: Any) -> Design:
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
        **extra,
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


def statistics_from_weights(survey: Survey, weights: np.ndarray | pd.Series,
                            raked_to: Margins | None = None, **design: Any) -> Statistics:
    """The query interface on given weights (one per respondent, in row order; sum = N).

    ``raked_to``: the margins the weights were raked to (their residuals enter the variance); None
    for weights that were not calibrated (the population is then Σw). Used by
    :func:`compute_statistics` after raking, and by tests with hand-made weights.
    """
    frame = survey.responses.reset_index(drop=True)
    w = np.asarray(weights, dtype=float)
    if w.shape != (len(frame),) or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise DataError("weights must be one finite non-negative number per respondent",
                        value=w.shape)
    columns = _columns(frame)
    calibration = None
    population = float(w.sum())
    if raked_to is not None and raked_to.variables:
        population = float(raked_to.total)
        calibration = linearisation(w, population, {var: columns[var] for var in raked_to.variables})
    return Statistics(
        codebook=survey.codebook,
        design=design_of(w, population, **design),
        weights=w,
        columns=columns,
        calibration=calibration,
    )


def margin_rows(frame: pd.DataFrame, weights: np.ndarray, margins: Margins) -> tuple[MarginRow, ...]:
    """Sample, weighted and population shares of every group of every raking margin."""
    rows = []
    n = len(frame)
    total = float(np.sum(weights))
    for var in margins.variables:
        codes = frame[var].astype(str).to_numpy()
        for code, share in margins.shares(var).items():
            mask = codes == code
            rows.append(MarginRow(var, code, int(mask.sum()), float(mask.sum() / n),
                                  float(weights[mask].sum() / total), float(share)))
    return tuple(rows)


def compute_statistics(survey: Survey) -> Statistics:
    """Weight the survey and return the query interface.

    Input: a validated Survey. Output: Statistics (weights raked to the margins and summing to the
    population total N, design figures with the weighting diagnostics, lazily computed and cached
    estimates). Raises DataError when the sample cannot be raked to the margins.
    """
    frame = survey.responses.reset_index(drop=True)
    weights = rake_weights(frame, survey.margins)
    untrimmed = rake_weights(frame, survey.margins, trim=UNTRIMMED)
    mean = float(np.mean(weights))
    changed = np.abs(weights - untrimmed) > 1e-6 * mean
    return statistics_from_weights(
        survey, weights, survey.margins,
        trimmed=int(changed.sum()),
        untrimmed_min=float(untrimmed.min()), untrimmed_max=float(untrimmed.max()),
        margins=margin_rows(frame, weights, survey.margins),
    )
