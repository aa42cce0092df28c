"""Screenshots of the web edition, to look at: ``python tools/web_screenshots.py [DIST] [--out DIR]``.

Serves the output folder (``dist/`` by default, after ``python build.py --edition web``) on
127.0.0.1 and saves full-page PNGs of a few pages at 375 and 1280 pixels wide, in both languages,
in ``DIR`` (``/tmp/es20-web-shots`` by default). Needs Playwright and the system's chromium.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import threading
from pathlib import Path

PAGES = ("index", "highlights", "portrait", "portrait-equipment", "cases-cooperative-funeraire",
         "methodology", "figures", "downloads", "search", "data-tables")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dist", nargs="?", type=Path, default=Path("dist"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/es20-web-shots"))
    parser.add_argument("--site", default="web")
    parser.add_argument("--pages", nargs="*", default=PAGES)
    parser.add_argument("--langs", nargs="*", default=("fr", "en"))
    parser.add_argument("--widths", nargs="*", type=int, default=(375, 1280))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(args.dist.resolve()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/{args.site}"
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        for width in args.widths:
            page = browser.new_page(viewport={"width": width, "height": 900})
            for lang in args.langs:
                for name in args.pages:
                    page.goto(f"{base}/{lang}/{name}.html")
                    page.wait_for_load_state("networkidle")
                    target = args.out / f"{lang}-{name}-{width}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target)
            page.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
