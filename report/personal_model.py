"""Personal reports, stage «model»: each enterprise's portrait, format-free.

Input: the :class:`~report.personal_spec.PersonalSpec`, the survey's
:class:`~report.statistics.Statistics` (queried through ``stat`` only, plus its weights and answers
for the maturity score's distribution), and one respondent's answers.
Output, in two steps:

1. :func:`population`, once per build: a :class:`Population` holding every benchmark the reports
   can show (each peer group's weighted estimate with its interval, base and quality flag, as
   ``stats.stat`` gives it) and the weighted distribution of the digital maturity score. It holds
   aggregates only (no respondent's id or answers), pickles small, and is what every worker
   receives once.
2. :func:`portrait`, once per enterprise: a :class:`Portrait` (its profile, its answers beside its
   peers' benchmarks, its maturity score placed on the population's distribution, and the three
   practices of chapter 3 that best fit its gaps). No text, no language: the builder
   (:mod:`report.personal_render`) formats it.

Suppression: a peer group whose estimate is suppressed (``flag == "suppressed"``: its base is too
small for the report's rules) is replaced by the whole population's estimate, and the cell says
so (:attr:`Cell.fallback`). Score bands of the distribution with fewer respondents than the
report's suppression threshold are merged with their neighbour, so no band describes fewer
enterprises than any other figure may.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .personal_spec import PER_SECTION, PRACTICES_SHOWN, Dimension, PersonalSpec, Practice

BAND_WIDTH = 10  # points of the maturity score per band of the distribution chart
MIN_BAND_N = 10  # respondents a band needs (the report's suppression threshold, statistics.SUPPRESS_N)


@dataclass(frozen=True)
class Band:
    low: int
    high: int  # inclusive upper bound of the band's label; the last band includes 100
    share: float  # weighted share of the population
    n: int


@dataclass(frozen=True)
class ScoreDistribution:
    """The weighted distribution of the digital maturity score over the whole population."""

    bands: tuple[Band, ...]
    scores: tuple[float, ...]  # the distinct scores, ascending
    below: tuple[float, ...]  # weighted share of the population under each score
    at: tuple[float, ...]  # weighted share at each score
    mean: float
    dimension_means: dict[str, float]
    n: int

    def percentile(self, score: float) -> float:
        """Weighted share of the population whose score is lower than ``score``."""
        i = int(np.searchsorted(np.asarray(self.scores), score - 1e-9))
        return self.below[i] if i < len(self.below) else 1.0


@dataclass(frozen=True)
class Population:
    """What every report needs from the statistics: aggregates only."""

    estimates: dict[tuple[str, str, str | None, str | None], Any]  # (var, level, by, group)
    distribution: ScoreDistribution
    n: int  # respondents


@dataclass(frozen=True)
class Respondent:
    id: str
    answers: dict[str, Any]  # column → code as text (numbers as int), None when not answered
    lang: str


@dataclass(frozen=True)
class Cell:
    estimate: Any  # the Estimate shown
    fallback: bool = False  # the peer group was too small: this is the whole population's
    group_n: int | None = None  # the too-small group's base, when fallback


@dataclass(frozen=True)
class Row:
    variable: str
    level: str
    kind: str  # binary | level | option
    own: bool | None  # the enterprise's answer (None: not answered, or not asked)
    cells: tuple[Cell, ...]  # one per peer group, then the whole population


@dataclass(frozen=True)
class TableData:
    id: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class PeerGroup:
    by: str | None  # None: the whole population
    group: str | None
    n: int  # unweighted base of the group (the first row's)


@dataclass(frozen=True)
class Reason:
    variable: str
    level: str
    weight: float  # share of the peers who did not answer so


@dataclass(frozen=True)
class Choice:
    practice: Practice
    score: float
    reasons: tuple[Reason, ...]  # the gaps that point to it, largest first; empty for a fallback


@dataclass(frozen=True)
class Maturity:
    score: float
    dimensions: tuple[tuple[str, float | None, float], ...]  # (id, own score, population mean)
    percentile: float


@dataclass(frozen=True)
class Portrait:
    respondent: str
    lang: str
    profile: tuple[tuple[str, str | None], ...]  # (variable, code)
    peers: tuple[PeerGroup, ...]  # the peer groups, then the whole population
    tables: tuple[TableData, ...]
    maturity: Maturity
    practices: tuple[Choice, ...]
    fallbacks: tuple[str, ...] = field(default=())  # peer dimensions that fell back somewhere


# -- rows and estimates ---------------------------------------------------------------------
def rows_of(variable: str, codebook: Any) -> list[tuple[str, str]]:
    """The (level, kind) rows a variable takes in a benchmark table."""
    kind = codebook.type(variable)
    if kind == "binary":
        return [("1", "binary")]
    return [(level, "option" if kind == "multiple" else "level")
            for level in codebook.levels(variable)]


def _query(stats: Any, var: str, level: str, by: str | None, group: str | None) -> Any:
    return stats.stat(var, level=level, by=by, group=group)


def population(spec: PersonalSpec, stats: Any) -> Population:
    """Every estimate a report may show, for every group of the peer dimensions, and the maturity
    score's distribution: computed once, through ``stats.stat``."""
    codebook = stats.codebook
    wanted: list[tuple[str, str]] = []
    for table in spec.tables:
        for var in table.variables:
            wanted += [(var, level) for level, _kind in rows_of(var, codebook)]
    wanted += [(gap.variable, gap.level) for gap in spec.gaps]
    estimates: dict[tuple[str, str, str | None, str | None], Any] = {}
    for var, level in dict.fromkeys(wanted):
        estimates[(var, level, None, None)] = _query(stats, var, level, None, None)
        for by in spec.peers:
            for group in codebook.levels(by):
                estimates[(var, level, by, group)] = _query(stats, var, level, by, group)
    columns, weights = _microdata(stats)
    return Population(estimates, distribution(spec, columns, weights), len(weights))


