"""The PDF files themselves: PDF/UA structure and metadata of the screen edition, PDF/X-4 boxes,
colours and output intent of the print edition, bookmarks, links, fonts, page geometry, and
byte-for-byte reproducibility across processes.

The screen editions come from the session build in ``conftest.py``; the French print edition is
built here once per session, twice at the same time by the command line in two processes: the two
files must be identical.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pydyf
import pypdfium2 as pdfium
import pytest
import yaml
from helpers import run_stage
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from report.config import load_config
from report.diagnostics import Diagnostics
from report.errors import RenderError
from report.pdf import (
    MARKS_MM,
    PRINT_BLEED_MM,
    page_css,
    render_pdf,
)

ROOT = Path(__file__).resolve().parent.parent
CONFIG = run_stage(load_config, ROOT)
MM = 72 / 25.4
LETTER = (612.0, 792.0)
A4 = (210 * MM, 297 * MM)
EPOCH = int(_dt.datetime.combine(CONFIG.date, _dt.time(12), _dt.UTC).timestamp())


# -- fixtures -----------------------------------------------------------------------------------
@dataclass
class Printed:
    path: Path  # the French print edition
    other: Path  # the same, built at the same time by another process


@pytest.fixture(scope="session")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Printed:
    """The French print edition, built twice at once by ``build.py --strict`` (so without a single
    engine warning) in two processes. Both run outside the test process: the build forks its
    workers, which must not inherit a chart engine already started here."""
    outs = [tmp_path_factory.mktemp("print-one"), tmp_path_factory.mktemp("print-two")]
    processes = [subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "--lang", "fr", "--edition", "print",
         "--out", str(out), "--no-cache", "--strict", "--quiet"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for out in outs]
    for process in processes:
        output, _ = process.communicate(timeout=900)
        assert process.returncode == 0, output.decode(errors="replace")
    paths = []
    for out in outs:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        (entry,) = manifest["outputs"]
        paths.append(out / entry["path"])
    return Printed(*paths)


def _norm(text: str) -> str:
    """Text compared without typographic spaces or apostrophes."""
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2019", "'")
    return re.sub(r"\s+", " ", text).strip()


def _xmp(reader: PdfReader) -> str:
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")


def _front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---")[1])


def _title(lang: str, name: str) -> str:
    return _norm(_front_matter(ROOT / "data" / "content" / lang / f"{name}.md")["title"])


def _outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    """(level, title, 0-based page) of every bookmark, in reading order."""
    entries: list[tuple[int, str, int]] = []

    def walk(items: list, level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                entries.append((level, _norm(item.title), reader.get_destination_page_number(item)))

    walk(reader.outline, 1)
    return entries


def _content_streams(reader: PdfReader):
    """The data of every page's content and of every form XObject it draws, recursively."""
    seen: set[int] = set()

    def resolve(obj):
        return obj.get_object() if hasattr(obj, "get_object") else obj

    def forms(resources):
        if resources is None:
            return
        xobjects = resolve(resolve(resources).get("/XObject")) or {}
        for ref in xobjects.values():
            key = ref.idnum if isinstance(ref, IndirectObject) else id(ref)
            obj = ref.get_object()
            if key in seen or obj.get("/Subtype") != "/Form":
                continue
            seen.add(key)
            yield obj.get_data()
            yield from forms(obj.get("/Resources"))

    for page in reader.pages:
        yield page.get_contents().get_data()
        yield from forms(page.get("/Resources"))


# -- screen edition: PDF/UA --------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_screen_is_tagged_pdf_ua_with_language(built, lang):
    reader = PdfReader(built.pdf(lang))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == lang
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    assert 'pdfuaid:part="1"' in _xmp(reader)
    assert reader.pdf_header == "%PDF-1.7"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_screen_metadata_in_the_edition_language(built, lang):
    reader = PdfReader(built.pdf(lang))
    info = reader.metadata
    expected = {"/Title": CONFIG.title[lang], "/Author": CONFIG.publisher,
                "/Subject": CONFIG.subtitle[lang], "/Keywords": CONFIG.keywords[lang]}
    for key, value in expected.items():
        assert _norm(info[key]) == _norm(value), key
    xmp = _norm(_xmp(reader))
    for value in expected.values():
        assert _norm(value).replace("&", "&amp;") in xmp


