"""The engine and the machine: which font subsetter runs, which system libraries are in the cache key,
the fonts the engine may see (the project's only), characters that no font of the theme draws, and
the same bytes whatever the machine's environment (home, locale, time zone, umask, hash seed,
working folder, fonts installed for the user).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from report import fontconfig, system
from report.build import BuildOptions, engine_notes
from report.cache import versions
from report.config import Paths, load_config
from report.diagnostics import Diagnostics
from report.errors import ReportError
from report.glyphs import check_glyphs
from report.theme import load_theme

ROOT = Path(__file__).resolve().parent.parent
INTER = ROOT / "styles" / "fonts" / "inter"
EPOCH = int(_dt.datetime.combine(load_config(ROOT, Diagnostics()).date, _dt.time(12),
                                   _dt.UTC).timestamp())


# -- which subsetter, which libraries ------------------------------------------------------------
def test_the_subsetter_is_detected_as_weasyprint_detects_it():
    """report.system predicts, without importing WeasyPrint, the subsetter WeasyPrint will use;
    the test machines have HarfBuzz-Subset (tools/bootstrap.py installs it)."""
    from weasyprint.text import ffi

    weasyprint_uses_it = ffi.harfbuzz_subset is not None and \
        bool(ffi.harfbuzz.hb_version_atleast(4, 1, 0))
    assert system.uses_harfbuzz_subset() == weasyprint_uses_it
    assert weasyprint_uses_it, "install libharfbuzz-subset0 (python tools/bootstrap.py --tests)"
    assert system.font_subsetter().startswith("HarfBuzz-Subset ")
    major, minor, micro = (int(p) for p in system.libraries()["harfbuzz"].split("."))
    assert ffi.harfbuzz.hb_version_atleast(major, minor, micro)
    assert not ffi.harfbuzz.hb_version_atleast(major, minor, micro + 1)


def test_library_versions_are_read_and_are_in_the_cache_key(monkeypatch):
    found = system.libraries()
    assert set(found) == {"pango", "harfbuzz", "harfbuzz-subset", "fontconfig", "freetype", "zlib"}
    for name, version in found.items():
        assert version[0].isdigit(), (name, version)
    described = system.describe()
    assert described.startswith("fonts subset by HarfBuzz-Subset") and "pango " in described
    before = versions()
    versions.cache_clear()
    try:
        monkeypatch.setattr(system, "libraries", lambda: {**found, "harfbuzz-subset": "absent"})
        assert versions() != before, "installing or removing HarfBuzz-Subset changes no key"
    finally:
        versions.cache_clear()


def test_a_machine_without_harfbuzz_subset_is_told_once_with_a_hint(monkeypatch):
    absent = {**system.libraries(), "harfbuzz-subset": "absent"}
    warning = system.subsetter_warning(absent)
    assert warning is not None
    assert "HarfBuzz-Subset is not installed" in warning.message
    assert "libharfbuzz-subset0" in warning.hint and warning.value == "libharfbuzz-subset.so.0"
    assert system.font_subsetter(absent).startswith("fontTools ")
    old = system.subsetter_warning({**absent, "harfbuzz-subset": "3.4.0"})
    assert old is not None and "older than 4.1.0" in old.message
    assert system.subsetter_warning() is None  # this machine has it

    monkeypatch.setattr(system, "libraries", lambda: absent)
    diag = Diagnostics()
    line = engine_notes(diag)
    assert len(diag.warnings) == 1 and not diag.errors
    assert "libharfbuzz-subset0" in str(diag.warnings[0])
    assert "fonts subset by fontTools" in line
    strict = Diagnostics(strict=True)
    engine_notes(strict)
    with pytest.raises(ReportError, match="HarfBuzz-Subset"):
        strict.raise_if_errors()


def test_the_fonttools_path_still_works_and_its_notice_is_not_repeated(monkeypatch):
    """Without HarfBuzz-Subset, WeasyPrint subsets with fontTools and logs a notice for every
    font: the build says it once (above), so the edition's warnings do not repeat it."""
    import weasyprint.pdf.fonts

    from report.pdf import render_pdf

    monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)  # as on such a machine
    html = _html(INTER, "Un <em>essai</em> de texte.")
    rendered = render_pdf(html, base_url=ROOT, roots=(ROOT,), edition="screen", title="t",
                          epoch=EPOCH)
    assert rendered.pages == 1 and rendered.data.startswith(b"%PDF-")
    assert not any("fontTools" in w or "HarfBuzz" in w for w in rendered.warnings), \
        rendered.warnings


