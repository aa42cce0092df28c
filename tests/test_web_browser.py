"""The web edition in a real browser: Debian's chromium driven by Playwright, axe-core on every page.

The site is served from a local HTTP server thread (127.0.0.1, a free port). The browser must
start: these tests fail, never skip, when it cannot (install it with
``command -v chromium || apt-get install -y chromium``; Playwright cannot download a browser here).
Every page of both languages is visited once (:func:`visits`): axe-core's WCAG 2.2 AA and best
practice rules, the requests it made, its ``lang`` attributes and its width at 320 px are recorded
there, and each test below asserts one of them.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
INSTALL = "command -v chromium || apt-get install -y chromium"
SECTION = "portrait-equipment"  # a section with figures, a table and footnotes


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(web_built):
    """The output folder on http://127.0.0.1:<free port>/ (the site is under /web/)."""
    handler = functools.partial(_Quiet, directory=str(web_built.out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium under Playwright; a failure to start is a test failure, not a skip."""
    from playwright.sync_api import Error, sync_playwright

    executable = shutil.which("chromium")
    assert executable, f"chromium is not installed: {INSTALL}"
    manager = sync_playwright().start()
    try:
        chromium = manager.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
    except Error as exc:
        manager.stop()
        pytest.fail(f"chromium could not start ({exc.message.splitlines()[0]}): {INSTALL}")
    yield chromium
    chromium.close()
    manager.stop()


@dataclass
class Visit:
    url: str
    violations: list[dict] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    html_lang: str = ""
    lang_attrs: list[tuple[str, str]] = field(default_factory=list)  # (lang, text)
    overflow_320: int = 0
    details: int = 0
    figures: int = 0
    charts_named: int = 0


def _pages(web_built) -> list[str]:
    return sorted(e["path"] for e in web_built.manifest["outputs"]
                  if e["edition"] == "web" and e["path"].endswith(".html"))


@pytest.fixture(scope="module")
def visits(web_built, served, browser) -> dict[str, Visit]:
    """Every page of the site, visited once at 1280 px then at 320 px."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    results = {}
    for path in _pages(web_built):
        visit = Visit(f"{served}/{path}")
        requests.clear()
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(visit.url, wait_until="load")
        page.evaluate("document.fonts.ready.then(() => true)")
        report = axe.run(page, options={"resultTypes": ["violations"], "runOnly": {
            "type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa",
                                      "best-practice"]}})
        visit.violations = report.response["violations"]
        visit.html_lang = page.evaluate("document.documentElement.lang")
        visit.lang_attrs = page.eval_on_selector_all(
            "body [lang]", "els => els.map(e => [e.lang, e.textContent.trim().slice(0, 60)])")
        visit.details = page.locator("details.exhibit-data").count()
        visit.figures = page.locator("figure.figure").count()
        visit.charts_named = page.locator("figure.figure svg[role=img] > title").count()
        page.set_viewport_size({"width": 320, "height": 640})
        visit.overflow_320 = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        visit.requests = list(requests)
        results[path] = visit
    context.close()
    return results


def _describe(violations: list[dict]) -> str:
    return "; ".join(f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in violations)


def test_every_page_passes_axe(visits):
    assert len(visits) > 80  # both languages, every section
    failing = {path: _describe(v.violations) for path, v in visits.items() if v.violations}
    assert not failing, failing


def test_no_request_leaves_the_site(visits, served):
    origin = urlsplit(served).netloc
    outside = {path: [u for u in v.requests if urlsplit(u).netloc != origin]
               for path, v in visits.items()}
    assert not {p: u for p, u in outside.items() if u}
    assert all(v.requests for v in visits.values())  # the listener saw the pages' requests


def test_lang_of_every_page_and_passage(visits):
    for path, visit in visits.items():
        folder = path.split("/")[1]
        expected = folder if folder in ("fr", "en") else "fr"  # the root page opens in French
        assert visit.html_lang == expected, path
        other = "en" if expected == "fr" else "fr"
        if folder in ("fr", "en"):
            # The language switch, and the other language's link in the footer, name it in it.
            langs = [lang for lang, _text in visit.lang_attrs]
            assert langs.count(other) >= 2, (path, visit.lang_attrs)
        for lang, text in visit.lang_attrs:
            assert lang in ("fr", "en"), (path, lang, text)
    chooser = visits["web/index.html"]
    assert [lang for lang, _ in chooser.lang_attrs] == ["fr", "en"]


def test_no_horizontal_scrolling_at_320_px(visits):
    wide = {path: v.overflow_320 for path, v in visits.items() if v.overflow_320 > 0}
    assert not wide


def test_every_chart_is_named_and_has_its_data_table(visits, web_built):
    figures = sum(v.figures for v in visits.values() if "/data-tables" not in v.url)
    assert figures > 10
    for path, visit in visits.items():
        assert visit.charts_named == visit.figures, path
        assert visit.details == visit.figures, path


def _tab_until(page, predicate: str, limit: int = 80) -> dict:
    """Press Tab until the focused element satisfies ``predicate`` (JS, on ``el``)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        found = page.evaluate(f"(() => {{ const el = document.activeElement; return ({predicate})"
                              " ? {tag: el.tagName, text: el.textContent.trim()} : null; })()")
        if found:
            return found
    raise AssertionError(f"no focusable element matches {predicate} within {limit} tabs")


def _focus_ring(page) -> tuple[str, float]:
    return page.evaluate("""(() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()""")


@pytest.mark.parametrize("width", [1280, 375])
def test_keyboard_skip_link_switch_and_data_tables(browser, served, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{served}/web/fr/{SECTION}.html")
    page.keyboard.press("Tab")
    skip = page.evaluate("document.activeElement.className")
    assert skip == "skip-link"
    box = page.locator(".skip-link").bounding_box()
    assert box and box["y"] >= 0 and box["height"] > 10  # shown on screen when focused
    style, thickness = _focus_ring(page)
    assert style != "none" and thickness >= 2
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # From the top: the language switch, with a visible focus ring.
    page.goto(f"{served}/web/fr/{SECTION}.html")
    switch = _tab_until(page, "el.classList.contains('lang-switch')")
    assert switch["text"] == "English"
    style, thickness = _focus_ring(page)
    assert style != "none" and thickness >= 2
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/web/en/{SECTION}.html")
    assert page.evaluate("document.documentElement.lang") == "en"
    # A figure's data table: its summary opens with the keyboard, then the table takes focus.
    _tab_until(page, "el.tagName === 'SUMMARY'", limit=200)
    style, thickness = _focus_ring(page)
    assert style != "none" and thickness >= 2
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.parentElement.open") is True
    region = _tab_until(page, "el.classList.contains('table-wrap')", limit=3)
    assert region["tag"] == "DIV"
    assert page.locator("details[open] table").first.is_visible()
    page.close()


def test_reads_without_javascript(browser, served):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{served}/web/fr/{SECTION}.html")
    assert page.locator("main h1").inner_text().endswith("Équipement et outils bureautiques")
    summary = page.locator("details.exhibit-data summary").first
    summary.click()
    assert page.locator("details.exhibit-data table").first.is_visible()
    page.goto(f"{served}/web/en/search.html")
    assert page.locator(".search-noscript").is_visible()
    context.close()


def test_search_finds_pages_offline(browser, served):
    page = browser.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(served) else None)
    page.goto(f"{served}/web/fr/search.html?q=infonuagique")
    page.wait_for_selector("#search-results li a", timeout=30_000)
    links = page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.href)")
    assert links and all(link.startswith(f"{served}/web/fr/") for link in links)
    assert "nuagique" in page.locator("#search-results").inner_text().lower()
    from axe_playwright_python.sync_playwright import Axe

    assert not Axe().run(page).response["violations"]
    page.locator("#search-results li a").first.click()
    page.wait_for_load_state("load")
    assert "nuagique" in page.locator("main").inner_text().lower()
    page.goto(f"{served}/web/en/search.html")
    page.fill("#search-input", "cloud")
    page.wait_for_selector("#search-results li a", timeout=30_000)
    assert "result" in page.locator("#search-status").inner_text()
    assert not outside
    page.close()


def test_print_stylesheet_keeps_the_text_only(browser, served):
    page = browser.new_page()
    page.goto(f"{served}/web/fr/{SECTION}.html")
    page.emulate_media(media="print")
    for selector in (".site-nav", ".sidebar", ".pager", ".skip-link", ".exhibit-data"):
        assert page.locator(selector).first.evaluate("e => getComputedStyle(e).display") == "none"
    assert page.locator("main h1").is_visible()
    assert page.locator("figure.figure svg").first.is_visible()
    pdf = page.pdf(format="Letter")
    assert pdf.startswith(b"%PDF")
    page.close()
