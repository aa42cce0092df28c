"""Benchmark of the authors' loop: ``python -m report.web.bench [--runs N] [--page SLUG]``.

Input: the project (copied to a temporary folder: the real content is never edited; the build
cache is the project's, so the server starts warm as an author's would on a second run).
Output: figures printed to the terminal (nothing is asserted):

* how long the server takes to start (validate, charts, both documents, the site in memory);
* for each run, the time from saving a one-paragraph edit of a French section to the page's
  reload in a real browser (Debian's chromium driven by Playwright: the page's ``load`` event
  after the server's live-reload script reloaded it, with the edited words on the page), and
  the server's own rebuild time, step by step;
* the median and the range over the runs, and the machine's load average, since the machine
  is shared.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from .. import cache as cachelib
from ..bench import copy_project

ROOT = Path(__file__).resolve().parent.parent.parent
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]


def _edit(path: Path, original: str, run: int) -> str:
    """The file with its first paragraph ending in a marker of this run (a one-paragraph edit)."""
    marker = f"Mesure {run + 1} du rechargement."
    paragraphs = original.split("\n\n")
    body = next(i for i, p in enumerate(paragraphs) if i > 0 and p.strip()
                and not p.lstrip().startswith(("#", "{{", ":::", "-", "|", "[^")))
    paragraphs[body] = paragraphs[body].rstrip() + " " + marker
    path.write_text("\n\n".join(paragraphs), encoding="utf-8")
    return marker


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m report.web.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--page", default="portrait-web", help="the French section to edit")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from .serve import start

    with tempfile.TemporaryDirectory(prefix="es20-web-bench-") as folder:
        project = copy_project(Path(folder))
        started = time.perf_counter()
        running = start(project, port=0, out_dir=ROOT / "dist",
                        cache_dir=cachelib.default_cache_dir(ROOT), log=lambda _line: None)
        print(f"server ready in {time.perf_counter() - started:.2f} s at {running.url}")
        running.watching.wait(30)
        target = project / "data" / "content" / "fr" / f"{args.page}.md"
        original = target.read_text(encoding="utf-8")
        reloads: list[float] = []
        rebuilds: list[float] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                        args=BROWSER_ARGS)
            page = browser.new_page()
            page.goto(f"{running.url}/fr/{args.page}.html")
            page.wait_for_load_state("load")
            time.sleep(1.0)  # the live-reload connection is open; the search index is made
            for run in range(args.runs):
                with page.expect_event("load", timeout=30_000):
                    saved = time.perf_counter()
                    marker = _edit(target, original, run)
                reloaded = time.perf_counter() - saved
                shown = marker in page.inner_text("main")
                done = running.preview.history[-1]
                steps = ", ".join(f"{k} {v * 1000:.0f} ms"
                                  for k, v in running.preview.steps.items())
                print(f"run {run + 1}: save → reload {reloaded * 1000:4.0f} ms "
                      f"(rebuild {done.seconds * 1000:.0f} ms: {steps}; "
                      f"{len(done.paths)} page{'s' if len(done.paths) != 1 else ''} changed)"
                      + ("" if shown else "  [edit NOT on the page]"))
                reloads.append(reloaded)
                rebuilds.append(done.seconds)
                time.sleep(0.3)
            browser.close()
        running.stop()
    load = os.getloadavg()
    print(f"save → reload: median {statistics.median(reloads) * 1000:.0f} ms, "
          f"{min(reloads) * 1000:.0f}–{max(reloads) * 1000:.0f} ms over {len(reloads)} runs; "
          f"rebuild median {statistics.median(rebuilds) * 1000:.0f} ms "
          f"(load average {load[0]:.1f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