# -- the fonts the engine may see ----------------------------------------------------------------
def _html(font_dir: Path, body: str, families: str = "Inter") -> str:
    faces = "\n".join(
        f"@font-face {{ font-family: Inter; src: url({path.as_uri()}); "
        f"font-weight: {700 if 'Bold' in path.name else 400}; "
        f"font-style: {'italic' if 'Italic' in path.name else 'normal'}; }}"
        for path in sorted(font_dir.glob("*.otf")))
    return (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Essai</title>'
            f'<meta name="dcterms.created" content="2017-01-01"><style>{faces}\n'
            f'body {{ font-family: {families}; }}</style></head><body><p>{body}</p></body></html>')


def test_the_engine_sees_the_projects_fonts_only():
    """A font installed on the machine (DejaVu here) is not used even when the document names
    it: fontconfig reads the project's configuration, which lists no system folder."""
    import io

    from pypdf import PdfReader

    from report.pdf import render_pdf

    assert fontconfig.isolated()
    assert os.environ["FONTCONFIG_FILE"] == str(ROOT / "styles" / "fonts" / "fonts.conf")
    html = _html(INTER, "DejaVu ou pas ?", families="'DejaVu Sans'")
    data = render_pdf(html, base_url=ROOT, roots=(ROOT,), edition="screen", title="t",
                      epoch=EPOCH).data
    fonts = {str(font["/BaseFont"]) for page in PdfReader(io.BytesIO(data)).pages
             for font in page["/Resources"]["/Font"].values()}
    assert fonts and not any("DejaVu" in f for f in fonts), fonts


_RENDER = """
import sys
from pathlib import Path
from report.pdf import render_pdf
html, out = Path(sys.argv[1]).read_text("utf-8"), Path(sys.argv[2])
epoch, root = int(sys.argv[3]), Path(sys.argv[4])
for edition in ("screen", "print"):
    rendered = render_pdf(html, base_url=root, roots=(root,), edition=edition, title=edition,
                          epoch=epoch)
    (out / f"{edition}.pdf").write_bytes(rendered.data)
"""


def _hostile_environment(tmp: Path, name: str, extra_fonts: bool) -> tuple[dict[str, str], Path]:
    """An environment as unlike the test process's as one machine allows; with ``extra_fonts``,
    the user's font folders hold the italics of a family the document uses but does not ship."""
    home = tmp / f"home-{name}"
    (home / ".config").mkdir(parents=True)
    cwd = tmp / f"cwd-{name}"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LC_", "FONTCONFIG", "XDG_", "SOURCE_DATE"))}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / "share"), XDG_CACHE_HOME=str(home / "cache"))
    if extra_fonts:
        for folder, face in ((home / ".fonts", "Inter-Italic.otf"),
                             (home / "share" / "fonts", "Inter-BoldItalic.otf"),
                             (home / ".local" / "share" / "fonts", "Inter-Italic.otf")):
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy2(INTER / face, folder / face)
        env.update(TZ="Pacific/Kiritimati", LANG="fr_CA.UTF-8", LC_ALL="fr_CA.UTF-8",
                   PYTHONHASHSEED="4242")
    else:
        env.update(TZ="UTC", LANG="C.UTF-8", PYTHONHASHSEED="0")
    return env, cwd


def test_same_bytes_whatever_the_environment_and_the_users_fonts(tmp_path):
    """Two fresh processes render a document whose family lacks its italics: one in a plain
    environment, the other with another home, locale, time zone, umask, hash seed and working
    folder, and the missing italics installed in the user's font folders (~/.fonts,
    $XDG_DATA_HOME/fonts). Both PDFs, screen and print, are byte-identical."""
    partial = tmp_path / "fonts"
    partial.mkdir()
    for face in ("Inter-Regular.otf", "Inter-Bold.otf"):
        shutil.copy2(INTER / face, partial / face)
    source = tmp_path / "doc.html"
    source.write_text(_html(partial, "Un <em>mot en italique</em> et <strong><em>un autre en "
                                     "gras italique</em></strong>."), encoding="utf-8")
    hashes = []
    for name, extra, umask in (("plain", False, 0o022), ("other", True, 0o077)):
        env, cwd = _hostile_environment(tmp_path, name, extra)
        out = tmp_path / f"out-{name}"
        out.mkdir()
        done = subprocess.run([sys.executable, "-c", _RENDER, str(source), str(out), str(EPOCH),
                               str(tmp_path)], cwd=cwd, env=env, capture_output=True, text=True,
                              preexec_fn=lambda mask=umask: os.umask(mask))
        assert done.returncode == 0, done.stderr
        hashes.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                       for p in sorted(out.iterdir())})
    assert set(hashes[0]) == {"screen.pdf", "print.pdf"}
    assert hashes[0] == hashes[1]


