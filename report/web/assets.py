"""Web edition, assets: the theme's tokens and fonts, the stylesheet, the scripts and the logos.

Input: the :class:`~report.theme.Theme` (colours, fonts, logos), the site's stylesheet and scripts
(``templates/web/assets/``), the characters the site's pages use, and the build cache.
Output: files of the site, as bytes by path under ``assets/``:

* ``theme.css``: the theme's ``@font-face`` rules and design tokens, exactly as the PDF editions get
  them (:meth:`Theme.css`), pointing at the site's own font files, plus two web tokens derived from
  them (:func:`web_tokens`), so that a partner theme restyles the site as it restyles the PDFs;
* ``fonts/``: every face of the theme as WOFF2, with its licence. A font whose licence reserves
  its name (the SIL Open Font License's Reserved Font Names: Charis SIL, Lato) is only
  recompressed, its glyphs untouched, as the OFL's FAQ allows under the same name; another is
  subset to the characters the site uses plus Latin-1, Latin Extended-A and the typographic
  punctuation, so that a later edit rarely needs a new subset. Each conversion is cached by the
  font's bytes and characters;
* ``web.css``, ``search.js``: copied from ``templates/web/assets/``;
* ``logos/``: the theme's logo and the partners' logos (SVG files the theme stage has checked).

Nothing is fetched from the network: every file the pages load is here.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from .. import cache as cachelib
from ..errors import RenderError
from ..sources import read_bytes
from ..theme import FontFace, Theme, contrast

ASSETS = "assets"
STATIC = ("web.css", "search.js")
# Always in a subset: Latin-1, Latin Extended-A, general punctuation, arrows, the markers and the
# characters the pages' own chrome draws (the ▲ ▼ of the tables, the → of the page navigation).
BASE_CHARS = frozenset([*range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x2000, 0x2070),
                        0x2190, 0x2191, 0x2192, 0x2193, 0x21A9, 0x25B2, 0x25BC, 0x2212, 0x2026,
                        0x20AC, 0x2116, 0x2122])


def font_path(face: FontFace) -> str:
    """Where a face lives in the site: ``assets/fonts/<folder>/<file stem>.woff2``."""
    return f"{ASSETS}/fonts/{face.path.parent.name}/{face.path.stem}.woff2"


def reserved_name(face: FontFace) -> bool:
    """True when the face's licence (``OFL.txt`` beside it) reserves the font's name, or when
    there is no licence to tell: the face is then served whole, never subset."""
    licence = face.path.parent / "OFL.txt"
    try:
        text = licence.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    # The names are declared with the copyright, above the licence's own text (whose
    # definitions mention «Reserved Font Name» in every copy).
    header = text.split("PREAMBLE", 1)[0].split("SIL OPEN FONT LICENSE", 1)[0]
    return "reserved font name" in header.lower()


def woff2(face: FontFace, chars: frozenset[int], cache: cachelib.Cache) -> bytes:
    """One face as WOFF2: whole when its name is reserved, else subset to ``chars``."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    data = face.path.read_bytes()
    whole = reserved_name(face)
    wanted = "" if whole else ",".join(f"{c:x}" for c in sorted(chars | BASE_CHARS))
    name = cachelib.key("woff2", hashlib.sha256(data).hexdigest(), wanted)
    cached = cache.get("woff2", name)
    if cached is not None:
        return cached
    font = TTFont(io.BytesIO(data))
    if not whole:
        options = subset.Options()
        options.layout_features = ["*"]  # keep kerning, ligatures, figures, small caps
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.glyph_names = False
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(chars | BASE_CHARS))
        subsetter.subset(font)
    font.flavor = "woff2"
    out = io.BytesIO()
    font.save(out, reorderTables=False)
    result = out.getvalue()
    cache.put("woff2", name, result)
    return result


def web_tokens(theme: Theme) -> str:
    """Tokens the site derives from the theme's, for WCAG AA on the web's own uses.

    ``--web-link``: links and small strong text. The theme check guarantees 4.5:1 for the text and
    accent colours on the page but only 3:1 for the primary (headings), so links take the primary
    colour when it reaches 4.5:1, else the text colour (and are underlined in any case).
    """
    colors = theme.colors
    link = colors["primary"] if contrast(colors["primary"], colors["background"]) >= 4.5 \
        else colors["text"]
    return f":root {{\n  --web-link: {link};\n}}\n"


def theme_files(theme: Theme, chars: frozenset[int], cache: cachelib.Cache) -> dict[str, bytes]:
    """``assets/theme.css``, the theme's fonts as WOFF2 and their licences."""
    files: dict[str, bytes] = {}
    for face in theme.faces:
        files[font_path(face)] = woff2(face, chars, cache)
        licence = face.path.parent / "OFL.txt"
        if licence.is_file():
            files[f"{ASSETS}/fonts/{face.path.parent.name}/OFL.txt"] = read_bytes(
                licence, RenderError, root=None)
    # The stylesheet sits in assets/: a face's URL is relative to it.
    css = theme.css(font_url=lambda face: font_path(face).removeprefix(f"{ASSETS}/"))
    files[f"{ASSETS}/theme.css"] = (css + web_tokens(theme)).encode("utf-8")
    return files


def logo_files(config: Any, theme: Theme) -> dict[str, str]:
    """The logos the pages show: ``{"theme" or partner id: path in the site}`` (read by
    :func:`static_files`)."""
    logos = {}
    if theme.logo is not None:
        logos["theme"] = f"{ASSETS}/logos/{theme.name}{theme.logo.suffix}"
    for partner in config.partners:
        if (theme.folder / "logos" / f"{partner.id}.svg").is_file():
            logos[partner.id] = f"{ASSETS}/logos/{partner.id}.svg"
    return logos


def static_files(config: Any, theme: Theme, folder: Path) -> dict[str, bytes]:
    """The stylesheet and scripts (from ``folder``, ``templates/web/assets``) and the logos, read
    as every input is (:func:`report.sources.read_bytes`: inside the project, bounded)."""
    root = config.paths.root

    def read(path: Path) -> bytes:
        return read_bytes(path, RenderError, root=root,
                          missing_hint="restore it from the project's history")

    files = {f"{ASSETS}/{name}": read(folder / name) for name in STATIC}
    for key, path in logo_files(config, theme).items():
        source = theme.logo if key == "theme" else theme.folder / "logos" / f"{key}.svg"
        assert source is not None
        files[path] = read(source)
    return files
