"""Stage 1b, theme: read a theme folder into design tokens shared by the CSS and the charts.

Input: ``themes/<name>/theme.toml`` (colours, fonts and their folders, optional logo, edition label
and cover line in each language), optional ``overrides.css`` and ``logos/<partner-id>.svg``.
Output: a frozen :class:`Theme`: the tokens, the ``@font-face`` rules generated from the font files
themselves (family, weight and style read with fontTools, so a theme cannot declare a face it does not
ship), the CSS custom properties, and the :class:`~report.charts.ChartStyle` for Altair. One set of
tokens feeds both, so a partner's colours reach every chart.

Everything is checked before anything renders, and every problem is reported at once, each naming the
theme file, the key and its line: unknown keys (with the closest valid key), colours, WCAG AA
contrast of the pairs the stylesheet actually draws, font files, faces and glyphs, the logo (present,
inside the theme folder, a safe SVG) and ``overrides.css`` (see :mod:`report.stylesheets`).

Safety: a theme may come from outside the team. Its strings reach the generated CSS only through
:func:`css_string` (every character that could end a string, a rule or the HTML ``<style>`` element
is escaped) after the schema has checked them against strict patterns (colours, family names);
every font folder and file, and the logo, must lie inside the project after symbolic links are
resolved, so the PDF engine reads nothing else.
"""

from __future__ import annotations

import difflib
import re
import shlex
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostics
from .errors import ThemeError
from .sources import Source, inside, read_text, shown

if TYPE_CHECKING:  # the charts (Altair) load only when a build draws them
    from .charts import ChartStyle
    from .config import Paths
    from .schemas import ThemeFile

NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")  # a theme folder: fondation-xyz
COLOR_KEYS = ("primary", "accent", "text", "muted", "background", "surface", "rule", "cover_text")
FONT_ROLES = ("body", "heading", "chart")
FONT_SUFFIXES = (".ttf", ".otf")
MAX_OVERRIDES_BYTES = 256 * 1024
MAX_LOGO_BYTES = 2 * 1024 * 1024

# The faces each role's family must ship, because the report's stylesheets use them: without
# one, the engine fakes it (slanted or emboldened outlines). (style, lowest weight, highest weight)
FACES_NEEDED: dict[str, dict[str, tuple[str, int, int]]] = {
    "body": {"regular": ("normal", 1, 500), "italic": ("italic", 1, 500),
             "bold": ("normal", 600, 1000), "bold italic": ("italic", 600, 1000)},
    "heading": {"regular": ("normal", 1, 500), "italic": ("italic", 1, 500),
                "bold": ("normal", 600, 1000)},
    "chart": {"regular": ("normal", 1, 500), "bold": ("normal", 600, 1000)},
}

# WCAG 2.1 AA, for the pairs report.css draws: (foreground, background, minimum, where it is used).
CONTRAST: tuple[tuple[str, str, float, str], ...] = (
    ("text", "background", 4.5, "body text on the page"),
    ("text", "surface", 4.5, "text in callouts and case profiles"),
    ("muted", "background", 4.5, "captions, notes and running heads"),
    ("accent", "background", 4.5, "small labels, numbers and ▲ ▼ markers"),
    ("primary", "surface", 4.5, "box titles in callouts"),
    ("cover_text", "primary", 4.5, "the cover's text"),
    ("primary", "background", 3.0, "headings (large text)"),
)
CHART_CONTRAST = 3.0  # chart bars against the page (WCAG 1.4.11, graphical objects)

# Characters every face must draw (the report's French and English text), and the significance
# markers, which at least one family of each font stack must draw.
TEXT_CHARS = "".join(chr(c) for c in range(0x21, 0x7F)) + (
    "ÀÂÇÈÉÊËÎÏÔÙÛÜàâçèéêëîïôùûüœŒ«»‘’“”–—…\u00a0\u202f")
MARKERS = "▲▼"