def test_the_real_report_builds_the_same_bytes_in_another_environment(built, tmp_path):
    """The French screen edition built by the command line in a fresh process, in an environment
    unlike the test process's (home with the user's own fonts, locale, time zone, umask, hash
    seed, working folder, its own cache), is byte-identical to the session build's."""
    env, cwd = _hostile_environment(tmp_path, "build", True)
    env["ES20_CACHE_DIR"] = str(tmp_path / "cache")
    out = tmp_path / "dist"
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "--lang", "fr", "--strict",
                           "--quiet", "--workers", "1", "--out", str(out)], cwd=cwd, env=env,
                          capture_output=True, text=True, preexec_fn=lambda: os.umask(0o077))
    assert done.returncode == 0, done.stderr
    ours = built.pdf("fr")
    assert (out / ours.name).read_bytes() == ours.read_bytes()


# -- characters that no font of the theme draws --------------------------------------------------
def _insert(path: Path, after: str, text: str) -> tuple[int, int]:
    """Insert ``text`` right after the first ``after`` in the file; its line and column."""
    content = path.read_text(encoding="utf-8")
    at = content.index(after) + len(after)
    path.write_text(content[:at] + text + content[at:], encoding="utf-8")
    line = content.count("\n", 0, at) + 1
    return line, at - (content.rfind("\n", 0, at) + 1) + 1


def test_a_character_no_font_draws_is_an_error_at_its_place(project):
    content = project / "data" / "content" / "fr" / "conclusion.md"
    line, column = _insert(content, "Les obstacles sont connus.", " Bravo \U0001F600 !")
    column += len(" Bravo ")
    ref_line, ref_column = _insert(project / "data" / "content" / "en" / "conclusion.md",
                                   "\n\n", "See &#x6F22; here. ")
    ref_column += len("See ")
    strings = project / "data" / "strings.toml"
    text = strings.read_text(encoding="utf-8")
    strings.write_text(text.replace("[en]\n", "[en]\n# a comment may say \U0001F600\n", 1),
                       encoding="utf-8")
    paths = Paths.under(project)
    theme = load_theme(paths, "default", Diagnostics())
    diag = Diagnostics()
    check_glyphs(paths, theme, diag)
    found = {(e.file, e.line, e.column): e for e in diag.errors}
    assert set(found) == {("data/content/fr/conclusion.md", line, column),
                          ("data/content/en/conclusion.md", ref_line, ref_column)}, found
    smiley = found[("data/content/fr/conclusion.md", line, column)]
    assert "U+1F600 GRINNING FACE" in str(smiley) and "fonts.fallback" in smiley.hint
    assert "U+6F22 CJK UNIFIED IDEOGRAPH-6F22" in str(
        found[("data/content/en/conclusion.md", ref_line, ref_column)])


def test_a_string_that_no_font_draws_names_its_key_and_fails_check_and_build(project):
    from report.build import build
    from report.check import check_all

    strings = project / "data" / "strings.toml"
    line, _ = _insert(strings, "[en]\n", "")
    lines = strings.read_text(encoding="utf-8").split("\n")
    key_line = next(i for i in range(line, len(lines)) if " = \"" in lines[i])  # 0-based
    key = lines[key_line].split("=")[0].strip()
    lines[key_line] = lines[key_line].replace(' = "', ' = "\u2603\u2654 ', 1)
    strings.write_text("\n".join(lines), encoding="utf-8")
    options = BuildOptions(root=project, out_dir=project / "dist", cache_dir=None)
    checked = Diagnostics(check_only=True)
    check_all(options, checked)
    errors = [e for e in checked.errors if "no font of the theme" in str(e)]
    assert [(e.file, e.line) for e in errors] == [("data/strings.toml", key_line + 1)] * 2
    assert f"(in en.{key})" in errors[0].message
    assert errors[0].column == lines[key_line].index("\u2603") + 1
    with pytest.raises(ReportError, match="U\\+2654 WHITE CHESS KING"):
        build(options)
    assert not (project / "dist").exists()
