"""The web edition's files: the same report as the PDFs, its data, its links, its manifest.

Uses the session's web build (``web_built``) and its documents; unit tests use tiny inputs.
The browser tests are in test_web_browser.py, the authors' server in test_web_serve.py.
"""

from __future__ import annotations

import csv
import hashlib
import html.parser
import io
import json
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from report.exhibits import Cell, ExhibitData
from report.output import Output, write_outputs
from report.web import superseded
from report.web.data import exhibit_csv
from report.web.pages import extract_footnotes, resolve_links, shift_headings

SITE = "web"


class _Links(html.parser.HTMLParser):
    """Every id, and every URL a page links to or loads, by tag."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.urls: list[tuple[str, str, str]] = []  # tag, attribute, value
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("href", "src") and value is not None:
                self.urls.append((tag, name, value))


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def web_documents(web_built, inputs):
    """Both languages' documents, assembled with the charts the web build drew (cached)."""
    from report.build import BuildOptions, build_language
    from report.diagnostics import Diagnostics

    options = BuildOptions(root=inputs.config.paths.root, out_dir=web_built.out,
                           editions=("web",), cache_dir=web_built.cache, workers=1)
    return {lang: build_language(inputs, options, lang, (), Diagnostics())[0]
            for lang in ("fr", "en")}


def _parts(document):
    return [*document.front, *(c.opener for c in document.chapters),
            *(s for c in document.chapters for s in c.sections), *document.appendices]


def test_significance_markers_are_named_in_the_pages_language(web_built, inputs):
    """A ▲ or ▼ in a data table is read as words («significativement plus élevé», "significantly
    higher"), as the PDF editions' tables give it, not as "black up-pointing triangle"."""
    marker = re.compile(r'<span class="marker"([^>]*)>([▲▼])</span>')
    for lang in ("fr", "en"):
        strings = inputs.config.strings[lang]
        words = {"▲": strings["marker_higher"], "▼": strings["marker_lower"]}
        found = [m for page in sorted((web_built.out / SITE / lang).glob("*.html"))
                 for m in marker.finditer(page.read_text(encoding="utf-8"))]
        assert found, lang
        for attributes, glyph in (m.groups() for m in found):
            assert f'role="img" aria-label="{html.escape(words[glyph], quote=True)}"' \
                in attributes, (lang, glyph, attributes)


# -- the manifest and the files ----------------------------------------------------------------
def test_manifest_lists_every_file_of_the_site_and_its_entry_points(web_built):
    site = web_built.out / SITE
    on_disk = {p.relative_to(web_built.out).as_posix() for p in site.rglob("*") if p.is_file()}
    entries = {e["path"]: e for e in web_built.manifest["outputs"]}
    assert set(entries) == on_disk
    for path, entry in entries.items():
        data = (web_built.out / path).read_bytes()
        assert entry["edition"] == "web" and entry["theme"] == "default"
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["bytes"] == len(data)
    for lang in ("fr", "en"):
        assert entries[f"web/{lang}/index.html"]["lang"] == lang
    assert entries["web/index.html"]["lang"] == "fr+en"
    assert not [p for p in web_built.out.rglob("*.tmp")]


def test_every_part_of_the_report_has_its_page_in_both_languages(web_built, web_documents):
    for lang, document in web_documents.items():
        for part in _parts(document):
            page = web_built.out / SITE / lang / f"{part.id}.html"
            text = page.read_text(encoding="utf-8")
            assert f"{part.title}</h1>" in text, part.id
            other = "en" if lang == "fr" else "fr"
            assert f'href="../{other}/{part.id}.html" hreflang="{other}" lang="{other}"' in text
        assert (web_built.out / SITE / lang / "data-tables.html").is_file()


def test_same_numbers_exhibits_and_notes_as_the_document(web_built, web_documents):
    stat = re.compile(r'<span class="stat">([^<]*)</span>')
    for lang, document in web_documents.items():
        placed = {}
        for part in _parts(document):
            page = (web_built.out / SITE / lang / f"{part.id}.html").read_text(encoding="utf-8")
            main = page.split('<main id="main"', 1)[1].split("</main>", 1)[0]
            assert stat.findall(main) == stat.findall(part.html), part.id
            calls = part.html.count('<span class="footnote">')
            assert main.count('<sup class="fn-call"') == calls, part.id
            if calls:
                assert '<section class="footnotes"' in main
            for key in re.findall(r'<figure class="exhibit [a-z]+" id="([^"]+)"', main):
                placed[key] = part.id
        exhibits = {e.id: e for e in [*document.figures, *document.tables]}
        assert set(placed) == set(exhibits)  # each placed once, on the page that places it
        for figure in document.figures:
            page = (web_built.out / SITE / lang / f"{placed[figure.id]}.html").read_text(
                encoding="utf-8")
            assert figure.chart.svg in page  # the chart the PDFs draw, inline
            assert f"<title>{html.escape(figure.data.alt)}</title>" in page  # its alt text


