"""Design-based variance: agreement with R's survey package, and the estimator's own properties.

The reference values in tools/r-reference/ were produced by ``Rscript tools/r-reference/reference.R``
(R 4.2, survey 4.1.1: ``svydesign(ids = ~1, fpc = ~N)``, ``rake``, ``svymean(deff = TRUE)``,
``svyciprop(method = "logit", df = Inf)``, ``svyglm`` for subgroup differences, ``svycontrast`` for
paired ones, and a JK1 jackknife with the raking redone on each replicate). Tolerances:

* weights, estimates, standard errors, design effects, differences and their tests: the same
  numbers up to floating-point rounding (relative 1e-9; R backfits the raking residuals ten times,
  we project exactly, and the two agree to about 1e-13 here);
* logit intervals: 1e-7 in proportion (R fits the intercept of svyglm iteratively);
* the jackknife: another estimator of the same variance, expected within 10 % (3.5 % at worst here).
"""

from __future__ import annotations

import csv
import math
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import run_stage
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from report.data import load_survey
from report.statistics import compute_statistics
from report.variance import (
    Z,
    benjamini_hochberg,
    holm,
    linearisation,
    logit_interval,
    margin_basis,
    proportion_influence,
)

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tools" / "r-reference"


@pytest.fixture(scope="module")
def stats():
    return compute_statistics(run_stage(load_survey, ROOT / "data" / "survey"))


def _rows(kind: str) -> list[dict[str, str]]:
    with (REFERENCE / "reference.csv").open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["kind"] == kind]


def _num(text: str) -> float:
    return math.nan if text in ("", "NA", "NaN") else float(text)


def _relative(ours: float, theirs: float) -> float:
    return abs(ours - theirs) / max(abs(theirs), 1e-300) if theirs else abs(ours)


# --------------------------------------------------------------------------- agreement with R


def test_reference_covers_a_good_spread_of_queries():
    rows = _rows("estimate")
    assert len({(r["variable"], r["level"]) for r in rows}) >= 40  # every question and level
    assert {r["by"] for r in rows} >= {"", "legal_form", "size", "region", "age", "revenue"}
    assert any(r["variable"] == "barriers" for r in rows)  # multiple response
    assert any(r["level"] == "agree" for r in rows)  # a net of an ordinal question
    assert len(_rows("paired")) >= 3 and len(_rows("groups")) >= 3
    assert "survey 4." in (REFERENCE / "versions.txt").read_text(encoding="utf-8")


def test_raked_weights_match_r(stats):
    with (REFERENCE / "weights.csv").open(encoding="utf-8") as handle:
        theirs = {row["id"]: float(row["weight"]) for row in csv.DictReader(handle)}
    ids = stats.columns["id"]
    ours = dict(zip(ids, stats.weights, strict=True))
    assert set(ours) == set(theirs)
    worst = max(_relative(ours[i], theirs[i]) for i in ours)
    assert worst < 1e-9


def test_estimates_standard_errors_and_design_effects_match_r(stats):
    rows = _rows("estimate")
    worst = {"p": 0.0, "se": 0.0, "deff": 0.0, "ci": 0.0}
    compared_ci = 0
    for row in rows:
        est = stats.stat(row["variable"], level=row["level"], by=row["by"] or None,
                         group=row["group"] or None)
        se = _num(row["se"])
        assert est.n == int(row["n"]), row
        assert est.se == pytest.approx(se, rel=1e-9, abs=1e-15), row
        worst["se"] = max(worst["se"], _relative(est.se, se))
        if est.p is None:  # suppressed: its estimate is not for printing; its error is still R's
            continue
        assert est.p == pytest.approx(_num(row["p"]), abs=1e-12), row
        worst["p"] = max(worst["p"], abs(est.p - _num(row["p"])))
        if est.deff is not None and not math.isnan(_num(row["deff"])):
            assert est.deff == pytest.approx(_num(row["deff"]), rel=1e-9), row
            worst["deff"] = max(worst["deff"], _relative(est.deff, _num(row["deff"])))
        low, high = _num(row["ci_low"]), _num(row["ci_high"])
        if 0 < est.p < 1 and not math.isnan(low):  # R's logit interval (ours at 0 and 1: Wilson)
            assert (est.ci_low, est.ci_high) == pytest.approx((low, high), abs=1e-7), row
            worst["ci"] = max(worst["ci"], abs(est.ci_low - low), abs(est.ci_high - high))
            compared_ci += 1
    assert compared_ci > 500
    print("worst differences from R:", worst)


def test_subgroup_tests_against_the_complement_match_r(stats):
    tested = 0
    for row in _rows("estimate"):
        if not row["by"]:
            continue
        diff = stats.compare(row["variable"], level=row["level"], by=row["by"],
                             group=row["group"], vs="rest")
        if not diff.tested:  # a side is suppressed: the report tests nothing there
            continue
        assert diff.difference == pytest.approx(_num(row["diff"]), abs=1e-12), row
        assert diff.se == pytest.approx(_num(row["diff_se"]), rel=1e-9), row
        assert diff.p_value == pytest.approx(_num(row["p_value"]), abs=1e-9), row
        est = stats.stat(row["variable"], level=row["level"], by=row["by"], group=row["group"])
        assert est.p_value == pytest.approx(diff.p_value, abs=1e-12)  # the Estimate's own test
        assert est.difference == pytest.approx(diff.difference, abs=1e-12)
        tested += 1
    assert tested > 400