_CSS_SAFE = re.compile(r"[A-Za-z0-9 _.,/:#()%+=@!?~*-]")


def css_string(value: str) -> str:
    """``value`` as a CSS string token: quoted, every character but a few safe ASCII ones written
    as a CSS escape, so that nothing in it can end the string, the rule or an HTML ``<style>``
    element (quotes, backslash, line ends, ``<``, ``;``, ``}``, control characters)."""
    return '"' + "".join(c if _CSS_SAFE.fullmatch(c) else f"\\{ord(c):x} " for c in value) + '"'


@dataclass(frozen=True)
class FontFace:
    family: str
    weight: int
    style: str  # normal | italic
    path: Path
    chars: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Theme:
    name: str
    folder: Path
    colors: dict[str, str]
    chart_colors: tuple[str, ...]
    body_font: str
    heading_font: str
    chart_font: str
    faces: tuple[FontFace, ...]
    label: dict[str, str]
    logo: Path | None = None
    cover_line: dict[str, str] = field(default_factory=dict)
    overrides_css: str = ""
    fallback_font: str | None = None
    # the print edition's ink for a colour, as the theme gives it: #RRGGBB → (c, m, y, k) in 0–1
    cmyk: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)

    @property
    def font_dirs(self) -> tuple[Path, ...]:
        return tuple(sorted({face.path.parent for face in self.faces}))

    def _stack(self, *families: str | None) -> str:
        names = dict.fromkeys(f for f in (*families, self.fallback_font) if f)
        return ", ".join(css_string(name) for name in names)

    def chart_style(self) -> ChartStyle:
        from .charts import ChartStyle

        chart_dir = next(f.path.parent for f in self.faces if f.family == self.chart_font)
        return ChartStyle(
            # The SVG names the fallback after the chart face, for the ▲ ▼ markers on the bars.
            font=", ".join(dict.fromkeys(f for f in (self.chart_font, self.fallback_font) if f)),
            font_dir=chart_dir,
            text=self.colors["text"],
            muted=self.colors["muted"],
            grid=self.colors["rule"],
            palette=self.chart_colors,
        )

    def css(self, font_url: Callable[[FontFace], str] | None = None) -> str:
        """``@font-face`` rules and the tokens as CSS custom properties (``overrides.css`` is
        emitted separately, after the stylesheets, so that it wins over them).

        ``font_url`` gives the address of each face's file (the web edition serves its own
        copies); by default, the file itself."""
        rules = []
        for face in self.faces:
            url = font_url(face) if font_url else face.path.as_uri()
            rules.append(
                f"@font-face {{ font-family: {css_string(face.family)}; "
                f"src: url({css_string(url)}); "
                f"font-weight: {face.weight}; font-style: {face.style}; }}"
            )
        tokens = [f"  --color-{k.replace('_', '-')}: {v};" for k, v in self.colors.items()]
        tokens += [f"  --chart-{i + 1}: {c};" for i, c in enumerate(self.chart_colors)]
        tokens += [
            # No generic fallback: a glyph missing from one vendored face is drawn with the
            # theme's other family (then its fallback family), never with a system font.
            f"  --font-body: {self._stack(self.body_font, self.heading_font)};",
            f"  --font-heading: {self._stack(self.heading_font, self.body_font)};",
        ]
        return "\n".join(rules) + "\n:root {\n" + "\n".join(tokens) + "\n}\n"


# Checking the theme ---------------------------------------------------------------------------