def test_links_and_anchors_resolve_within_the_site(web_built):
    site = web_built.out / SITE
    pages = {p: _parse(p) for p in site.rglob("*.html")}
    checked = 0
    for page, parsed in pages.items():
        base = "http://site/" + page.relative_to(web_built.out).as_posix()
        for tag, _attr, url in parsed.urls:
            if url.startswith(("http:", "https:", "mailto:")):
                assert tag == "a", (page, url)  # the site never loads anything from outside
                continue
            target = urlsplit(urljoin(base, url))
            path = web_built.out / unquote(target.path).lstrip("/")
            assert path.is_file(), (page, url)
            if target.fragment:
                owner = pages.get(path) or _parse(path)
                assert unquote(target.fragment) in owner.ids, (page, url)
            checked += 1
    assert checked > 3000


def test_cross_references_lead_to_the_page_of_their_target(web_built, web_documents):
    """A reference to another part of the report (which the PDF follows with its page number)
    leads to that part's page, or to the place in it; one within the page stays a fragment."""
    for lang, document in web_documents.items():
        folder = web_built.out / SITE / lang
        ids = {p.name: _parse(p).ids for p in folder.glob("*.html")}
        far = re.compile(r'<a class="xref xref-page" href="([^"#]+\.html)(?:#([^"]+))?"')
        near = re.compile(r'<a class="xref" href="#([^"]+)"')
        found = 0
        for page in folder.glob("*.html"):
            text = page.read_text(encoding="utf-8")
            for target, anchor in far.findall(text):
                assert target != page.name and (not anchor or anchor in ids[target])
                found += 1
            for anchor in near.findall(text):
                assert anchor in ids[page.name]
        expected = sum(p.html.count('class="xref xref-page"') for p in _parts(document))
        assert found == expected > 0


def test_the_site_loads_nothing_from_outside(web_built):
    for path in (web_built.out / SITE).rglob("*"):
        if path.suffix == ".css":
            text = path.read_text(encoding="utf-8")
            assert "@import" not in text
            for url in re.findall(r"url\(['\"]?([^'\")]+)", text):
                assert not re.match(r"[a-z]+:", url), (path, url)
                assert (path.parent / url).is_file()
        elif path.suffix == ".html":
            for tag, _attr, url in _parse(path).urls:
                if tag in ("link", "script", "img"):
                    assert not re.match(r"[a-z]+:|//", url), (path, url)
    script = (web_built.out / SITE / "assets" / "search.js").read_text(encoding="utf-8")
    assert "http" not in script.replace("location.href", "")


# -- data --------------------------------------------------------------------------------------
def test_every_exhibit_downloads_as_csv_with_bases_and_flags(web_built, web_documents):
    for lang, document in web_documents.items():
        published = 0
        for item in [*document.figures, *document.tables]:
            raw = (web_built.out / SITE / lang / "data" / f"{item.id}.csv").read_bytes()
            assert raw.startswith("\ufeff".encode())
            rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
            header, body = rows[0], rows[1:]
            assert header[2:4] == (["Pourcentage", "Base (n)"] if lang == "fr"
                                   else ["Percent", "Base (n)"])
            data = item.data
            assert len(body) == len(data.row_labels) * len(data.series_labels)
            cells = [c for row in data.cells for c in row]
            for line, cell in zip(body, cells, strict=True):
                assert int(line[3]) == cell.n
                assert line[4] == {"ok": "", "caution": "E", "suppressed": "F"}[cell.flag]
                if cell.p is None:
                    assert line[2] == ""
                else:
                    assert abs(float(line[2]) - cell.p * 100) <= 0.05 + 1e-9
                assert line[5] == cell.marker and line[6] == (cell.source or "")
            if any(c.source for c in cells):
                published += 1
        assert published > 0


def test_the_estimates_are_a_valid_frictionless_data_package(web_built, inputs):
    from frictionless import Package, validate

    descriptor = web_built.out / SITE / "data" / "datapackage.json"
    report = validate(str(descriptor))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    assert {r["name"] for r in package["resources"]} == {"estimates", "variables", "levels"}
    for resource in package["resources"]:
        for field in resource["schema"]["fields"]:
            assert field["i18n"]["fr"] and field["i18n"]["en"]
    rows = Package(str(descriptor)).get_resource("estimates").read_rows()
    stats = inputs.stats
    office = next(r for r in rows if r["variable"] == "office_suite" and r["level"] == "1"
                  and not r["by"])
    assert float(office["proportion"]) == pytest.approx(stats.stat("office_suite").p, abs=5e-5)
    assert office["published"] is not None and office["source"]
    variables = Package(str(descriptor)).get_resource("variables").read_rows()
    assert {v["variable"] for v in variables} == set(stats.codebook.variables)
    assert all(v["label_fr"] and v["label_en"] for v in variables)


