"""Stylesheets: every CSS file the engine will read is checked before anything renders.

Input: the project's stylesheets (``styles/*.css``) and the theme's ``overrides.css``, and the
design tokens the theme defines.
Output: nothing but diagnostics. Each problem is an error naming the file, line and column:

* what the PDF engine itself would refuse: a syntax error, an unknown property, an invalid value
  or selector (the file is parsed by WeasyPrint's own CSS parser, ``weasyprint.CSS``, and what it
  logs is located in that file, so a problem is named where it is written rather than as an
  anonymous engine warning during layout);
* a ``var(--name)`` without a fallback whose custom property is defined nowhere: a misspelt
  token (``var(--color-primay)``) that the engine would silently drop.

``--check`` runs this, like the build, so a theme's stylesheet that would be refused never
renders.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostics
from .errors import ConfigError, ReportError, ThemeError
from .sources import read_text, shown

if TYPE_CHECKING:
    from .config import Paths
    from .theme import Theme

STYLESHEETS = ("report.css", "screen.css", "print.css", "bilingual.css")
# Custom properties the build defines itself (report/pdf.py page_css) beside the theme's tokens.
BUILD_PROPERTIES = ("--page-width", "--page-height", "--bleed")
_AT = re.compile(r" at (\d+):(\d+)")
_SELECTOR = re.compile(r"selector, '(.*)'", re.DOTALL)
_URL = re.compile(r"(?:stylesheet|image|font) at '?([^' ]+)'?")


def check_stylesheets(paths: Paths, theme: Theme | None, diag: Diagnostics) -> None:
    """Check the project's stylesheets and the theme's overrides (see the module's docstring)."""
    # (file as shown, text, error class, the URL its relative references resolve against)
    sheets: list[tuple[str, str, type[ReportError], str]] = []
    for name in STYLESHEETS:
        path = paths.styles / name
        if path.exists():
            with diag.collecting():
                sheets.append((shown(path, paths.root),
                               read_text(path, ConfigError, root=paths.root), ConfigError,
                               path.as_uri()))
    if theme is not None and theme.overrides_css:  # inlined in the HTML, read from the root
        sheets.append((shown(theme.folder / "overrides.css", paths.root), theme.overrides_css,
                       ThemeError, paths.root.as_uri() + "/"))
    defined = set(BUILD_PROPERTIES) | (set(_tokens(theme)) if theme is not None else set())
    for _file, text, _error, _base in sheets:
        defined |= set(re.findall(r"(--[A-Za-z0-9_-]+)\s*:", text))
    roots = (paths.styles, paths.templates, *((theme.folder, *theme.font_dirs) if theme else ()))
    for file, text, error, base in sheets:
        _engine_problems(file, text, error, base, roots, diag)
        if theme is not None:
            _undefined_properties(file, text, error, defined, diag)


def _tokens(theme: Theme) -> Iterator[str]:
    """The custom properties the theme's CSS defines (``--color-primary``…)."""
    yield from re.findall(r"(--[A-Za-z0-9_-]+)\s*:", theme.css())


def _engine_problems(file: str, text: str, error: type[ReportError], base: str,
                     roots: tuple[Path, ...], diag: Diagnostics) -> None:
    """What WeasyPrint's CSS parser says of one stylesheet, located in it."""
    import weasyprint

    from .pdf import ProjectFetcher

    scratch = Diagnostics()
    with scratch.engine_log("weasyprint") as messages:
        weasyprint.CSS(string=text, base_url=base, url_fetcher=ProjectFetcher(roots))
    for message in messages:
        line, column = _position(message, text)
        hint = ("the engine reads only the project's and the theme's own files: copy the file "
                "into the theme folder, or remove the rule") if "refused" in message else \
            "fix or remove it: the engine would ignore it"
        diag.error(error(message.rstrip("."), file=file, line=line, column=column, hint=hint))


def _position(message: str, text: str) -> tuple[int | None, int | None]:
    """Where in the stylesheet an engine message points (it says «at 3:5», or quotes a
    selector)."""
    found = _AT.search(message)
    if found:
        return int(found.group(1)), int(found.group(2))
    selector = _SELECTOR.search(message)
    url = _URL.search(message)
    for quoted in (selector.group(1).strip() if selector else "",
                   *_tails(url.group(1) if url else "")):
        if quoted and quoted in text:
            at = text.index(quoted)
            return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
    return None, None


def _tails(url: str) -> list[str]:
    """The ends of a URL the stylesheet may have written it as (``../x/y.css`` resolved to
    ``file:///…/x/y.css``), longest first."""
    parts = url.split("/")
    return [url] + ["/".join(parts[i:]) for i in range(1, len(parts)) if parts[i]]


def _undefined_properties(file: str, text: str, error: type[ReportError], defined: set[str],
                          diag: Diagnostics) -> None:
    """``var(--name)`` without a fallback whose property is defined nowhere."""
    import tinycss2

    def walk(tokens: Any) -> Iterator[Any]:
        for token in tokens or ():
            yield token
            for attribute in ("content", "prelude", "arguments"):
                inner = getattr(token, attribute, None)
                if isinstance(inner, list):
                    yield from walk(inner)

    rules = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
    for token in walk(rules):
        if getattr(token, "type", None) == "function" and token.lower_name == "var":
            parts = [t for t in token.arguments if t.type not in ("whitespace", "comment")]
            if not parts or parts[0].type != "ident":
                continue
            name = parts[0].value
            has_fallback = any(t.type == "literal" and t.value == "," for t in parts)
            if name not in defined and not has_fallback:
                close = [d for d in defined if _close(name, d)]
                diag.error(error(f"var({name}) names a custom property that is defined nowhere",
                                 file=file, line=token.source_line, column=token.source_column,
                                 hint=f"did you mean {sorted(close)[0]}?" if close else
                                 "use a token of the theme, e.g. var(--color-primary)"))


def _close(a: str, b: str) -> bool:
    import difflib

    return difflib.SequenceMatcher(None, a, b).ratio() > 0.8
