"""Generate the simulated respondent file of the 2017 survey (400 enterprises).

Input: codebook.yaml and margins.yaml beside this file (codes, published figures, margins).
Output: responses.csv beside this file, then a check table (published figure vs
weighted estimate, computed by report.statistics) on standard output.

Run it by hand: ``python data/survey/generate.py``. The build never runs it; its outputs are
committed. Everything is drawn from ``numpy.random.default_rng(SEED)``: a run reproduces the files.

A larger simulated population (for the personal reports' throughput plan, docs/personal-reports.md):
``python data/survey/generate.py --respondents 10000 --out DIR`` writes a whole survey folder to DIR
(responses.csv, schema.json, codebook.yaml, margins.yaml) with the same models: the sample's
composition scaled to the new size, and the population margins scaled by the same factor (so the
sampling fraction stays the survey's, 400 of 7,000). The committed 400-row files are untouched.

How the file is built:

1. Profiles (legal form, employees → size, region, sector, age, revenue), deliberately unbalanced
   against the population as phone surveys are (larger organisations and Montréal over-represented,
   the «Ouest» region under-represented so that its base is under 30: the caution flag).
2. The survey weights, raked to margins.yaml by the real ``report.statistics.rake_weights``.
3. Answers: a latent «digital maturity» score per respondent plus logistic models on size and legal
   form (larger organisations adopt more tools; coops use more accounting/ERP/transactional sites,
   non-profits more online donations; social networks vary little by size). Each model's intercept
   is calibrated by bisection so that the WEIGHTED proportion hits the published figure (or an
   illustrative target); ordinal variables get weighted-quantile cut points.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from report.codebook import Codebook  # noqa: E402
from report.data import load_survey  # noqa: E402
from report.diagnostics import Diagnostics  # noqa: E402
from report.margins import Margins  # noqa: E402
from report.statistics import compute_statistics, rake_weights  # noqa: E402

SEED = 20170713
N_SAMPLE = 400

# Sample composition (population shares are in margins.yaml).
LEGAL_FORM_COUNTS = {"coop": 212, "npo": 188}  # population 47 % / 53 %
SIZE_PROBS = {  # population 46 / 33 / 14 / 7 %
    "coop": [0.24, 0.36, 0.24, 0.16],
    "npo": [0.33, 0.38, 0.19, 0.10],
}
REGION_COUNTS = {"montreal": 124, "quebec": 54, "est": 66, "centre": 130, "ouest": 26}
SECTOR_PROBS = {
    "coop": {"food": .17, "housing": .20, "childcare_family": .02, "culture_media": .06,
             "environment_recycling": .06, "services_homecare": .12, "training_integration": .03,
             "tourism_leisure": .08, "agri_forestry": .16, "other": .10},
    "npo": {"food": .08, "housing": .08, "childcare_family": .18, "culture_media": .16,
            "environment_recycling": .08, "services_homecare": .08, "training_integration": .16,
            "tourism_leisure": .08, "agri_forestry": .02, "other": .08},
}
SIZE_SCORE = {"lt5": -1.0, "5to19": 0.0, "20to49": 0.8, "50plus": 1.5}

# Binary answers: target weighted proportion (published figures come from the codebook), size
# slope, coop shift, weight of the latent maturity score, condition (must also be 1).
BINARY = {
    "website_info": (None, 0.7, 0.0, 0.9, None),
    "office_suite": (None, 0.9, 0.0, 0.8, None),
    "erp": (None, 0.9, 0.5, 0.8, None),
    "crm": (0.27, 0.7, -0.2, 0.8, None),
    "accounting": (0.78, 0.8, 0.6, 0.5, None),
    "cloud_storage": (0.52, 0.5, 0.0, 0.9, None),
    "collaboration": (0.37, 0.6, 0.0, 1.0, None),
    "videoconf": (0.33, 0.7, 0.0, 0.8, None),
    "web_analytics": (None, 0.6, 0.0, 1.0, "website_info"),
    "big_data": (None, 0.8, 0.2, 1.0, None),
    "bi_dashboards": (0.10, 0.9, 0.2, 1.0, None),
    "website_mobile": (None, 0.5, 0.0, 1.0, "website_info"),
    "website_transactional": (None, 0.5, 0.7, 0.8, "website_info"),
    "social_networks": (None, 0.1, -0.1, 0.8, None),
    "online_donations": (0.18, 0.3, -1.5, 0.8, None),
    "enewsletter": (0.42, 0.5, 0.0, 0.9, None),
    "member_consultation": (0.31, 0.3, 0.3, 0.9, None),
    "virtual_assembly": (0.12, 0.5, 0.2, 1.0, None),
    "community_mobilisation": (0.38, 0.2, -0.2, 0.9, None),
    "has_skills": (None, 0.4, 0.0, 0.9, None),
    "lacks_funds": (None, -0.4, 0.0, -0.3, None),
}
ORDINAL = {  # level shares (codebook order), size slope, maturity weight
    "investment": ([0.21, 0.49, 0.19, 0.08, 0.03], 0.9, 0.8),
    "digital_essential": ([0.22, 0.36, 0.28, 0.14], 0.2, 0.8),
}
BARRIERS = {  # target, size slope, maturity weight, extra term
    "cost": (0.47, -0.3, -0.2, "lacks_funds"),
    "skills": (0.35, -0.3, -0.5, "has_skills"),
    "time": (0.40, 0.0, 0.0, None),
    "security": (0.16, 0.3, 0.3, None),
    "fit": (0.19, 0.1, 0.0, None),
    "connectivity": (0.11, -0.2, 0.0, "remote"),
    "resistance": (0.12, 0.3, -0.3, None),
}


def expit(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def calibrate(estimate: Callable[[float], float], target: float) -> float:
    """The intercept a whose (non-decreasing, stepwise) estimate(a) is closest to the target."""
    low, high = -20.0, 20.0
    for _ in range(60):
        mid = (low + high) / 2
        if estimate(mid) < target:
            low = mid
        else:
            high = mid
    return low if abs(estimate(low) - target) < abs(estimate(high) - target) else high


def weighted_cuts(score: np.ndarray, w: np.ndarray, shares: list[float]) -> np.ndarray:
    """Level index (0 = first level = highest score) from weighted quantiles of ``score``."""
    order = np.argsort(-score)
    cum = np.cumsum(w[order]) / w.sum()
    targets = np.cumsum(shares)[:-1]
    level_sorted = np.zeros(len(score), dtype=int)
    start = 0
    for k, t in enumerate(targets):
        # the last respondent to include so that the cumulative share is closest to t
        stop = int(np.argmin(np.abs(cum - t))) + 1
        level_sorted[start:stop] = k
        start = max(start, stop)
    level_sorted[start:] = len(shares) - 1
    levels = np.empty(len(score), dtype=int)
    levels[order] = level_sorted
    return levels


def scaled(counts: dict[str, int], n: int) -> dict[str, int]:
    """Counts in the same proportions summing to ``n`` (largest remainders; unchanged at 400)."""
    total = sum(counts.values())
    exact = {k: v * n / total for k, v in counts.items()}
    out = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: out[k] - exact[k])[: n - sum(out.values())]:
        out[k] += 1
    return out


def profiles(rng: np.random.Generator, codebook: Codebook, n: int = N_SAMPLE) -> pd.DataFrame:
    forms = scaled(LEGAL_FORM_COUNTS, n)
    form = rng.permutation(np.repeat(list(forms), list(forms.values())))
    sizes = codebook.levels("size")
    size = np.array([rng.choice(sizes, p=SIZE_PROBS[f]) for f in form])
    employees = np.empty(n, dtype=int)
    for i, s in enumerate(size):
        if s == "lt5":
            employees[i] = rng.choice(5, p=[0.14, 0.22, 0.24, 0.21, 0.19])
        elif s == "5to19":
            employees[i] = min(19, 5 + int(rng.exponential(5.0)))
        elif s == "20to49":
            employees[i] = rng.integers(20, 50)
        else:
            employees[i] = min(2500, 50 + int(rng.lognormal(3.6, 1.0)))
    regions = scaled(REGION_COUNTS, n)
    region = rng.permutation(np.repeat(list(regions), list(regions.values())))
    sector = np.array([rng.choice(list(SECTOR_PROBS[f]), p=list(SECTOR_PROBS[f].values()))
                       for f in form])
    score = np.array([SIZE_SCORE[s] for s in size])
    age_latent = 0.5 * score + rng.normal(0, 1, n)
    age = np.where(age_latent < -1.0, "lt10", np.where(age_latent < 0.35, "10to29", "30plus"))
    rev_latent = 1.3 * score + rng.normal(0, 0.7, n)
    revenue = np.where(rev_latent < -0.2, "lt500k",
                       np.where(rev_latent < 1.3, "500kto2m", "2mplus"))
    return pd.DataFrame({
        "id": [f"R{i:03d}" for i in range(1, n + 1)],
        "legal_form": form, "employees": employees, "size": size, "region": region,
        "sector": sector, "age": age, "revenue": revenue,
    })


def answers(rng: np.random.Generator, frame: pd.DataFrame, w: np.ndarray,
            codebook: Codebook) -> pd.DataFrame:
    n = len(frame)
    score = frame["size"].map(SIZE_SCORE).to_numpy()
    coop = (frame["legal_form"] == "coop").to_numpy().astype(float)
    maturity = rng.normal(0, 1, n)
    out: dict[str, np.ndarray] = {}

    def wmean(y: np.ndarray, mask: np.ndarray | None = None) -> float:
        m = np.ones(n, dtype=bool) if mask is None else mask
        return float((w[m] * y[m]).sum() / w[m].sum())

    for var, (target, slope, coop_shift, lam, cond) in BINARY.items():
        base = slope * score + coop_shift * coop + lam * maturity
        u = rng.random(n)
        allowed = out[cond] if cond else np.ones(n, dtype=bool)
        published = codebook.published(var)
        target = published["value"] if published else target

        def draw(a: float, mask: np.ndarray | None = None, base=base, u=u, allowed=allowed
                 ) -> np.ndarray:
            y = allowed & (u < expit(a + base))
            return y if mask is None else y & mask

        subgroup = codebook.published(var, by="size", group="lt5")
        if subgroup is not None:  # social networks: lt5 first, then the others for the total
            lt5 = (frame["size"] == "lt5").to_numpy()
            a_lt5 = calibrate(lambda a, lt5=lt5: wmean(draw(a), lt5), subgroup["value"])
            fixed = draw(a_lt5, lt5)
            a_rest = calibrate(lambda a, lt5=lt5, fixed=fixed: wmean(fixed | draw(a, ~lt5)), target)
            out[var] = fixed | draw(a_rest, ~lt5)
        else:
            a = calibrate(lambda a: wmean(draw(a)), target)
            out[var] = draw(a)

    for var, (shares, slope, lam) in ORDINAL.items():
        levels = codebook.levels(var)
        published = {e["level"]: e["value"] for e in codebook.published_figures
                     if e["variable"] == var and e["by"] is None}
        # investment: levels run from none (lowest) to 100kplus; digital_essential from agree.
        latent = slope * score + lam * maturity + rng.logistic(0, 1, n)
        if var == "investment":
            idx = weighted_cuts(-latent, w, shares)
        else:
            if "agree" in published:
                shares = list(shares)
                total = shares[0] + shares[1]
                shares[0], shares[1] = (published["agree"] * shares[0] / total,
                                        published["agree"] * shares[1] / total)
            idx = weighted_cuts(latent, w, shares)
        out[var] = np.array(levels)[idx]

    remote = frame["region"].isin(["est", "ouest"]).to_numpy().astype(float)
    extra = {"lacks_funds": 1.2 * out["lacks_funds"], "has_skills": -1.0 * out["has_skills"],
             "remote": 0.9 * remote, None: np.zeros(n)}
    any_barrier = np.zeros(n, dtype=bool)
    for code, (target, slope, lam, term) in BARRIERS.items():
        base = slope * score + lam * maturity + extra[term]
        u = rng.random(n)
        a = calibrate(lambda a, base=base, u=u: wmean(u < expit(a + base)), target)
        out[f"barriers__{code}"] = u < expit(a + base)
        any_barrier |= out[f"barriers__{code}"]
    out["barriers__none"] = ~any_barrier

    result = frame.copy()
    for var in codebook.variables:
        vtype = codebook.type(var)
        if vtype == "binary":
            result[var] = np.where(out[var], "1", "0")
        elif vtype == "ordinal":
            result[var] = out[var]
        elif vtype == "multiple":
            for col in codebook.columns(var):
                result[col] = out[col].astype(int)
    return result[codebook.all_columns]


def scaled_margins(text: str, factor: float) -> str:
    """margins.yaml with the population total and every target multiplied by ``factor``."""
    m = yaml.safe_load(text)
    m["population"]["total"] = round(m["population"]["total"] * factor)
    for spec in m["margins"].values():
        spec["targets"] = {str(code): round(value * factor)
                           for code, value in spec["targets"].items()}
    header = ("# Scaled by data/survey/generate.py for a simulated population of "
              f"{m['population']['total']} enterprises (× {factor:g}); see the survey's own file.\n")
    return header + yaml.safe_dump(m, allow_unicode=True, sort_keys=False, width=100)


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=N_SAMPLE, metavar="N",
                        help=f"how many respondents to simulate (default: {N_SAMPLE}, the survey)")
    parser.add_argument("--out", type=Path, default=HERE, metavar="DIR",
                        help="the survey folder to write (default: this folder)")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    if args.respondents < 20:
        parser.error("--respondents must be at least 20 (every margin group needs respondents)")
    if args.respondents != N_SAMPLE and out == HERE:
        parser.error("write a population of another size elsewhere (--out DIR): the committed "
                     "files hold the survey's 400 respondents")
    out.mkdir(parents=True, exist_ok=True)
    raw = yaml.safe_load((HERE / "codebook.yaml").read_text(encoding="utf-8"))
    codebook = Codebook(raw, HERE / "codebook.yaml")
    margins_text = (HERE / "margins.yaml").read_text(encoding="utf-8")
    if out != HERE:
        (out / "codebook.yaml").write_text((HERE / "codebook.yaml").read_text(encoding="utf-8"),
                                           encoding="utf-8")
        margins_text = scaled_margins(margins_text, args.respondents / N_SAMPLE) \
            if args.respondents != N_SAMPLE else margins_text
        (out / "margins.yaml").write_text(margins_text, encoding="utf-8")
    m = yaml.safe_load(margins_text)
    margins = Margins(total=float(m["population"]["total"]),
                      targets={k: {str(c): float(v) for c, v in s["targets"].items()}
                               for k, s in m["margins"].items()})
    rng = np.random.default_rng(SEED)
    frame = profiles(rng, codebook, args.respondents)
    w = rake_weights(frame, margins)
    result = answers(rng, frame, w, codebook)
    result.to_csv(out / "responses.csv", index=False, lineterminator="\n")

    diag = Diagnostics()
    survey = load_survey(out, diag)
    diag.raise_if_errors()
    stats = compute_statistics(survey)
    d = stats.design
    print(f"n={d.n} N={d.N:.0f} deff={d.deff:.3f} n_eff={d.n_eff:.1f} moe_max={d.moe_max:.4f} "
          f"weights {d.weight_min:.2f}–{d.weight_max:.2f} (mean {d.weight_mean:.2f})")
    worst = 0.0
    for fig in stats.codebook.published_figures:
        est = stats.stat(fig["variable"], level=fig["level"], by=fig["by"], group=fig["group"])
        gap = est.p - fig["value"]
        worst = max(worst, abs(gap))
        where = f" [{fig['by']}={fig['group']}]" if fig["by"] else ""
        print(f"{fig['variable']:<22}{fig['level']:<8}{where:<16} published {fig['value']:.2f}"
              f"  weighted {est.p:.4f}  gap {gap:+.4f}  n={est.n}")
    print(f"largest gap: {worst:.4f}")
    for by in stats.codebook.dimensions:
        print(by, {e.group: (e.n, e.flag) for e in stats.breakdown("social_networks", by=by)})


if __name__ == "__main__":
    main()
