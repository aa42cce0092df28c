"""Benchmark of the real report: ``python -m report.bench [--runs N] [--profile]``.

Input: the project (copied to a temporary folder, so that ``dist/`` and ``.cache/`` stay untouched).
Output: figures printed to the terminal (nothing is asserted):

* cold wall time of the default build (both languages, screen edition, empty cache);
* the engine floor: WeasyPrint alone laying out and writing the same final HTML of each edition, one
  after the other, in a fresh process (imports excluded), through :func:`report.pdf.render_pdf` so
  that the engine runs exactly as in the build; and the ratio cold / floor;
* no-op rebuild time (nothing changed), and rebuild time after one paragraph of one French chapter
  changes;
* peak memory of the largest process (the parent or a worker), and pages per second;
* where the engine spends its time: layout and writing per edition, the node count of the charts'
  SVG, the number of table rows; with ``--profile``, the share of each engine phase (style cascade,
  pagination and its repeated passes, text and chart drawing, font subsetting, tagging).

Cold builds and floors alternate (``--runs``, 3 by default; every other run measures the floor
first) so that both see the same machine: on a shared virtual machine the speed of two processes
running at once varies from minute to minute. The parallel efficiency printed with each run (one
CPU-bound process alone against two at once, just before the run) says how much of the second core
the machine gave at the time; each run also prints the engine's time per language inside the cold
build against its time alone, which shows how much the two languages slowed each other down, and the
CPU time the cold build used (both processes) against the floor's: on two full cores, the cold build
cannot take less than half its CPU time, whatever the machine's mood. The floor runs the engine with
Python's default garbage-collector settings, as any program using WeasyPrint would; the build
collects less often while a language renders (:func:`report.build.few_collections`), so its engine
time per language can be below the floor's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPY = ("data", "templates", "styles", "themes", "build.py")


def copy_project(target: Path) -> Path:
    """Copy what a build reads (:data:`COPY`) into ``target``, made if missing; returns it. Every
    benchmark works on such a copy, so that the project's own files are never edited."""
    target.mkdir(parents=True, exist_ok=True)
    for name in COPY:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target / name)
    return target

_ENGINE = r"""
import cProfile, json, pstats, sys, time
from pathlib import Path
from report.pdf import render_pdf  # imports WeasyPrint: imports are not part of the floor
mode, root, page_size, htmls = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4:]
profile = cProfile.Profile() if mode == "profile" else None
out = []
for html_path in htmls:
    if profile:
        profile.enable()
    cpu = time.process_time()
    rendered = render_pdf(Path(html_path).read_text(encoding="utf-8"), base_url=root, roots=(root,),
                          edition="screen", title=html_path, epoch=0, page_size=page_size)
    if profile:
        profile.disable()
    out.append({"html": html_path, "layout": rendered.seconds[0], "write": rendered.seconds[1],
                "pages": rendered.pages, "cpu": time.process_time() - cpu})
if profile:
    out = [[f, line, name, calls, cumulative] for (f, line, name), (_, calls, _, cumulative, _)
           in pstats.Stats(profile).stats.items()]
print(json.dumps(out))
"""

# Engine phases: (label, file suffix, function) whose cumulative time is the phase's.
PHASES = (
    ("whole engine stage", "report/pdf.py", "render_pdf"),
    ("parse the HTML", "weasyprint/__init__.py", "__init__"),
    ("style cascade (selectors, computed values)", "weasyprint/css/__init__.py",
     "get_all_computed_styles"),
    ("build the boxes", "weasyprint/formatting_structure/build.py", "build_formatting_structure"),
    ("paginate (line and page breaking)", "weasyprint/layout/__init__.py", "layout_document"),
    ("  of which tables", "weasyprint/layout/table.py", "table_layout"),
    ("draw text", "weasyprint/draw/text.py", "draw_text"),
    ("draw the charts' SVG", "weasyprint/svg/__init__.py", "draw"),
    ("subset and embed fonts", "weasyprint/pdf/fonts.py", "build_fonts_dictionary"),
    ("tag the structure (PDF/UA)", "weasyprint/pdf/tags.py", "add_tags"),
)
_CALIBRATE = "x = 0\nfor i in range(12_000_000):\n    x += i % 7\n"


def _run(args: list[str], cwd: Path, env: dict[str, str]
         ) -> tuple[float, dict[str, float], dict[str, float], float]:
    """Wall time of a build; when the build was asked for ``--verbose``, the engine's time
    (layout and writing) per language inside it, and the time before the engine (``validate``,
    then per language its charts, document and HTML); and the CPU time the build used (its own
    and its worker's, user and system)."""
    before = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env, check=True, text=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    cpu = _children_cpu() - before
    return wall, *_stage_times(done.stderr), cpu


