"""The personal edition: one benchmark report per respondent (report/personal*.py, report/bulk.py).

The session fixture ``personal_built`` (conftest.py) renders a handful of real reports on the local
pool; the Dask test renders the same respondents on a local cluster and compares the bytes. Unit
tests use the real statistics (the session ``inputs``) and in-process workers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from helpers import run_stage

from report import personal_model as pm
from report.diagnostics import Diagnostics
from report.errors import ConfigError, ErrorGroup, ReportError
from report.personal import PersonalOptions, build_personal, language_chooser
from report.personal_spec import load_spec
from report.statistics import SUPPRESS_N

ROOT = Path(__file__).resolve().parent.parent
ID = re.compile(r"\bR\d{3,}\b")


def _text_and_metadata(path: Path) -> tuple[str, str]:
    """All the text a reader or a tool can get out of a PDF: its pages, and its metadata
    (document information and XMP)."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    info = " ".join(str(v) for v in (reader.metadata or {}).values())
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8") if "/Metadata" in root else ""
    return text, info + "\n" + xmp


@pytest.fixture(scope="session")
def spec(inputs):
    config = inputs.config
    return run_stage(load_spec, config.paths.data / "personal.yaml", inputs.stats.codebook,
                     config.structure, inputs.content, config.strings)


@pytest.fixture(scope="session")
def population(spec, inputs):
    return pm.population(spec, inputs.stats)


# -- what is built ------------------------------------------------------------------------------
def test_each_report_is_listed_and_named_by_id(personal_built):
    entries = [e for e in personal_built.manifest["outputs"] if e["edition"] == "personal"]
    assert {e["respondent"] for e in entries} == set(personal_built.ids)
    for entry in entries:
        path = personal_built.out / entry["path"]
        assert entry["path"] == f"personal/{entry['respondent']}.pdf"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        assert 4 <= entry["pages"] <= 6, entry
        assert entry["lang"] == personal_built.langs[entry["respondent"]]
    files = sorted(p.name for p in (personal_built.out / "personal").iterdir())
    assert files == sorted(f"{i}.pdf" for i in personal_built.ids)  # no temporary file left


def test_reports_hold_their_own_answers_and_benchmarks(personal_built):
    text, _meta = _text_and_metadata(personal_built.out / "personal" / "R001.pdf")
    assert "Votre portrait numérique" in text and "Entreprise répondante R001" in text
    for heading in ("Vous et vos pairs", "Trois pratiques pour aller plus loin",
                    "Votre maturité numérique", "Même région", "Ensemble des entreprises"):
        assert heading.lower() in text.lower()
    english, _ = _text_and_metadata(personal_built.out / "personal" / "R002.pdf")
    assert "Your digital portrait" in english and "Votre" not in english
    # R002 is in the Ouest region (26 respondents): its region's figures carry the E flag
    assert "E Use with caution" in english


def test_no_report_reveals_another_respondent(personal_built, inputs):
    """Every generated PDF, text and metadata: only its own id, and no aggregate whose base is
    under the report's suppression threshold."""
    pdfs = sorted((personal_built.out / "personal").glob("*.pdf"))
    assert len(pdfs) == len(personal_built.ids)
    for path in pdfs:
        own = path.stem
        text, meta = _text_and_metadata(path)
        assert set(ID.findall(text)) == {own}, path
        assert set(ID.findall(meta)) <= {own} and own in meta, path
        bases = [int(n.replace("\u202f", "").replace("\u00a0", "").replace(",", ""))
                 for n in re.findall(r"n\s*=\s*([\d\u202f\u00a0,]+)", text)]
        assert bases and min(bases) >= SUPPRESS_N, (path, sorted(bases)[:3])


def test_workers_are_warmed_once(personal_built):
    """Each worker built its state once and rendered several reports with it."""
    workers = personal_built.workers
    assert all(installs == 1 for _pid, installs in workers.values())
    assert max(len(ids) for ids in personal_built.by_worker.values()) >= 2


