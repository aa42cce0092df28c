"""Nothing unchanged is redone: no-op rebuilds, per-language re-rendering, chart cache."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from report.build import BuildOptions, build
from report.cache import Cache, input_fingerprint, key
from report.diagnostics import Diagnostics

ROOT = Path(__file__).resolve().parent.parent


def _options(root: Path, built, **extra) -> BuildOptions:
    return BuildOptions(root=root, out_dir=extra.pop("out", built.out), languages=("fr", "en"),
                        editions=("screen",), cache_dir=built.cache, **extra)


def test_session_build_rendered_both_languages(built):
    assert sorted(built.result.rendered) == ["en screen", "fr screen"]


def test_noop_rebuild_renders_nothing(built):
    before = {p.name: p.read_bytes() for p in built.out.iterdir()}
    result = build(_options(ROOT, built), Diagnostics(strict=True))
    assert result.up_to_date
    assert result.rendered == [] and result.outputs == []
    assert {p.name: p.read_bytes() for p in built.out.iterdir()} == before


def test_a_french_edit_rerenders_french_only(built, project, tmp_path):
    page = project / "data" / "content" / "fr" / "conclusion.md"
    page.write_text(page.read_text("utf-8") + "\nUn paragraphe ajouté par un éditeur.\n", "utf-8")
    result = build(_options(project, built, out=tmp_path / "out"), Diagnostics(strict=True))
    assert result.rendered == ["fr screen"]
    assert result.reused == ["en screen"]
    en = next(o for o in result.outputs if o.lang == "en")
    assert en.data == (built.pdf("en")).read_bytes()


def test_fingerprint_follows_content_not_timestamps(project):
    first = input_fingerprint(project, "default", {})
    page = project / "data" / "content" / "en" / "uses.md"
    page.touch()
    assert input_fingerprint(project, "default", {}) == first
    page.write_text(page.read_text("utf-8") + " ", "utf-8")
    assert input_fingerprint(project, "default", {}) != first


def test_cache_entries_are_keyed_by_content(tmp_path):
    cache = Cache(tmp_path)
    name = key("chart", "spec-a")
    assert cache.get("charts", name) is None
    cache.put("charts", name, b"<svg/>")
    assert cache.get("charts", name) == b"<svg/>"
    assert key("chart", "spec-b") != name
    assert Cache(None).get("charts", name) is None
    assert hashlib.sha256(b"x").hexdigest() not in {p.name for p in tmp_path.rglob("*")}


def test_a_dependency_upgrade_invalidates_every_key(monkeypatch):
    from report import cache as cachelib

    before = key("pdf", "same html")
    real = cachelib.metadata.version
    monkeypatch.setattr(cachelib.metadata, "version",
                        lambda name: "99.0" if name == "weasyprint" else real(name))
    cachelib.versions.cache_clear()
    try:
        assert key("pdf", "same html") != before
    finally:
        monkeypatch.undo()
        cachelib.versions.cache_clear()
    assert key("pdf", "same html") == before


def test_the_worker_takes_the_language_with_more_text(monkeypatch):
    """The build process starts its language last (it imports the engines after validating), so
    it keeps the lighter language and hands the heavier one to the warmed-up worker."""
    from concurrent.futures import Future
    from types import SimpleNamespace

    import report.build as buildlib

    page = SimpleNamespace
    content = SimpleNamespace(pages={"fr": {"a": page(body="x" * 20)},
                                     "en": {"a": page(body="x" * 50)}},
                              cases={"fr": [page(body="x" * 90)], "en": [page(body="x" * 10)]})
    inputs = SimpleNamespace(content=content)  # French: 110 characters, English: 60
    here = []
    monkeypatch.setattr(buildlib, "build_language",
                        lambda _inputs, _options, lang, _editions, _diag: here.append(lang) or lang)

    class Pool:
        def __init__(self):
            self.submitted = []

        def submit(self, _fn, _inputs, _options, lang, _editions, _diag, what):
            self.submitted.append(lang)
            future = Future()
            future.set_result(f"{lang} from the worker")
            return future

        def result(self, future, what):
            return future.result()

    pool = Pool()
    results = buildlib._run_languages(inputs, None, ("fr", "en"), ("screen",), pool,
                                      Diagnostics(), lambda *_: None)
    assert pool.submitted == ["fr"] and here == ["en"]
    assert results == {"fr": "fr from the worker", "en": "en"}
    here.clear()
    assert buildlib._run_languages(inputs, None, ("fr", "en"), ("screen",), None,
                                   Diagnostics(), lambda *_: None) == {"fr": "fr", "en": "en"}
    assert here == ["fr", "en"]


def test_collections_are_rare_while_a_language_renders_and_restored_after():
    import gc

    from report.build import YOUNG_COLLECTION_THRESHOLD, few_collections

    def collected(obj: object) -> bool:  # the collector walks it (not frozen)
        return any(o is obj for o in gc.get_objects())

    before = gc.get_threshold()
    existing = ["alive before the language renders"]
    with few_collections():
        assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, *before[1:])
        assert not collected(existing)
        made_inside = ["a box of the engine"]
        assert collected(made_inside)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0 and collected(existing)
    try:  # a failing render restores them too
        with few_collections():
            raise RuntimeError("the engine failed")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def _fresh_python(code: str, stdin: bytes = b"") -> str:
    """What ``code`` prints when run by a fresh interpreter that imports this project."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], input=stdin, env=env, capture_output=True,
                          check=True, cwd=ROOT)
    return done.stdout.decode().strip()


