"""Themes (issue #6): partner editions from a theme folder.

Three levels: the theme file's validation (copies of themes/ in a temporary folder, no rendering),
the HTML of every shipped theme with its real charts (one module fixture, French), and one real PDF
per partner theme (French screen edition, strict, in one module fixture).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import run_stage

from report.charts import render_chart
from report.diagnostics import Diagnostics
from report.errors import ErrorGroup, ReportError, ThemeError
from report.theme import Theme, contrast, load_theme, svg_problems

ROOT = Path(__file__).resolve().parent.parent
PARTNERS = ("reseau-ormes", "fondation-brumes")
SHIPPED = ("default", *PARTNERS)


def paths(root: Path):
    from report.config import Paths

    return Paths.under(root)


# -- helpers ------------------------------------------------------------------------------------
@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A copy of themes/ (fonts included) and of the house fonts: enough for load_theme."""
    shutil.copytree(ROOT / "themes", tmp_path / "themes")
    shutil.copytree(ROOT / "styles" / "fonts", tmp_path / "styles" / "fonts")
    return tmp_path


def edit(root: Path, theme: str, old: str, new: str, file: str = "theme.toml") -> int:
    """Replace one exact text in a theme's file; return the line it is on."""
    path = root / "themes" / theme / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def line_of(root: Path, theme: str, text: str) -> int:
    source = (root / "themes" / theme / "theme.toml").read_text(encoding="utf-8")
    return source[: source.index(text)].count("\n") + 1


def problems(root: Path, theme: str) -> list[ReportError]:
    with pytest.raises(ReportError) as caught:
        run_stage(load_theme, paths(root), theme)
    error = caught.value
    found = error.errors if isinstance(error, ErrorGroup) else [error]
    assert all(isinstance(e, ThemeError) for e in found)
    return found


def one(found: list[ReportError], *parts: str) -> ReportError:
    """The one problem whose text holds every part."""
    matching = [e for e in found if all(p in str(e) for p in parts)]
    assert len(matching) == 1, f"{parts} in:\n" + "\n".join(map(str, found))
    return matching[0]


def fill_colours(page) -> set[tuple[int, int, int]]:
    """The fill colours a PDF page sets, in its content and its forms, as 0–255 triplets."""
    streams = [page.get_contents().get_data()]
    pending = [page.get("/Resources") or {}]
    while pending:
        for xobject in (pending.pop().get("/XObject") or {}).values():
            xobject = xobject.get_object()
            streams.append(xobject.get_data())
            pending.append(xobject.get("/Resources") or {})
    found = re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) rg", b"\n".join(streams))
    return {tuple(round(float(v) * 255) for v in triplet) for triplet in found}


def rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


# -- the shipped themes ------------------------------------------------------------------------
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_theme_is_valid(name):
    theme = run_stage(load_theme, paths(ROOT), name)
    assert theme.name == name
    assert len(theme.chart_colors) >= 4


def test_every_theme_folder_is_tested():
    folders = {p.name for p in (ROOT / "themes").iterdir() if (p / "theme.toml").is_file()}
    assert folders == set(SHIPPED)


def test_partner_themes_differ_from_the_house_and_from_each_other():
    themes = [run_stage(load_theme, paths(ROOT), name) for name in SHIPPED]
    for key in ("primary", "accent", "surface"):
        assert len({t.colors[key] for t in themes}) == 3, key
    assert len({t.chart_colors for t in themes}) == 3
    assert len({(t.body_font, t.heading_font) for t in themes}) == 3
    assert len({t.overrides_css for t in themes}) == 3  # each partner restyles its cover
    for theme in themes[1:]:
        assert theme.logo is not None and theme.logo.parent == theme.folder.resolve()
        assert set(theme.cover_line) == {"fr", "en"} and set(theme.label) == {"fr", "en"}
        assert theme.fallback_font == "Inter"  # their families have no ▲ ▼