def test_search_index_covers_both_languages(web_built):
    entry = json.loads((web_built.out / SITE / "pagefind" / "pagefind-entry.json").read_text())
    indexed = {lang: sum('data-pagefind-body' in p.read_text(encoding="utf-8")
                         for p in (web_built.out / SITE / lang).glob("*.html"))
               for lang in ("fr", "en")}
    for lang in ("fr", "en"):
        assert entry["languages"][lang]["page_count"] == indexed[lang] > 40
    assert not list((web_built.out / SITE / "pagefind").glob("pagefind-ui*"))


def test_the_theme_reaches_the_site_through_its_tokens_and_fonts(web_built, inputs):
    from fontTools.ttLib import TTFont

    css = (web_built.out / SITE / "assets" / "theme.css").read_text(encoding="utf-8")
    theme = inputs.theme
    assert f"--color-primary: {theme.colors['primary']};" in css
    assert "--web-link:" in css and "file:" not in css
    for face in theme.faces:
        path = web_built.out / SITE / "assets" / "fonts" / face.path.parent.name / \
            f"{face.path.stem}.woff2"
        assert path.read_bytes()[:4] == b"wOF2"
        served, original = TTFont(path), TTFont(face.path)
        whole = "Charis" in face.family  # its licence reserves its name: never subset
        assert (len(served.getGlyphOrder()) == len(original.getGlyphOrder())) is whole
        assert (path.parent / "OFL.txt").is_file()


def test_a_partner_theme_gets_its_own_site(inputs, tmp_path):
    from helpers import run_stage

    from report import cache as cachelib
    from report.theme import load_theme
    from report.web import assets
    from report.web.site import site_folder

    theme = run_stage(load_theme, inputs.config.paths, "reseau-ormes")
    css = theme.css(font_url=lambda face: assets.font_path(face).removeprefix("assets/"))
    assert "--color-primary: #1E4D2B;" in css
    assert 'src: url("fonts/lato/Lato-Regular.woff2")' in css
    regular = next(f for f in theme.faces if f.path.name == "Lato-Regular.ttf")
    assert assets.woff2(regular, frozenset(), cachelib.Cache(tmp_path))[:4] == b"wOF2"
    static = assets.static_files(inputs.config, theme, inputs.config.paths.templates / "web" /
                                 "assets")
    assert static["assets/logos/reseau-ormes.svg"] == theme.logo.read_bytes()
    assert site_folder("reseau-ormes") == "web-reseau-ormes" and site_folder("default") == "web"


def test_the_site_is_the_same_bytes_when_built_again(web_built, web_documents, inputs):
    from report import cache as cachelib
    from report.web.site import SiteBuilder

    def build():
        return SiteBuilder(inputs.config, inputs.theme, inputs.stats,
                           cachelib.Cache(web_built.cache), {}).build(web_documents).files

    first, second = build(), build()
    assert first.keys() == second.keys()
    assert [p for p in first if first[p] != second[p]] == []
    on_disk = {p: (web_built.out / SITE / p).read_bytes() for p in first}
    assert [p for p in first if first[p] != on_disk[p]] == []


# -- PDFs the pages link to ----------------------------------------------------------------------
def test_pdf_links_come_from_the_output_names_and_say_when_missing(inputs, tmp_path):
    from report.web.site import available_pdfs, pdf_links

    built = [Output("fr", "screen", "default", "economie-sociale-2-0-screen.pdf", b"%PDF-1" * 300,
                    104)]
    links = pdf_links(inputs.config, "default", "fr", available_pdfs(tmp_path, built))
    screen, printed, bilingual = links
    assert screen.available and screen.url == "../../economie-sociale-2-0-screen.pdf"
    assert screen.meta == "104\u00a0pages, 1,8\u00a0ko" or "104" in screen.meta
    assert not printed.available and printed.url.endswith("economie-sociale-2-0-print.pdf")
    assert bilingual.url.endswith("economie-sociale-2-0-bilingue.pdf")
    assert not bilingual.available