def contrast(a: str, b: str) -> float:
    """The WCAG 2.1 contrast ratio of two ``#RRGGBB`` colours (1 to 21)."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _light(colour: str) -> bool:
    return contrast(colour, "#000000") > contrast(colour, "#FFFFFF")


def _problem(source: Source, diag: Diagnostics, loc: tuple[str | int, ...], message: str,
             **details: Any) -> None:
    """A theme problem at a key of theme.toml, named by its dotted key."""
    name = ".".join(str(p) for p in loc)
    diag.error(source.error(ThemeError, f"{name}: {message}" if name else message, loc,
                            **details))


def _check_colours(model: ThemeFile, source: Source, diag: Diagnostics) -> dict[str, str]:
    colors = {key: getattr(model.colors, key).upper() for key in COLOR_KEYS}
    for fg, bg, minimum, where in CONTRAST:
        ratio = contrast(colors[fg], colors[bg])
        if ratio < minimum:
            _problem(source, diag, ("colors", fg),
                     f"contrast with colors.{bg} is {ratio:.2f}:1, under the {minimum:g}:1 that "
                     f"WCAG AA asks for {where}", value=colors[fg],
                     hint=f"make colors.{fg} {'darker' if _light(colors[bg]) else 'lighter'} "
                     f"or change colors.{bg}")
    for i, colour in enumerate(model.colors.chart):
        ratio = contrast(colour, colors["background"])
        if ratio < CHART_CONTRAST:
            _problem(source, diag, ("colors", "chart", i),
                     f"colour {i + 1} has a contrast of {ratio:.2f}:1 with colors.background, under "
                     f"the {CHART_CONTRAST:g}:1 that WCAG AA asks for chart bars", value=colour,
                     hint=f"use a {'darker' if _light(colors['background']) else 'lighter'} shade")
    return colors


# Fonts ---------------------------------------------------------------------------------------

def _font_folders(model: ThemeFile, folder: Path, paths: Paths, source: Source,
                  diag: Diagnostics) -> list[Path]:
    """The folders of ``fonts.dirs``, each relative to the theme folder or the project root and,
    once symbolic links are resolved, inside the project."""
    found = []
    for index, name in enumerate(model.fonts.dirs):
        loc = ("fonts", "dirs", index)
        if Path(name).is_absolute() or name.startswith("~"):
            _problem(source, diag, loc, "must be a folder relative to the theme folder or to the "
                     "project", value=name, hint="copy the fonts into the theme folder, e.g. "
                     "fonts/<family>/, and name that folder")
            continue
        candidates = [folder / name, paths.root / name]
        existing = [c for c in candidates if c.is_dir()]
        if not existing:
            _problem(source, diag, loc, "font folder not found", value=name,
                     hint="give folders relative to the theme folder or to the project root")
            continue
        if not inside(existing[0], [paths.root]):
            _problem(source, diag, loc, "refused: the folder lies outside the project (a "
                     "symbolic link or ../)", value=name,
                     hint="copy the fonts into the theme folder instead of linking to them")
            continue
        found.append(existing[0].resolve())
    return found


def _faces(font_dir: Path, paths: Paths, source: Source, diag: Diagnostics) -> list[FontFace]:
    from fontTools.ttLib import TTFont

    faces: list[FontFace] = []
    files = sorted(f for f in font_dir.iterdir() if f.suffix.lower() in FONT_SUFFIXES)
    loc = ("fonts", "dirs")
    if not files:
        _problem(source, diag, loc, "font folder holds no .ttf or .otf file",
                 value=shown(font_dir, paths.root))
    for path in files:
        if not inside(path, [paths.root]) or not path.is_file():
            _problem(source, diag, loc, f"refused: font file {path.name} is a link to a file "
                     "outside the project, or not a regular file", value=path.name,
                     hint="copy the font file into the folder")
            continue
        try:
            with TTFont(path, lazy=True) as font:
                name = font["name"]
                family = name.getDebugName(16) or name.getDebugName(1)
                weight = int(font["OS/2"].usWeightClass)
                italic = bool(font["OS/2"].fsSelection & 1) or bool(font["head"].macStyle & 2)
                # Only the characters matter: numbering the glyphs spares reading their names
                # (the post or CFF table), two thirds of the time this check takes.
                font.setGlyphOrder([f"g{i}" for i in range(font["maxp"].numGlyphs)])
                chars = frozenset(font.getBestCmap())
        except Exception as exc:  # a corrupt font file
            _problem(source, diag, loc, f"unreadable font file {path.name}: {exc}",
                     value=path.name)
            continue
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}", str(family or "")):
            _problem(source, diag, loc, f"font file {path.name} names its family with "
                     "characters that are not allowed", value=family,
                     hint="a family name holds letters, digits, spaces, dots, hyphens and "
                     "underscores only; use another build of the font")
            continue
        missing = [c for c in TEXT_CHARS if ord(c) not in chars]
        if missing:
            listed = " ".join(f"U+{ord(c):04X}" if c.isspace() else c for c in missing[:12])
            _problem(source, diag, loc, f"font file {path.name} lacks {len(missing)} characters "
                     f"the report uses: {listed}{' …' if len(missing) > 12 else ''}",
                     value=path.name, hint="use a complete version of the font, or leave this "
                     "face out")
        faces.append(FontFace(str(family), weight, "italic" if italic else "normal", path, chars))
    return faces


def _check_fonts(model: ThemeFile, folder: Path, paths: Paths, source: Source,
                 diag: Diagnostics) -> tuple[list[FontFace], dict[str, str]]:
    folders = _font_folders(model, folder, paths, source, diag)
    faces = [face for font_dir in folders for face in _faces(font_dir, paths, source, diag)]
    families = sorted({face.family for face in faces})
    roles: dict[str, str] = {}
    if len(folders) < len(model.fonts.dirs):  # a folder is missing: its families are unknown
        return faces, roles
    for role in (*FONT_ROLES, "fallback"):
        family = getattr(model.fonts, role)
        if family is None or not faces:
            continue
        if family not in families:
            close = difflib.get_close_matches(family, families, n=1)
            _problem(source, diag, ("fonts", role), "names a family that no font file in "
                     "fonts.dirs provides", value=family,
                     hint=f"did you mean {close[0]!r}?" if close else
                     f"families found: {', '.join(families)}")
            continue
        roles[role] = family
    lacking: dict[tuple[str, str], list[str]] = {}  # (family, face) → the roles that need it
    for role, family in roles.items():
        own = [f for f in faces if f.family == family]
        for what, (style, low, high) in FACES_NEEDED.get(role, {}).items():
            if not any(f.style == style and low <= f.weight <= high for f in own):
                lacking.setdefault((family, what), []).append(role)
    for (family, what), needing in lacking.items():
        _problem(source, diag, ("fonts", needing[0]),
                 f"family {family!r} has no {what} face, which the report uses, so the engine "
                 "would fake it" + (f" (also used as fonts.{', fonts.'.join(needing[1:])})"
                                    if needing[1:] else ""), value=family,
                 hint=f"add the {what} font file to a folder of fonts.dirs")

    def draws(family: str | None) -> bool:
        own = [f for f in faces if f.family == family]
        return bool(own) and all(ord(c) in f.chars for f in own for c in MARKERS)

    if {"body", "heading"} <= set(roles) and not any(
        draws(roles.get(r)) for r in ("body", "heading", "fallback")
    ):
        _problem(source, diag, ("fonts", "fallback" if model.fonts.fallback else "heading"),
                 f"neither fonts.body ({roles['body']!r}) nor fonts.heading ({roles['heading']!r})"
                 + (f" nor fonts.fallback ({roles['fallback']!r})" if "fallback" in roles else "")
                 + " draws the significance markers ▲ ▼", hint='set fonts.fallback = "Inter" and '
                 'add "styles/fonts/inter" to fonts.dirs (Inter draws them)')
    if "chart" in roles and not (draws(roles["chart"]) or draws(roles.get("fallback"))):
        _problem(source, diag, ("fonts", "chart"), f"{roles['chart']!r} does not draw the markers "
                 "▲ ▼ on the bars, and no fonts.fallback does", value=roles["chart"],
                 hint='set fonts.fallback = "Inter" and add "styles/fonts/inter" to fonts.dirs')
    return faces, roles


# Logos and overrides ---------------------------------------------------------------------------

def svg_problems(path: Path) -> list[str]:
    """Why an SVG file is not safe to place in the report (no scripts, no external references),
    each as a sentence: «has a <script> element»."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [f"cannot be read as UTF-8 text ({exc})"]
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        return ["has a DOCTYPE or ENTITY declaration"]
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        return [f"is not well-formed XML ({exc})"]
    if root.tag.rpartition("}")[2] != "svg":
        return ["is not an SVG document"]
    problems: list[str] = []
    for element in root.iter():
        tag = element.tag.rpartition("}")[2]
        if tag in {"script", "foreignObject", "iframe", "embed", "object", "audio", "video"}:
            problems.append(f"has a <{tag}> element")
        for name, value in element.attrib.items():
            local = name.rpartition("}")[2]
            if local.lower().startswith("on"):
                problems.append(f"has an event handler {local!r}")
            elif local == "href" and not value.startswith("#"):
                problems.append(f"refers to {value[:40]!r} (only #local references are allowed)")
            elif re.search(r"url\(\s*['\"]?(?!#)", value):
                problems.append(f"refers to an external url() in {local!r}")
        if tag == "style" and re.search(r"@import|url\(\s*['\"]?(?!#)", element.text or ""):
            problems.append("has a <style> that imports or refers to an external file")
    return list(dict.fromkeys(problems))


