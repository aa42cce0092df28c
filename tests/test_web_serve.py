"""The authors' server (``python build.py serve``): rebuild on save, live reload, PDF proofs.

The server runs on a throwaway copy of the project (the ``project`` fixture) with the web
build's cache, so that it starts with its charts and fonts ready. Waiting for a rebuild has a
generous bound (a shared machine is slow at times); no test asserts a time.
"""

from __future__ import annotations

import io
import json
import shutil
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from report.web.serve import classify, start

ROOT = Path(__file__).resolve().parent.parent
PAGE = "portrait-equipment"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A throwaway copy of the project's inputs, shared by this module's tests (each test that
    edits a file puts it back)."""
    root = tmp_path_factory.mktemp("serve-project")
    for name in ("data", "templates", "styles", "themes"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns(
            "*.ttf", "*.otf") if name != "styles" else None)
    return root


@pytest.fixture(scope="module")
def server(project, web_built):
    running = start(project, port=0, cache_dir=web_built.cache, out_dir=project / "dist",
                    log=lambda _line: None)
    assert running.watching.wait(30), "the watcher did not start"
    yield running
    running.stop()


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _next_event(url: str, version: int) -> dict:
    """Read the server's event stream until its next «rebuilt» event (in a thread, bounded)."""
    found: dict = {}

    def listen() -> None:
        with urllib.request.urlopen(f"{url}/__serve/events?v={version}", timeout=120) as stream:
            for raw in stream:
                line = raw.decode().strip()
                if line.startswith("data:"):
                    found.update(json.loads(line[5:]))
                    return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    thread.join(120)
    return found


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_saved_paragraph_reaches_the_page_and_reloads_it(server, project):
    status, _headers, body = _get(f"{server.url}/fr/{PAGE}.html")
    assert status == 200
    page = body.decode()
    assert "/__serve/reload.js" in page and f"/proof/fr/{PAGE}.pdf" in page
    version = server.preview.version
    results: dict = {}
    listener = threading.Thread(target=lambda: results.update(_next_event(server.url, version)))
    listener.start()
    _edit(project / "data/content/fr" / f"{PAGE}.md", "Presque toutes les entreprises",
          "Presque toutes les entreprises, soit la quasi-totalité,")
    listener.join(130)
    assert results["paths"] == [f"/fr/{PAGE}.html"] and not results["all"]
    _status, _headers, body = _get(f"{server.url}/fr/{PAGE}.html")
    assert "soit la quasi-totalité," in body.decode()
    assert server.preview.steps.keys() == {"content", "document", "pages"}
    _status, _headers, english = _get(f"{server.url}/en/{PAGE}.html")
    assert "quasi-totalité" not in english.decode()
    version = server.preview.version
    listener = threading.Thread(target=lambda: results.update(_next_event(server.url, version)))
    listener.start()
    _edit(project / "data/content/fr" / f"{PAGE}.md", ", soit la quasi-totalité,", "")
    listener.join(130)


def test_a_content_error_is_shown_on_the_page_until_it_is_fixed(server, project):
    source = project / "data/content/fr" / f"{PAGE}.md"
    good = source.read_text(encoding="utf-8")
    version = server.preview.version
    results: dict = {}
    listener = threading.Thread(target=lambda: results.update(_next_event(server.url, version)))
    listener.start()
    source.write_text(good.replace("{{stat office_suite}}", "{{stat office_suit}}", 1),
                      encoding="utf-8")
    listener.join(130)
    assert results["all"]
    _status, _headers, body = _get(f"{server.url}/en/index.html")
    page = body.decode()
    assert 'class="serve-error" role="alert"' in page
    assert f"data/content/fr/{PAGE}.md" in page and "office_suite" in page  # located, with a hint
    version = server.preview.version
    results.clear()
    listener = threading.Thread(target=lambda: results.update(_next_event(server.url, version)))
    listener.start()
    source.write_text(good, encoding="utf-8")
    listener.join(130)
    assert 'class="serve-error"' not in _get(f"{server.url}/en/index.html")[2].decode()


def test_a_section_is_proofed_as_a_pdf_alone(server):
    from pypdf import PdfReader

    status, headers, pdf = _get(f"{server.url}/proof/fr/{PAGE}.pdf")
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert pdf.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert 1 <= len(pages) <= 8  # the section (and its chapter's head), not the report
    text = "".join(p.extract_text() for p in pages)
    assert "Équipement et outils bureautiques" in text
    assert _get(f"{server.url}/proof/fr/no-such-part.pdf")[0] == 404


def test_files_are_served_with_validators_and_nothing_else(server):
    status, headers, _body = _get(f"{server.url}/assets/web.css")
    assert status == 200 and headers["Content-Type"] == "text/css"
    again = _get(f"{server.url}/assets/web.css", {"If-None-Match": headers["ETag"]})
    assert again[0] == 304 and again[2] == b""
    assert _get(f"{server.url}/../../etc/passwd")[0] == 404
    assert _get(f"{server.url}/fr/nothing.html")[0] == 404
    assert _get(f"{server.url}/")[2].startswith(b"<!DOCTYPE html>")  # the language choice


def test_saved_files_are_sorted_by_what_they_touch(tmp_path):
    def need(*names: str) -> frozenset[str]:
        return classify([(None, str(tmp_path / n)) for n in names], tmp_path)

    assert need("data/content/fr/intro.md") == {"content"}
    assert need("data/content/en/cases/a.md", "templates/web/page.html") == {"content", "web"}
    assert need("templates/chapter.html", "styles/report.css") == {"proof"}
    assert need("data/figures.yaml") == {"full"}
    assert need("styles/fonts/inter/Inter-Regular.otf") == {"full"}
    assert need("themes/default/theme.toml") == {"full"}
    assert need("/elsewhere/file.md") == set()