_WORKER = """
import pickle, sys
from report.build import _warm_worker, assemble
_warm_worker()
inputs = pickle.loads(sys.stdin.buffer.read())
document = assemble(inputs, "fr", charts={})
estimate = inputs.stats.stat("erp", by="legal_form", group="coop")
print(repr((estimate.p, estimate.n, len(document.chapters), sorted(
    m for m in ("pandas", "frictionless", "weightipy") if m in sys.modules))))
"""


def test_a_language_worker_renders_without_pandas(fresh_inputs):
    """The worker's start-up and the inputs it receives import neither pandas nor the validators:
    the statistics travel as NumPy arrays and answer the same queries there."""
    import ast
    import pickle

    from report.build import assemble

    inputs = fresh_inputs  # pickled before any query: the worker must answer it itself
    sent = pickle.dumps(inputs)
    here = inputs.stats.stat("erp", by="legal_form", group="coop")
    p, n, chapters, heavy = ast.literal_eval(_fresh_python(_WORKER, sent))
    assert (p, n) == (here.p, here.n) and p is not None
    assert chapters == len(assemble(inputs, "fr", charts={}).chapters) > 0
    assert heavy == []


def test_the_command_line_starts_without_the_heavy_libraries():
    """A no-op rebuild only hashes the inputs: starting the command line imports none of the
    libraries the stages need (they would cost most of a second before finding nothing to do)."""
    heavy = ("babel", "pandas", "weasyprint", "altair", "vl_convert", "frictionless", "jinja2")
    code = ("import sys, report.cli, report.build; "
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    assert _fresh_python(code) == "[]"


def test_the_benchmark_reads_the_stage_times_the_command_line_prints(built):
    """``report.bench`` splits a cold build into the engine's time per language and what comes
    before it, from the lines ``build.py --verbose`` prints (here, those of the session build)."""
    from report.bench import _stage_times
    from report.cli import timing_line

    timings = built.result.timings
    verbose = "\n".join(f"DEBUG {timing_line(stage, seconds)}"
                        for stage, seconds in timings.items())
    engine, before = _stage_times(verbose)
    assert set(engine) == set(before) - {"validate"} == {"fr", "en"}
    for lang in ("fr", "en"):
        assert engine[lang] == pytest.approx(timings[f"{lang} screen pdf: layout"]
                                             + timings[f"{lang} screen pdf: write"], abs=0.011)
        assert before[lang] == pytest.approx(sum(timings[f"{lang} {step}"] for step in
                                                 ("charts", "document", "screen html")), abs=0.016)
    assert before["validate"] == pytest.approx(timings["validate"], abs=0.006)


def test_a_change_to_one_charts_data_redraws_that_chart_only(inputs, tmp_path, monkeypatch):
    """The chart cache: nothing is drawn twice, a figure whose data changed is drawn again alone,
    and each language has its own drawings."""
    import dataclasses

    import report.charts
    from report.build import render_charts
    from report.charts import Chart

    drawn: list[tuple[str, str]] = []

    def draw(data, style, lang):
        drawn.append((data.id, lang))
        return Chart(data.id, f"<svg>{data.row_labels}</svg>", 400.0, 100.0, data.alt)

    monkeypatch.setattr(report.charts, "render_chart", draw)
    cache = Cache(tmp_path / "cache")
    figures = [k for k, d in inputs.exhibits["fr"].items() if d.family == "figure"]
    first = render_charts(inputs, "fr", cache)
    assert sorted(drawn) == sorted((inputs.exhibits["fr"][k].id, "fr") for k in figures)
    drawn.clear()
    assert render_charts(inputs, "fr", cache) == first and drawn == []

    changed = figures[3]
    data = inputs.exhibits["fr"][changed]
    cells = ((dataclasses.replace(data.cells[0][0], text="99 %"), *data.cells[0][1:]),
             *data.cells[1:])
    exhibits = {**inputs.exhibits, "fr": {**inputs.exhibits["fr"],
                                           changed: dataclasses.replace(data, cells=cells)}}
    again = render_charts(dataclasses.replace(inputs, exhibits=exhibits), "fr", cache)
    assert drawn == [(data.id, "fr")]
    assert {k: c for k, c in again.items() if k != changed} == \
        {k: c for k, c in first.items() if k != changed}
    drawn.clear()
    render_charts(inputs, "en", cache)
    assert len(drawn) == len(figures) and {lang for _, lang in drawn} == {"en"}


def test_everything_a_chart_is_made_of_is_in_its_key(inputs):
    """The cache key of a chart changes with any field of its data, with the theme's chart style,
    and with the language; the folder the font is read from is hashed by its files instead."""
    import dataclasses
    from pathlib import Path as _Path

    from report.charts import chart_key

    data = next(d for d in inputs.exhibits["fr"].values() if d.family == "figure")
    style = inputs.theme.chart_style()
    base = chart_key(data, style, "fr")
    variants = {field.name: dataclasses.replace(data, **{field.name: _other(getattr(data,
                                                                                   field.name))})
                for field in dataclasses.fields(data)}
    for name, variant in variants.items():
        assert chart_key(variant, style, "fr") != base, name
    for name in ("font", "text", "muted", "grid", "background"):
        assert chart_key(data, dataclasses.replace(style, **{name: "#123456"}), "fr") != base, name
    assert chart_key(data, dataclasses.replace(style, palette=style.palette[::-1]), "fr") != base
    assert chart_key(data, style, "en") != base
    assert chart_key(data, dataclasses.replace(style, font_dir=_Path("/elsewhere")), "fr") == base


def _other(value):
    """A different value of the same kind."""
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, tuple):
        return value[:-1] if value else ("x",)
    raise AssertionError(f"no variant for {value!r}")