@pytest.mark.parametrize("name", PARTNERS)
def test_partner_fonts_are_vendored_with_their_licence(name):
    theme = run_stage(load_theme, paths(ROOT), name)
    own = [f for f in theme.faces if theme.folder.resolve() in f.path.resolve().parents]
    assert {f.family for f in own} == {theme.body_font, theme.heading_font, theme.chart_font}
    for folder in {f.path.parent for f in own}:
        licence = (folder / "OFL.txt").read_text(encoding="utf-8")
        assert "SIL Open Font License" in licence and "Copyright" in licence
    assert len(own) <= 8  # regular, italic, bold and bold italic of at most two families


@pytest.mark.parametrize("name", PARTNERS)
def test_partner_logos_are_safe_made_up_svg(name):
    theme = run_stage(load_theme, paths(ROOT), name)
    assert theme.logo is not None
    assert svg_problems(theme.logo) == []
    text = theme.logo.read_text(encoding="utf-8")
    assert "fictional" in text and "<text" not in text  # shapes only: no font to resolve


@pytest.mark.parametrize("name", SHIPPED)
def test_theme_css_carries_the_tokens(name):
    theme = run_stage(load_theme, paths(ROOT), name)
    css = theme.css()
    for key, value in theme.colors.items():
        assert f"--color-{key.replace('_', '-')}: {value};" in css
    for i, colour in enumerate(theme.chart_colors, 1):
        assert f"--chart-{i}: {colour};" in css
    for face in theme.faces:
        assert face.path.as_uri() in css
    assert f'--font-body: "{theme.body_font}"' in css


@pytest.mark.parametrize("name", [n for n in SHIPPED if n != "default"])
def test_overrides_come_after_the_stylesheets(name):
    """A theme's overrides.css must win over report.css: it is emitted after the links."""
    from report.build import BuildOptions, assemble, render_charts, stylesheets, validate_inputs
    from report.cache import Cache
    from report.templates import render_html

    inputs = run_stage(validate_inputs, BuildOptions(root=ROOT, out_dir=ROOT / "dist",
                                                     theme=name, languages=("fr",)))
    document = assemble(inputs, "fr", render_charts(inputs, "fr", Cache(None)))
    html = render_html(inputs.config, document, inputs.theme, "screen",
                       stylesheets(inputs.config, "screen"))
    overrides = inputs.theme.overrides_css.strip()
    assert overrides and overrides in html
    assert html.index(overrides) > html.rindex('<link rel="stylesheet"')


def test_contrast_ratio():
    assert contrast("#FFFFFF", "#000000") == pytest.approx(21)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    assert contrast("#0B5563", "#FFFFFF") == contrast("#FFFFFF", "#0B5563")


# -- validation: every problem at once, with file, key and line ----------------------------------
def test_unknown_key_suggests_the_closest_valid_key(site):
    line = edit(site, "default", 'primary = "#0B5563"', 'primay = "#0B5563"')
    error = one(problems(site, "default"), "colors.primay")
    assert error.file == "themes/default/theme.toml" and error.line == line
    assert "unknown key" in str(error) and "did you mean 'colors.primary'?" in str(error)
    # its typo is not reported a second time as a missing colors.primary
    assert not any("colors.primary: missing" in str(e) for e in problems(site, "default"))


def test_key_in_the_wrong_table_is_pointed_to_its_table(site):
    edit(site, "default", '[fonts]\n', '[fonts]\nprimary = "#0B5563"\n')
    one(problems(site, "default"), "fonts.primary", "did you mean 'colors.primary'?")