def _stage_times(verbose: str) -> tuple[dict[str, float], dict[str, float]]:
    """From the timings ``build.py --verbose`` prints: the engine's time (layout and writing)
    per language, and the time before it: ``validate``, then per language its charts, document
    and HTML."""
    engine: dict[str, float] = {}
    for lang, seconds in re.findall(r"(\w+) screen pdf: (?:layout|write)\s+([\d.]+) s", verbose):
        engine[lang] = engine.get(lang, 0.0) + float(seconds)
    before = {step: float(seconds) for step, seconds in
              re.findall(r"DEBUG (validate)\s+([\d.]+) s", verbose)}
    for lang, seconds in re.findall(r"(\w+) (?:charts|document|screen html)\s+([\d.]+) s",
                                    verbose):
        before[lang] = before.get(lang, 0.0) + float(seconds)
    return engine, before


def _children_cpu() -> float:
    """CPU seconds (user and system) of the finished child processes and their own children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _parallel_efficiency() -> float:
    """How much of a second core the machine gives now: 1.0 when two CPU-bound processes run
    as fast together as one alone, 0.5 when they share one core."""
    command = [sys.executable, "-c", _CALIBRATE]
    start = time.perf_counter()
    subprocess.run(command, check=True)
    alone = time.perf_counter() - start
    start = time.perf_counter()
    pair = [subprocess.Popen(command) for _ in range(2)]
    for process in pair:
        process.wait()
    return alone / (time.perf_counter() - start)


def _final_html(project: Path) -> tuple[list[Path], str]:
    """The final HTML of each default edition, as the build gives it to the engine."""
    from .build import BuildOptions, assemble, render_charts, stylesheets, validate_inputs
    from .cache import Cache
    from .diagnostics import Diagnostics
    from .templates import render_html

    options = BuildOptions(root=project, out_dir=project / "dist", cache_dir=None)
    diag = Diagnostics()
    inputs = validate_inputs(options, diag)
    diag.raise_if_errors()
    assert inputs is not None
    paths = []
    for lang in ("fr", "en"):
        charts = render_charts(inputs, lang, Cache(None))
        document = assemble(inputs, lang, charts)
        html = render_html(inputs.config, document, inputs.theme, "screen",
                           stylesheets(inputs.config, "screen"))
        path = project / f"final-{lang}.html"
        path.write_text(html, encoding="utf-8")
        paths.append(path)
    return paths, inputs.config.page_size


def _engine(mode: str, project: Path, page_size: str, htmls: list[Path],
            env: dict[str, str]) -> list:
    """Run the engine alone on final HTML in a fresh process: ``time`` gives each edition's
    layout and writing times and pages, ``profile`` the cProfile entries of the whole run."""
    done = subprocess.run([sys.executable, "-c", _ENGINE, mode, str(project), page_size,
                           *map(str, htmls)], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _profile(project: Path, page_size: str, html: Path, pages: int, env: dict[str, str]) -> None:
    """Print the share of each engine phase for one edition (under cProfile, which slows Python
    code more than the C libraries: shares, not seconds, are what to read)."""
    entries = _engine("profile", project, page_size, [html], env)

    def find(suffix: str, name: str) -> tuple[int, float]:
        calls, seconds = 0, 0.0
        for path, _line, function, ncalls, cumulative in entries:
            if path.replace(os.sep, "/").endswith(suffix) and function == name:
                calls, seconds = calls + ncalls, max(seconds, cumulative)
        return calls, seconds

    _, total = find("report/pdf.py", "render_pdf")
    print(f"engine profile of {html.stem} (share of the engine stage under cProfile):")
    for label, suffix, name in PHASES[1:]:
        _, seconds = find(suffix, name)
        print(f"  {label:44s} {100 * seconds / total:5.1f} %")
    made, _ = find("weasyprint/layout/page.py", "remake_page")
    print(f"  page layouts for {pages} pages: {made} (a page that refers to a later page's number "
          "is laid out again once that number is known)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m report.bench", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="cold builds and floors (default 3)")
    parser.add_argument("--profile", action="store_true", help="also profile the engine stage")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="es20-bench-") as tmp:
        project = copy_project(Path(tmp) / "project")
        base_env = dict(os.environ,
                        PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        build = [sys.executable, "build.py", "--out", str(project / "dist")]
        htmls, page_size = _final_html(project)

        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
              f"{platform.python_version()}, {platform.system()} {platform.release()}")
        print(f"engine: {_engine_versions()}")
        print("each run: the machine's parallel efficiency just before it (1.0: two full cores), "
              "then a cold build and a floor")
        runs = []
        for run in range(max(1, args.runs)):
            env = dict(base_env, ES20_CACHE_DIR=str(Path(tmp) / f"cache-{run}"))
            efficiency = _parallel_efficiency()
            if run % 2:  # every other run measures the floor first: a machine that drifts
                editions = _engine("time", project, page_size, htmls, base_env)  # favours neither
                cold, inside, before, cold_cpu = _run([*build, "--verbose"], project, env)
            else:
                cold, inside, before, cold_cpu = _run([*build, "--verbose"], project, env)
                editions = _engine("time", project, page_size, htmls, base_env)
            floor = sum(e["layout"] + e["write"] for e in editions)
            floor_cpu = sum(e["cpu"] for e in editions)
            alone = {path.stem.removeprefix("final-"): e["layout"] + e["write"]
                     for path, e in zip(htmls, editions, strict=True)}
            runs.append((cold, floor, editions, efficiency, cold_cpu / floor_cpu))
            slowdown = ", ".join(f"{lang} {inside[lang]:.1f} s in the build against "
                                 f"{alone[lang]:.1f} s alone" for lang in alone if lang in inside)
            print(f"run {run + 1}: efficiency {efficiency:4.2f}, cold {cold:6.2f} s, floor "
                  f"{floor:6.2f} s, ratio {cold / floor:5.2f}; CPU {cold_cpu:5.1f} s against "
                  f"{floor_cpu:5.1f} s; engine per language: {slowdown}; before the engine: "
                  f"validation {before.get('validate', 0.0):.1f} s, then "
                  + ", ".join(f"{lang} {before[lang]:.1f} s" for lang in alone if lang in before)
                  + " (charts, document, HTML)")
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        noop, _, _, _ = _run(build, project, env)
        page = project / "data" / "content" / "fr" / "conclusion.md"
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("\n\n", "\n\nUne phrase modifiée par un éditeur. ", 1),
                        encoding="utf-8")
        one_paragraph, _, _, _ = _run(build, project, env)
        page.write_text(text, encoding="utf-8")

        colds = [r[0] for r in runs]
        editions = runs[-1][2]
        pages = sum(e["pages"] for e in editions)
        print(f"cold default build (fr+en screen, empty cache): {_spread(colds, ' s')})")
        print(f"engine floor (WeasyPrint alone, sequential):    "
              f"{_spread([r[1] for r in runs], ' s')})")
        print(f"ratio cold / floor:                             "
              f"{_spread([r[0] / r[1] for r in runs])}; target ≤ 0.65)")
        print(f"parallel efficiency of the machine:             {_spread([r[3] for r in runs])})")
        print(f"CPU of the cold build / CPU of the floor:       {_spread([r[4] for r in runs])}; "
              "half of it is the best ratio two full cores allow)")
        print(f"no-op rebuild:                                  {noop:6.2f} s (target ≤ 0.5)")
        print(f"rebuild after one French paragraph changed:     {one_paragraph:6.2f} s")
        print(f"peak memory of the largest process:             {peak_kib / 1024:6.0f} MiB "
              "(target ≤ 1024 per worker)")
        print(f"pages per second (cold, median):                "
              f"{pages / statistics.median(colds):6.2f} ({pages} pages)")
        print("engine stage, per edition (last run):")
        for entry, html_path in zip(editions, htmls, strict=True):
            html = html_path.read_text(encoding="utf-8")
            charts, nodes = _svg_nodes(html)
            rows = html.count("<tr")
            print(f"  {html_path.stem}: layout {entry['layout']:5.2f} s, write "
                  f"{entry['write']:5.2f} s, {entry['pages']} pages, {charts} charts with "
                  f"{nodes} SVG elements, {rows} table rows, {len(html) / 1e6:.2f} MB of HTML")
        if args.profile:
            _profile(project, page_size, htmls[0], editions[0]["pages"], base_env)


def _engine_versions() -> str:
    """The engine's Python packages, the font subsetter and the system libraries that shape the
    PDFs (:mod:`report.system`): what the figures below were measured with."""
    from importlib import metadata

    from .system import describe

    packages = ", ".join(f"{name} {metadata.version(name)}"
                         for name in ("weasyprint", "pydyf", "fonttools", "vl-convert-python"))
    return f"{packages}; {describe()}"


def _spread(values: list[float], unit: str = "") -> str:
    """«median unit (median; min to max» of several runs; the caller closes the parenthesis."""
    return (f"{statistics.median(values):6.2f}{unit} (median; {min(values):.2f} to "
            f"{max(values):.2f}")


def _svg_nodes(html: str) -> tuple[int, int]:
    charts = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    return len(charts), sum(len(re.findall(r"<[a-zA-Z]", svg)) for svg in charts)


if __name__ == "__main__":
    main()