def _check_logos(model: ThemeFile, folder: Path, paths: Paths, source: Source,
                 diag: Diagnostics) -> Path | None:
    logo: Path | None = None
    if model.logo:
        candidate = folder / model.logo
        if not candidate.exists() or not inside(candidate, [folder]) or not candidate.is_file():
            _problem(source, diag, ("logo",), "logo file not found in the theme folder",
                     value=model.logo, hint="give a path relative to the theme folder, e.g. "
                     "logo.svg")
        elif candidate.suffix.lower() != ".svg":
            _problem(source, diag, ("logo",), "the logo must be an SVG file (sharp in print and "
                     "on screen)", value=model.logo)
        else:
            logo = candidate.resolve()
    logos = folder / "logos"
    checked = [folder / model.logo] if logo and model.logo else []
    checked += sorted(logos.glob("*.svg")) if logos.is_dir() else []
    for path in dict.fromkeys(checked):
        file = shown(path, paths.root)
        if not inside(path, [folder]) or not path.is_file():
            # a link out of the theme, a pipe or a device is refused without being read
            diag.error(ThemeError("refused: a logo must be a regular file inside the theme "
                                  "folder", file=file, value=str(path.resolve()),
                                  hint="copy the file into the theme folder"))
            continue
        if path.stat().st_size > MAX_LOGO_BYTES:
            diag.error(ThemeError(f"logo larger than {MAX_LOGO_BYTES // 1024 // 1024} MB",
                                  file=file, hint="export a plain, simplified SVG"))
            continue
        for problem in svg_problems(path):
            diag.error(ThemeError(f"unsafe SVG: the file {problem}", file=file,
                                  hint="export a plain SVG: shapes and text only, no scripts, "
                                  "links or embedded images"))
    return logo