_CACHED_CHARTS = """
import pickle, sys
from pathlib import Path
from report.build import render_charts
from report.cache import Cache
inputs, folder = pickle.loads(sys.stdin.buffer.read())
charts = render_charts(inputs, "fr", Cache(Path(folder)))
print(repr((len(charts), sorted(m for m in ("altair", "vl_convert") if m in sys.modules))))
"""


def test_cached_charts_need_neither_altair_nor_the_chart_engine(inputs, tmp_path, monkeypatch):
    """A rebuild whose charts are all cached reads them without importing Altair or vl-convert
    (nor starting the chart engine, half a second in each process)."""
    import ast
    import pickle

    import report.charts
    from report.build import render_charts
    from report.charts import Chart

    monkeypatch.setattr(report.charts, "render_chart", lambda data, style, lang:
                        Chart(data.id, "<svg/>", 1.0, 1.0, data.alt))
    drawn = render_charts(inputs, "fr", Cache(tmp_path))
    count, heavy = ast.literal_eval(_fresh_python(_CACHED_CHARTS,
                                                  pickle.dumps((inputs, str(tmp_path)))))
    assert count == len(drawn) > 0
    assert heavy == []


# -- every read checks the entry (issue 16) ------------------------------------------------------
def _warnings(cache: Cache) -> list[str]:
    return [str(w) for w in cache.diag.warnings]


