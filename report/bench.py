"""Benchmark of the real report: ``python -m report.bench``.

Input: the project (copied to a temporary folder, so that ``dist/`` and ``.cache/`` stay untouched).
Output: figures printed to the terminal (nothing is asserted):

* cold wall time of the default build (both languages, screen edition, empty cache);
* the engine floor: WeasyPrint alone laying out and writing the same final HTML of each edition, one
  after the other, in a fresh process (imports excluded), and the ratio cold / floor;
* no-op rebuild time (nothing changed), and rebuild time after one paragraph of one French chapter
  changes;
* peak memory of the largest process (the parent or a worker), and pages per second;
* where the engine spends its time: layout and writing per edition, the node count of the charts'
  SVG, the number of table rows.
"""

from __future__ import annotations

import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPY = ("data", "templates", "styles", "themes", "build.py")

_ENGINE = r"""
import sys, time, json, weasyprint
from pathlib import Path
from report.pdf import ProjectFetcher, VARIANTS, page_css
root = Path(sys.argv[1])
out = []
for html_path in sys.argv[2:]:
    html = Path(html_path).read_text(encoding="utf-8")
    fetcher = ProjectFetcher((root,))
    t0 = time.perf_counter()
    geometry = weasyprint.CSS(string=page_css("letter", "screen"))
    doc = weasyprint.HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=fetcher).render(
        stylesheets=[geometry])
    t1 = time.perf_counter()
    doc.write_pdf(pdf_variant=VARIANTS["screen"], pdf_tags=True)
    t2 = time.perf_counter()
    out.append({"html": html_path, "layout": t1 - t0, "write": t2 - t1, "pages": len(doc.pages)})
print(json.dumps(out))
"""


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _final_html(project: Path) -> list[Path]:
    """The final HTML of each default edition, as the build gives it to the engine."""
    from .build import BuildOptions, assemble, render_charts, stylesheets, validate_inputs
    from .cache import Cache
    from .templates import render_html

    options = BuildOptions(root=project, out_dir=project / "dist", cache_dir=None)
    inputs = validate_inputs(options, lambda *_: None)
    paths = []
    for lang in ("fr", "en"):
        charts = render_charts(inputs, lang, Cache(None))
        document = assemble(inputs, lang, charts)
        html = render_html(inputs.config, document, inputs.theme, "screen",
                           stylesheets(inputs.config, "screen"))
        path = project / f"final-{lang}.html"
        path.write_text(html, encoding="utf-8")
        paths.append(path)
    return paths


def _svg_nodes(html: str) -> tuple[int, int]:
    import re

    charts = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    return len(charts), sum(len(re.findall(r"<[a-zA-Z]", svg)) for svg in charts)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="es20-bench-") as tmp:
        project = Path(tmp) / "project"
        project.mkdir()
        for name in COPY:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, project / name)
            else:
                shutil.copy2(source, project / name)
        env = dict(os.environ, ES20_CACHE_DIR=str(Path(tmp) / "cache"),
                   PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        build = [sys.executable, "build.py", "--quiet", "--out", str(project / "dist")]

        cold = _run(build, project, env)
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        noop = _run(build, project, env)
        page = project / "data" / "content" / "fr" / "conclusion.md"
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("\n\n", "\n\nUne phrase modifiée par un éditeur. ", 1),
                        encoding="utf-8")
        one_paragraph = _run(build, project, env)
        page.write_text(text, encoding="utf-8")

        htmls = _final_html(project)
        engine = subprocess.run([sys.executable, "-c", _ENGINE, str(project), *map(str, htmls)],
                                env=env, capture_output=True, text=True, check=True)
        import json

        editions = json.loads(engine.stdout.strip().splitlines()[-1])
        floor = sum(e["layout"] + e["write"] for e in editions)
        pages = sum(e["pages"] for e in editions)

        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
              f"{platform.python_version()}, {platform.system()} {platform.release()}")
        print(f"cold default build (fr+en screen, empty cache): {cold:6.2f} s")
        print(f"engine floor (WeasyPrint alone, sequential):    {floor:6.2f} s")
        print(f"ratio cold / floor:                             {cold / floor:6.2f} "
              "(target ≤ 0.65)")
        print(f"no-op rebuild:                                  {noop:6.2f} s (target ≤ 0.5)")
        print(f"rebuild after one French paragraph changed:     {one_paragraph:6.2f} s")
        print(f"peak memory of the largest process:             {peak_kib / 1024:6.0f} MiB "
              "(target ≤ 1024 per worker)")
        print(f"pages per second (cold):                        {pages / cold:6.2f} "
              f"({pages} pages)")
        print("engine stage, per edition:")
        for entry, html_path in zip(editions, htmls, strict=True):
            html = html_path.read_text(encoding="utf-8")
            charts, nodes = _svg_nodes(html)
            rows = html.count("<tr")
            print(f"  {html_path.stem}: layout {entry['layout']:5.2f} s, write "
                  f"{entry['write']:5.2f} s, {entry['pages']} pages, {charts} charts with "
                  f"{nodes} SVG elements, {rows} table rows, {len(html) / 1e6:.2f} MB of HTML")


if __name__ == "__main__":
    main()
