"""Stage «statistics»: weights, weighted proportions, intervals, flags, significance, queries."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import run_stage
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from report.codebook import Codebook
from report.data import Survey, load_survey
from report.errors import ContentError, DataError
from report.margins import Margins
from report.statistics import (
    CV_CAUTION,
    CV_SUPPRESS,
    Z,
    compute_statistics,
    flag_for,
    fpc_squared,
    kish,
    rake_weights,
    statistics_from_weights,
    weighted_proportion,
    wilson_interval,
)

SURVEY = Path(__file__).resolve().parents[1] / "data" / "survey"
YESNO = {"1": {"fr": "Oui", "en": "Yes"}, "0": {"fr": "Non", "en": "No"}}
ALL = {"fr": "toutes", "en": "all"}


def _var(vtype: str, codes: dict | None = None, **extra) -> dict:
    entry = {"type": vtype, "label": {"fr": "x", "en": "x"}, "question": {"fr": "x", "en": "x"},
             "universe": dict(ALL), "illustrative": True, **extra}
    if codes is not None:
        entry["codes"] = codes
    return entry


def tiny_survey(frame: pd.DataFrame, variables: dict, dims: tuple[str, ...] = ("g",),
                margins: Margins | None = None) -> Survey:
    codebook = Codebook({"variables": variables,
                         "dimensions": {d: {"label": {"fr": d, "en": d}} for d in dims}})
    margins = margins or Margins(total=float(len(frame)), targets={})
    return Survey(responses=frame, codebook=codebook, margins=margins, source_files=())


def groups_codes(*codes: str) -> dict:
    return {c: {"fr": c, "en": c} for c in codes}


@pytest.fixture(scope="module")
def stats():
    return compute_statistics(run_stage(load_survey, SURVEY))


# --------------------------------------------------------------------------- hand-computed example


def test_hand_computed_weighted_proportion():
    # 12 respondents: 4 «yes» with weight 1, 4 «no» with weight 1, 4 «no» with weight 3
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(12)], "g": ["x"] * 6 + ["y"] * 6,
                          "q": ["1"] * 4 + ["0"] * 8})
    survey = tiny_survey(frame, {"g": _var("single", groups_codes("x", "y")),
                                 "q": _var("binary", YESNO)})
    w = np.array([1.0] * 8 + [3.0] * 4)
    s = statistics_from_weights(survey, w)
    est = s.stat("q", level="0")
    assert est.p == pytest.approx(16 / 20)  # Σw·y / Σw = (4 + 12) / 20
    assert est.n == 12
    assert est.n_eff == pytest.approx(20**2 / 44)  # (Σw)² / Σw² = 400 / (8 + 36)
    assert s.design.deff == pytest.approx(12 * 44 / 400)
    assert s.design.N == 20
    # linearisation without margins: x_i = w_i (y_i − p) / Σw, V = (1 − n/N) n/(n − 1) Σ x_i²
    y = np.array([0.0] * 4 + [1.0] * 8)
    x = w * (y - 0.8) / 20
    variance = (1 - 12 / 20) * 12 / 11 * np.sum((x - x.mean()) ** 2)
    assert est.se == pytest.approx(math.sqrt(variance))
    assert est.cv == pytest.approx(math.sqrt(variance) / 0.8)
    centre, half = math.log(0.8 / 0.2), Z * math.sqrt(variance) / (0.8 * 0.2)
    assert (est.ci_low, est.ci_high) == pytest.approx(
        (1 / (1 + math.exp(half - centre)), 1 / (1 + math.exp(-half - centre))))
    assert est.flag == "caution"  # CV 8 %, but a base under 30
    yes = s.stat("q")  # 20 %: CV = 0.067 / 0.2 = 34 % > 33.3 %: too unreliable to publish
    assert yes.cv == pytest.approx(math.sqrt(variance) / 0.2)
    assert yes.flag == "suppressed" and yes.p is None and yes.ci_low is None
    group = s.stat("q", by="g", group="x")  # n = 6 < 10
    assert group.flag == "suppressed" and group.p is None and group.n == 6
    assert weighted_proportion(np.array([1, 0, 0]), np.array([2.0, 1.0, 1.0]))[0] == 0.5
    assert kish(np.array([1.0, 1.0, 1.0, 3.0])) == pytest.approx((4 / 3, 3.0))


def test_wilson_matches_statsmodels_on_effective_n():
    rng = np.random.default_rng(1)
    y = (rng.random(200) < 0.3).astype(float)
    w = rng.uniform(0.5, 3.0, 200)
    p, n, n_eff, _pop = weighted_proportion(y, w)
    low, high = wilson_interval(p, n_eff)  # no FPC
    ref = proportion_confint(count=p * n_eff, nobs=n_eff, alpha=0.05, method="wilson")
    assert (low, high) == pytest.approx(ref, abs=1e-9)
    # with the finite population correction, the same formula on n* = n_eff / FPC²
    fpc2 = fpc_squared(1000.0, n)
    low, high = wilson_interval(p, n_eff, fpc2)
    ref = proportion_confint(count=p * n_eff / fpc2, nobs=n_eff / fpc2, method="wilson")
    assert (low, high) == pytest.approx(ref, abs=1e-9)
    assert high - low < ref[1] - ref[0] + 1e-12


def test_estimate_matches_an_independent_linearisation(stats):
    """The Estimate's standard error is the linearised variance with the raking residuals,
    computed here with a least-squares fit on the margins' indicators; its interval is the logit
    interval on it (tests/test_variance.py compares both with R)."""
    est = stats.stat("erp", by="legal_form", group="coop")
    columns, w = stats.columns, stats.weights
    domain = columns["legal_form"] == "coop"
    y = (columns["erp"] == "1").astype(float)
    p = float((w * y)[domain].sum() / w[domain].sum())
    z = np.where(domain, (y - p) / w[domain].sum(), 0.0)
    design = np.column_stack([(columns[m] == code).astype(float)
                              for m in ("legal_form", "size", "region")
                              for code in sorted(set(columns[m]))])
    residual = z - design @ np.linalg.lstsq(design, z, rcond=None)[0]
    x = w * residual
    n = len(w)
    variance = (1 - n / 7000) * n / (n - 1) * np.sum((x - x.mean()) ** 2)
    assert est.p == pytest.approx(p)
    assert est.se == pytest.approx(math.sqrt(variance), rel=1e-9)
    logit, half = math.log(p / (1 - p)), Z * math.sqrt(variance) / (p * (1 - p))
    assert (est.ci_low, est.ci_high) == pytest.approx(
        (1 / (1 + math.exp(half - logit)), 1 / (1 + math.exp(-half - logit))))


# --------------------------------------------------------------------------- weights


def test_weights_sum_to_population_and_reproduce_margins(stats):
    survey_margins = run_stage(load_survey, SURVEY).margins
    w = stats.weights
    assert w.sum() == pytest.approx(7000)
    assert stats.design.N == 7000
    for var in survey_margins.variables:
        for code, target in survey_margins.targets[var].items():
            got = w[stats.columns[var] == code].sum()
            assert got == pytest.approx(target, rel=1e-3), (var, code)


def test_weights_are_trimmed_and_design_figures_consistent(stats):
    d = stats.design
    w = stats.weights
    assert 0.2 * d.weight_mean - 1e-6 <= d.weight_min and d.weight_max <= 5 * d.weight_mean + 1e-6
    assert d.n == 400 and d.weight_mean == pytest.approx(7000 / 400)
    assert d.deff == pytest.approx(400 * (w**2).sum() / w.sum() ** 2)
    assert d.n_eff == pytest.approx(400 / d.deff)
    assert d.moe_max == pytest.approx(Z * math.sqrt(d.deff * 0.25 / 400)
                                      * math.sqrt((7000 - 400) / 6999))
    assert d.moe == d.moe_max
    assert 1.0 < d.deff < 2.0  # the sample is unbalanced on purpose: weighting matters
    # the trimming bounds do not bind on this sample: raking without them gives the same weights
    assert d.trimmed == 0
    assert (d.untrimmed_min, d.untrimmed_max) == pytest.approx((d.weight_min, d.weight_max))


def test_margins_table_compares_sample_weighted_and_population_shares(stats):
    margins = run_stage(load_survey, SURVEY).margins
    rows = stats.design.margins
    assert [r.variable for r in rows] == [v for v in margins.variables
                                         for _ in margins.targets[v]]
    for var in margins.variables:
        mine = [r for r in rows if r.variable == var]
        assert sum(r.n for r in mine) == 400
        assert sum(r.sample_share for r in mine) == pytest.approx(1.0)
        for row in mine:
            assert row.sample_share == pytest.approx(row.n / 400)
            assert row.population_share == pytest.approx(margins.targets[var][row.code] / 7000)
            assert row.weighted_share == pytest.approx(row.population_share, abs=1e-3)
    ouest = next(r for r in rows if r.code == "ouest")
    assert ouest.sample_share < ouest.population_share  # under-represented on purpose


def test_trimming_that_acts_is_reported():
    frame = pd.DataFrame({"id": [str(i) for i in range(100)],
                          "a": ["x"] * 10 + ["y"] * 90,
                          "b": ["u"] * 3 + ["v"] * 7 + ["u"] * 20 + ["v"] * 70})
    codes = {"x": {"fr": "x", "en": "x"}, "y": {"fr": "y", "en": "y"}}
    variables = {"a": _var("single", codes),
                 "b": _var("single", {"u": {"fr": "u", "en": "u"}, "v": {"fr": "v", "en": "v"}})}
    margins = Margins(total=100.0, targets={"a": {"x": 30.0, "y": 70.0},
                                           "b": {"u": 50.0, "v": 50.0}})
    s = compute_statistics(tiny_survey(frame, variables, dims=("a", "b"), margins=margins))
    assert s.design.trimmed > 0
    assert s.design.untrimmed_max > 5.5 * s.design.weight_mean
    assert s.design.weight_max == pytest.approx(5.0 * s.design.weight_mean, abs=1e-3)


def test_raking_tiny_example():
    frame = pd.DataFrame({"a": ["x"] * 30 + ["y"] * 70, "b": (["u", "v"] * 50)})
    margins = Margins(total=1000.0, targets={"a": {"x": 500.0, "y": 500.0},
                                            "b": {"u": 300.0, "v": 700.0}})
    w = rake_weights(frame, margins)
    assert w.sum() == pytest.approx(1000)
    assert w[frame["a"].to_numpy() == "x"].sum() == pytest.approx(500, rel=1e-3)
    assert w[frame["b"].to_numpy() == "u"].sum() == pytest.approx(300, rel=1e-3)


def test_trimming_binds_and_re_raking_still_hits_the_margins():
    frame = pd.DataFrame({"a": ["x"] * 10 + ["y"] * 90,
                          "b": ["u"] * 3 + ["v"] * 7 + ["u"] * 20 + ["v"] * 70})
    margins = Margins(total=100.0, targets={"a": {"x": 30.0, "y": 70.0},
                                           "b": {"u": 50.0, "v": 50.0}})
    untrimmed = rake_weights(frame, margins, trim=(0.01, 100.0))
    assert untrimmed.max() > 5.5  # x ∩ u needs more than 5 × the mean weight (mean = 1)
    w = rake_weights(frame, margins)
    assert w.max() == pytest.approx(5.0, abs=1e-3)
    for var in ("a", "b"):
        for code, target in margins.targets[var].items():
            assert w[frame[var].to_numpy() == code].sum() == pytest.approx(target, rel=1e-3)


def test_raking_fails_clearly_when_trimming_makes_margins_unreachable():
    frame = pd.DataFrame({"a": ["x"] * 4 + ["y"] * 96})
    margins = Margins(total=1000.0, targets={"a": {"x": 500.0, "y": 500.0}})
    with pytest.raises(DataError, match="did not reproduce the margins"):
        rake_weights(frame, margins)  # group x would need 12.5 × the mean weight (cap: 5)
    empty = Margins(total=1000.0, targets={"a": {"x": 500.0, "y": 400.0, "z": 100.0}})
    with pytest.raises(DataError, match="no respondent"):
        rake_weights(frame, empty)


# --------------------------------------------------------------------------- properties


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.floats(0.05, 50.0)), min_size=1, max_size=60),
    st.floats(1.0, 1e6),
)
def test_proportion_in_unit_interval_and_interval_contains_it(rows, population_factor):
    y = np.array([r[0] for r in rows], dtype=float)
    w = np.array([r[1] for r in rows])
    p, n, n_eff, _pop = weighted_proportion(y, w)
    assert 0.0 <= p <= 1.0
    assert 0 < n_eff <= n + 1e-9
    fpc2 = fpc_squared(n * population_factor, n)
    low, high = wilson_interval(p, n_eff, fpc2)
    assert 0.0 <= low <= p <= high <= 1.0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["1", "0"]), min_size=10, max_size=80))
def test_statistics_interface_properties(answers):
    n = len(answers)
    frame = pd.DataFrame({"id": [str(i) for i in range(n)], "g": ["x"] * n, "q": answers})
    survey = tiny_survey(frame, {"g": _var("single", groups_codes("x")),
                                 "q": _var("binary", YESNO)})
    s = statistics_from_weights(survey, np.linspace(1.0, 4.0, n) * 10)
    yes, no = s.distribution("q")
    assert yes.se == pytest.approx(no.se)  # the same estimate, seen from both ends
    for est in (yes, no):
        assert est.flag == flag_for(est.n, est.cv)
        if est.p is not None:
            assert 0.0 <= est.ci_low <= est.p <= est.ci_high <= 1.0
    if yes.p is not None and no.p is not None:
        assert yes.p + no.p == pytest.approx(1.0)


# --------------------------------------------------------------------------- published figures


def _percent(p: float) -> int:
    return int(Decimal(str(p * 100)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_every_published_figure_is_reproduced(stats):
    figures = stats.codebook.published_figures
    assert figures
    for fig in figures:
        est = stats.stat(fig["variable"], level=fig["level"], by=fig["by"], group=fig["group"])
        assert abs(est.p - fig["value"]) <= 0.01, fig
        assert _percent(est.p) == _percent(fig["value"]), fig  # what the report prints
        assert est.flag != "suppressed"  # printed, with an E where the CV calls for one


# --------------------------------------------------------------------------- flags, significance


def _grouped(sizes: dict[str, int], yes: dict[str, int]) -> Survey:
    g, q = [], []
    for code, size in sizes.items():
        g += [code] * size
        q += ["1"] * yes[code] + ["0"] * (size - yes[code])
    frame = pd.DataFrame({"id": [str(i) for i in range(len(g))], "g": g, "q": q})
    return tiny_survey(frame, {"g": _var("single", groups_codes(*sizes)),
                               "q": _var("binary", YESNO)})


def test_flags_follow_the_cv_with_a_base_size_floor():
    assert flag_for(100, CV_CAUTION - 0.001) == "ok"
    assert flag_for(100, CV_CAUTION) == "caution"
    assert flag_for(100, CV_SUPPRESS) == "caution"
    assert flag_for(100, CV_SUPPRESS + 0.001) == "suppressed"
    assert flag_for(29, 0.01) == "caution" and flag_for(9, 0.01) == "suppressed"
    assert flag_for(30, None) == "ok"  # an estimate of 0 %: no CV, the base rule alone
    assert (CV_CAUTION, CV_SUPPRESS) == (0.166, 0.333)  # Statistics Canada's E and F


def test_caution_and_suppressed_flags():
    survey = _grouped({"a": 9, "b": 10, "c": 29, "d": 30, "e": 60},
                      {"a": 4, "b": 5, "c": 10, "d": 18, "e": 3})
    s = statistics_from_weights(survey, np.full(138, 5.0))
    a, b, c, d, e = s.breakdown("q", by="g")
    assert (a.flag, b.flag, c.flag, d.flag) == ("suppressed", "caution", "caution", "ok")
    assert a.p is None and a.ci_low is None and a.ci_high is None and a.n == 9
    assert a.significance is None
    assert b.p == 0.5 and b.n == 10
    assert d.cv < CV_CAUTION
    # 3 of 60 (5 %): a base of 60, but a CV above 33.3 %: too unreliable to publish
    assert e.n == 60 and e.cv > CV_SUPPRESS and e.flag == "suppressed" and e.p is None


def test_significance_marks_a_clearly_different_group():
    survey = _grouped({"a": 60, "b": 60, "c": 60}, {"a": 54, "b": 24, "c": 27})
    s = statistics_from_weights(survey, np.full(180, 10.0))
    a, b, c = s.breakdown("q", by="g")
    assert a.significance == "higher"
    assert b.significance == "lower"
    assert c.significance is None or c.significance == "lower"
    same = _grouped({"a": 50, "b": 50}, {"a": 25, "b": 25})
    s2 = statistics_from_weights(same, np.full(100, 10.0))
    assert [e.significance for e in s2.breakdown("q", by="g")] == [None, None]
    # the Estimate's test is compare(…, vs="rest"); two groups and paired variables too
    rest = s.compare("q", by="g", group="a", vs="rest")
    assert rest.kind == "complement" and rest.second is None
    assert rest.p_value == pytest.approx(a.p_value) and rest.difference == pytest.approx(
        a.difference)
    assert a.difference == pytest.approx(54 / 60 - 51 / 120)
    two = s.compare("q", by="g", group="a", vs="b")
    assert two.difference == pytest.approx(54 / 60 - 24 / 60) and two.significance == "higher"
    assert two.ci_low == pytest.approx(two.difference - Z * two.se)


def test_paired_comparison_uses_the_covariance():
    """Two questions answered by the same people: identical answers differ by nothing, with no
    variance; independent ones have the variance of both."""
    n = 80
    answers = ["1"] * 40 + ["0"] * 40
    frame = pd.DataFrame({"id": [str(i) for i in range(n)], "g": ["x"] * n, "q": answers,
                          "r": answers, "t": answers[::2] + answers[1::2]})
    variables = {"g": _var("single", groups_codes("x")), "q": _var("binary", YESNO),
                 "r": _var("binary", YESNO), "t": _var("binary", YESNO)}
    s = statistics_from_weights(tiny_survey(frame, variables), np.full(n, 10.0))
    same = s.compare("q", "r")
    assert same.kind == "paired" and same.difference == 0.0 and same.se == pytest.approx(0.0)
    other = s.compare("q", "t")
    assert other.difference == pytest.approx(0.0) and other.se > 0
    with pytest.raises(ContentError, match="either a second variable or vs="):
        s.compare("q", "r", vs="rest")
    with pytest.raises(ContentError, match="vs= needs by="):
        s.compare("q", vs="rest")


def test_real_subgroups(stats):
    ouest = stats.stat("social_networks", by="region", group="ouest")
    assert ouest.flag == "caution" and 10 <= ouest.n < 30 and ouest.p is not None
    assert stats.stat("erp", by="size", group="50plus").significance == "higher"
    lt5 = stats.stat("social_networks", by="size", group="lt5")
    assert lt5.significance is None  # social networks vary little by size
    assert all(e.flag != "suppressed" for dim in stats.codebook.dimensions
               for e in stats.breakdown("social_networks", by=dim))


# --------------------------------------------------------------------------- query interface


def test_distribution_nets_and_multiple_response(stats):
    dist = stats.distribution("investment")
    assert [e.level for e in dist] == stats.codebook.levels("investment")
    assert sum(e.p for e in dist) == pytest.approx(1.0)
    agree = stats.stat("digital_essential", level="agree").p
    parts = sum(stats.stat("digital_essential", level=c).p
                for c in ("agree_strongly", "agree_somewhat"))
    assert agree == pytest.approx(parts)
    barriers = stats.distribution("barriers")
    assert [e.level for e in barriers] == stats.codebook.levels("barriers")
    assert all(e.n == 400 for e in barriers)  # base: respondents
    assert sum(e.p for e in barriers) > 1.0  # several answers possible
    assert stats.breakdown("social_networks", by="size")[0].group == "lt5"
    est = stats.stat("social_networks")
    assert (est.variable, est.level, est.by, est.group) == ("social_networks", "1", None, None)
    assert stats.stat("legal_form", level="coop").p == pytest.approx(3300 / 7000, abs=1e-3)


def test_universe_filter_sets_the_base():
    frame = pd.DataFrame({
        "id": [str(i) for i in range(40)],
        "g": ["x"] * 25 + ["y"] * 15,
        "q": ["1"] * 10 + ["0"] * 15 + [None] * 15,
    })
    variables = {"g": _var("single", groups_codes("x", "y")),
                 "q": _var("binary", YESNO, universe={**ALL, "filter": {"variable": "g",
                                                                       "in": ["x"]}})}
    s = statistics_from_weights(tiny_survey(frame, variables), np.full(40, 2.0))
    est = s.stat("q")
    assert est.n == 25 and est.p == pytest.approx(10 / 25)


@pytest.mark.parametrize(
    ("kwargs", "hint"),
    [
        ({"variable": "social_network"}, "social_networks"),
        ({"variable": "investment", "level": "lt5000"}, "lt5k"),
        ({"variable": "investment"}, "none"),  # an ordinal variable needs a level
        ({"variable": "crm", "by": "sizes", "group": "lt5"}, "size"),
        ({"variable": "crm", "by": "size", "group": "lt4"}, "lt5"),
        ({"variable": "crm", "group": "lt5"}, "by="),
        ({"variable": "crm", "by": "size"}, "lt5"),
        ({"variable": "employees"}, "categorical"),
    ],
)
def test_unknown_names_raise_content_error(stats, kwargs, hint):
    with pytest.raises(ContentError) as excinfo:
        stats.stat(**kwargs)
    assert hint in str(excinfo.value)


def test_unknown_dimension_in_breakdown(stats):
    with pytest.raises(ContentError, match="unknown dimension"):
        stats.breakdown("crm", by="sector")


def test_estimates_are_frozen_and_cached(stats):
    est = stats.stat("crm")
    with pytest.raises(AttributeError):
        est.p = 0.5  # type: ignore[misc]
    assert stats.stat("crm") is est
