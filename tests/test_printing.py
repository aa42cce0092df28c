"""The print stage (report/printing.py): the printing condition, the separations, the theme's own
inks, overprinting, marks, and how the condition and the inks are configured (report.toml, the
theme). The real print edition is checked in test_pdf.py (its ``printed`` fixture)."""

from __future__ import annotations

import datetime as _dt
import io
import shutil
from pathlib import Path

import pikepdf
import pytest
from helpers import run_stage

from report.config import load_config
from report.diagnostics import Diagnostics
from report.errors import ReportError
from report.pdf import render_pdf
from report.printing import CONDITIONS, Separator, print_setup
from report.theme import load_theme

ROOT = Path(__file__).resolve().parent.parent
CONFIG = run_stage(load_config, ROOT)
EPOCH = int(_dt.datetime.combine(CONFIG.date, _dt.time(12), _dt.UTC).timestamp())
FONT = (ROOT / "styles" / "fonts" / "inter" / "Inter-Regular.otf").as_uri()
SMALL = f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Essai</title>
<style>@font-face {{ font-family: Inter; src: url({FONT}); }} html {{ font-family: Inter; }}
.box {{ background: #EAF2F3; padding: 4mm; }} h1 {{ color: #0B5563; }} p {{ color: #1E2328; }}
.muted {{ color: #55606B; }}</style></head><body>
<h1>Titre</h1><div class="box"><p>Un texte noir sur un fond teinté.</p>
<p class="muted">Une légende grise.</p></div></body></html>"""


def _print(html: str = SMALL, diag: Diagnostics | None = None, **setup) -> bytes:
    diag = diag if diag is not None else Diagnostics(strict=True)
    data = render_pdf(html, base_url=ROOT, roots=(ROOT,), edition="print", title="print",
                      epoch=EPOCH, diag=diag, printing=print_setup(**setup)).data
    diag.raise_if_errors()
    return data


def _content(data: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return b"".join(page.obj.Contents.read_bytes() for page in pdf.pages)


@pytest.fixture(scope="module")
def separator() -> Separator:
    return Separator(print_setup())


def test_near_neutral_darks_print_on_black_alone_at_their_lightness(separator):
    assert separator.separate((0, 0, 0)) == (0, 0, 0, 1)
    assert separator.separate((255, 255, 255)) == (0, 0, 0, 0)
    muted = separator.separate((0x55, 0x60, 0x6B))
    assert muted[:3] == (0, 0, 0) and 0.6 < muted[3] < 0.95
    wanted = separator.lab_of_rgb((0x55, 0x60, 0x6B))[0]
    assert separator.lab_of_cmyk(muted)[0] == pytest.approx(wanted, abs=1)
    # a light tint keeps its hue; a colour keeps its hue
    assert sum(separator.separate((0xEA, 0xF2, 0xF3))[:3]) > 0
    assert separator.separate((0x0B, 0x55, 0x63))[0] > 0.5


def test_separation_goes_through_the_condition_profile():
    """The same colour gets other inks on another press: GRACoL's paper and dot gain differ."""
    fogra = Separator(print_setup("FOGRA39")).separate((0x0B, 0x55, 0x63))
    gracol = Separator(print_setup("GRACoL")).separate((0x0B, 0x55, 0x63))
    assert fogra != gracol


def test_the_output_intent_names_the_chosen_condition():
    data = _print(condition="GRACoL")
    with pikepdf.open(io.BytesIO(data)) as pdf:
        (intent,) = pdf.Root.OutputIntents
        assert str(intent.OutputConditionIdentifier) == "CGATS TR 006"
        assert str(intent.RegistryName) == "http://www.color.org"
        assert intent.DestOutputProfile.read_bytes() == \
            (ROOT / "styles" / "icc" / CONDITIONS["GRACoL"].profile).read_bytes()


def test_theme_inks_are_used_as_given():
    given = _print(inks={"#0B5563": (1.0, 0.3, 0.0, 0.4)})
    assert b"1 0.3 0 0.4 k" in _content(given)
    assert b"1 0.3 0 0.4 k" not in _content(_print())


def test_black_text_overprints_and_nothing_else_does():
    content = _content(_print())
    # the black paragraph: q, the overprint state, then its text object
    assert b"/GSes20overprint gs" in content
    blocks = content.split(b"/GSes20overprint gs")
    assert all(b"0 0 0 1 k" in block[:4000] or block.lstrip().startswith(b"BT")
               for block in blocks[1:])
    with pikepdf.open(io.BytesIO(_print())) as pdf:
        state = pdf.pages[0].obj.Resources.ExtGState["/GSes20overprint"]
        assert bool(state.OP) and bool(state.op) and int(state.OPM) == 1


def test_print_has_no_rgb_left_and_marks_on_every_plate():
    data = _print()
    content = _content(data)
    assert b" rg" not in content and b" RG" not in content
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and "/ColorSpace" in obj and \
                    obj.get("/ShadingType") is not None:
                assert obj.ColorSpace != "/DeviceRGB"
        (space,) = [s for s in pdf.pages[0].obj.Resources.ColorSpace.values()
                    if isinstance(s, pikepdf.Array) and s[0] == "/Separation"]
        assert space[1] == "/All"


def test_a_gradient_is_separated_too():
    gradient = "background-image: linear-gradient(#0B5563, #C2551B);"
    html = SMALL.replace("padding: 4mm;", f"padding: 4mm; {gradient}")
    with pikepdf.open(io.BytesIO(_print(html))) as pdf:
        shadings = [o for o in pdf.objects
                    if isinstance(o, pikepdf.Dictionary) and "/ShadingType" in o]
        assert shadings and all(s.ColorSpace == "/DeviceCMYK" for s in shadings)


def test_an_ink_over_the_limit_is_reported():
    with pytest.raises(ReportError, match="limit of 300"):
        _print(inks={"#0B5563": (1.0, 1.0, 1.0, 1.0)})


# -- configuration -------------------------------------------------------------------------------
def _project(tmp_path: Path) -> Path:
    for name in ("data", "themes"):
        shutil.copytree(ROOT / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("*.ttf", "*.otf", "survey"))
    shutil.copytree(ROOT / "styles", tmp_path / "styles")
    return tmp_path


def test_the_condition_comes_from_report_toml(tmp_path):
    root = _project(tmp_path)
    toml = root / "data" / "report.toml"
    assert run_stage(load_config, root).print_condition == "FOGRA39"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'condition = "FOGRA39"', 'condition = "GRACoL"'), encoding="utf-8")
    assert run_stage(load_config, root).print_condition == "GRACoL"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'condition = "GRACoL"', 'condition = "SWOP"'), encoding="utf-8")
    with pytest.raises(ReportError, match="unknown printing condition") as caught:
        run_stage(load_config, root)
    assert "FOGRA39" in str(caught.value) and "report.toml:" in str(caught.value)