def _assert_dates(reader: PdfReader) -> None:
    day = CONFIG.date.strftime("%Y%m%d")
    info = reader.metadata
    assert str(info["/CreationDate"]).startswith(f"D:{day}")
    assert str(info["/ModDate"]).startswith(f"D:{day}")
    xmp = _xmp(reader)
    for tag in ("xmp:CreateDate", "xmp:ModifyDate"):
        values = re.findall(rf"<{tag}>([^<]+)</{tag}>", xmp)
        assert values and all(v.startswith(CONFIG.date.isoformat()) for v in values), tag


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_screen_dates_come_from_the_configuration(built, lang):
    _assert_dates(PdfReader(built.pdf(lang)))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_chart_has_alternative_text_in_the_edition_language(built, lang):
    reader = PdfReader(built.pdf(lang))
    alts: list[str] = []

    def walk(node) -> None:
        node = node.get_object()
        if not hasattr(node, "get"):
            return
        if node.get("/S") == "/Figure":
            alts.append(str(node.get("/Alt", "")))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    figures = yaml.safe_load((ROOT / "data" / "figures.yaml").read_text(encoding="utf-8"))
    barcodes = [alt for alt in alts if alt.startswith("EAN-13 ")]  # the back cover's, not a chart
    assert len(barcodes) == 1
    alts = [alt for alt in alts if alt not in barcodes]
    assert len(alts) == len(figures)
    for alt in alts:
        assert len(alt) > 40, alt
        if lang == "fr":
            assert re.search(r"\d[\u00a0\u202f ]%", alt) and not re.search(r"\d%", alt), alt
        else:
            assert re.search(r"\d%", alt), alt


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_internal_links_reach_their_targets(built, lang):
    reader = PdfReader(built.pdf(lang))
    destinations = reader.named_destinations
    links = 0
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            action = annot.get("/A")
            if action is not None and action.get("/S") == "/URI":
                continue
            target = annot.get("/Dest") if action is None else action.get("/D")
            if isinstance(target, str):
                assert target in destinations, target
                assert 0 <= reader.get_destination_page_number(destinations[target]) < len(
                    reader.pages)
            else:
                assert target is not None, annot
            links += 1
    toc_entries = 9 + sum(len(c.sections) + 1 for c in CONFIG.structure.chapters)
    assert links > toc_entries


# -- bookmarks ----------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_bookmarks_mirror_the_headings(built, lang):
    outline = _outline(PdfReader(built.pdf(lang)))
    assert outline and all(title for _level, title, _page in outline)
    assert max(level for level, _title, _page in outline) <= 3
    level_one = [title for level, title, _page in outline if level == 1]
    chapters = [_title(lang, c.id) for c in CONFIG.structure.chapters]
    appendices = [_title(lang, a) for a in CONFIG.structure.appendices]
    found = [t for t in level_one if t in chapters + appendices]
    assert found == chapters + appendices
    # sections at level 2 under their chapter, case studies at level 3 under the cases section
    for chapter in CONFIG.structure.chapters:
        start = next(i for i, e in enumerate(outline) if e[0] == 1 and e[1] == _title(lang, chapter.id))
        end = next((i for i, e in enumerate(outline) if i > start and e[0] == 1), len(outline))
        sections = [title for level, title, _page in outline[start:end] if level == 2]
        for section in chapter.sections:
            assert any(t.endswith(_title(lang, section)) for t in sections), section
        cases = [title for level, title, _page in outline[start:end] if level == 3]
        if chapter.cases:
            names = {_norm(_front_matter(p)["title"])
                     for p in (ROOT / "data" / "content" / lang / "cases").glob("*.md")}
            assert names <= set(cases)
    # no junk: nothing from inside case studies, figures or tables
    junk = {"Profil", "Profile", "Les résultats", "Results", "Figure", "Tableau", "Table"}
    assert not [t for _level, t, _page in outline
                if t in junk or re.match(r"(Figure|Tableau|Table) \d", t)]
    pages = [page for _level, _title, page in outline]
    assert pages == sorted(pages), "bookmarks out of reading order"


def test_bookmarks_in_the_print_edition(printed):
    outline = _outline(PdfReader(printed.path))
    chapters = [_title("fr", c.id) for c in CONFIG.structure.chapters]
    assert [t for level, t, _page in outline if level == 1 and t in chapters] == chapters