# -- skipping, resuming, failing ------------------------------------------------------------
def test_unchanged_reports_are_skipped_and_a_missing_one_is_redone(personal_built, tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    shutil.copytree(personal_built.out, out)
    shutil.copytree(personal_built.cache, cache)
    options = dataclasses.replace(personal_built.options, out_dir=out, cache_dir=cache)
    result = build_personal(options, Diagnostics(strict=True), lambda *_: None)
    assert result.rendered == [] and len(result.reused) == len(personal_built.french)
    before = {p.name: p.stat().st_mtime_ns for p in (out / "personal").iterdir()}
    (out / "personal" / "R001.pdf").unlink()
    result = build_personal(options, Diagnostics(strict=True), lambda *_: None)
    assert result.rendered == ["personal R001"]
    assert (out / "personal" / "R001.pdf").read_bytes() == \
        (personal_built.out / "personal" / "R001.pdf").read_bytes()
    after = {p.name: p.stat().st_mtime_ns for p in (out / "personal").iterdir()}
    assert all(after[name] == before[name] for name in before if name != "R001.pdf")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {e["respondent"] for e in manifest["outputs"]} == set(personal_built.ids)


def test_a_failed_report_names_its_respondent_and_the_others_are_written(
        personal_built, tmp_path, monkeypatch):
    from report import bulk
    from report.personal_render import Failed, install, render_task

    def run_here(blob, tasks, on_result, workers=2):  # the pool, in this process
        install(blob)
        for task in tasks:
            on_result(Failed(task.id, "RenderError: boom") if task.id == "R026"
                      else render_task(task))

    monkeypatch.setattr(bulk, "run_local", run_here)
    options = dataclasses.replace(personal_built.options, out_dir=tmp_path / "out",
                                  cache_dir=tmp_path / "cache",
                                  personal=PersonalOptions(respondents=("R001", "R026")))
    with pytest.raises(ReportError) as caught:
        build_personal(options, Diagnostics(strict=True), lambda *_: None)
    assert "R026" in str(caught.value) and "boom" in str(caught.value)
    assert (tmp_path / "out" / "personal" / "R001.pdf").is_file()
    assert not (tmp_path / "out" / "personal" / "R026.pdf").exists()
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [e["respondent"] for e in manifest["outputs"]] == ["R001"]


def test_the_command_line_fails_when_a_report_fails(personal_built, tmp_path, monkeypatch,
                                                   capsys):
    from report import bulk
    from report.cli import main
    from report.personal_render import Failed

    monkeypatch.setattr(bulk, "run_local", lambda blob, tasks, on_result, workers=2: [
        on_result(Failed(t.id, "RenderError: boom")) for t in tasks])
    status = main(["--edition", "personal", "--respondents", "R026", "--out",
                   str(tmp_path / "out"), "--no-cache", "--quiet"], root=ROOT)
    assert status == 1
    assert "R026" in capsys.readouterr().err


def test_unknown_respondent_is_a_located_error(personal_built, tmp_path):
    options = dataclasses.replace(personal_built.options, out_dir=tmp_path,
                                  personal=PersonalOptions(respondents=("R0001",)))
    with pytest.raises(ConfigError, match="R0001") as caught:
        build_personal(options, Diagnostics(strict=True), lambda *_: None)
    assert "did you mean" in (caught.value.hint or "")


def test_personal_options_need_the_personal_edition(capsys):
    from report.cli import main

    with pytest.raises(SystemExit) as caught:
        main(["--limit", "3"], root=ROOT)
    assert caught.value.code == 2


# -- the cluster ------------------------------------------------------------------------------
def test_dask_cluster_gives_the_same_bytes(personal_built, tmp_path):
    """A scheduler and two workers on 127.0.0.1: the same reports, byte for byte."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        options = dataclasses.replace(
            personal_built.options, out_dir=tmp_path / "out", cache_dir=None,
            personal=dataclasses.replace(personal_built.options.personal,
                                         scheduler=cluster.scheduler_address))
        result = build_personal(options, Diagnostics(strict=True), lambda *_: None)
    assert sorted(result.rendered) == sorted(f"personal {i}" for i in personal_built.french)
    for ident in personal_built.french:
        assert (tmp_path / "out" / "personal" / f"{ident}.pdf").read_bytes() == \
            (personal_built.out / "personal" / f"{ident}.pdf").read_bytes(), ident


# -- the model --------------------------------------------------------------------------------
def test_language_comes_from_the_option_then_the_data_then_french():
    assert language_chooser(PersonalOptions())({}) == "fr"
    assert language_chooser(PersonalOptions())({"lang": "en"}) == "en"
    assert language_chooser(PersonalOptions())({"lang": "de"}) == "fr"
    assert language_chooser(PersonalOptions(lang="en"))({"lang": "fr"}) == "en"


def test_a_suppressed_peer_group_falls_back_to_all_enterprises(population, spec, inputs):
    key = ("crm", "1", "region", "ouest")
    suppressed = dataclasses.replace(population.estimates[key], p=None, ci_low=None,
                                     ci_high=None, n=7, flag="suppressed")
    pop = dataclasses.replace(population, estimates={**population.estimates, key: suppressed})
    answers = {**pm.respondents(inputs.stats, lambda a: "fr")[0].answers, "region": "ouest"}
    model = pm.portrait(spec, pop, pm.Respondent("R001", answers, "fr"), inputs.stats.codebook)
    row = next(r for t in model.tables for r in t.rows if r.variable == "crm")
    region = [p.by for p in model.peers].index("region")
    assert row.cells[region].fallback and row.cells[region].group_n == 7
    assert row.cells[region].estimate == population.estimates[("crm", "1", None, None)]
    assert "region" in model.fallbacks
    # every other cell falls back exactly where its peer estimate is suppressed (F: a CV above
    # 33.3 % or a base under 10, as the statistics stage flags them)
    checked = 0
    for r in model.tables[0].rows:
        if r.variable == "crm":
            continue
        for peer, c in zip(model.peers, r.cells, strict=False):
            if peer.by is not None:
                estimate = pop.estimates[(r.variable, r.level, peer.by, peer.group)]
                assert c.fallback == (estimate.flag == "suppressed"), (r.variable, peer.by)
                checked += 1
    assert checked > 10


def test_the_score_and_its_place(spec, population, inputs):
    answers = {item.variable: None for d in spec.dimensions for item in d.items}
    everything = {**answers, **{v: "1" for v in answers}, "investment": "100kplus"}
    nothing = {**answers, **{v: "0" for v in answers}, "investment": "none"}
    assert pm.maturity_score(spec.dimensions, everything) == 100
    assert pm.maturity_score(spec.dimensions, nothing) == 0
    dist = population.distribution
    assert dist.percentile(-1) == 0 and dist.percentile(101) == pytest.approx(1)
    assert sum(b.share for b in dist.bands) == pytest.approx(1)
    assert all(b.n >= SUPPRESS_N for b in dist.bands)
    assert 0 < dist.percentile(dist.mean) < 1


def test_practices_follow_the_gaps(spec, population, inputs):
    base = pm.respondents(inputs.stats, lambda a: "fr")[0]
    peers = (pm.PeerGroup(None, None, 400),)
    mature = {**base.answers, **{k: "1" for k in base.answers if k in (
        "has_skills", "member_consultation", "virtual_assembly", "community_mobilisation",
        "website_info", "website_mobile", "website_transactional", "social_networks",
        "online_donations", "enewsletter", "office_suite", "accounting", "cloud_storage",
        "collaboration", "videoconf", "crm", "erp", "web_analytics", "bi_dashboards",
        "big_data")}, "lacks_funds": "0", "investment": "100kplus",
        "digital_essential": "agree_strongly",
        **{k: 0 for k in base.answers if k.startswith("barriers__")}}
    chosen = pm.choose_practices(spec, population, peers, mature, inputs.stats.codebook)
    assert [c.practice.id for c in chosen] == list(spec.fallback[:3])
    no_skills = {**mature, "has_skills": "0", "barriers__skills": 1}
    chosen = pm.choose_practices(spec, population, peers, no_skills, inputs.stats.codebook)
    assert chosen[0].practice.id == "skills"
    assert {r.variable for r in chosen[0].reasons} == {"has_skills", "barriers"}
    sections = [c.practice.section for c in pm.choose_practices(
        spec, population, peers, {**base.answers, "has_skills": "0"}, inputs.stats.codebook)]
    assert max(sections.count(s) for s in sections) <= 2


# -- data/personal.yaml -------------------------------------------------------------------------
def _spec_with(tmp_path: Path, inputs, old: str, new: str):
    text = (ROOT / "data" / "personal.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "personal.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    config = inputs.config
    return path, lambda: run_stage(load_spec, path, inputs.stats.codebook, config.structure,
                                   inputs.content, config.strings)


@pytest.mark.parametrize(("old", "new", "message", "value"), [
    ("peers: [size, region, legal_form]", "peers: [size, regoin, legal_form]",
     "unknown dimension", "regoin"),
    ("{variable: crm, level: \"0\"", "{variable: crmm, level: \"0\"", "unknown variable", "crmm"),
    ("{variable: has_skills, level: \"0\"", "{variable: has_skills, level: \"2\"",
     "unknown level", "2"),
    ("financing: {section: practice-planning, part: 5}",
     "financing: {section: practice-planning, part: 9}", "«##» parts", 9),
    ("practices: [members]}", "practices: [member]}", "unknown practice", "member"),
    ("points: {none: 0, lt5k: 0.25,", "points: {none: 0, lt5k: 1.25,", "must be at most 1", 1.25),
    ("  - id: attitude", "  - id: attitudes", "no fr text", "personal.table_attitudes"),
    ("fallback: [evaluation, progress, champions]", "fallback: [evaluation]",
     "fallback: has too few items", ["evaluation"]),
])
def test_spec_problems_are_located(tmp_path, inputs, old, new, message, value):
    path, load = _spec_with(tmp_path, inputs, old, new)
    with pytest.raises(ReportError) as caught:
        load()
    errors = caught.value.errors if isinstance(caught.value, ErrorGroup) else [caught.value]
    found = [e for e in errors if message in e.message]
    assert found, [str(e) for e in errors]
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if new.split("\n")[0]
                in text)
    assert found[0].file == str(path) and found[0].line == line and found[0].column
    if value is not None:
        assert found[0].value == value


def test_the_real_spec_is_valid(spec):
    assert spec.peers == ("size", "region", "legal_form")
    assert len(spec.practices) == 20 and len(spec.fallback) >= 3