def _theme_with(tmp_path: Path, table: str):
    root = _project(tmp_path)
    theme = root / "themes" / "default" / "theme.toml"
    theme.write_text(theme.read_text(encoding="utf-8").replace("[fonts]", table + "\n[fonts]"),
                     encoding="utf-8")
    return run_stage(load_config, root).paths


def test_a_theme_gives_its_inks(tmp_path):
    paths = _theme_with(tmp_path, "[colors_cmyk]\nprimary = [100, 30, 0, 40]\n"
                        "chart = [[100, 30, 0, 40], [0, 50, 90, 10], [60, 10, 20, 10], "
                        "[50, 60, 0, 10], [40, 10, 60, 30]]\n")
    theme = run_stage(load_theme, paths, "default")
    assert theme.cmyk["#0B5563"] == (1.0, 0.3, 0.0, 0.4)
    assert theme.cmyk["#D87F27"] == (0.0, 0.5, 0.9, 0.1)


@pytest.mark.parametrize(("table", "message"), [
    ("[colors_cmyk]\nprimary = [100, 30, 0]\n", "too few items.*four percentages"),
    ("[colors_cmyk]\nprimary = [100, 30, 0, 140]\n", "at most 100.*four percentages"),
    ("[colors_cmyk]\nprimray = [100, 30, 0, 40]\n", "unknown key"),
    ("[colors_cmyk]\nchart = [[100, 30, 0, 40]]\n", "one CMYK value per chart colour"),
    ("[colors_cmyk]\nprimary = [100, 30, 0, 40]\nchart = [[0, 30, 0, 40], [0, 50, 90, 10], "
     "[60, 10, 20, 10], [50, 60, 0, 10], [40, 10, 60, 30]]\n", "one colour one ink"),
])
def test_a_theme_ink_is_checked(tmp_path, table, message):
    paths = _theme_with(tmp_path, table)
    with pytest.raises(ReportError, match=message) as caught:
        run_stage(load_theme, paths, "default")
    assert "theme.toml:" in str(caught.value)
