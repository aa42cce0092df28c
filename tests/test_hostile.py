"""Hostile content gets nothing: no file outside the project's asset folders is read, nothing is
fetched from the network, and the text is shown escaped (or refused with a message).

Content, front matter, codebook labels and partner themes come from outside the team. The defence is
structural, not string filtering: Markdown is rendered with raw HTML off and cleaned by the nh3
sanitiser (report/markdown.py), templates escape everything (autoescape), and the PDF engine reads
resources only through the restricted ProjectFetcher (report/pdf.py). The end-to-end test builds a
small report full of hostile text through the real pipeline and WeasyPrint, with an audit hook that
records every file opened and every socket connection, and the fetcher spied on.
"""

from __future__ import annotations

import re
import shutil
import socket
import struct
import sys
import zlib
from pathlib import Path

import pytest
from helpers import run_stage
from pypdf import PdfReader

from report.cli import main
from report.markdown import MarkdownRenderer
from report.pdf import ProjectFetcher

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("/etc/passwd", "/etc/hostname", "/dev/urandom", "/dev/zero")

# -- an audit hook: every file Python opens and every connection it tries ------------------------
AUDIT: dict[str, list] = {"open": [], "connect": []}
_RECORDING = [False]


def _audit(event: str, args: tuple) -> None:
    if not _RECORDING[0]:
        return
    if event == "open" and args and isinstance(args[0], str | bytes | Path):
        AUDIT["open"].append(str(args[0] if not isinstance(args[0], bytes) else args[0].decode()))
    elif event in ("socket.connect", "socket.getaddrinfo", "urllib.Request"):
        AUDIT["connect"].append((event, args))