def test_pages_say_which_pdfs_were_not_built(web_built):
    home = (web_built.out / SITE / "fr" / "index.html").read_text(encoding="utf-8")
    # A web-only build: no PDF to link to (the list is on the home page and in the footer).
    assert home.count('class="pdf-missing"') == 6
    assert ".pdf" not in home.split('class="pdf-list"', 1)[1].split("</ul>", 1)[0]


# -- units -------------------------------------------------------------------------------------
def test_footnotes_are_gathered_once_with_every_call():
    text = ('<p>A<span class="footnote">Note <span class="stat">71 %</span> here.</span> and B'
            '<span class="footnote">Other.</span> and C<span class="footnote">Note '
            '<span class="stat">71 %</span> here.</span>.</p>')
    out, notes = extract_footnotes(text, lambda note, call: f"[{note.number}.{call}]")
    assert out == "<p>A[1.1] and B[2.1] and C[1.2].</p>"
    assert [(n.number, str(n.html), n.calls) for n in notes] == [
        (1, 'Note <span class="stat">71 %</span> here.', 2), (2, "Other.", 1)]


def test_headings_start_at_h2_and_links_point_at_their_page():
    assert shift_headings('<h3 id="a">T</h3><h4>U</h4>', 1) == '<h2 id="a">T</h2><h3>U</h3>'
    assert shift_headings("<h2>T</h2>", 0) == "<h2>T</h2>"
    targets = {"fig-a": "s1.html", "s2": "s2.html", "local": "s1.html"}
    out = resolve_links('<a href="#fig-a">f</a><a href="#s2">s</a><a href="#local">l</a>'
                        '<a href="#nowhere">n</a>', "s3.html", targets)
    assert out == ('<a href="s1.html#fig-a">f</a><a href="s2.html">s</a>'
                   '<a href="s1.html#local">l</a><a href="#nowhere">n</a>')
    assert resolve_links('<a href="#local">l</a>', "s1.html", targets) == \
        '<a href="#local">l</a>'


def test_a_suppressed_value_is_an_empty_number_in_csv(inputs):
    data = ExhibitData("fig-x", "figure", "bars", "Caption", ("Row, with comma",), ("All",),
                       ((Cell(None, "F", "", "suppressed", 7),),), (7,), "Base", (), "Src", "Alt")
    rows = list(csv.reader(io.StringIO(exhibit_csv(data, inputs.config.strings["en"])
                                       .decode("utf-8-sig"))))
    assert rows[1] == ["Row, with comma", "All", "", "7", "F", "", ""]


def test_a_new_site_replaces_the_files_of_the_previous_one(tmp_path):
    (tmp_path / "report-fr-screen.pdf").write_bytes(b"%PDF")
    write_outputs([Output("fr", "screen", "default", "report-fr-screen.pdf", b"%PDF", 1)],
                  tmp_path)
    old = [Output("fr", "web", "default", "web/fr/a.html", b"a", 1),
           Output("fr+en", "web", "default", "web/pagefind/fragment/old.pf", b"x", 0),
           Output("fr", "web", "partner", "web-partner/fr/a.html", b"p", 1)]
    write_outputs(old, tmp_path)
    new = [Output("fr", "web", "default", "web/fr/a.html", b"a2", 1),
           Output("fr+en", "web", "default", "web/pagefind/fragment/new.pf", b"y", 0)]
    manifest = json.loads(write_outputs(new, tmp_path, superseded("default")).read_text())
    paths = {e["path"] for e in manifest["outputs"]}
    assert paths == {"report-fr-screen.pdf", "web/fr/a.html", "web/pagefind/fragment/new.pf",
                     "web-partner/fr/a.html"}
    assert not (tmp_path / "web/pagefind/fragment/old.pf").exists()
    assert (tmp_path / "web-partner/fr/a.html").read_bytes() == b"p"


def test_a_manifest_cannot_make_the_build_remove_files_outside_its_folder(tmp_path):
    out = tmp_path / "dist"
    outside = tmp_path / "precious.txt"
    outside.write_text("keep")
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"outputs": [
        {"lang": "fr", "edition": "web", "theme": "default", "path": "../precious.txt"}]}))
    write_outputs([Output("fr", "web", "default", "web/fr/a.html", b"a", 1)], out,
                  superseded("default"))
    assert outside.read_text() == "keep"


def test_temporaries_of_a_killed_build_in_subfolders_are_removed(tmp_path):
    folder = tmp_path / "web" / "fr"
    folder.mkdir(parents=True)
    stale = folder / ".a.html.999999999.abcd1234.tmp"  # no such process
    stale.write_bytes(b"half")
    write_outputs([Output("fr", "web", "default", "web/fr/a.html", b"a", 1)], tmp_path)
    assert not stale.exists()