def _read_overrides(folder: Path, paths: Paths, diag: Diagnostics) -> str:
    path = folder / "overrides.css"
    if not path.exists() and not path.is_symlink():
        return ""
    file = shown(path, paths.root)
    try:
        css = read_text(path, ThemeError, root=folder, limit=MAX_OVERRIDES_BYTES, name=file)
    except ThemeError as exc:
        diag.error(exc)
        return ""
    if "</" in css:
        line = css[:css.index("</")].count("\n") + 1
        diag.error(ThemeError("must hold CSS only, not HTML", file=file, line=line, value="</"))
        return ""
    return css


# The theme ---------------------------------------------------------------------------------------

def _check_inks(model: ThemeFile, colors: dict[str, str], source: Source,
                diag: Diagnostics) -> dict[str, tuple[float, float, float, float]]:
    """``[colors_cmyk]``: one ink per chart colour if given; one colour, one ink."""
    given = model.colors_cmyk
    if given is None:
        return {}
    pairs: list[tuple[tuple[str | int, ...], str, list[float]]] = [
        (("colors_cmyk", key), colors[key], ink) for key in COLOR_KEYS
        if (ink := getattr(given, key)) is not None]
    if given.chart is not None:
        if len(given.chart) != len(model.colors.chart):
            _problem(source, diag, ("colors_cmyk", "chart"), "must give one CMYK value per "
                     f"chart colour ({len(model.colors.chart)})", value=given.chart)
        else:
            pairs += [(("colors_cmyk", "chart", i), colour.upper(), ink) for i, (colour, ink)
                      in enumerate(zip(model.colors.chart, given.chart, strict=True))]
    inks: dict[str, tuple[float, float, float, float]] = {}
    for loc, colour, ink in pairs:
        value = (round(ink[0] / 100, 4), round(ink[1] / 100, 4), round(ink[2] / 100, 4),
                 round(ink[3] / 100, 4))
        if inks.setdefault(colour, value) != value:
            _problem(source, diag, loc, f"{colour} already prints as "
                     f"{[round(v * 100) for v in inks[colour]]}", value=list(ink),
                     hint="give one colour one ink")
    return inks


