"""Design-based variance of the survey's estimates: Taylor linearisation with the raking residuals.

Input: the respondents' final weights, the group codes of every raking margin (one array per
margin, in respondent order) and the population size N.
Output: a :class:`Linearisation`, which turns the influence values of any estimate (a proportion in
a domain, a difference of two proportions) into its design-based variance, and the interval and
test functions the statistics stage uses.

The design is the one the methodology states: n respondents treated as a simple random sample
without replacement from N enterprises, their weights raked to the population margins. This is
what R's survey package computes for ``rake(svydesign(ids = ~1, fpc = ~N, …), …)`` followed by
``svymean``, ``svyciprop(method = "logit")`` and ``svyglm``/``svycontrast`` for differences
(``tools/r-reference/reference.R``; ``tests/test_variance.py`` compares the two):

* influence values of a proportion p in a domain d (the respondents asked who answered, in the
  subgroup): z_i = 1[i ∈ d] · (y_i − p) / Σ_{j∈d} w_j; of a difference, the difference of the two
  estimates' influence values (a paired difference and a subgroup against its complement alike);
* calibration residuals: e = z − Πz, where Π is the least-squares projection on the indicators of
  every raking margin's groups (the starting weights are equal, so it is unweighted). survey
  backfits the margins ten times (``svyrecvar``); this is the limit it converges to;
* variance: V = (1 − n/N) · n/(n − 1) · Σ_i (w_i e_i − mean)², the one-stage without-replacement
  estimator with the finite population correction.

Written here rather than taken from a library: svy (0.35) gives the same standard errors for this
design (checked on social networks: 0.02424 in both), but brings polars and a Rust extension into
the build and into the language workers (which receive the statistics pickled and compute their
queries lazily, without pandas), goes through a data frame for every query, and its 0.x interface
moves fast; samplics is archived; statsmodels has no calibrated designs. The estimator is a
projection and a sum of squares, validated against R to rounding error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

CONFIDENCE = 0.95
Z = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)
_NORMAL = NormalDist()


@dataclass(frozen=True, eq=False)
class Linearisation:
    """What the variance of any estimate needs: weights, the margins' span, the sampling fraction.

    Picklable and small (NumPy arrays only): the language workers compute variances themselves.
    """

    weights: np.ndarray  # final weights, respondent order
    basis: np.ndarray  # n × r orthonormal basis of the span of the margins' group indicators
    population: float  # N
    margins: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return int(self.weights.size)

    @property
    def sampling_fraction(self) -> float:
        """n/N (0 when N is unknown)."""
        return self.n / self.population if self.population and self.population > self.n else \
            (0.0 if not self.population else 1.0)

    def residuals(self, z: np.ndarray) -> np.ndarray:
        """The influence values less their projection on the raking margins (column by column)."""
        z = np.asarray(z, dtype=float)
        if self.basis.size == 0:
            return z
        return z - self.basis @ (self.basis.T @ z)

    def covariance(self, z: np.ndarray) -> np.ndarray:
        """Design-based covariance matrix of estimates whose influence values are the columns of
        ``z`` (n × m): V = (1 − n/N) · n/(n − 1) · Σ (w e − mean)(w e − mean)ᵀ."""
        z = np.asarray(z, dtype=float)
        if z.ndim == 1:
            z = z[:, None]
        n = self.n
        if n < 2:
            return np.full((z.shape[1], z.shape[1]), math.nan)
        x = self.weights[:, None] * self.residuals(z)
        x = x - x.mean(axis=0)
        return (1.0 - self.sampling_fraction) * n / (n - 1) * (x.T @ x)

    def variance(self, z: np.ndarray) -> float:
        """Design-based variance of one estimate from its influence values (length n)."""
        return float(self.covariance(np.asarray(z, dtype=float).reshape(-1, 1))[0, 0])


def margin_basis(codes: Sequence[np.ndarray]) -> np.ndarray:
    """An orthonormal basis (n × r) of the span of every margin's group indicators.

    ``codes``: one array per raking margin, the respondents' group codes. The indicators of each
    margin sum to one, so the spans overlap in the constant: the basis keeps the r independent
    directions (singular values above a relative 1e-10).
    """
    if not codes:
        return np.zeros((0, 0))
    columns = []
    for values in codes:
        values = np.asarray(values, dtype=object)
        for code in sorted({v for v in values if v is not None}, key=str):
            columns.append((values == code).astype(float))
    x = np.column_stack(columns)
    u, s, _vt = np.linalg.svd(x, full_matrices=False)
    keep = s > s.max() * 1e-10
    return np.ascontiguousarray(u[:, keep])


def linearisation(weights: np.ndarray, population: float,
                  margins: dict[str, np.ndarray] | None = None) -> Linearisation:
    """The :class:`Linearisation` of a sample: its final weights, N, and the raking margins'
    group codes (none for weights that were not calibrated)."""
    margins = margins or {}
    return Linearisation(weights=np.asarray(weights, dtype=float),
                         basis=margin_basis(list(margins.values())),
                         population=float(population), margins=tuple(margins))


def proportion_influence(y: np.ndarray, domain: np.ndarray, weights: np.ndarray
                         ) -> tuple[float, np.ndarray]:
    """(p, z): the weighted proportion of the 0/1 values ``y`` in ``domain`` (a boolean mask over
    every respondent) and its influence values z_i = 1[i ∈ domain] (y_i − p) / Σ_domain w."""
    total = float(weights[domain].sum())
    if total <= 0:
        return math.nan, np.zeros(len(weights))
    p = float((weights[domain] * y[domain]).sum() / total)
    z = np.where(domain, (y - p) / total, 0.0)
    return p, z


def logit_interval(p: float, se: float, z: float = Z) -> tuple[float, float] | None:
    """The logit interval expit(logit p ± z·se/(p(1 − p))), as ``svyciprop(method = "logit")``
    with ``df = Inf``. None when p is 0 or 1 or the variance is zero (the logit is undefined)."""
    if not 0.0 < p < 1.0 or not se > 0.0:
        return None
    centre = math.log(p / (1.0 - p))
    half = z * se / (p * (1.0 - p))
    return _expit(centre - half), _expit(centre + half)


def wilson_interval(p: float, n_eff: float, fpc2: float = 1.0, z: float = Z) -> tuple[float, float]:
    """Wilson score interval for a proportion on an effective sample size, with FPC².

    Equivalent to ``statsmodels.stats.proportion.proportion_confint(p·n*, n*, method="wilson")``
    with n* = n_eff / fpc2. Used where the design-based variance is zero (p = 0 or 1).
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


def two_sided_p(statistic: float) -> float:
    """Two-sided p-value of a standard normal test statistic."""
    if math.isnan(statistic):
        return math.nan
    return 2.0 * (1.0 - _NORMAL.cdf(abs(statistic)))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (familywise error rate), in the input order.

    Same as ``statsmodels.stats.multitest.multipletests(p, method="holm")[1]``.
    """
    p = np.asarray(p_values, dtype=float)
    m = p.size
    if m == 0:
        return []
    order = np.argsort(p, kind="mergesort")
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted.tolist()


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (false discovery rate), in the input order.

    Same as ``statsmodels.stats.multitest.multipletests(p, method="fdr_bh")[1]``.
    """
    p = np.asarray(p_values, dtype=float)
    m = p.size
    if m == 0:
        return []
    order = np.argsort(p, kind="mergesort")
    scaled = p[order] * m / np.arange(1, m + 1)
    stepped = np.minimum.accumulate(scaled[::-1])[::-1]
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted.tolist()


ADJUSTMENTS = {"holm": holm, "fdr_bh": benjamini_hochberg}


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