# -- print edition: PDF/X-4 ------------------------------------------------------------------------
def test_print_is_pdf_x4_with_a_cmyk_output_intent(printed):
    reader = PdfReader(printed.path)
    assert reader.pdf_header == "%PDF-1.6"
    xmp = _xmp(reader)
    assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
    assert str(reader.metadata["/Trapped"]) == "/False"
    (intent,) = reader.trailer["/Root"]["/OutputIntents"]
    intent = intent.get_object()
    assert intent["/S"] == "/GTS_PDFX"
    assert intent["/OutputConditionIdentifier"] == "FOGRA39"  # registered at the ICC
    assert intent["/RegistryName"] == "http://www.color.org"
    assert "FOGRA39" in intent["/OutputCondition"]
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 4
    data = profile.get_data()
    assert data[12:24] == b"prtrCMYKLab " and data[36:40] == b"acsp"
    assert data == (ROOT / "styles" / "icc" / "FOGRA39.icc").read_bytes()


def test_print_dates_come_from_the_configuration(printed):
    reader = PdfReader(printed.path)
    _assert_dates(reader)
    assert re.search(rf"<xmp:MetadataDate>{CONFIG.date.isoformat()}", _xmp(reader))


def test_print_has_trim_and_bleed_boxes_and_room_for_marks(printed):
    reader = PdfReader(printed.path)
    bleed = PRINT_BLEED_MM * MM
    for number, page in enumerate(reader.pages, 1):
        trim = [float(v) for v in page["/TrimBox"]]
        box = [float(v) for v in page["/BleedBox"]]
        media = [float(v) for v in page["/MediaBox"]]
        assert trim == pytest.approx([0, 0, *LETTER], abs=0.01), number
        assert box == pytest.approx([-bleed, -bleed, LETTER[0] + bleed, LETTER[1] + bleed],
                                    abs=0.01), number
        slug = (PRINT_BLEED_MM + MARKS_MM) * MM
        assert media == pytest.approx([-slug, -slug, LETTER[0] + slug, LETTER[1] + slug],
                                      abs=0.01), number


def test_print_cover_background_reaches_the_bleed_edge_and_no_further(printed):
    reader = PdfReader(printed.path)
    media = [float(v) for v in reader.pages[0]["/MediaBox"]]
    bleed = [float(v) for v in reader.pages[0]["/BleedBox"]]
    document = pdfium.PdfDocument(str(printed.path))
    image = document[0].render(scale=1).to_pil().convert("RGB")
    document.close()

    def pixel(x: float, y: float) -> tuple[int, int, int]:  # PDF points → image pixels
        return image.getpixel((int(x - media[0]), int(media[3] - y)))

    def dark(rgb: tuple[int, int, int]) -> bool:
        return sum(rgb) < 3 * 200

    y = (bleed[1] + bleed[3]) * 0.3  # away from the registration marks at mid-edge
    x = (bleed[0] + bleed[2]) * 0.3
    assert dark(pixel(bleed[0] + 1, y)) and dark(pixel(bleed[2] - 1, y))
    assert dark(pixel(x, bleed[1] + 1)) and dark(pixel(x, bleed[3] - 1))
    assert not dark(pixel(bleed[0] - 3, y)) and not dark(pixel(bleed[2] + 3, y))


def test_print_colours_are_cmyk_only(printed):
    reader = PdfReader(printed.path)
    operators = {b"rg": 0, b"RG": 0, b"k": 0, b"K": 0}
    for data in _content_streams(reader):
        for match in re.finditer(rb"(?<![\w/])(rg|RG|k|K)(?=\s|$)", data):
            operators[match[1]] += 1
        assert b"/DeviceRGB" not in data
    assert operators[b"rg"] == operators[b"RG"] == 0
    assert operators[b"k"] > 100
    resources = reader.pages[0]["/Resources"]
    assert "/DeviceRGB" not in repr(resources)


def test_print_has_no_annotations(printed):
    assert all("/Annots" not in page for page in PdfReader(printed.path).pages)


@pytest.mark.parametrize("edition", ["screen", "print"])
def test_every_font_is_embedded(built, printed, edition, embedded_fonts):
    path = printed.path if edition == "print" else built.pdf("fr")
    fonts = embedded_fonts(path)
    assert fonts
    for name, descriptor in fonts.items():
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), name


# -- reproducibility ------------------------------------------------------------------------------
def test_print_edition_is_identical_across_processes(printed):
    assert hashlib.sha256(printed.path.read_bytes()).hexdigest() == \
        hashlib.sha256(printed.other.read_bytes()).hexdigest()


