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
inside the theme folder, a safe SVG) and ``overrides.css``.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fontTools.ttLib import TTFont

from . import LANGUAGES
from .errors import ReportError, ThemeError, raise_if_any, read_utf8, toml_key_lines, toml_position

if TYPE_CHECKING:  # the charts (Altair) load only when a build draws them
    from .charts import ChartStyle
    from .config import Paths

HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")  # a theme folder: fondation-xyz
COLOR_KEYS = ("primary", "accent", "text", "muted", "background", "surface", "rule", "cover_text")
FONT_ROLES = ("body", "heading", "chart")
FONT_SUFFIXES = (".ttf", ".otf")

# Every key a theme file may hold (a trailing "[]" marks a list). Anything else is a typo.
SCHEMA: dict[str, str] = {
    "name": "str",
    "logo": "str",
    **{f"label.{lang}": "str" for lang in LANGUAGES},
    **{f"cover_line.{lang}": "str" for lang in LANGUAGES},
    **{f"colors.{key}": "color" for key in COLOR_KEYS},
    "colors.chart": "color[]",
    # optional: the brand guide's CMYK for a colour (percentages), used as given in print
    **{f"colors_cmyk.{key}": "cmyk" for key in COLOR_KEYS},
    "colors_cmyk.chart": "cmyk[]",
    **{f"fonts.{role}": "str" for role in FONT_ROLES},
    "fonts.fallback": "str",
    "fonts.dirs": "str[]",
}
TABLES = {key.split(".")[0] for key in SCHEMA if "." in key}
REQUIRED = [f"colors.{key}" for key in COLOR_KEYS] + ["colors.chart", "fonts.dirs"] + [
    f"fonts.{role}" for role in FONT_ROLES]

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
        return ", ".join(repr(name) for name in names)

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

    def css(self) -> str:
        """``@font-face`` rules and the tokens as CSS custom properties (``overrides.css`` is
        emitted separately, after the stylesheets, so that it wins over them)."""
        rules = []
        for face in self.faces:
            rules.append(
                f"@font-face {{ font-family: {face.family!r}; src: url({face.path.as_uri()!r}); "
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


# Reading the theme file -------------------------------------------------------------------------

def contrast(a: str, b: str) -> float:
    """The WCAG 2.1 contrast ratio of two ``#RRGGBB`` colours (1 to 21)."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


class _Problems:
    """Collects the problems of one theme file, each located at its key's line."""

    def __init__(self, file: Path, shown: str, text: str) -> None:
        self.file = file
        self.shown = shown
        self.lines = toml_key_lines(text)
        self.errors: list[ReportError] = []

    def line(self, key: str) -> int | None:
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key.rpartition(".")[0]
        return None

    def add(self, key: str, message: str, value: Any = None, hint: str | None = None) -> None:
        self.errors.append(ThemeError(f"{key}: {message}", file=self.shown, line=self.line(key),
                                      value=value, hint=hint))


def _flatten(raw: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and path in TABLES:
            if not value:
                flat[path] = value
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def _closest(key: str) -> str | None:
    candidates = sorted({*SCHEMA, *TABLES})
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
    if not close:  # a right key in the wrong table: `primary` → `colors.primary`
        leaf = key.rpartition(".")[2]
        by_leaf = {k.rpartition(".")[2]: k for k in candidates}
        close = [by_leaf[m] for m in difflib.get_close_matches(leaf, list(by_leaf), n=1, cutoff=0.75)]
    return close[0] if close else None


def _check_keys(flat: dict[str, Any], p: _Problems) -> None:
    for key, value in flat.items():
        kind = SCHEMA.get(key)
        if kind is None:
            if key in TABLES:
                p.add(key, f"[{key}] must be a table of keys", value=value)
                continue
            close = _closest(key)
            p.add(key, "unknown key", hint=f"did you mean {close!r}?" if close else
                  f"valid keys: {', '.join(sorted(SCHEMA))}")
        elif kind == "str" and not (isinstance(value, str) and value.strip()):
            p.add(key, "must be a non-empty text in quotes", value=value)
        elif kind == "str[]" and not (isinstance(value, list) and value
                                      and all(isinstance(v, str) for v in value)):
            p.add(key, "must be a list of texts in quotes", value=value)
    suggested = {_closest(key) for key in flat if key not in SCHEMA}
    for key in REQUIRED:
        if key not in flat and key not in suggested:  # a typo of it was reported just above
            p.add(key, "missing", hint="every theme sets it; see themes/default/theme.toml")
    for table in ("label", "cover_line"):
        given = [lang for lang in LANGUAGES if f"{table}.{lang}" in flat]
        if given and len(given) != len(LANGUAGES):
            missing = next(lang for lang in LANGUAGES if lang not in given)
            p.add(f"{table}.{missing}", "missing: give the text in every language",
                  hint=f"{table} needs {' and '.join(LANGUAGES)}")


def _check_colors(flat: dict[str, Any], p: _Problems) -> tuple[dict[str, str], list[str]]:
    colors: dict[str, str] = {}
    for key in COLOR_KEYS:
        value = flat.get(f"colors.{key}")
        if value is None:
            continue
        if isinstance(value, str) and HEX.match(value):
            colors[key] = value.upper()
        else:
            p.add(f"colors.{key}", "must be a colour like #1A2B3C", value=value,
                  hint="six hexadecimal digits after #")
    chart: list[str] = []
    value = flat.get("colors.chart")
    if value is not None:
        if isinstance(value, list) and len(value) >= 4 and all(
            isinstance(c, str) and HEX.match(c) for c in value
        ):
            chart = [c.upper() for c in value]
        else:
            bad = [c for c in value if not (isinstance(c, str) and HEX.match(c))] if isinstance(
                value, list) else value
            p.add("colors.chart", "must list at least 4 colours like #1A2B3C (the largest chart "
                  "compares four groups)", value=bad or value)
    for fg, bg, minimum, where in CONTRAST:
        if fg in colors and bg in colors:
            ratio = contrast(colors[fg], colors[bg])
            if ratio < minimum:
                p.add(f"colors.{fg}", f"contrast with colors.{bg} is {ratio:.2f}:1, under the "
                      f"{minimum:g}:1 that WCAG AA asks for {where}", value=colors[fg],
                      hint=f"make colors.{fg} {'darker' if _light(colors[bg]) else 'lighter'} "
                      f"or change colors.{bg}")
    if "background" in colors:
        for i, colour in enumerate(chart):
            ratio = contrast(colour, colors["background"])
            if ratio < CHART_CONTRAST:
                p.add("colors.chart", f"colour {i + 1} has a contrast of {ratio:.2f}:1 with "
                      f"colors.background, under the {CHART_CONTRAST:g}:1 that WCAG AA asks for "
                      "chart bars", value=colour,
                      hint=f"use a {'darker' if _light(colors['background']) else 'lighter'} shade")
    return colors, chart


def _check_cmyk(flat: dict[str, Any], colors: dict[str, str], chart: list[str],
                p: _Problems) -> dict[str, tuple[float, float, float, float]]:
    """``[colors_cmyk]``: four percentages per colour; one colour, one ink."""
    given: list[tuple[str, str | None, Any]] = [
        (f"colors_cmyk.{key}", colors.get(key), flat[f"colors_cmyk.{key}"])
        for key in COLOR_KEYS if f"colors_cmyk.{key}" in flat]
    series = flat.get("colors_cmyk.chart")
    if series is not None:
        if not isinstance(series, list) or len(series) != len(chart):
            p.add("colors_cmyk.chart", f"must list one CMYK value per chart colour "
                  f"({len(chart)})", value=series)
        else:
            given += [("colors_cmyk.chart", hex_, value) for hex_, value in zip(chart, series, strict=True)]
    inks: dict[str, tuple[float, float, float, float]] = {}
    for key, hex_, value in given:
        if not (isinstance(value, list) and len(value) == 4 and all(
                isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 100
                for v in value)):
            p.add(key, "must be four percentages [C, M, Y, K] from 0 to 100", value=value,
                  hint="e.g. [100, 30, 0, 40], as the brand guide gives them")
            continue
        ink = tuple(round(v / 100, 4) for v in value)
        if hex_ is not None and inks.setdefault(hex_, ink) != ink:  # type: ignore[arg-type]
            p.add(key, f"{hex_} already prints as {[round(v * 100) for v in inks[hex_]]}",
                  value=value, hint="give one colour one ink")
    return inks


def _light(colour: str) -> bool:
    return contrast(colour, "#000000") > contrast(colour, "#FFFFFF")


# Fonts ---------------------------------------------------------------------------------------

def _faces(folder: Path, key: str, p: _Problems) -> list[FontFace]:
    faces: list[FontFace] = []
    files = sorted(f for f in folder.iterdir() if f.suffix.lower() in FONT_SUFFIXES)
    if not files:
        p.add(key, "font folder holds no .ttf or .otf file", value=str(folder))
    for path in files:
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
            p.add(key, f"unreadable font file {path.name}: {exc}", value=str(path))
            continue
        missing = [c for c in TEXT_CHARS if ord(c) not in chars]
        if missing:
            shown = " ".join(f"U+{ord(c):04X}" if c.isspace() else c for c in missing[:12])
            p.add(key, f"font file {path.name} lacks {len(missing)} characters the report uses: "
                  f"{shown}{' …' if len(missing) > 12 else ''}", value=str(path),
                  hint="use a complete version of the font, or leave this face out")
        faces.append(FontFace(str(family), weight, "italic" if italic else "normal", path, chars))
    return faces


def _check_fonts(flat: dict[str, Any], folder: Path, paths: Paths,
                 p: _Problems) -> tuple[list[FontFace], dict[str, str]]:
    faces: list[FontFace] = []
    dirs = flat.get("fonts.dirs")
    for folder_name in dirs if isinstance(dirs, list) else []:
        if not isinstance(folder_name, str):
            continue
        candidate = folder / folder_name
        font_dir = candidate if candidate.is_dir() else paths.root / folder_name
        if not font_dir.is_dir():
            p.add("fonts.dirs", "font folder not found", value=folder_name,
                  hint="give folders relative to the theme folder or to the project root")
            continue
        faces += _faces(font_dir, "fonts.dirs", p)
    families = sorted({face.family for face in faces})
    roles: dict[str, str] = {}
    for role in (*FONT_ROLES, "fallback"):
        family = flat.get(f"fonts.{role}")
        if not isinstance(family, str) or not family.strip() or not faces:
            continue
        if family not in families:
            close = difflib.get_close_matches(family, families, n=1)
            p.add(f"fonts.{role}", "names a family that no font file in fonts.dirs provides",
                  value=family, hint=f"did you mean {close[0]!r}?" if close else
                  f"families found: {', '.join(families)}")
            continue
        roles[role] = family
    lacking: dict[tuple[str, str], list[str]] = {}  # (family, face) → the roles that need it
    for role, family in roles.items():
        own = [f for f in faces if f.family == family]
        needed = {"regular": [f for f in own if f.style == "normal" and f.weight <= 500],
                  "bold": [f for f in own if f.style == "normal" and f.weight >= 600]}
        if role == "body":
            needed["italic"] = [f for f in own if f.style == "italic"]
        for what, found in needed.items():
            if role != "fallback" and not found:
                lacking.setdefault((family, what), []).append(f"fonts.{role}")
    for (family, what), keys in lacking.items():
        p.add(keys[0], f"family {family!r} has no {what} face, so the report would fake it"
              + (f" (also used by {', '.join(keys[1:])})" if keys[1:] else ""), value=family,
              hint=f"add the {what} font file to a folder of fonts.dirs")

    def draws(family: str | None) -> bool:
        own = [f for f in faces if f.family == family]
        return bool(own) and all(ord(c) in f.chars for f in own for c in MARKERS)

    if {"body", "heading"} <= set(roles) and not any(
        draws(roles.get(r)) for r in ("body", "heading", "fallback")
    ):
        p.add("fonts.fallback" if "fonts.fallback" in flat else "fonts.heading",
              f"neither fonts.body ({roles['body']!r}) nor fonts.heading ({roles['heading']!r})"
              + (f" nor fonts.fallback ({roles['fallback']!r})" if "fallback" in roles else "")
              + " draws the significance markers ▲ ▼", hint='set fonts.fallback = "Inter" and add '
              '"styles/fonts/inter" to fonts.dirs (Inter draws them)')
    if "chart" in roles and not (draws(roles["chart"]) or draws(roles.get("fallback"))):
        p.add("fonts.chart", f"{roles['chart']!r} does not draw the markers ▲ ▼ on the bars, and "
              "no fonts.fallback does", value=roles["chart"],
              hint='set fonts.fallback = "Inter" and add "styles/fonts/inter" to fonts.dirs')
    return faces, roles


# Logos and overrides ---------------------------------------------------------------------------

def svg_problems(path: Path) -> list[str]:
    """Why an SVG file is not safe to place in the report (no scripts, no external references)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [f"unreadable: {exc}"]
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        return ["has a DOCTYPE or ENTITY declaration"]
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        return [f"is not well-formed XML: {exc}"]
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
            problems.append("its <style> imports or refers to an external file")
    return list(dict.fromkeys(problems))


def _check_logos(flat: dict[str, Any], folder: Path, p: _Problems) -> Path | None:
    logo: Path | None = None
    value = flat.get("logo")
    if isinstance(value, str) and value.strip():
        candidate = (folder / value).resolve()
        if folder.resolve() not in candidate.parents or not candidate.is_file():
            p.add("logo", "logo file not found in the theme folder", value=value,
                  hint="give a path relative to the theme folder, e.g. logo.svg")
        elif candidate.suffix.lower() != ".svg":
            p.add("logo", "the logo must be an SVG file (sharp in print and on screen)",
                  value=value)
        else:
            logo = candidate
    logos = folder / "logos"
    checked = [logo] if logo else []
    checked += sorted(f.resolve() for f in logos.glob("*.svg")) if logos.is_dir() else []
    base = p.shown.rpartition("/")[0]
    inside = folder.resolve()
    for path in dict.fromkeys(checked):
        if inside not in path.parents or not path.is_file():
            # a link out of the theme, a pipe or a device is refused without being read
            p.errors.append(ThemeError("a logo must be a regular file inside the theme folder",
                                       file=f"{base}/logos/{path.name}", value=str(path)))
            continue
        if path.stat().st_size > 2 * 1024 * 1024:
            p.errors.append(ThemeError("logo larger than 2 MB", file=f"{base}/logos/{path.name}",
                                       hint="export a plain, simplified SVG"))
            continue
        shown = f"{base}/{path.relative_to(inside).as_posix()}"
        for problem in svg_problems(path):
            p.errors.append(ThemeError(f"unsafe SVG: it {problem}", file=shown,
                                       hint="export a plain SVG: shapes and text only, "
                                       "no scripts, links or embedded images"))
    return logo


def _read_overrides(folder: Path, p: _Problems) -> str:
    path = folder / "overrides.css"
    if not path.is_file():
        return ""
    shown = f"{p.shown.rpartition('/')[0]}/overrides.css"
    try:
        css = read_utf8(path, ThemeError, shown=shown)  # a byte-order mark is dropped
    except ThemeError as exc:
        p.errors.append(exc)
        return ""
    if "</" in css:
        line = css[:css.index("</")].count("\n") + 1
        p.errors.append(ThemeError("must hold CSS only, not HTML", line=line, value="</",
                                   file=shown))
    return css


def load_theme(paths: Paths, name: str = "default") -> Theme:
    """Read and check one theme; every problem is reported at once, naming the file, key and line."""
    folder = paths.themes / name
    theme_file = folder / "theme.toml"
    try:
        shown = theme_file.relative_to(paths.root).as_posix()
    except ValueError:
        shown = str(theme_file)
    if not NAME.match(name) or not theme_file.is_file():
        available = sorted(p.name for p in paths.themes.iterdir() if (p / "theme.toml").is_file()) \
            if paths.themes.is_dir() else []
        close = difflib.get_close_matches(name, available, n=1)
        raise ThemeError(f"theme {name!r} not found", file=shown,
                         hint=(f"did you mean {close[0]!r}? " if close else "")
                         + f"available themes: {', '.join(available)}; "
                         f"create one with python build.py --new-theme {name}")
    text = read_utf8(theme_file, ThemeError, shown=shown)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line, column = toml_position(exc)
        raise ThemeError(f"invalid TOML: {message}", file=shown, line=line, column=column,
                         hint="see themes/default/theme.toml for the syntax") from None
    p = _Problems(theme_file, shown, text)
    flat = _flatten(raw)
    _check_keys(flat, p)
    if "name" in flat and flat["name"] != name:
        p.add("name", f"does not match the theme's folder name {name!r}", value=flat["name"],
              hint=f'write name = "{name}"')
    colors, chart = _check_colors(flat, p)
    cmyk = _check_cmyk(flat, colors, chart, p)
    faces, roles = _check_fonts(flat, folder, paths, p)
    logo = _check_logos(flat, folder, p)
    overrides = _read_overrides(folder, p)
    raise_if_any(p.errors, f"theme {name!r} has problems ({shown})")
    return Theme(
        name=name,
        folder=folder,
        colors=colors,
        chart_colors=tuple(chart),
        body_font=roles["body"],
        heading_font=roles["heading"],
        chart_font=roles["chart"],
        faces=tuple(faces),
        label={lang: flat[f"label.{lang}"] for lang in LANGUAGES if f"label.{lang}" in flat},
        logo=logo,
        cover_line={lang: flat[f"cover_line.{lang}"] for lang in LANGUAGES
                    if f"cover_line.{lang}" in flat},
        overrides_css=overrides,
        fallback_font=roles.get("fallback"),
        cmyk=cmyk,
    )
