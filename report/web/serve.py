"""The authors' server: ``python build.py serve`` shows the web edition and rebuilds it on save.

Input: the project folder (and ``--theme``, ``--port``, ``--host``, ``--out``: the folder whose PDFs
the pages link to, ``dist/`` by default).
Output: a local HTTP server (127.0.0.1 by default) that serves the web edition from memory, with
a small script, injected by the server only, that reloads a page when a rebuild changed it.

The validated inputs, statistics, charts, documents, templates and fonts stay in the server's
process. A saved file is classified (:func:`classify`) and only what it touches is redone:

* a content file (``data/content/…``): the content is read again (every check runs), the documents
  of the languages whose files changed are assembled again with the charts already drawn, and that
  language's pages are rendered again; the pages whose bytes changed are reloaded;
* a web template or the web stylesheet (``templates/web/…``): both languages' pages are rendered
  again from the same documents;
* the PDF editions' templates or styles: nothing to rebuild (they reach only the PDF proofs);
* anything else (data, figures, strings, configuration, theme): everything is validated again and
  rebuilt, with the charts from the cache.

The search index is made again in the background after each rebuild, so that it never delays a
reload. A rebuild that fails keeps the last good pages and shows the error, located, on every page
until the next save fixes it.

``/proof/<lang>/<page>.pdf`` lays out that one part of the report (a section, a case study, a
chapter's opening text, an appendix) as the screen PDF edition does, with the PDF templates and
stylesheets, without building the rest of the edition.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import html
import json
import mimetypes
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .. import LANGUAGES
from .. import cache as cachelib
from ..errors import ReportError

SERVE_PREFIX = "/__serve/"
WATCHED = ("data", "templates", "styles", "themes")
TYPES = {".woff2": "font/woff2", ".js": "text/javascript", ".css": "text/css",
         ".json": "application/json", ".csv": "text/csv; charset=utf-8",
         ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml", ".pdf": "application/pdf"}

RELOAD_JS = """// Injected by python build.py serve only: reload this page when a rebuild changed it.
const me = document.currentScript;
let version = Number(me.dataset.version);
const page = me.dataset.page;
const events = new EventSource("/__serve/events?v=" + version);
events.addEventListener("rebuilt", (event) => {
  const news = JSON.parse(event.data);
  if (news.version <= version) return;
  version = news.version;
  if (news.all || news.paths.includes(page)) location.reload();
});
"""

BAR_CSS = """.serve-bar{position:fixed;right:.75rem;bottom:.75rem;z-index:20;display:flex;
flex-direction:column;align-items:flex-end;gap:.5rem;font:600 .85rem system-ui,sans-serif}
.serve-bar a{background:#1E2328;color:#fff;padding:.45rem .8rem;border-radius:999px;
text-decoration:none}.serve-error{max-width:40rem;max-height:50vh;overflow:auto;margin:0;
background:#fff;color:#8A1C1C;border:2px solid #8A1C1C;border-radius:6px;padding:.8rem 1rem;
white-space:pre-wrap;font:500 .85rem/1.4 ui-monospace,monospace}"""


def classify(changes: Iterable[tuple[Any, str]], root: Path) -> frozenset[str]:
    """What a set of saved files asks for: some of ``content``, ``web``, ``proof``, ``full``.

    ``content``: Markdown content files; ``web``: the web edition's templates and assets;
    ``proof``: what only the PDF proofs read (the PDF templates and styles, not the fonts);
    anything else (data, figures, strings, configuration, theme, fonts): ``full``.
    """
    needs = set()
    for _change, name in changes:
        try:
            parts = Path(name).resolve().relative_to(root.resolve()).parts
        except ValueError:
            continue
        if parts[:2] == ("data", "content") and parts[-1].endswith(".md"):
            needs.add("content")
        elif parts[:2] == ("templates", "web"):
            needs.add("web")
        elif parts[:1] == ("templates",) or (parts[:1] == ("styles",) and "fonts" not in parts):
            needs.add("proof")
        else:
            needs.add("full")
    return frozenset(needs)


def _message(exc: ReportError) -> str:
    """A build error as the command line prints it (a group lists every problem, located)."""
    return f"{exc.kind}: {exc}"


@dataclasses.dataclass
class Rebuilt:
    """One rebuild: its number, the site paths whose bytes changed (or all) and its time."""

    version: int
    paths: frozenset[str]
    all: bool
    seconds: float


class Preview:
    """The web edition kept warm in memory, rebuilt from what each save touches."""

    def __init__(self, root: Path, *, theme: str = "default", out_dir: Path | None = None,
                 cache_dir: Path | None = None, log: Callable[[str], None] = print) -> None:
        from ..build import BuildOptions

        self.root = root.resolve()
        self.out_dir = (out_dir or self.root / "dist").resolve()
        self.options = BuildOptions(root=self.root, out_dir=self.out_dir, editions=("web",),
                                    theme=theme, cache_dir=cache_dir, workers=1)
        self.cache = cachelib.Cache(cache_dir)
        self.log = log
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.files: dict[str, bytes] = {}
        self.history: list[Rebuilt] = []
        self.error: str | None = None
        self.stopping = False
        self.inputs: Any = None
        self.charts: dict[str, Any] = {}
        self.documents: dict[str, Any] = {}
        self.builder: Any = None
        self.steps: dict[str, float] = {}  # the last rebuild's steps, in seconds
        self._started = time.perf_counter()
        self._search_dirty = threading.Event()
        self._search_thread: threading.Thread | None = None

    @property
    def version(self) -> int:
        return self.history[-1].version if self.history else 0

    # -- building ---------------------------------------------------------------------------
    def load(self) -> None:
        """Validate everything, draw the charts, assemble both documents, build the site."""
        from ..build import assemble, render_charts, validate_inputs
        from ..diagnostics import Diagnostics
        from .site import SiteBuilder, available_pdfs

        diag = Diagnostics()
        inputs = validate_inputs(self.options, diag)
        diag.raise_if_errors("the inputs have problems")
        assert inputs is not None
        charts = {lang: render_charts(inputs, lang, self.cache) for lang in LANGUAGES}
        documents = {lang: assemble(inputs, lang, charts[lang]) for lang in LANGUAGES}
        builder = SiteBuilder(inputs.config, inputs.theme, inputs.stats, self.cache,
                              available_pdfs(self.out_dir, []))
        site = builder.build(documents, with_search=False)
        self.inputs, self.charts, self.documents, self.builder = inputs, charts, documents, builder
        self._publish(site.files, everything=True)

    def _content(self) -> None:
        """Read the content again; assemble and render the languages whose files changed."""
        from ..content import load_content
        from ..diagnostics import Diagnostics
        from ..document import build_document
        from .site import changed_parts

        clock = time.perf_counter()
        diag = Diagnostics()
        config, inputs = self.inputs.config, self.inputs
        content = load_content(config.paths, config.structure, LANGUAGES, diag)
        diag.raise_if_errors("the content has problems")
        assert content is not None
        old = inputs.content
        languages = [lang for lang in LANGUAGES
                     if content.pages[lang] != old.pages[lang]
                     or content.cases.get(lang) != old.cases.get(lang)]
        self.steps["content"] = (now := time.perf_counter()) - clock
        documents = dict(self.documents)
        for lang in languages:  # checked as the build checks it (validate_inputs)
            document = build_document(config, content, lang, inputs.stats,
                                      inputs.exhibits[lang], self.charts[lang], diag)
            if document is not None:
                documents[lang] = document
        diag.raise_if_errors(f"the {', '.join(languages)} content has problems")
        inputs = dataclasses.replace(inputs, content=content,
                                     documents={**inputs.documents, **documents})
        self.steps["document"] = (clock := time.perf_counter()) - now
        files = dict(self.files)
        for lang in languages:
            only = changed_parts(self.documents[lang], documents[lang])
            files.update(self.builder.language(documents[lang], only)[0])
        self.steps["pages"] = time.perf_counter() - clock
        self.inputs, self.documents = inputs, documents
        self._publish(files)

    def _web(self) -> None:
        """Render both languages' pages again with the templates and stylesheet as saved."""
        from .render import environment

        self.builder.env = environment(self.inputs.config.paths.templates / "web")
        files = dict(self.files)
        for lang in LANGUAGES:
            files.update(self.builder.language(self.documents[lang])[0])
        files.update(self.builder.static())
        self._publish(files)

    def _publish(self, files: dict[str, bytes], everything: bool = False) -> None:
        with self.lock:
            changed = frozenset(path for path, blob in files.items()
                                if self.files.get(path) != blob)
            for path, blob in files.items():
                self.files[path] = blob
            self.error = None
            self.history.append(Rebuilt(self.version + 1, changed, everything,
                                        time.perf_counter() - self._started))
            del self.history[:-50]
            self.changed.notify_all()
        self._index_later()

    def rebuild(self, needs: frozenset[str]) -> Rebuilt | None:
        """Redo what ``needs`` (:func:`classify`) asks for; on a build error, keep the last good
        site and show the error on every page."""
        if not needs - {"proof"}:
            return None  # the proofs are laid out when asked for, from the files as saved
        from ..build import few_collections

        self._started = time.perf_counter()
        self.steps = {}
        try:
            # The warm state (inputs, charts, documents) lives as long as the server: the
            # collector leaves it alone while a rebuild allocates (report.build.few_collections).
            with few_collections():
                if "full" in needs or self.inputs is None:
                    self.load()
                else:
                    if "content" in needs:
                        self._content()
                    if "web" in needs:
                        self._web()
        except ReportError as exc:
            with self.lock:
                self.error = _message(exc)
                self.history.append(Rebuilt(self.version + 1, frozenset(), True, 0.0))
                self.changed.notify_all()
            self.log(f"error: {self.error}")
            return self.history[-1]
        done = self.history[-1]
        what = ", ".join(sorted(needs - {"proof"}))
        steps = ", ".join(f"{k} {v:.2f} s" for k, v in self.steps.items())
        self.log(f"rebuilt ({what}) in {done.seconds:.2f} s{f' ({steps})' if steps else ''}: "
                 f"{len(done.paths)} file{'s' if len(done.paths) != 1 else ''} changed")
        return done

    # -- search, in the background ----------------------------------------------------------
    def _index_later(self) -> None:
        self._search_dirty.set()
        if self._search_thread is None or not self._search_thread.is_alive():
            self._search_thread = threading.Thread(target=self._index, daemon=True,
                                                   name="search-index")
            self._search_thread.start()

    def _index(self) -> None:
        from . import search

        while self._search_dirty.is_set() and not self.stopping:
            self._search_dirty.clear()
            with self.lock:
                pages = {p: b.decode("utf-8") for p, b in self.files.items()
                         if p.endswith(".html")}
            try:
                bundle = search.index(pages)
            except ReportError as exc:
                self.log(f"search index: {exc}")
                continue
            with self.lock:
                for path in [p for p in self.files if p.startswith(f"{search.BUNDLE}/")]:
                    if path not in bundle:
                        del self.files[path]
                self.files.update(bundle)

    # -- proofs -----------------------------------------------------------------------------
    def proof(self, lang: str, slug: str) -> bytes | None:
        """The PDF of one part of the report, laid out as the screen edition lays it out."""
        from ..build import lay_out, stylesheets
        from ..diagnostics import Diagnostics
        from ..templates import render_fragment

        with self.lock:
            document, inputs = self.documents.get(lang), self.inputs
        if document is None:
            return None
        part = _part(document, slug)
        if part is None:
            return None
        html_text = render_fragment(inputs.config, part, inputs.theme, "screen",
                                    stylesheets(inputs.config, "screen"), "web/proof.html")
        diag = Diagnostics()
        edition = lay_out(inputs, self.options, lang, "screen", html_text, self.cache, diag)
        if edition is None:
            diag.raise_if_errors(f"the proof of {slug} could not be laid out")
        assert edition is not None
        return edition.data

    # -- what the server sends --------------------------------------------------------------
    def page(self, path: str) -> bytes | None:
        """A file of the site; an HTML page gets the reload script (and the error, if any)."""
        with self.lock:
            blob = self.files.get(path)
            version, error = self.version, self.error
        if blob is None or not path.endswith(".html"):
            return blob
        lang = path.split("/", 1)[0]
        strings = self.inputs.config.strings.get(lang) if lang in LANGUAGES else None
        slug = path.rsplit("/", 1)[-1].removesuffix(".html")
        bar = []
        if strings is not None and _part(self.documents[lang], slug) is not None:
            bar.append(f'<a href="/proof/{lang}/{slug}.pdf" target="_blank" rel="noopener">'
                       f'{html.escape(strings["web.proof"])}</a>')
        if error:
            bar.append(f'<pre class="serve-error" role="alert">{html.escape(error)}</pre>')
        snippet = (f"<style>{BAR_CSS}</style><div class=\"serve-bar\">{''.join(bar)}</div>"
                   f'<script src="{SERVE_PREFIX}reload.js" data-version="{version}" '
                   f'data-page="/{html.escape(path)}"></script>')
        text = blob.decode("utf-8")
        at = text.rfind("</body>")
        return (text[:at] + snippet + text[at:]).encode("utf-8") if at != -1 else blob

    def news(self, since: int) -> dict[str, Any] | None:
        """What changed after rebuild ``since``: the pages to reload, or None if nothing."""
        with self.lock:
            later = [r for r in self.history if r.version > since]
            if not later:
                return None
            return {"version": later[-1].version, "all": any(r.all for r in later),
                    "paths": sorted({f"/{p}" for r in later for p in r.paths})}

    # -- watching ---------------------------------------------------------------------------
    def watch(self, stop: threading.Event, ready: threading.Event | None = None) -> None:
        """Rebuild on every save until ``stop`` is set (run in a thread)."""
        import watchfiles

        folders = [self.root / name for name in WATCHED if (self.root / name).is_dir()]
        # A short debounce: an editor's save is one or two events a few milliseconds apart.
        for changes in watchfiles.watch(*folders, debounce=30, step=10, stop_event=stop,
                                        yield_on_timeout=True, rust_timeout=200):
            if ready is not None:
                ready.set()
            if not changes:
                continue
            self.rebuild(classify(changes, self.root))


