"""Stage 1b, theme: read a theme folder into design tokens shared by the CSS and the charts.

Input: ``themes/<name>/theme.toml`` (colours, fonts and their folders, optional logo and cover line,
optional ``overrides.css``).
Output: a frozen :class:`Theme`: the tokens, the ``@font-face`` rules generated from the font files
themselves (family, weight and style read with fontTools, so a theme cannot declare a face it does not
ship), the CSS custom properties, and the :class:`~report.charts.ChartStyle` for Altair. One set of
tokens feeds both, so a partner's colours reach every chart.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from fontTools.ttLib import TTFont

from .charts import ChartStyle
from .config import Paths
from .errors import ReportError, ThemeError, raise_if_any

HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
COLOR_KEYS = ("primary", "accent", "text", "muted", "background", "surface", "rule", "cover_text")
FONT_SUFFIXES = (".ttf", ".otf")


@dataclass(frozen=True)
class FontFace:
    family: str
    weight: int
    style: str  # normal | italic
    path: Path


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

    @property
    def font_dirs(self) -> tuple[Path, ...]:
        return tuple(sorted({face.path.parent for face in self.faces}))

    def chart_style(self) -> ChartStyle:
        chart_dir = next(f.path.parent for f in self.faces if f.family == self.chart_font)
        return ChartStyle(
            font=self.chart_font,
            font_dir=chart_dir,
            text=self.colors["text"],
            muted=self.colors["muted"],
            grid=self.colors["rule"],
            palette=self.chart_colors,
        )

    def css(self) -> str:
        """``@font-face`` rules and the tokens as CSS custom properties."""
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
            # other (▲ ▼ ☐ are in the heading face), never with a system font.
            f"  --font-body: {self.body_font!r}, {self.heading_font!r};",
            f"  --font-heading: {self.heading_font!r}, {self.body_font!r};",
        ]
        return "\n".join(rules) + "\n:root {\n" + "\n".join(tokens) + "\n}\n" + self.overrides_css


def _faces(folder: Path, errors: list[ReportError], theme_file: Path) -> list[FontFace]:
    faces = []
    if not folder.is_dir():
        errors.append(ThemeError("font folder not found", file=theme_file, value=str(folder),
                                 hint="fonts.dirs lists folders that hold .ttf or .otf files"))
        return faces
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in FONT_SUFFIXES:
            continue
        try:
            with TTFont(path, lazy=True) as font:
                name = font["name"]
                family = name.getDebugName(16) or name.getDebugName(1)
                weight = int(font["OS/2"].usWeightClass)
                italic = bool(font["OS/2"].fsSelection & 1) or bool(font["head"].macStyle & 2)
        except Exception as exc:  # a corrupt font file
            errors.append(ThemeError(f"unreadable font file: {exc}", file=path))
            continue
        faces.append(FontFace(str(family), weight, "italic" if italic else "normal", path))
    return faces


def load_theme(paths: Paths, name: str = "default") -> Theme:
    """Read and check one theme; every problem is reported at once, naming the theme file."""
    folder = paths.themes / name
    theme_file = folder / "theme.toml"
    if not theme_file.is_file():
        available = sorted(p.name for p in paths.themes.iterdir() if (p / "theme.toml").is_file())
        raise ThemeError(f"theme {name!r} not found", file=theme_file,
                         hint=f"available themes: {', '.join(available)}")
    try:
        raw = tomllib.loads(theme_file.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"invalid TOML: {exc.msg}", file=theme_file, line=exc.lineno,
                         column=exc.colno) from None
    except UnicodeDecodeError:
        raise ThemeError("file is not valid UTF-8", file=theme_file) from None
    errors: list[ReportError] = []
    colors_raw = raw.get("colors", {})
    colors: dict[str, str] = {}
    for key in COLOR_KEYS:
        value = colors_raw.get(key)
        if not isinstance(value, str) or not HEX.match(value):
            errors.append(ThemeError(f"colors.{key} must be a colour like #1A2B3C", file=theme_file,
                                     value=value))
        else:
            colors[key] = value.upper()
    chart = colors_raw.get("chart", [])
    if not isinstance(chart, list) or len(chart) < 3 or not all(
        isinstance(c, str) and HEX.match(c) for c in chart
    ):
        errors.append(ThemeError("colors.chart must list at least 3 colours like #1A2B3C",
                                 file=theme_file, value=chart))
        chart = []
    fonts = raw.get("fonts", {})
    faces: list[FontFace] = []
    for folder_name in fonts.get("dirs", []):
        candidate = folder / folder_name
        font_dir = candidate if candidate.is_dir() else paths.root / folder_name
        faces += _faces(font_dir, errors, theme_file)
    families = {face.family for face in faces}
    for role in ("body", "heading", "chart"):
        family = fonts.get(role)
        if family not in families:
            errors.append(ThemeError(f"fonts.{role} names a family that no font file provides",
                                     file=theme_file, value=family,
                                     hint=f"families found: {', '.join(sorted(families))}"))
    logo = None
    if raw.get("logo"):
        logo = (folder / str(raw["logo"])).resolve()
        if not logo.is_file() or folder.resolve() not in logo.parents:
            errors.append(ThemeError("logo file not found in the theme folder", file=theme_file,
                                     value=raw["logo"]))
    overrides = folder / "overrides.css"
    raise_if_any(errors, f"theme {name!r} has problems")
    return Theme(
        name=name,
        folder=folder,
        colors=colors,
        chart_colors=tuple(c.upper() for c in chart),
        body_font=str(fonts["body"]),
        heading_font=str(fonts["heading"]),
        chart_font=str(fonts["chart"]),
        faces=tuple(faces),
        label=dict(raw.get("label", {})),
        logo=logo,
        cover_line=dict(raw.get("cover_line", {})),
        overrides_css=overrides.read_text(encoding="utf-8") if overrides.is_file() else "",
    )
