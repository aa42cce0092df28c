"""Stage 6b, bilingual edition: both languages in one PDF, French first.

Input: the configuration, the documents of both languages, the theme and the stylesheets.
Output: one HTML string: a bilingual cover, then each language as a part with its own title page,
front matter, table of contents, page numbering and bookmarks, declared with its ``lang`` so that
hyphenation and screen readers switch language. Every id of a part is prefixed with its language so
that links, cross-references and page numbers point inside their own part.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from .errors import RenderError
from .i18n import LANGUAGES, Formatter, typography
from .templates import make_environment, relative_urls, render_fragment

_ID = re.compile(r'(\sid=")([^"]+)(")')
_HREF = re.compile(r'(\s(?:xlink:href|href|data-target)="#)([^"]+)(")')
_URL = re.compile(r"(url\(#)([^)]+)(\))")
PART_LABELS = {"fr": "Édition française", "en": "English edition"}


def prefix_ids(html: str, prefix: str) -> str:
    """Prefix every id and every internal reference to it (href, xlink:href, the contents'
    data-target, url(#…))."""
    html = _ID.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}{m.group(3)}", html)
    html = _HREF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}{m.group(3)}", html)
    return _URL.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}{m.group(3)}", html)


def render_bilingual_html(config: Any, documents: dict[str, Any], theme: Any,
                          stylesheets: list[str]) -> str:
    """The bilingual edition's HTML."""
    env = make_environment(config.paths.templates)
    parts = []
    for lang in LANGUAGES:
        body = render_fragment(config, documents[lang], theme, "bilingual", stylesheets,
                               "body.html")
        parts.append({"lang": lang, "label": PART_LABELS[lang],
                      "title": typography(config.title[lang], lang),
                      "body": Markup(prefix_ids(body, lang))})
    html = env.get_template("bilingual.html").render(
        titles={lang: typography(config.title[lang], lang) for lang in LANGUAGES},
        subtitles={lang: typography(config.subtitle[lang], lang) for lang in LANGUAGES},
        months={lang: Formatter(lang).date(config.date, "month").capitalize()
                for lang in LANGUAGES},
        publisher=config.publisher,
        keywords=f"{config.keywords['fr']}, {config.keywords['en']}",
        date_iso=config.date.isoformat(),
        theme_css=Markup(theme.css()),
        theme_overrides=Markup(theme.overrides_css),
        stylesheets=stylesheets,
        parts=parts,
    )
    for part in parts:  # each language's whole body, laid out as it was checked
        if str(part["body"]) not in html:
            raise RenderError(f"the template leaves out the {part['label']} ({part['lang']})",
                              file=config.paths.templates / "bilingual.html",
                              hint="render each part's body: {{ part.body }}")
    return relative_urls(html, config.paths.root)