def _microdata(stats: Any) -> tuple[dict[str, Any], np.ndarray]:
    """The answers (one array per column, in row order) and the survey weights: the only place
    that reads more of the statistics than its query interface (the maturity score is a
    function of each respondent's answers, which no proportion gives)."""
    return stats.columns, np.asarray(stats.weights, dtype=float)


def respondents(stats: Any, lang_of: Any) -> list[Respondent]:
    """Every respondent, in the survey's row order, with the answers its report needs.

    ``lang_of(answers)`` chooses the language of the report."""
    columns, _weights = _microdata(stats)
    names = [c for c in columns if c != "id"]
    out = []
    for i, ident in enumerate(columns["id"]):
        answers = {name: _plain(columns[name][i]) for name in names}
        out.append(Respondent(str(ident), answers, lang_of(answers)))
    return out


def _plain(value: Any) -> Any:
    """A NumPy scalar as a plain Python value (so that answers hash and serialise alike)."""
    if value is None:
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


# -- maturity -------------------------------------------------------------------------------
def dimension_scores(dimensions: tuple[Dimension, ...], answers: dict[str, Any]
                     ) -> list[float | None]:
    """Each dimension's score (0–100): the mean of its answered items' points × 100."""
    out: list[float | None] = []
    for dim in dimensions:
        points = [item.score(answers.get(item.variable)) for item in dim.items]
        given = [p for p in points if p is not None]
        out.append(100 * sum(given) / len(given) if given else None)
    return out


def maturity_score(dimensions: tuple[Dimension, ...], answers: dict[str, Any]) -> float | None:
    """The digital maturity score (0–100): the mean of the dimensions' scores."""
    scores = [s for s in dimension_scores(dimensions, answers) if s is not None]
    return sum(scores) / len(scores) if scores else None