def _part(document: Any, slug: str) -> Any:
    """A copy of ``document`` that holds only the part ``slug`` and its figures and tables (None
    if there is no such part)."""
    from ..document import Chapter
    from ..templates import EXHIBIT_SLOT

    keep: dict[str, Any] = {"front": [], "chapters": [], "appendices": []}
    for section in document.front:
        if section.id == slug:
            keep["front"] = [section]
    for chapter in document.chapters:
        if chapter.opener.id == slug:
            keep["chapters"] = [Chapter(chapter.opener, [])]
        for section in chapter.sections:
            if section.id == slug:
                head = dataclasses.replace(chapter.opener, html="")
                keep["chapters"] = [Chapter(head, [section])]
    for section in document.appendices:
        if section.id == slug:
            keep["appendices"] = [section]
    if not any(keep.values()):
        return None
    sections = [*keep["front"], *keep["appendices"],
                *(s for chapter in keep["chapters"] for s in (chapter.opener, *chapter.sections))]
    placed = {html.unescape(key) for section in sections
              for key in EXHIBIT_SLOT.findall(section.html)}
    return dataclasses.replace(document, **keep,
                               figures=[f for f in document.figures if f.id in placed],
                               tables=[t for t in document.tables if t.id in placed])


# -- HTTP -------------------------------------------------------------------------------------
class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], preview: Preview) -> None:
        self.preview = preview
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, kind: str) -> None:
        """Send a response; a file the browser already has (same ETag) is a bodiless 304, so a
        reload fetches the page again but not the fonts and stylesheets."""
        tag = f'"{hashlib.sha1(body, usedforsecurity=False).hexdigest()}"'
        if status == 200 and self.headers.get("If-None-Match") == tag:
            self.send_response(304)
            self.send_header("ETag", tag)
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        if status == 200:
            self.send_header("ETag", tag)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        preview = self.server.preview
        if path == f"{SERVE_PREFIX}events":
            self._events(int(urllib.parse.parse_qs(url.query).get("v", ["0"])[0] or 0))
            return
        if path == f"{SERVE_PREFIX}reload.js":
            self._send(200, RELOAD_JS.encode(), TYPES[".js"])
            return
        if path.startswith("/proof/") and path.endswith(".pdf"):
            parts = path.removeprefix("/proof/").removesuffix(".pdf").split("/")
            try:
                pdf = preview.proof(*parts) if len(parts) == 2 else None
            except ReportError as exc:
                self._send(500, _message(exc).encode(), "text/plain; charset=utf-8")
                return
            if pdf is None:
                self._send(404, b"no such part of the report", "text/plain")
            else:
                self._send(200, pdf, TYPES[".pdf"])
            return
        name = path.lstrip("/")
        if name == "" or name.endswith("/"):
            name += "index.html"
        body = preview.page(name)
        if body is None and "/" not in name and name.endswith(".pdf"):
            edition = preview.out_dir / name  # the PDF editions the pages link to
            body = edition.read_bytes() if edition.is_file() else None
        if body is None:
            self._send(404, b"not found", "text/plain")
            return
        suffix = Path(name).suffix
        kind = TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
        self._send(200, body, kind)

    def _events(self, seen: int) -> None:
        preview = self.server.preview
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            while not preview.stopping:
                with preview.changed:
                    since = seen
                    preview.changed.wait_for(
                        lambda: preview.version > since or preview.stopping,  # noqa: B023
                        timeout=10)
                news = preview.news(seen)
                if news is None:
                    self.wfile.write(b": waiting\n\n")
                else:
                    seen = news["version"]
                    self.wfile.write(f"event: rebuilt\ndata: {json.dumps(news)}\n\n".encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            return


class Running:
    """A started server: its address, its preview, and how to stop it."""

    def __init__(self, preview: Preview, host: str, port: int) -> None:
        self.preview = preview
        self.httpd = _Server((host, port), preview)
        self.stop_event = threading.Event()
        self.watching = threading.Event()
        self.threads = [
            threading.Thread(target=self.httpd.serve_forever, daemon=True, name="serve-http"),
            threading.Thread(target=preview.watch, args=(self.stop_event, self.watching),
                             daemon=True, name="serve-watch"),
        ]
        for thread in self.threads:
            thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self.preview.stopping = True
        self.stop_event.set()
        with self.preview.changed:
            self.preview.changed.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self.threads:
            thread.join(timeout=5)


def start(root: Path, *, theme: str = "default", host: str = "127.0.0.1", port: int = 8000,
          out_dir: Path | None = None, cache_dir: Path | None = None,
          log: Callable[[str], None] = print) -> Running:
    """Build the site in memory, then serve it and watch the project (returns at once)."""
    preview = Preview(root, theme=theme, out_dir=out_dir, cache_dir=cache_dir, log=log)
    preview.load()
    return Running(preview, host, port)


def main(argv: list[str], root: Path) -> int:
    """``python build.py serve [--port N] [--host H] [--theme NAME] [--out DIR]``."""
    parser = argparse.ArgumentParser(
        prog="python build.py serve",
        description="Serve the web edition on this machine, rebuild what a saved file touches "
        "and reload the page; /proof/<lang>/<page>.pdf lays out one part as the PDF edition.")
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1, this machine only)")
    parser.add_argument("--theme", default="default", metavar="NAME",
                        help="theme folder under themes/ (default: the house style)")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="folder whose PDFs the pages link to (default: dist/)")
    parser.add_argument("--root", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    project = (args.root or root).resolve()
    started = time.perf_counter()
    try:
        running = start(project, theme=args.theme, host=args.host, port=args.port,
                        out_dir=args.out, cache_dir=cachelib.default_cache_dir(project))
    except ReportError as exc:
        print(f"{exc.kind}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
              " → choose another port with --port", file=sys.stderr)
        return 1
    print(f"built in {time.perf_counter() - started:.1f} s; serving {running.url}/fr/index.html "
          f"and {running.url}/en/index.html (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        with contextlib.suppress(Exception):
            running.stop()
    return 0