def test_an_entry_is_stored_with_its_hash_and_length(tmp_path):
    cache = Cache(tmp_path)
    name = key("pdf", "x")
    cache.put("pdf", name, b"%PDF-1.7 whole\n%%EOF\n")
    raw = cache._path("pdf", name).read_bytes()
    assert raw.startswith(b"es20-cache 1 ") and raw.endswith(b"\n%PDF-1.7 whole\n%%EOF\n")
    assert cache.get("pdf", name) == b"%PDF-1.7 whole\n%%EOF\n" and _warnings(cache) == []


@pytest.mark.parametrize(("damage", "why"), [
    (lambda raw: raw[:-5], r"it holds \d+ bytes instead of \d+ \(truncated\?\)"),
    (lambda raw: raw.replace(b"whole", b"WHOLE"), "its content does not match its hash"),
    (lambda raw: raw.split(b"\n", 1)[1], "it has no valid header"),
    (lambda raw: b"", "it has no valid header"),
])
def test_a_damaged_entry_is_a_miss_with_a_warning(tmp_path, damage, why):
    import re

    cache = Cache(tmp_path)
    name = key("pdf", "x")
    cache.put("pdf", name, b"%PDF-1.7 whole\n%%EOF\n")
    path = cache._path("pdf", name)
    path.write_bytes(damage(path.read_bytes()))
    assert cache.get("pdf", name) is None
    [warning] = _warnings(cache)
    assert re.fullmatch(rf"{re.escape(str(path))}: damaged cache entry ignored and made again: "
                        rf"{why} → .*", warning), warning
    assert not path.exists()  # removed: the next put stores it anew
    assert cache.get("pdf", name) is None and len(_warnings(cache)) == 1  # a plain miss now


def test_an_entry_moved_under_another_key_is_refused(tmp_path):
    cache = Cache(tmp_path)
    first, second = key("chart", "a"), key("chart", "b")
    cache.put("charts", first, b'{"svg": "a"}')
    target = cache._path("charts", second)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(cache._path("charts", first).read_bytes())
    assert cache.get("charts", second) is None
    assert "does not match its hash" in _warnings(cache)[0]


def test_a_json_entry_of_another_shape_is_a_miss(tmp_path):
    import re

    from report.cache import BUILD_RECORD, PDF_META

    cache = Cache(tmp_path)
    good = {"pages": 3, "warnings": ["w"], "bytes": 9, "sha256": "a" * 64}
    cache.put_json("pdf-meta", "k1", good)
    assert cache.get_json("pdf-meta", "k1", PDF_META) == good
    for value, where in [
        ({**good, "pages": "3"}, "pages is not of type int"),
        ({**good, "pages": True}, "pages is not of type int"),
        ({**good, "warnings": [1]}, r"warnings\[0\] is not of type str"),
        ({**good, "extra": 1}, r"the entry has other keys than expected \(extra\)"),
        ({"pages": 3}, "other keys than expected"),
        ([good], "the entry is not an object"),
    ]:
        cache.put_json("pdf-meta", "k2", value)
        assert cache.get_json("pdf-meta", "k2", PDF_META) is None
        assert re.search(where, _warnings(cache)[-1]), _warnings(cache)[-1]
    record = {"outputs": [{"path": "../../etc/passwd", "sha256": "b" * 64}], "warnings": []}
    cache.put_json("builds", "k3", record)
    assert cache.get_json("builds", "k3", BUILD_RECORD) is None  # never read outside the folder
    assert "outputs[0].path is not a valid value ('../../etc/passwd')" in _warnings(cache)[-1]


def test_the_chart_shape_follows_the_chart_class():
    from report.cache import shape_of
    from report.charts import Chart

    assert shape_of(Chart) == {"id": str, "svg": str, "width": (int, float),
                               "height": (int, float), "alt": str}