@pytest.mark.parametrize(("old", "new", "key", "message"), [
    ('surface = "#EAF2F3"', 'surface = "teal"', "colors.surface", "must be a colour like #1A2B3C"),
    ('text = "#1E2328"', 'text = "#A0A8B0"', "colors.text",
     "contrast with colors.background is 2.41:1, under the 4.5:1"),
    ('muted = "#55606B"', 'muted = "#9AA3AB"', "colors.muted", "under the 4.5:1"),
    ('cover_text = "#FFFFFF"', 'cover_text = "#3A7A86"', "colors.cover_text",
     "contrast with colors.primary is"),
    ('primary = "#0B5563"', 'primary = "#A7C4CC"', "colors.primary", "under the 3:1"),
    ('"#D87F27"', '"#F2C84B"', "colors.chart.1", "colour 2 has a contrast of 1.6"),
    ('body = "Charis SIL"', 'body = "Charis"', "fonts.body", "did you mean 'Charis SIL'?"),
])
def test_bad_value_names_the_key_and_its_line(site, old, new, key, message):
    line = edit(site, "default", old, new)
    error = one(problems(site, "default"), f"{key}:", message)
    assert error.file == "themes/default/theme.toml"
    assert error.line == line


def test_missing_logo(site):
    line = edit(site, "reseau-ormes", 'logo = "logo.svg"', 'logo = "logos/ormes.svg"')
    error = one(problems(site, "reseau-ormes"), "logo:", "not found")
    assert error.line == line and error.value == "logos/ormes.svg"


def test_logo_outside_the_theme_folder_is_refused(site):
    edit(site, "reseau-ormes", 'logo = "logo.svg"', 'logo = "../fondation-brumes/logo.svg"')
    one(problems(site, "reseau-ormes"), "logo:", "not found in the theme folder")


def test_missing_font_file(site):
    (site / "themes" / "fondation-brumes" / "fonts" / "noto-serif" / "NotoSerif-Bold.ttf").unlink()
    error = one(problems(site, "fondation-brumes"), "fonts.heading:", "'Noto Serif' has no bold")
    assert error.file == "themes/fondation-brumes/theme.toml" and error.line is not None


def test_missing_font_folder(site):
    shutil.rmtree(site / "themes" / "reseau-ormes" / "fonts" / "lato")
    found = problems(site, "reseau-ormes")
    error = one(found, "fonts.dirs.0:", "font folder not found", "fonts/lato")
    assert error.line == line_of(site, "reseau-ormes", "dirs = ")
    # the families the missing folder held are unknown: no second-hand errors about them
    assert len(found) == 1


def test_markers_need_a_family_that_draws_them(site):
    edit(site, "reseau-ormes", 'fallback = "Inter"       # Lato has no ▲ ▼: the house sans draws them\n',
         "")
    found = problems(site, "reseau-ormes")
    one(found, "fonts.heading:", "draws the significance markers ▲ ▼", 'fonts.fallback = "Inter"')
    one(found, "fonts.chart:", "does not draw the markers ▲ ▼")


def test_unsafe_svg_is_refused(site):
    logos = site / "themes" / "fondation-brumes" / "logos"
    logos.mkdir()
    (logos / "mesi.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<script>alert(1)</script><image xlink:href="https://example.org/x.png"/>'
        '<rect onclick="x()" fill="url(https://example.org/p)"/></svg>', encoding="utf-8")
    found = [e for e in problems(site, "fondation-brumes")
             if e.file == "themes/fondation-brumes/logos/mesi.svg"]
    text = "\n".join(map(str, found))
    for part in ("<script>", "https://example.org/x.png", "'onclick'", "external url()"):
        assert part in text


@pytest.mark.parametrize("svg", [
    '<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"/>',
    '<svg xmlns="http://www.w3.org/2000/svg"><style>@import "https://x.org/a.css";</style></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>',
    "<html/>",
    "<svg",
])
def test_svg_problems(tmp_path, svg):
    path = tmp_path / "logo.svg"
    path.write_text(svg, encoding="utf-8")
    assert svg_problems(path)


def test_overrides_css_cannot_close_the_style_element(site):
    path = site / "themes" / "default" / "overrides.css"
    path.write_text("body { color: red; }\n</style><h1>injected</h1>\n", encoding="utf-8")
    error = one(problems(site, "default"), "CSS only")
    assert error.file == "themes/default/overrides.css" and error.line == 2