def load_theme(paths: Paths, name: str, diag: Diagnostics) -> Theme | None:
    """Read and check one theme; every problem goes to ``diag``, naming the file, key and line.
    Returns the theme, or None when it has a problem."""
    from .schemas import ThemeFile, validate
    from .sources import load_toml

    folder = paths.themes / name
    theme_file = folder / "theme.toml"
    file = shown(theme_file, paths.root)
    if not NAME.match(name) or not theme_file.is_file():
        available = sorted(p.name for p in paths.themes.iterdir() if (p / "theme.toml").is_file()
                           and NAME.match(p.name)) if paths.themes.is_dir() else []
        close = difflib.get_close_matches(name, available, n=1)
        create = f"python build.py --new-theme {shlex.quote(name)}" if NAME.match(name) else \
            "python build.py --new-theme NAME (lowercase letters, digits and hyphens)"
        diag.error(ThemeError(
            f"theme {name!r} not found", file=file if NAME.match(name) else None,
            hint=(f"did you mean {close[0]!r}? " if close else "")
            + f"available themes: {', '.join(available)}; create one with: {create}"))
        return None
    found = len(diag.errors)
    with diag.collecting():
        source = load_toml(theme_file, ThemeError, root=paths.root,
                           empty_hint="see themes/default/theme.toml")
        model = validate(ThemeFile, source, diag, ThemeError)
        if model is None:
            return None
        if model.name != name:
            _problem(source, diag, ("name",), f"does not match the theme's folder name {name!r}",
                     value=model.name, hint=f'write name = "{name}"')
        colors = _check_colours(model, source, diag)
        inks = _check_inks(model, colors, source, diag)
        faces, roles = _check_fonts(model, folder, paths, source, diag)
        logo = _check_logos(model, folder, paths, source, diag)
        overrides = _read_overrides(folder, paths, diag)
        if len(diag.errors) > found:
            return None
        return Theme(
            name=name,
            folder=folder,
            colors=colors,
            chart_colors=tuple(c.upper() for c in model.colors.chart),
            body_font=roles["body"],
            heading_font=roles["heading"],
            chart_font=roles["chart"],
            faces=tuple(faces),
            label=model.label.as_dict() if model.label else {},
            logo=logo,
            cover_line=model.cover_line.as_dict() if model.cover_line else {},
            overrides_css=overrides,
            fallback_font=roles.get("fallback"),
            cmyk=inks,
        )
    return None
