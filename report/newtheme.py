"""Scaffolding: create a partner theme folder from the house style (``--new-theme NAME``).

Input: the project folder and a theme name (lowercase letters, digits and hyphens).
Output: ``themes/<name>/`` with ``theme.toml`` (the house style's tokens, every key explained),
an example ``overrides.css`` and ``logos/README.md``; the list of files written. An existing folder
or a bad name is refused with a :class:`~report.errors.ThemeError`, and nothing is written.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from .errors import ThemeError
from .theme import NAME

THEME_TOML = """\
# Theme «{name}»: a partner edition of the report, made with `python build.py --new-theme {name}`.
# It starts as a copy of the house style (themes/default). Change what the partner needs, then run
#   python build.py --theme {name} --check    checks this file: keys, colours, contrast, fonts, logo
#   python build.py --theme {name}            writes the PDFs, named …-screen-{name}.pdf, in dist/
# Any problem is reported with this file's name, the key and its line.

name = "{name}"   # the folder's name

# The partner's logo: a plain SVG file in this folder (shapes and text only: no scripts, no links,
# no embedded images). It goes on the cover and on the partners page. Remove the # to use it.
# logo = "logo.svg"

# The edition's name: the logo's alternative text, and the partners page when there is no cover line.
[label]
fr = "Édition {name}"
en = "{name} edition"

# The line printed on the cover under the titles, in both languages. Remove the # and complete.
# [cover_line]
# fr = "Édition préparée pour …"
# en = "Edition prepared for …"

# Colours as #RRGGBB. The build checks WCAG AA contrast for the pairs named below.
[colors]
primary = "{primary}"      # headings, the cover, the first chart series: 3:1 on background, 4.5:1 on surface
accent = "{accent}"       # rules, small labels, ▲ ▼ markers: 4.5:1 on background
text = "{text}"         # running text: 4.5:1 on background and on surface
muted = "{muted}"        # captions, notes, running heads: 4.5:1 on background
background = "{background}"   # the page
surface = "{surface}"      # callouts and case profiles
rule = "{rule}"         # table rules and chart grid lines (decorative: no minimum)
cover_text = "{cover_text}"   # text on the cover: 4.5:1 on primary
# Chart bars, one colour per series in this order (at least 4; each 3:1 on background).
chart = {chart}

# Font families, named as the font files name them. The build reads every .ttf/.otf file in dirs.
[fonts]
# running text: needs regular, italic and bold faces
body = "{body}"
# headings, captions, tables, the cover: needs regular and bold faces
heading = "{heading}"
# chart labels
chart = "{chart_font}"
# drawn only for characters the families above lack (▲ ▼); then add "styles/fonts/inter" to dirs
# fallback = "Inter"
# Folders of font files, relative to this folder or to the project root. A partner's own fonts go in
# fonts/<family>/ here, with their licence (e.g. OFL.txt); only fonts whose licence allows embedding.
dirs = {dirs}
"""

OVERRIDES_CSS = """\
/* Overrides of the theme «{name}»: layout the tokens in theme.toml cannot express (mostly the cover).
   Colours and fonts need no CSS: change them in theme.toml and they reach every page and chart.
   This file is read after the tokens and before styles/report.css: start each selector with `body`
   so that it outranks the house rule it changes, and use the tokens (var(--color-primary),
   var(--color-accent), var(--chart-2), var(--font-heading) …) rather than new colours.
   Remove the comment marks around an example to try it. */

/* Real logos on the partners page need no placeholder frame. */
body .logo-slot.has-logo {{ border: none; }}

/* A bigger logo on the cover:
body .cover-logo {{ height: 22mm; }}
*/

/* The cover line as a tag in the accent colour:
body .cover-line {{ right: auto; background: var(--color-accent); padding: 2.5mm 5mm;
                    font-style: normal; }}
*/

/* Titles centred on the cover:
body .cover-titles, body .cover-title, body .cover-subtitle {{ text-align: center; }}
*/
"""

LOGOS_README = """\
# Logos of the theme «{name}»

- **The partner's own logo** (cover and partners page): save it in the theme folder, e.g.
  `themes/{name}/logo.svg`, and set `logo = "logo.svg"` in `theme.toml`.
- **Logos of the report's partners** (partners page): save each one here as `<partner-id>.svg`, with
  the ids of `data/report.toml`: {ids}. A partner without a file keeps its framed "Logo" placeholder.

Logos are SVG files, plain: shapes and text, no `<script>`, no links to other files or to the web,
no embedded images. `python build.py --theme {name} --check` checks every SVG here and names any
problem. Use an organisation's logo only with its permission.
"""


def create_theme(root: Path, name: str) -> list[Path]:
    """Write ``themes/<name>/`` from the house style; return the files written."""
    themes = root / "themes"
    if not NAME.match(name):
        raise ThemeError("a theme name is 1 to 40 lowercase letters, digits and hyphens",
                         value=name, hint="for example fondation-xyz")
    folder = themes / name
    if folder.exists():
        raise ThemeError("this theme folder already exists; nothing was written",
                         file=f"themes/{name}",
                         hint=f"edit it, or choose another name than {name!r}")
    house = themes / "default" / "theme.toml"
    try:
        default = tomllib.loads(house.read_text(encoding="utf-8"))
        colors, fonts = default["colors"], default["fonts"]
        values = {key: colors[key] for key in ("primary", "accent", "text", "muted", "background",
                                               "surface", "rule", "cover_text")}
        values |= {"chart": json.dumps(colors["chart"]), "body": fonts["body"],
                   "heading": fonts["heading"], "chart_font": fonts["chart"],
                   "dirs": json.dumps(fonts["dirs"])}
    except (OSError, tomllib.TOMLDecodeError, KeyError) as exc:
        raise ThemeError(f"the house style cannot be read: {exc}", file="themes/default/theme.toml",
                         hint="python build.py --check names the problem") from None
    try:
        report = tomllib.loads((root / "data" / "report.toml").read_text(encoding="utf-8"))
        ids = ", ".join(f"`{p['id']}`" for p in report.get("partners", []))
    except (OSError, tomllib.TOMLDecodeError, KeyError):
        ids = "(see `[[partners]]`)"
    files = {
        folder / "theme.toml": THEME_TOML.format(name=name, **values),
        folder / "overrides.css": OVERRIDES_CSS.format(name=name),
        folder / "logos" / "README.md": LOGOS_README.format(name=name, ids=ids),
    }
    (folder / "logos").mkdir(parents=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    return list(files)


def next_steps(name: str) -> str:
    """What the designer edits next, printed after the folder is created."""
    return "\n".join([
        f"created themes/{name}/ from the house style: theme.toml, overrides.css, logos/README.md",
        "next:",
        f"  1. edit themes/{name}/theme.toml: label, cover_line, colors, fonts (each key is explained)",
        f"  2. save the partner's logo as themes/{name}/logo.svg and uncomment logo = \"logo.svg\"",
        f"  3. check it:  python build.py --theme {name} --check",
        f"  4. build it:  python build.py --theme {name}   (see README, «Making a partner edition»)",
    ])