def test_every_problem_is_reported_at_once(site):
    edit(site, "reseau-ormes", 'primary = "#1E4D2B"', 'primay = "#1E4D2B"')
    edit(site, "reseau-ormes", 'muted = "#56615A"', 'muted = "#C0C0C0"')
    edit(site, "reseau-ormes", 'logo = "logo.svg"', 'logo = "nope.svg"')
    edit(site, "reseau-ormes", 'name = "reseau-ormes"', 'name = "ormes"')
    found = problems(site, "reseau-ormes")
    assert len(found) == 4
    for key in ("colors.primay", "colors.muted", "logo", "name"):
        one(found, f"{key}:")
    with pytest.raises(ErrorGroup) as caught:
        run_stage(load_theme, paths(site), "reseau-ormes")
    assert str(caught.value).startswith("4 problems found:\n  - themes/reseau-ormes/theme.toml:")


def test_invalid_toml_gives_its_line(site):
    line = edit(site, "default", 'rule = "#BFCCD1"', "rule = #BFCCD1")
    error = one(problems(site, "default"), "invalid TOML")
    assert error.line == line


def test_unknown_theme_suggests_the_closest(site):
    error = one(problems(site, "reseau-orme"), "not found")
    assert "did you mean 'reseau-ormes'?" in str(error) and "--new-theme" in str(error)


def test_theme_name_cannot_leave_the_themes_folder(site):
    one(problems(site, "../themes/default"), "not found")


# -- a broken theme fails the build before anything renders, and writes nothing ------------------
def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_broken_theme_fails_the_build_and_leaves_outputs_untouched(project, tmp_path, capsys):
    from report.cli import main

    shutil.copytree(project / "themes" / "default", project / "themes" / "broken")
    edit(project, "broken", 'name = "default"', 'name = "broken"')
    line = edit(project, "broken", 'primary = "#0B5563"', 'primay = "#0B5563"')
    edit(project, "broken", 'text = "#1E2328"', 'text = "#B0B8C0"')
    out = tmp_path / "out"
    out.mkdir()
    (out / "economie-sociale-2-0-screen-broken.pdf").write_bytes(b"%PDF-1.7 previous edition")
    (out / "manifest.json").write_text('{"outputs": []}', encoding="utf-8")
    before, themes_before = _snapshot(out), _snapshot(project / "themes")

    status = main(["--root", str(project), "--out", str(out), "--theme", "broken",
                   "--lang", "fr", "--quiet"])

    assert status == 1
    err = capsys.readouterr().err
    assert err.startswith("theme error: the inputs have problems:\n")
    assert f"themes/broken/theme.toml:{line}:1: colors.primay: unknown key" in err
    assert "did you mean 'colors.primary'?" in err
    assert "colors.text: contrast with colors.background" in err
    assert "Traceback" not in err
    assert _snapshot(out) == before  # byte-identical, and no temporary file left behind
    assert _snapshot(project / "themes") == themes_before


# -- --new-theme --------------------------------------------------------------------------------
def test_new_theme_creates_a_commented_theme_that_loads(project, capsys):
    from report.cli import main

    assert main(["--root", str(project), "--new-theme", "fondation-xyz"]) == 0
    said = capsys.readouterr().out
    assert "themes/fondation-xyz/" in said and "--theme fondation-xyz --check" in said
    folder = project / "themes" / "fondation-xyz"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "logos/README.md", "overrides.css", "theme.toml"]
    toml = (folder / "theme.toml").read_text(encoding="utf-8")
    assert toml.count("#") > 40 and "# [cover_line]" in toml and "# logo = " in toml
    assert "mesi" in (folder / "logos" / "README.md").read_text(encoding="utf-8")
    theme = run_stage(load_theme, paths(project), "fondation-xyz")
    house = run_stage(load_theme, paths(project), "default")
    assert theme.colors == house.colors and theme.chart_colors == house.chart_colors
    assert theme.label == {"fr": "Édition fondation-xyz", "en": "fondation-xyz edition"}