def distribution(spec: PersonalSpec, columns: dict[str, Any], weights: np.ndarray
                 ) -> ScoreDistribution:
    """The weighted distribution of the score over the respondents (missing scores left out)."""
    n = len(weights)
    variables = {item.variable for dim in spec.dimensions for item in dim.items}
    per_dim = np.full((n, len(spec.dimensions)), np.nan)
    for i in range(n):
        answers = {v: columns[v][i] for v in variables}
        per_dim[i] = [np.nan if s is None else s
                      for s in dimension_scores(spec.dimensions, answers)]
    with np.errstate(all="ignore"):
        scores = np.nanmean(per_dim, axis=1)
    keep = ~np.isnan(scores)
    scores, w, per_dim = scores[keep], weights[keep], per_dim[keep]
    total = float(w.sum())
    distinct, inverse = np.unique(np.round(scores, 9), return_inverse=True)
    at = np.bincount(inverse, weights=w, minlength=len(distinct)) / total
    below = np.concatenate([[0.0], np.cumsum(at)[:-1]])
    means = {}
    for j, dim in enumerate(spec.dimensions):
        ok = ~np.isnan(per_dim[:, j])
        means[dim.id] = float((per_dim[ok, j] * w[ok]).sum() / w[ok].sum()) if ok.any() \
            else math.nan
    return ScoreDistribution(
        bands=_bands(scores, w / total),
        scores=tuple(float(s) for s in distinct), below=tuple(float(b) for b in below),
        at=tuple(float(a) for a in at), mean=float((scores * w).sum() / total),
        dimension_means=means, n=int(keep.sum()))