SMALL_HTML = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Essai : reproductibilité</title>
<meta name="author" content="CEFRIO"><meta name="description" content="Un petit document">
<meta name="keywords" content="essai, pdf"><meta name="dcterms.created" content="{date}">
<style>
@font-face {{ font-family: Inter; src: url({font}); }}
html {{ font-family: Inter; hyphens: auto; }} h1 {{ bookmark-level: 1; }}
.cover {{ page: cover; height: var(--page-height); position: relative; z-index: 0; }}
.cover::before {{ content: ""; position: absolute; z-index: -1; inset: calc(-1 * var(--bleed));
  background: #0B5563; }}
@page cover {{ margin: 0; }}
</style></head>
<body><section class="cover"><h1 style="color: white">Essai</h1></section>
<h1 id="a">Chapitre</h1><p>Un paragraphe de texte, avec un <a href="#b">renvoi</a>.</p>
<figure id="b" role="img" aria-label="Graphique à barres. A : 40 %.">
<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><title>Graphique à barres.</title>
<rect width="80" height="20" fill="#D9822B"/><text x="90" y="15" font-family="Inter">40 %</text>
</svg></figure></body></html>
"""

_RENDER_SMALL = """
import sys
from pathlib import Path
from report.diagnostics import Diagnostics
from report.pdf import render_pdf
html = Path(sys.argv[1]).read_text("utf-8")
out, epoch, root = Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
for edition in ("screen", "print"):
    rendered = render_pdf(html, base_url=root, roots=(root,), edition=edition, title=edition,
                          epoch=epoch, diag=Diagnostics(strict=True))
    (out / f"{edition}.pdf").write_bytes(rendered.data)
"""


def _small_html() -> str:
    font = next((ROOT / "styles" / "fonts").rglob("Inter*Regular*.ttf"), None) or \
        next((ROOT / "styles" / "fonts").rglob("*.ttf"))
    return SMALL_HTML.format(font=font.as_uri(), date=CONFIG.date.isoformat())


def test_small_document_is_identical_across_processes(tmp_path):
    """Both editions of a small document, rendered by two fresh processes: same bytes (fonts
    subset with their timestamp, XMP document id, dates)."""
    source = tmp_path / "small.html"
    source.write_text(_small_html(), encoding="utf-8")
    hashes = []
    for run in ("one", "two"):
        out = tmp_path / run
        out.mkdir()
        subprocess.run([sys.executable, "-c", _RENDER_SMALL, str(source), str(out), str(EPOCH),
                        str(ROOT)], cwd=ROOT, check=True, capture_output=True)
        hashes.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                       for p in sorted(out.iterdir())})
    assert set(hashes[0]) == {"screen.pdf", "print.pdf"}
    assert hashes[0] == hashes[1]


# -- page geometry ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("page_size", "size"), [("letter", LETTER), ("a4", A4)])
def test_page_size_comes_from_the_configuration(tmp_path, page_size, size):
    for edition in ("screen", "print"):
        rendered = render_pdf(_small_html(), base_url=ROOT, roots=(ROOT,), edition=edition,
                              title=edition, epoch=EPOCH, diag=Diagnostics(strict=True),
                              page_size=page_size)
        reader = PdfReader(io.BytesIO(rendered.data))
        box = "/TrimBox" if edition == "print" else "/MediaBox"
        for page in reader.pages:
            x0, y0, x1, y1 = (float(v) for v in page[box])
            assert (x1 - x0, y1 - y0) == pytest.approx(size, abs=0.05)


def test_unknown_page_size_is_refused():
    with pytest.raises(RenderError, match="page size"):
        page_css("legal", "screen")
    assert "--bleed: 0mm" in page_css("a4", "screen")
    assert f"--bleed: {PRINT_BLEED_MM}mm" in page_css("letter", "print")


def test_low_resolution_raster_image_is_reported_in_print(tmp_path):
    Image.new("RGB", (100, 100), (200, 30, 30)).save(tmp_path / "photo.png")
    html = (f'<html lang="fr"><head><title>t</title></head><body>'
            f'<img src="{(tmp_path / "photo.png").as_uri()}" alt="Photo" style="width: 2in">'
            '</body></html>')
    rendered = render_pdf(html, base_url=tmp_path, roots=(tmp_path,), edition="print",
                          title="print", epoch=EPOCH)
    assert any("50 dpi" in w for w in rendered.warnings), rendered.warnings
    assert any("not CMYK" in w for w in rendered.warnings), rendered.warnings
    strict = Diagnostics(strict=True)
    render_pdf(html, base_url=tmp_path, roots=(tmp_path,), edition="print", title="print",
               epoch=EPOCH, diag=strict)
    assert any("dpi" in e.message for e in strict.errors) and strict.warnings == []
    screen = render_pdf(html, base_url=tmp_path, roots=(tmp_path,), edition="screen",
                        title="screen", epoch=EPOCH)
    assert screen.warnings == ()


# -- print colour ----------------------------------------------------------------------------------
def _inks(path: Path) -> list[tuple[tuple[float, ...], str, bool]]:
    """Every CMYK colour set in the print edition's pages and forms: (ink, operator, whether the
    overprint state is on), for fills used by text too (operator "text")."""
    found: list[tuple[tuple[float, ...], str, bool]] = []
    with pikepdf.open(path) as pdf:
        seen: set[tuple[int, int]] = set()

        def walk(stream, resources) -> None:
            states = resources.get("/ExtGState", {}) if resources is not None else {}
            fill: tuple[float, ...] = (0.0, 0.0, 0.0, 1.0)
            overprint = False
            stack = []
            for item in pikepdf.parse_content_stream(stream):
                if isinstance(item, pikepdf.ContentStreamInlineImage):
                    continue
                op, operands = str(item.operator), item.operands
                if op in ("k", "K"):
                    ink = tuple(round(float(v), 4) for v in operands)
                    found.append((ink, op, overprint))
                    if op == "k":
                        fill = ink
                elif op == "gs":
                    state = states.get(str(operands[0]), {})
                    overprint = bool(state.get("/op", overprint))
                elif op == "q":
                    stack.append((fill, overprint))
                elif op == "Q" and stack:
                    fill, overprint = stack.pop()
                elif op in ("Tj", "TJ"):
                    found.append((fill, "text", overprint))
                elif op == "Do":
                    form = resources.get("/XObject", {}).get(str(operands[0]))
                    if form is not None and form.get("/Subtype") == "/Form" \
                            and form.objgen not in seen:
                        seen.add(form.objgen)
                        walk(form, form.get("/Resources", resources))

        for page in pdf.pages:
            walk(page, page.obj.get("/Resources"))
    return found


def _theme_colours(theme) -> dict[str, str]:
    return {**theme.colors, **{f"chart {i + 1}": c for i, c in enumerate(theme.chart_colors)}}


def test_print_edition_uses_the_separation_of_every_theme_colour_within_two_delta_e(printed):
    """Each theme colour the report shows is printed with the ink report.printing chooses for it,
    and that ink, converted back through the condition's profile, is within ΔE00 2 of the screen
    colour when the condition can print it (of the neutral of the same lightness, for the colours
    on the black plate alone)."""
    from report.printing import check_colours, print_setup
    from report.theme import load_theme

    theme = run_stage(load_theme, CONFIG.paths, "default")
    setup = print_setup(CONFIG.print_condition, theme.cmyk, CONFIG.paths.styles / "icc")
    used = {ink for ink, _op, _overprint in _inks(printed.path)}
    checks = check_colours(setup, _theme_colours(theme))
    for check in checks:
        if check.name in ("primary", "accent", "text", "muted", "surface", "rule", "chart 2"):
            assert check.cmyk in used, f"{check.name} {check.hex}: {check.cmyk} not in the PDF"
        if check.in_gamut:
            assert check.target_delta_e <= 2, check
    assert {c.name for c in checks if c.how == "black only"} == {"text", "muted", "rule"}
    assert sum(c.in_gamut for c in checks) >= 9


@pytest.mark.parametrize("theme_name", ["reseau-ormes", "fondation-brumes"])
def test_example_themes_print_within_two_delta_e(theme_name):
    from report.printing import check_colours, print_setup
    from report.theme import load_theme

    theme = run_stage(load_theme, CONFIG.paths, theme_name)
    setup = print_setup(CONFIG.print_condition, theme.cmyk, CONFIG.paths.styles / "icc")
    checks = check_colours(setup, _theme_colours(theme))
    assert [c for c in checks if c.in_gamut and c.target_delta_e > 2] == []
    assert sum(c.in_gamut for c in checks) >= 8
    assert all(c.how == "theme ink" for c in checks if c.hex in theme.cmyk)


def test_print_text_is_on_the_black_plate_and_black_text_overprints(printed):
    inks = _inks(printed.path)
    text = [(ink, overprint) for ink, op, overprint in inks if op == "text"]
    on_black = [(ink, overprint) for ink, overprint in text if ink[:3] == (0, 0, 0)]
    assert len(on_black) > 0.8 * len(text)  # headings and labels in the theme's colours aside
    solid = [overprint for ink, overprint in on_black if ink[3] == 1]
    assert solid and all(solid), "solid black text must overprint"
    assert not any(overprint for ink, overprint in text if ink[3] < 1 or ink[:3] != (0, 0, 0))


def test_print_ink_stays_under_the_total_area_coverage(printed):
    from report.printing import CONDITIONS

    limit = CONDITIONS[CONFIG.print_condition].total_ink
    inks = {ink for ink, op, _overprint in _inks(printed.path) if op != "text"}
    assert inks and max(sum(ink) for ink in inks) <= limit + 0.005


def test_print_marks_are_on_every_plate(printed):
    with pikepdf.open(printed.path) as pdf:
        for page in pdf.pages:
            spaces = page.obj.Resources.ColorSpace
            names = [name for name, space in spaces.items()
                     if isinstance(space, pikepdf.Array) and space[0] == "/Separation"
                     and space[1] == "/All"]
            assert names
            content = page.obj.Contents.read_bytes()
            assert f"{names[0]} CS 1 SCN".encode() in content


def test_delta_e_2000_matches_the_published_test_data():
    """Pairs from Sharma, Wu and Dalal (2005), the reference implementation's test data."""
    from report.printing import delta_e_2000

    pairs = [((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
             ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
             ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
             ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
             ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082)]
    for first, second, expected in pairs:
        assert delta_e_2000(first, second) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("edition", ["screen", "print"])
def test_each_stream_is_compressed_once_and_the_file_is_the_same(edition, monkeypatch):
    """Writing the file compresses each of WeasyPrint's streams once instead of twice (pydyf
    serialises every object twice with a file identifier), through the public finisher hook, and
    the bytes of the PDF are the same as without it."""
    import zlib

    import report.pdf as pdflib

    compressions: list[int] = []
    real = zlib.compressobj

    def counting(*args, **kwargs):
        compressions.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(zlib, "compressobj", counting)
    frozen: list[int] = []
    compress_once = pdflib.compress_streams_once

    def spying(document, pdf) -> None:
        before = sum(1 for o in pdf.objects if isinstance(o, pydyf.Stream) and o.compress)
        compress_once(document, pdf)
        after = sum(1 for o in pdf.objects if isinstance(o, pydyf.Stream) and o.compress)
        frozen.append(before - after)

    def render() -> bytes:
        return render_pdf(_small_html(), base_url=ROOT, roots=(ROOT,), edition=edition,
                          title="t", epoch=EPOCH, diag=Diagnostics(strict=True)).data

    monkeypatch.setattr(pdflib, "compress_streams_once", spying)
    once = render()
    with_it = len(compressions)
    compressions.clear()
    monkeypatch.setattr(pdflib, "compress_streams_once", lambda document, pdf: None)
    without_it = render()
    assert once == without_it
    (streams,) = frozen
    assert streams >= 5  # page contents, fonts, their maps, metadata…
    assert len(compressions) - with_it == streams  # each of them one compression fewer
    PdfReader(io.BytesIO(once)).pages[0].extract_text()  # and the file reads


def test_a_stream_in_an_unexpected_form_is_left_to_pydyf():
    """compress_streams_once changes nothing it cannot read back: a stream that already names a
    filter, or is not to be compressed, is left as it is."""
    from report.pdf import compress_streams_once

    pdf = pydyf.PDF()
    plain = pydyf.Stream([b"BT /F1 12 Tf ET"], compress=True)
    filtered = pydyf.Stream([b"raw"], {"Filter": "/DCTDecode"}, compress=True)
    kept = pydyf.Stream([b"q Q"], compress=False)
    for stream in (plain, filtered, kept):
        pdf.add_object(stream)
    expected = pydyf.Stream([b"BT /F1 12 Tf ET"], compress=True).data
    compress_streams_once(None, pdf)
    assert plain.data == expected and plain.compress is False
    assert filtered.compress is True and filtered.stream == [b"raw"]
    assert kept.stream == [b"q Q"]