def test_paired_and_two_group_differences_match_r(stats):
    for row in _rows("paired"):
        diff = stats.compare(row["variable"], row["other"])
        assert diff.kind == "paired"
        assert diff.difference == pytest.approx(_num(row["diff"]), abs=1e-12), row
        assert diff.se == pytest.approx(_num(row["diff_se"]), rel=1e-9), row
        assert diff.z == pytest.approx(_num(row["z"]), rel=1e-9), row
        assert diff.p_value == pytest.approx(_num(row["p_value"]), abs=1e-9), row
    for row in _rows("groups"):
        diff = stats.compare(row["variable"], by=row["by"], group=row["group"], vs=row["other"])
        assert diff.kind == "groups"
        assert diff.difference == pytest.approx(_num(row["diff"]), abs=1e-12), row
        assert diff.se == pytest.approx(_num(row["diff_se"]), rel=1e-9), row
        assert diff.p_value == pytest.approx(_num(row["p_value"]), abs=1e-9), row


def test_linearisation_agrees_with_the_jackknife_that_rakes_each_replicate(stats):
    worst = 0.0
    for row in _rows("estimate"):
        if row["by"] or math.isnan(_num(row["jk_se"])) or not _num(row["jk_se"]):
            continue
        est = stats.stat(row["variable"], level=row["level"])
        worst = max(worst, _relative(est.se, _num(row["jk_se"])))
    assert worst < 0.10


# --------------------------------------------------------------------------- the estimator


def test_a_raking_margin_has_no_sampling_variance(stats):
    """The raked weights reproduce the margins whatever the sample: a margin's own shares are
    known, and the raking residuals of their indicators are zero."""
    for code in ("coop", "npo"):
        assert stats.stat("legal_form", level=code).se == pytest.approx(0.0, abs=1e-12)
    assert stats.stat("size", level="lt5").se == pytest.approx(0.0, abs=1e-12)
    age = stats.stat("age", level="lt10")  # not a margin: it keeps a variance
    assert age.se > 0.01


def test_calibration_changes_the_variance_as_it_should(stats):
    """Without the raking residuals the variance of a variable tied to size is larger."""
    cols = stats.columns
    y = (cols["erp"] == "1").astype(float)
    everyone = np.ones(len(y), dtype=bool)
    _p, z = proportion_influence(y, everyone, stats.weights)
    uncalibrated = linearisation(stats.weights, 7000.0)
    assert stats.linearisation.variance(z) < uncalibrated.variance(z)
    assert stats.stat("erp").se == pytest.approx(math.sqrt(stats.linearisation.variance(z)))


def test_variance_without_margins_is_the_textbook_formula():
    """Equal weights, no calibration: V = (1 − n/N) · p(1 − p) / (n − 1)."""
    n, population = 50, 1000.0
    y = np.array([1.0] * 20 + [0.0] * 30)
    w = np.full(n, population / n)
    lin = linearisation(w, population)
    p, z = proportion_influence(y, np.ones(n, dtype=bool), w)
    assert lin.variance(z) == pytest.approx((1 - n / population) * p * (1 - p) / (n - 1))


def test_margin_basis_spans_every_group_indicator():
    rng = np.random.default_rng(3)
    a = rng.choice(["x", "y", "z"], 60).astype(object)
    b = rng.choice(["u", "v"], 60).astype(object)
    basis = margin_basis([a, b])
    assert basis.shape == (60, 4)  # 3 + 2 indicators, one shared direction (the constant)
    assert np.allclose(basis.T @ basis, np.eye(4))
    lin = linearisation(np.ones(60), 600.0, {"a": a, "b": b})
    for values in (a, b):
        for code in set(values):
            indicator = (values == code).astype(float)
            assert np.allclose(lin.residuals(indicator), 0.0)


def test_logit_interval_formula():
    p, se = 0.3, 0.04
    low, high = logit_interval(p, se)
    centre, half = math.log(p / (1 - p)), Z * se / (p * (1 - p))
    assert low == pytest.approx(1 / (1 + math.exp(-(centre - half))))
    assert high == pytest.approx(1 / (1 + math.exp(-(centre + half))))
    assert low < p < high and high - p > p - low  # asymmetric, wider towards 1/2
    assert logit_interval(0.0, 0.0) is None and logit_interval(1.0, 0.0) is None


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40))
def test_holm_and_benjamini_hochberg_match_statsmodels(p_values):
    assert holm(p_values) == pytest.approx(list(multipletests(p_values, method="holm")[1]))
    assert benjamini_hochberg(p_values) == pytest.approx(
        list(multipletests(p_values, method="fdr_bh")[1]))


def test_statistics_pickle_with_their_calibration(stats):
    """The language workers receive the statistics pickled and compute their queries."""
    again = pickle.loads(pickle.dumps(stats))
    assert isinstance(again.columns["id"], np.ndarray)
    assert not any(isinstance(v, pd.DataFrame | pd.Series) for v in vars(again).values())
    fresh = again.stat("crm", by="region", group="est")
    assert fresh.se == pytest.approx(stats.stat("crm", by="region", group="est").se)
    assert again.compare("crm", "erp").p_value == pytest.approx(
        stats.compare("crm", "erp").p_value)