@pytest.mark.parametrize(("name", "message"), [
    ("default", "already exists"),
    ("Fondation XYZ", "lowercase letters, digits and hyphens"),
    ("../escape", "lowercase letters, digits and hyphens"),
])
def test_new_theme_refuses_an_existing_folder_or_a_bad_name(project, capsys, name, message):
    from report.cli import main

    before = _snapshot(project / "themes")
    assert main(["--root", str(project), "--new-theme", name]) == 1
    err = capsys.readouterr().err
    assert err.startswith("theme error:") and message in err
    assert _snapshot(project / "themes") == before
    assert not (project / "escape").exists()


# -- HTML of every theme, with its real charts (French) -------------------------------------------
@dataclass
class Rendered:
    theme: Theme
    html: str
    charts: dict


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Rendered]:
    """The French HTML of each shipped theme and of a theme made by --new-theme."""
    from report.build import stylesheets
    from report.config import load_config
    from report.content import load_content
    from report.data import load_survey
    from report.document import build_document
    from report.exhibits import compute_exhibits, load_definitions
    from report.newtheme import create_theme
    from report.statistics import compute_statistics
    from report.templates import render_html

    config = run_stage(load_config, ROOT, languages=("fr",))
    stats = compute_statistics(run_stage(load_survey, config.paths.survey))
    definitions = {**run_stage(load_definitions, config.paths.figures, "figure", stats.codebook),
                   **run_stage(load_definitions, config.paths.tables, "table", stats.codebook)}
    exhibits = compute_exhibits(definitions, stats, config.strings)["fr"]
    content = run_stage(load_content, config.paths, config.structure, config.languages)
    # a theme made by --new-theme, in a copy of the themes folder
    site = tmp_path_factory.mktemp("site")
    shutil.copytree(ROOT / "themes" / "default", site / "themes" / "default")
    shutil.copytree(ROOT / "styles" / "fonts", site / "styles" / "fonts")
    create_theme(site, "fondation-xyz")
    themes = {name: run_stage(load_theme, config.paths, name) for name in SHIPPED}
    themes["fondation-xyz"] = run_stage(load_theme, paths(site), "fondation-xyz")
    result = {}
    for name, theme in themes.items():
        style = theme.chart_style()
        charts = {key: render_chart(data, style, "fr") for key, data in exhibits.items()
                  if data.family == "figure"}
        document = run_stage(build_document, config, content, "fr", stats, exhibits, charts)
        html = render_html(config, document, theme, "screen", stylesheets(config, "screen"))
        result[name] = Rendered(theme, html, charts)
    return result


@pytest.mark.parametrize("name", [*SHIPPED, "fondation-xyz"])
def test_theme_colours_reach_every_chart(rendered, name):
    theme = rendered[name].theme
    charts = rendered[name].charts
    assert len(charts) >= 15
    used = set()
    for chart in charts.values():
        fills = {c.upper() for c in re.findall(r'fill="(#[0-9A-Fa-f]{6})"', chart.svg)}
        assert theme.chart_colors[0] in fills, chart.id  # every chart draws the first series
        used |= fills & set(theme.chart_colors)
        assert f'font-family="{theme.chart_font}' in chart.svg
    assert used == set(theme.chart_colors[:4])  # the largest chart compares four groups
    others = {c for other in rendered.values() if other.theme.colors["primary"] !=
              theme.colors["primary"] for c in other.theme.chart_colors} - set(theme.chart_colors)
    assert not any(c.lower() in chart.svg.lower() for c in others for chart in charts.values())


@pytest.mark.parametrize("name", PARTNERS)
def test_partner_html_carries_tokens_logo_and_cover_line(rendered, name):
    theme, html = rendered[name].theme, rendered[name].html
    assert f"--color-primary: {theme.colors['primary']};" in html
    assert theme.overrides_css.strip()[:60] in html
    logo = theme.logo.relative_to(ROOT).as_posix()
    assert html.count(f'{logo}"') == 2  # the cover and the partners page
    cover = html[html.index('<section class="cover"'):html.index("</section>")]
    assert 'class="cover-line"' in cover and "Édition préparée pour" in cover
    partners = html[html.index('<section class="partners'):]
    assert 'class="partner partner-edition"' in partners[:partners.index("</section>")]