def _bands(scores: np.ndarray, shares: np.ndarray) -> tuple[Band, ...]:
    """Bands of BAND_WIDTH points; a band with fewer than MIN_BAND_N respondents is merged with
    its neighbour towards the middle, until every band has enough."""
    edges = list(range(0, 100, BAND_WIDTH))
    index = np.minimum((scores // BAND_WIDTH).astype(int), len(edges) - 1)
    bands = [[lo, lo + BAND_WIDTH - 1 if lo + BAND_WIDTH < 100 else 100,
              float(shares[index == k].sum()), int((index == k).sum())]
             for k, lo in enumerate(edges)]
    while len(bands) > 1:
        small = [k for k, b in enumerate(bands) if b[3] < MIN_BAND_N]
        if not small:
            break
        k = small[0]
        j = k + 1 if k < len(bands) / 2 else k - 1  # towards the middle
        j = min(max(j, 0), len(bands) - 1)
        a, b = sorted((k, j))
        bands[a] = [bands[a][0], bands[b][1], bands[a][2] + bands[b][2], bands[a][3] + bands[b][3]]
        del bands[b]
    return tuple(Band(int(lo), int(hi), float(share), int(n)) for lo, hi, share, n in bands)


# -- one enterprise -------------------------------------------------------------------------
def _answered(answers: dict[str, Any], var: str, level: str, kind: str, codebook: Any
              ) -> bool | None:
    """Whether the enterprise gave ``level`` for ``var`` (None when it did not answer)."""
    if kind == "option" or codebook.type(var) == "multiple":
        value = answers.get(f"{var}__{level}")
        return None if value is None else int(value) == 1
    value = answers.get(var)
    if value is None:
        return None
    members = codebook.nets(var).get(level, [level])
    return str(value) in members


def _cells(pop: Population, peers: tuple[PeerGroup, ...], var: str, level: str) -> tuple[Cell, ...]:
    whole = pop.estimates[(var, level, None, None)]
    cells = []
    for peer in peers:
        if peer.by is None:
            cells.append(Cell(whole))
            continue
        estimate = pop.estimates[(var, level, peer.by, peer.group)]
        if estimate.flag == "suppressed" or estimate.p is None:
            cells.append(Cell(whole, fallback=True, group_n=estimate.n))
        else:
            cells.append(Cell(estimate))
    return tuple(cells)


def _gap_weight(pop: Population, peers: tuple[PeerGroup, ...], var: str, level: str) -> float:
    """Share of the enterprise's peers who did not answer ``level``: the mean over its peer groups
    that can be shown (the whole population when none can)."""
    shares = [c.estimate.p for c in _cells(pop, peers, var, level)[:-1] if not c.fallback]
    if not shares:
        shares = [pop.estimates[(var, level, None, None)].p]
    return 1 - sum(shares) / len(shares)


def choose_practices(spec: PersonalSpec, pop: Population, peers: tuple[PeerGroup, ...],
                     answers: dict[str, Any], codebook: Any) -> tuple[Choice, ...]:
    """The practices that best fit the enterprise's gaps (see data/personal.yaml)."""
    totals: dict[str, float] = {p.id: 0.0 for p in spec.practices}
    reasons: dict[str, list[Reason]] = {p.id: [] for p in spec.practices}
    for gap in spec.gaps:
        kind = "option" if codebook.type(gap.variable) == "multiple" else "level"
        if not _answered(answers, gap.variable, gap.level, kind, codebook):
            continue
        weight = _gap_weight(pop, peers, gap.variable, gap.level)
        for rank, practice in enumerate(gap.practices, start=1):
            totals[practice] += weight / rank
            reasons[practice].append(Reason(gap.variable, gap.level, weight))
    order = {p.id: i for i, p in enumerate(spec.practices)}
    ranked = sorted((pid for pid in totals if totals[pid] > 0),
                    key=lambda pid: (-round(totals[pid], 9), order[pid]))
    chosen: list[str] = []
    per_section: dict[str, int] = {}
    for pid in ranked:
        section = spec.practice(pid).section
        if per_section.get(section, 0) < PER_SECTION:
            chosen.append(pid)
            per_section[section] = per_section.get(section, 0) + 1
        if len(chosen) == PRACTICES_SHOWN:
            break
    for pid in spec.fallback:
        if len(chosen) == PRACTICES_SHOWN:
            break
        if pid not in chosen:
            chosen.append(pid)
    return tuple(Choice(spec.practice(pid), totals[pid],
                        tuple(sorted(reasons[pid], key=lambda r: -r.weight)))
                 for pid in chosen)


def portrait(spec: PersonalSpec, pop: Population, respondent: Respondent, codebook: Any
             ) -> Portrait:
    """One enterprise's report, format-free."""
    answers = respondent.answers
    first = next((var, level) for t in spec.tables for var in t.variables
                 for level, _k in rows_of(var, codebook))
    peers = (*(PeerGroup(by, str(answers.get(by)),
                         pop.estimates[(*first, by, str(answers.get(by)))].n)
               for by in spec.peers),
             PeerGroup(None, None, pop.estimates[(*first, None, None)].n))
    tables = []
    fallbacks: dict[str, None] = {}
    for table in spec.tables:
        rows = []
        for var in table.variables:
            for level, kind in rows_of(var, codebook):
                cells = _cells(pop, peers, var, level)
                for peer, cell in zip(peers, cells, strict=True):
                    if cell.fallback and peer.by is not None:
                        fallbacks[peer.by] = None
                rows.append(Row(var, level, kind,
                                _answered(answers, var, level, kind, codebook), cells))
        tables.append(TableData(table.id, tuple(rows)))
    own = dimension_scores(spec.dimensions, answers)
    score = maturity_score(spec.dimensions, answers)
    dist = pop.distribution
    maturity = Maturity(
        score=math.nan if score is None else score,
        dimensions=tuple((d.id, s, dist.dimension_means[d.id])
                         for d, s in zip(spec.dimensions, own, strict=True)),
        percentile=math.nan if score is None else dist.percentile(score))
    return Portrait(
        respondent=respondent.id, lang=respondent.lang,
        profile=tuple((var, None if answers.get(var) is None else str(answers[var]))
                      for var in spec.profile),
        peers=peers, tables=tuple(tables), maturity=maturity,
        practices=choose_practices(spec, pop, peers, answers, codebook),
        fallbacks=tuple(fallbacks))