sys.addaudithook(_audit)  # hooks cannot be removed: it records only while a test asks it to


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch):
    """Record opens and connections; make any socket connection fail loudly."""

    def no_network(*args, **kwargs):
        raise AssertionError(f"a network connection was attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    for records in AUDIT.values():
        records.clear()
    _RECORDING[0] = True
    yield AUDIT
    _RECORDING[0] = False


def assert_nothing_forbidden_was_read(audit: dict[str, list]) -> None:
    opened = {str(Path(p).resolve()) if not p.startswith("/proc") else p for p in audit["open"]}
    for forbidden in FORBIDDEN:
        assert forbidden not in opened, f"{forbidden} was opened"
    assert audit["connect"] == [], audit["connect"]


# -- hostile inputs --------------------------------------------------------------------------------
SCRIPT = '<script>alert("x")</script>'
BODY = f"""Raw HTML: {SCRIPT} <img src="file:///etc/passwd"> <iframe src="http://evil.example/"></iframe>
<style>@import url(http://evil.example/x.css);</style> <a href="javascript:alert(2)">raw</a>

Links: [js](javascript:alert(1)) [file](file:///etc/passwd) [up](../../../../etc/passwd)
[web](http://evil.example/page) [data](data:text/html,hi) <file:///etc/hostname>

{{{{figure fig-hostile}}}}

As {{{{ref fig-hostile}}}} and {{{{ref tab-hostile}}}} show, {{{{stat social_networks}}}} are online.

{{{{table tab-hostile}}}}

::: callout Callout {SCRIPT}
Text in the box: &lt;b&gt; and <b>bold</b>.
:::
"""
PAGE = f"""---
title: 'Hostile {SCRIPT} & <i>title</i>'
short_title: "<b>short</b>"
---

{BODY}"""
FIGURES = """- id: fig-hostile
  kind: bars
  variables: [social_networks, office_suite]
  caption: {fr: "Légende <script>x</script>", en: "Caption <script>alert('caption')</script>"}
"""
TABLES = """- id: tab-hostile
  kind: crosstab
  variables: [office_suite]
  by: legal_form
  caption: {fr: "Tableau <b>x</b>", en: "Table <b>bold?</b>"}
"""
STRUCTURE = """front: [acknowledgements]
chapters:
  - id: hostile
appendices: []
"""
OVERRIDES = """body { background-image: url("file:///etc/passwd"); }
h1 { background-image: url("https://evil.example/track.png"); }
h2 { background-image: url("../../../../../../../../etc/hostname"); }
html { background-image: url("themes/hostile/big.png"); }
p.box-title { background-image: url("themes/hostile/passwd.css"); }
.stat { background-image: url("themes/hostile/device.png"); }
@font-face { font-family: "Evil"; src: url("file:///dev/urandom"); }
@font-face { font-family: "Evil2"; src: url("http://evil.example/font.woff"); }
"""


def _huge_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny file that declares a huge picture (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small report (one chapter) whose every input an outsider could write is hostile."""
    root = tmp_path_factory.mktemp("hostile")
    for name in ("data", "themes", "templates", "styles"):  # a link out of the project is refused
        shutil.copytree(ROOT / name, root / name)
    data = root / "data"
    (data / "structure.yaml").write_text(STRUCTURE, "utf-8")
    (data / "figures.yaml").write_text(FIGURES, "utf-8")
    (data / "tables.yaml").write_text(TABLES, "utf-8")
    for lang in ("fr", "en"):
        (data / "content" / lang / "hostile.md").write_text(PAGE, "utf-8")
    codebook = data / "survey" / "codebook.yaml"
    text = codebook.read_text("utf-8")
    for old, new in [
        ('label: {fr: "Réseaux sociaux", en: "Social networks"}',
         """label: {fr: "Réseaux sociaux", en: "Social <script>alert('label')</script> networks"}"""),
        ('npo: {fr: "OBNL", en: "Non-profit"}',
         'npo: {fr: "OBNL", en: "<img src=\\"file:///etc/passwd\\">Non-profit"}'),
    ]:
        assert old in text, old
        text = text.replace(old, new)
    codebook.write_text(text, "utf-8")
    theme = root / "themes" / "hostile"
    shutil.copytree(root / "themes" / "default", theme)
    toml = theme / "theme.toml"
    toml.write_text(toml.read_text("utf-8").replace('name = "default"', 'name = "hostile"'), "utf-8")
    (theme / "overrides.css").write_text(OVERRIDES, "utf-8")
    (theme / "big.png").write_bytes(_huge_png())
    (theme / "device.png").symlink_to("/dev/urandom")
    return root


def pdf_text(path: Path) -> str:
    reader = PdfReader(path)
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def link_targets(path: Path) -> list[str]:
    targets = []
    for page in PdfReader(path).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                targets.append(str(action["/URI"]))
    return targets


def test_hostile_content_is_shown_as_text_and_nothing_is_read(hostile, tmp_path, recording,
                                                              capsys):
    """Hostile content, codebook labels and captions with the house theme: the report builds,
    every hostile string is shown as text, and no link leaves the report."""
    out = tmp_path / "dist"
    code = main(["--root", str(hostile), "--out", str(out), "--lang", "en", "--workers", "1",
                 "--no-cache"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Traceback" not in err
    assert_nothing_forbidden_was_read(recording)
    pdf = out / "social-economy-2-0-screen.pdf"
    text = pdf_text(pdf)
    for shown in ['<script>alert("x")</script>', "Social <script>alert('label')</script> networks",
                  "Caption <script>alert('caption')</script>", '<img src="file:///etc/passwd">',
                  "[js](javascript:alert(1))", "<b>bold</b>", "<i>title</i>"]:
        assert shown in text, f"{shown!r} is not shown as text"
    assert "root:x:0:0" not in text  # /etc/passwd's first line
    for uri in link_targets(pdf):
        assert re.match(r"(https?|mailto):", uri), f"a link to {uri!r} made it into the PDF"


def test_a_hostile_theme_fails_the_build_and_nothing_is_read(hostile, tmp_path, recording,
                                                             monkeypatch, capsys):
    """Its stylesheet points at /etc/passwd, the network, a device, a huge image: the engine
    asks for each through the project's fetcher, gets none, and the build fails naming them
    (an image that cannot be loaded is a broken page, draft or not); the outputs stay as
    they were."""
    fetched: list[str] = []
    refused: list[str] = []
    fetch = ProjectFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        try:
            return fetch(self, url, headers)
        except ValueError:
            refused.append(url)
            raise

    monkeypatch.setattr(ProjectFetcher, "fetch", spy)
    out = tmp_path / "dist"
    out.mkdir()
    (out / "previous.pdf").write_bytes(b"%PDF previous")
    code = main(["--root", str(hostile), "--out", str(out), "--lang", "en", "--theme", "hostile",
                 "--workers", "1", "--no-cache"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Traceback" not in err and "render error: the report could not be rendered" in err
    assert_nothing_forbidden_was_read(recording)
    assert any("etc/passwd" in u for u in refused) and any("evil.example" in u for u in refused)
    served = [u for u in fetched if u not in refused]
    roots = [hostile / "styles", hostile / "templates", hostile / "themes" / "hostile"]
    for url in served:
        real = Path(url.removeprefix("file://")).resolve()
        assert any(real.is_relative_to(r.resolve()) for r in roots), url
    for name in ("big.png", "passwd.css", "device.png", "hostname", "track.png"):
        assert any(name in u for u in refused), f"{name} was not refused: {refused}"
        assert name in err, f"{name} is not named in the message"
    assert sorted(p.name for p in out.iterdir()) == ["previous.pdf"]


def test_strict_build_refuses_hostile_theme_with_a_message(hostile, tmp_path, recording, capsys):
    out = tmp_path / "dist"
    out.mkdir()
    (out / "previous.pdf").write_bytes(b"%PDF previous")
    code = main(["--root", str(hostile), "--out", str(out), "--lang", "en", "--theme", "hostile",
                 "--workers", "1", "--no-cache", "--strict", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.startswith("error: the report could not be rendered:\n") and "Traceback" not in err
    assert "file:///etc/passwd" in err and "outside the project's asset folders" in err
    assert "too large to decode" in err and "evil.example" in err
    assert sorted(p.name for p in out.iterdir()) == ["previous.pdf"]
    assert_nothing_forbidden_was_read(recording)


@pytest.mark.parametrize("target", ["file:///etc/passwd", "http://evil.example/x.css",
                                    "../../../../etc/passwd"])
def test_a_theme_stylesheet_that_imports_from_outside_is_refused_by_the_check(
        hostile, tmp_path, recording, capsys, target):
    """An @import is fetched while the stylesheet is read: the check refuses the theme, naming
    the file and line, and the build never starts."""
    overrides = hostile / "themes" / "hostile" / "overrides.css"
    original = overrides.read_text("utf-8")
    overrides.write_text(f'@import url("{target}");\nbody {{ color: red; }}\n', "utf-8")
    try:
        code = main(["--root", str(hostile), "--out", str(tmp_path / "dist"), "--lang", "en",
                     "--theme", "hostile", "--check", "--quiet"])
    finally:
        overrides.write_text(original, "utf-8")
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "themes/hostile/overrides.css:1:" in err and "refused" in err, err
    assert_nothing_forbidden_was_read(recording)


def test_a_link_out_of_a_theme_is_never_read(hostile, recording):
    """A partner theme holding ``passwd.css -> /etc/passwd``: the fetcher refuses it (above), and
    nothing else may read it either, not even to compute a cache key."""
    from report import cache

    link = hostile / "themes" / "hostile" / "passwd.css"
    link.symlink_to("/etc/passwd")
    try:
        cache.input_fingerprint(hostile, "hostile", {})
        assert_nothing_forbidden_was_read(recording)
    finally:
        link.unlink()


# -- the pieces, one by one ---------------------------------------------------------------------
class _Codes:
    def inline(self, code):
        return "[code]"

    def block(self, code):
        return "[block]"


@pytest.mark.parametrize(("markdown", "shown", "absent"), [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;", "<script"),
    ('<img src="file:///etc/passwd">', "&lt;img", "<img"),
    ("[x](javascript:alert(1))", "[x](javascript:alert(1))", "href"),
    ("[x](file:///etc/passwd)", "[x](file:///etc/passwd)", "href"),
    ("[x](../../etc/passwd)", ">x</a>", "../"),
    ("[x](data:text/html,hi)", "[x](data:text/html,hi)", "href"),
    ("<file:///etc/passwd>", "file:///etc/passwd", "href"),
    ("[x](#tab-web)", 'href="#tab-web"', "<script"),
    ("[x](https://cefrio.qc.ca)", 'href="https://cefrio.qc.ca"', "<script"),
    ("::: note <script>x</script>\nbody\n:::", "&lt;script&gt;", "<script"),
    ("Note[^1].\n\n[^1]: <iframe src='http://x'></iframe>", "&lt;iframe", "<iframe"),
])
def test_markdown_escapes_or_drops_hostile_markup(markdown, shown, absent):
    html = MarkdownRenderer("en", lambda key: key).render(
        markdown, file=Path("x.md"), first_line=1, heading_level=2, id_prefix="x",
        resolver=_Codes()).html
    assert shown in html, html
    assert absent not in html, html


@pytest.mark.parametrize("image", ["![x](/dev/urandom)", "![x](../../etc/passwd)",
                                   "![x](http://evil.example/x.png)", "![x](huge.png)"])
def test_markdown_images_are_refused_with_a_message(image):
    from report.errors import ContentError

    with pytest.raises(ContentError, match="images are placed with") as info:
        MarkdownRenderer("en", lambda key: key).render(
            f"Text.\n\n{image}\n", file=Path("x.md"), first_line=4, heading_level=2,
            id_prefix="x", resolver=_Codes())
    assert info.value.line == 6


@pytest.fixture
def assets(tmp_path: Path) -> Path:
    folder = tmp_path / "assets"
    folder.mkdir()
    (folder / "ok.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (folder / "huge.png").write_bytes(_huge_png())
    (folder / "large.png").write_bytes(_huge_png(8000, 6250))  # 50 megapixels
    (folder / "fine.png").write_bytes(_huge_png(2400, 3300))
    (folder / "bad.png").write_bytes(b"not a png at all")
    (folder / "passwd.svg").symlink_to("/etc/passwd")
    (folder / "random.png").symlink_to("/dev/urandom")
    (folder / "sub").mkdir()
    import os

    os.mkfifo(folder / "pipe.css")  # reading it would block forever
    return folder


@pytest.mark.parametrize(("name", "why"), [
    ("huge.png", "too large to decode"), ("large.png", "50 megapixels .the limit is 40"),
    ("bad.png", "not a readable image"),
    ("passwd.svg", "outside"), ("random.png", "outside"), ("sub", "not a regular file"),
    ("pipe.css", "not a regular file"), ("missing.css", "no such file"),
])
def test_fetcher_refuses_what_is_not_a_plain_project_file(assets, recording, name, why):
    fetcher = ProjectFetcher((assets,))
    with pytest.raises(ValueError, match=why):
        fetcher.fetch((assets / name).as_uri())
    assert fetcher.refused and fetcher.served == []
    assert_nothing_forbidden_was_read(recording)


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "file://evil.example/etc/passwd", "http://evil.example/x.css",
    "https://evil.example/x.png", "ftp://evil.example/x", "data:text/css,body{}",
    "FILE:///etc/passwd", "file:///%2e%2e/etc/passwd", "javascript:alert(1)",
])
def test_fetcher_never_reads_outside_or_connects(assets, recording, url):
    fetcher = ProjectFetcher((assets,))
    with pytest.raises(ValueError):
        fetcher.fetch(url)
    with pytest.raises(ValueError):
        fetcher.open(url)  # urllib's entry point leads to the same checks
    assert_nothing_forbidden_was_read(recording)


def test_fetcher_serves_project_files(assets):
    fetcher = ProjectFetcher((assets,))
    response = fetcher.fetch((assets / "ok.svg").as_uri())
    assert response.read().startswith(b"<svg")
    assert fetcher.fetch((assets / "fine.png").as_uri()).read().startswith(b"\x89PNG")
    assert fetcher.served == [assets / "ok.svg", assets / "fine.png"] and fetcher.refused == []


def test_a_theme_logo_that_is_not_a_file_is_refused_not_read(hostile, tmp_path):
    import os
    import threading

    from report.config import Paths
    from report.errors import ThemeError
    from report.theme import load_theme

    logos = hostile / "themes" / "hostile" / "logos"
    logos.mkdir(exist_ok=True)
    pipe = logos / "cefrio.svg"
    os.mkfifo(pipe)
    outcome: list[object] = []

    def load() -> None:
        try:
            outcome.append(run_stage(load_theme, Paths.under(hostile), "hostile"))
        except ThemeError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(timeout=3)
    blocked = worker.is_alive()
    if blocked:  # unblock the reader: a writer that closes at once gives it an end of file
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(timeout=10)
    pipe.unlink()
    assert not blocked, "reading the theme blocked on a named pipe"
    assert outcome and isinstance(outcome[0], ThemeError), outcome
    assert "regular file inside the theme folder" in str(outcome[0])


# -- text that looks like the pipeline's own markers (issue 16) ----------------------------------
class _Echo:
    """A resolver whose HTML carries text from elsewhere (a section title in a reference): here,
    marker look-alikes, which must come out as they went in, never be read as markers."""

    def __init__(self, text: str) -> None:
        self.text = text

    def inline(self, code):
        import html

        return f'<a class="xref" href="#x">{html.escape(self.text)}</a>'

    def block(self, code):
        return "<figure>the figure</figure>"


LOOK_ALIKES = ["\ue0000\ue001", "\ue0002\ue001", "\ue002fig-x\ue003", "<es20-slot>0</es20-slot>",
               '<es20-exhibit key="fig-x"></es20-exhibit>']


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_text_can_never_be_taken_for_a_marker(text):
    """Markers are elements that no escaped text can become, filled in one pass: the text shows,
    the shortcodes' HTML is placed exactly once, nothing loops, crashes or moves."""
    import html

    from report.templates import EXHIBIT_SLOT

    body = (f"Before {text} {{{{ref x}}}} after[^1].\n\n{{{{figure fig-x}}}}\n\n"
            f"[^1]: A note with {text} and {{{{ref x}}}}.\n")
    out = MarkdownRenderer("en", lambda key: key).render(
        body, file=Path("x.md"), first_line=1, heading_level=2, id_prefix="x",
        resolver=_Echo(text)).html
    assert html.unescape(out).count(text) == 4, out  # paragraph, note, each reference's title
    assert out.count("<figure>the figure</figure>") == 1
    assert "es20-slot>" not in out.replace("&lt;es20-slot&gt;", "").replace(
        "&lt;/es20-slot&gt;", ""), out
    assert EXHIBIT_SLOT.findall(out) == []


def test_nesting_past_the_parser_limit_is_an_error_not_lost_text():
    from report.errors import ContentError

    render = MarkdownRenderer("en", lambda key: key).render
    deep = "".join("  " * i + f"- level {i + 1}\n" for i in range(9)) + "\nLast words.\n"
    kept = render(deep, file=Path("x.md"), first_line=10, heading_level=2, id_prefix="x",
                  resolver=_Codes()).html
    assert "level 9" in kept and "Last words." in kept  # 9 levels: all there
    kept = render(">" * 19 + " deep\n", file=Path("x.md"), first_line=10, heading_level=2,
                  id_prefix="x", resolver=_Codes()).html
    assert "deep" in kept  # 19 quotes: there too
    for body, line in [
        ("".join("  " * i + f"- level {i + 1}\n" for i in range(10)) + "\nLast words.\n", 19),
        ("Intro.\n\n" + ">" * 20 + " deep\n\nLast words.\n", 12),
        ("::: note\n" * 25 + "deep\n" + ":::\n" * 25, 29),
    ]:
        with pytest.raises(ContentError, match="nested too deeply") as info:
            render(body, file=Path("x.md"), first_line=10, heading_level=2, id_prefix="x",
                   resolver=_Codes())
        assert (info.value.file, info.value.line) == ("x.md", line), body


def test_a_template_that_leaves_out_the_document_is_refused(inputs, tmp_path):
    """An empty base.html (or one without the sections, or skipping the exhibits filter) would
    publish a blank or partial PDF over the good one."""
    from dataclasses import replace

    from report.build import assemble
    from report.errors import RenderError
    from report.templates import render_html

    config = inputs.config
    document = assemble(inputs, "en", {})
    for placed in document.figures:
        placed.chart = type("Chart", (), {"id": placed.id, "svg": "<svg/>", "width": 1,
                                          "height": 1, "alt": "a"})()
    templates = tmp_path / "templates"
    shutil.copytree(config.paths.templates, templates)
    local = replace(config, paths=replace(config.paths, templates=templates))
    assert "acknowledgements" in render_html(local, document, inputs.theme, "screen", [])
    for name, text, expected in [
        ("base.html", "", "the template renders nothing"),
        ("base.html", "  \n", "the template renders nothing"),
        ("base.html", '{% include "cover.html" %}',
         r"leaves out part of the report: (\d+) of \1 sections \(acknowledgements, about-cefrio, "
         r"highlights, … \(\d+ more\)\) and (\d+) of \2 figures and tables"),
        ("appendix.html", "", r"leaves out part of the report: 2 of \d+ sections \(methodology, "
         r"questionnaire\)"),
    ]:
        original = (templates / name).read_text("utf-8")
        (templates / name).write_text(text, "utf-8")
        with pytest.raises(RenderError, match=expected) as info:
            render_html(local, document, inputs.theme, "screen", [])
        assert info.value.file == str(templates / "base.html"), info.value
        (templates / name).write_text(original, "utf-8")


def test_svg_problems_read_as_sentences(tmp_path):
    """Each problem follows «unsafe SVG: it …»."""
    from report.theme import svg_problems

    cases = {
        "bad.svg": b"<svg \xff",
        "style.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import "x.css";</style></svg>',
    }
    problems = []
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        problems += svg_problems(tmp_path / name)
    assert problems[0].startswith("cannot be read as UTF-8 text (")
    assert problems[1] == "has a <style> that imports or refers to an external file"


def test_invisible_characters_are_located_by_line_and_column():
    from report.characters import scan_text
    from report.diagnostics import Diagnostics

    diag = Diagnostics()
    text = "---\ntitle: T\n---\nPlain line.\nTab\tand LRM\u200e are fine; NUL\x00, ESC\x1b.\n" \
           "\u2067isolate\u2069 and \u202eoverride\u202c, C1\x85.\n"
    assert scan_text(text, "x.md", diag) == 7
    found = [(w.file, w.line, w.column, w.message.split(":")[0]) for w in diag.warnings]
    assert found == [
        ("x.md", 5, 27, "invisible control character U+0000 (NUL)"),
        ("x.md", 5, 33, "invisible control character U+001B (ESC)"),
        ("x.md", 6, 1, "bidirectional control character U+2067 (RIGHT-TO-LEFT ISOLATE)"),
        ("x.md", 6, 9, "bidirectional control character U+2069 (POP DIRECTIONAL ISOLATE)"),
        ("x.md", 6, 15, "bidirectional control character U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("x.md", 6, 24, "bidirectional control character U+202C (POP DIRECTIONAL FORMATTING)"),
        ("x.md", 6, 29, "invisible control character U+0085 (C1 control)"),
    ]