def test_house_html_has_no_edition_block(rendered):
    html = rendered["default"].html
    assert "partner-edition" not in html and 'class="cover-line"' not in html
    assert "cover-logo" not in html


# -- one real PDF per partner theme (French, screen, strict) ---------------------------------------
@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, tuple[object, Path]]:
    from report.build import BuildOptions, build

    built = {}
    for name in PARTNERS:
        out = tmp_path_factory.mktemp(name)
        result = build(BuildOptions(root=ROOT, out_dir=out, languages=("fr",),
                                    editions=("screen",), theme=name), Diagnostics(strict=True))
        built[name] = (result, out / result.outputs[0].filename)
    return built


def _font_names(reader) -> set[str]:
    names = set()

    def collect(resources) -> None:
        for font in (resources.get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
        for xobject in (resources.get("/XObject") or {}).values():
            collect(xobject.get_object().get("/Resources") or {})

    for page in reader.pages:
        collect(page.get("/Resources") or {})
    return names


@pytest.mark.parametrize("name", PARTNERS)
def test_partner_pdf_is_built_under_its_own_name(pdfs, name):
    result, path = pdfs[name]
    assert path.name == f"economie-sociale-2-0-screen-{name}.pdf"
    assert result.rendered == ["fr screen"]  # strict: any warning would have failed the build
    (output,) = result.outputs
    assert output.theme == name and output.pages > 90
    assert path.read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize("name", PARTNERS)
def test_partner_pdf_uses_the_theme_fonts_colours_and_cover(pdfs, name):
    import pypdfium2 as pdfium
    from pypdf import PdfReader

    theme = run_stage(load_theme, paths(ROOT), name)
    reader = PdfReader(pdfs[name][1])
    fonts = _font_names(reader)
    squeeze = {f.replace("-", "").replace(" ", "") for f in fonts}
    for family in (theme.body_font, theme.heading_font):
        assert any(f.startswith(family.replace(" ", "")) for f in squeeze), (family, fonts)
    assert not any("Charis" in f for f in fonts)
    assert any(f.startswith("Inter") for f in fonts)  # the fallback draws ▲ ▼
    document = pdfium.PdfDocument(pdfs[name][1])
    texts = [" ".join(document[i].get_textpage().get_text_range().split())
             for i in range(len(document))]
    document.close()
    assert " ".join(theme.cover_line["fr"].split()) in texts[0]
    assert " ".join(theme.cover_line["fr"].split()) in texts[2]  # the partners page
    assert rgb(theme.colors["primary"]) in fill_colours(reader.pages[0])
    chart_page = reader.pages[next(i for i, text in enumerate(texts)
                                   if "Figure 1.2 " in text and "Coopérative" in text)]
    colours = fill_colours(chart_page)
    assert {rgb(c) for c in theme.chart_colors[:2]} <= colours
    assert rgb("#0B5563") not in colours  # no house colour left


# -- a theme from outside the team cannot reach outside the project (issue 16) -------------------
def test_css_strings_cannot_end_the_string_the_rule_or_the_style_element():
    from report.theme import css_string

    hostile = "a\"b'c\\d</style><script>;}{\n\u2028é"
    quoted = css_string(hostile)
    inner = quoted[1:-1]
    assert quoted[0] == quoted[-1] == '"'
    for char in "\"'\\<>;{}\n\u2028":
        assert char not in inner.replace("\\", ""), char  # only as escapes
    assert css_string("Charis SIL") == '"Charis SIL"'
    import tinycss2

    token = tinycss2.parse_component_value_list(quoted)[0]
    assert token.type == "string" and token.value == hostile  # and it reads back the same


def test_an_absolute_font_folder_is_refused_by_the_check(site):
    line = edit(site, "reseau-ormes", '"fonts/lato"', f'"{site}/themes/reseau-ormes/fonts/lato"')
    error = one(problems(site, "reseau-ormes"), "fonts.dirs.0:", "relative to the theme folder")
    assert error.line == line


def test_a_font_folder_linked_out_of_the_project_is_refused(site, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("system-fonts")
    shutil.copytree(site / "themes" / "reseau-ormes" / "fonts" / "lato", elsewhere / "lato")
    shutil.rmtree(site / "themes" / "reseau-ormes" / "fonts" / "lato")
    (site / "themes" / "reseau-ormes" / "fonts" / "lato").symlink_to(elsewhere / "lato")
    one(problems(site, "reseau-ormes"), "fonts.dirs.0:", "outside the project")


def test_a_font_file_linked_out_of_the_project_is_refused(site, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("system-fonts")
    bold = site / "themes" / "reseau-ormes" / "fonts" / "lato" / "Lato-Bold.ttf"
    shutil.move(bold, elsewhere / "Lato-Bold.ttf")
    bold.symlink_to(elsewhere / "Lato-Bold.ttf")
    one(problems(site, "reseau-ormes"), "Lato-Bold.ttf is a link to a file outside the project")


def test_a_font_whose_family_name_could_break_out_of_css_is_refused(site):
    from fontTools.ttLib import TTFont

    path = site / "themes" / "reseau-ormes" / "fonts" / "lato" / "Lato-Italic.ttf"
    with TTFont(path) as font:
        for record in font["name"].names:
            if record.nameID in (1, 16):
                record.string = "Lato'; } body { background: url(file:///etc/passwd) }"
        font.save(path)
    one(problems(site, "reseau-ormes"), "Lato-Italic.ttf names its family with characters")


@pytest.mark.parametrize(("font", "face"), [("Lato-BoldItalic.ttf", "bold italic"),
                                            ("Lato-Italic.ttf", "italic")])
def test_a_face_the_report_uses_must_be_shipped(site, font, face):
    """Without it the engine would fake it (or take it from the system)."""
    (site / "themes" / "reseau-ormes" / "fonts" / "lato" / font).unlink()
    one(problems(site, "reseau-ormes"), "fonts.body:", f"'Lato' has no {face} face")


def test_the_not_found_hint_never_pastes_the_name_into_a_command(site):
    error = one(problems(site, "x; rm -rf ~"), "not found")
    assert "rm -rf" not in (error.hint or "") and "--new-theme NAME" in error.hint
    error = one(problems(site, "fondation-xyz"), "not found")
    assert "python build.py --new-theme fondation-xyz" in error.hint


@pytest.mark.parametrize(("css", "message", "line"), [
    ("body .cover { colr: red; }\n", "Ignored `colr: red` at 1:15, unknown property", 1),
    ("body { color: red; }\nbody .x { margin: 3 }\n", "invalid value", 2),
    ("body { color: red; }\n\nbody .x { color: var(--color-primay); }\n",
     "var(--color-primay) names a custom property that is defined nowhere", 3),
])
def test_overrides_css_is_checked_like_the_engine_reads_it(site, css, message, line):
    from report.config import Paths
    from report.stylesheets import check_stylesheets

    (site / "themes" / "reseau-ormes" / "overrides.css").write_text(css, encoding="utf-8")
    shutil.copytree(ROOT / "styles", site / "styles", dirs_exist_ok=True)
    theme = run_stage(load_theme, paths(site), "reseau-ormes")
    diag = Diagnostics()
    check_stylesheets(Paths.under(site), theme, diag)
    error = one(diag.errors, message)
    assert (error.file, error.line) == ("themes/reseau-ormes/overrides.css", line)
    if "primay" in css:
        assert error.hint == "did you mean --color-primary?"
    assert isinstance(error, ThemeError)


def test_the_shipped_stylesheets_and_overrides_are_clean():
    from report.config import Paths
    from report.stylesheets import check_stylesheets

    for name in SHIPPED:
        diag = Diagnostics()
        check_stylesheets(Paths.under(ROOT), run_stage(load_theme, paths(ROOT), name), diag)
        assert diag.errors == [], name
