"""Markdown to safe HTML, with the report's shortcodes (used by the content stage).

Input: the Markdown body of one content file, the language, and a :class:`Resolver` that turns
shortcodes (``{{stat social_networks}}``, ``{{figure fig-web}}``, ``{{ref fig-web}}``…) into HTML.
Output: HTML that contains only the tags the report's styles know, with every author-written text
escaped: raw HTML in Markdown is shown as text (markdown-it's ``html`` option is off), links keep
``https``, ``http`` and ``mailto`` addresses and ``#id`` links within the report only (markdown-it
refuses ``javascript:``, ``file:`` and ``data:``; nh3 drops relative paths such as ``../../etc``),
and the result is cleaned once more by nh3 (an HTML sanitiser) before the trusted HTML of
figures, tables and references is put in its place.

Headings written in a file start at ``##``; they are shifted so that they sit one level below the
file's own heading, wherever the file is in the report.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

from .errors import ContentError
from .i18n import typography

SHORTCODE = re.compile(r"\{\{\s*([a-z_]+)((?:\s+[^{}\n]*?)?)\s*\}\}")
ARG = re.compile(r"\s*([A-Za-z_]+)=(\S+)|\s*(\S+)")
BLOCK_SHORTCODES = {"figure", "table"}
CONTAINERS = ("callout", "checklist", "note")
# Where a shortcode's HTML goes, until the Markdown's HTML is sanitised: an element that no text
# can become (every text reaching the HTML is escaped, so a ``<`` in it is ``&lt;``), whatever
# characters an author, a translator or a codebook writes.
SLOT_TAG = "es20-slot"
SLOT = f"<{SLOT_TAG}>{{}}</{SLOT_TAG}>"
SLOT_RE = re.compile(f"<{SLOT_TAG}>(\\d+)</{SLOT_TAG}>")
LANG_TAG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")

ALLOWED_TAGS = {
    "p", "em", "strong", "a", "ul", "ol", "li", "blockquote", "code", "pre", "br", "hr",
    "h2", "h3", "h4", "h5", "h6", "div", "span", "sup", "sub", "table", "thead", "tbody", "tr",
    "th", "td", "img", "s", SLOT_TAG,
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "class"},
    "div": {"class"},
    "span": {"class", "lang"},
    "ol": {"start"},
    "ul": {"class"},
    "li": {"class"},
    "img": {"src", "alt"},
    "h2": {"id", "class"},
    "h3": {"id", "class"},
    "h4": {"id", "class"},
    "h5": {"id", "class"},
    "h6": {"id", "class"},
    "p": {"class"},
}


def _same_document_only(url: str) -> str | None:
    """Relative URLs: keep links within the report (``#id``), drop the rest (``../../etc/passwd``
    would become a link to a file of the reader's machine)."""
    return url if url.startswith("#") else None


def sanitise(markup: str) -> str:
    """Clean HTML with nh3: only the report's tags and attributes, links to ``https``, ``http``,
    ``mailto`` or within the report, no comments."""
    return nh3.clean(
        markup,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"https", "http", "mailto"},
        url_relative=_same_document_only,
        link_rel=None,
        strip_comments=True,
    )


@dataclass(frozen=True)
class Shortcode:
    """One ``{{name arg key=value}}`` found in a content file, with where it was written."""

    name: str
    args: tuple[str, ...]
    options: dict[str, str]
    file: Path
    line: int
    text: str

    def error(self, message: str, hint: str | None = None) -> ContentError:
        return ContentError(message, file=self.file, line=self.line, value=self.text, hint=hint)


class Resolver(Protocol):
    """Turns shortcodes into HTML. ``inline`` returns inline HTML, ``block`` a block of HTML."""

    def inline(self, code: Shortcode) -> str: ...

    def block(self, code: Shortcode) -> str: ...


@dataclass
class Rendered:
    html: str
    headings: list[tuple[int, str, str]] = field(default_factory=list)  # (level, id, text)


def parse_shortcode(text: str, file: Path, line: int) -> Shortcode:
    match = SHORTCODE.fullmatch(text)
    if not match:
        raise ContentError("malformed shortcode", file=file, line=line, value=text,
                           hint="write {{name argument key=value}}")
    args: list[str] = []
    options: dict[str, str] = {}
    for part in ARG.finditer(match.group(2) or ""):
        if part.group(1):
            options[part.group(1)] = part.group(2)
        elif part.group(3):
            args.append(part.group(3))
    return Shortcode(match.group(1), tuple(args), options, file, line, text)


def _shortcode_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("{{", state.pos):
        return False
    match = SHORTCODE.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        token = state.push("shortcode", "", 0)
        token.content = match.group(0)
    state.pos = match.end()
    return True


def _slugify(text: str) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "section"


def _fill(markup: str, slots: list[str]) -> str:
    """Put each slot's HTML in its place, in one pass: what is put in is never read again, so a
    slot's HTML (a section's title in a reference, say) cannot be taken for a slot."""
    return SLOT_RE.sub(lambda m: slots[int(m.group(1))], markup)


# Block tokens whose content the parser reads one level deeper, and drops whole (with the rest of
# the block, which may be the rest of the file) once that level is the parser's limit.
def _check_nesting(tokens: list[Token], limit: int, file: Path, first_line: int) -> None:
    """Refuse Markdown nested deeper than the parser reads: markdown-it stops at ``limit`` levels
    of lists, quotes and boxes and silently drops everything inside (for a list, up to the end of
    the file). Such a block is opened at the last level and closed at once, its lines unread."""
    for token, following in itertools.pairwise(tokens):
        if token.nesting == 1 and token.level >= limit - 1 and following.nesting == -1 \
                and token.map and token.map[1] > token.map[0]:
            raise ContentError(
                "lists, quotes or boxes are nested too deeply: the text from here on would be "
                "lost", file=file, line=first_line + token.map[0],
                hint=f"nest them less deeply (Markdown is read {limit} levels deep: about "
                f"{(limit - 2) // 2} lists within lists, or {limit - 1} quotes within quotes)")


class MarkdownRenderer:
    """Renders one language's content files. One instance per language and build."""

    def __init__(self, lang: str, strings: Callable[[str], str]) -> None:
        self.lang = lang
        self.strings = strings
        md = MarkdownIt("commonmark", {"html": False, "typographer": False})
        md.enable(["table", "strikethrough"])
        md.use(footnote_plugin)
        # A phrase in another language: [Économie sociale : un usage encore timide]{lang=fr}
        # (only lang; a screen reader then reads it in that language).
        md.use(attrs_plugin, after=(), spans=True, allowed=["lang"])
        for name in CONTAINERS:
            md.use(container_plugin, name)
        md.inline.ruler.before("text", "shortcode", _shortcode_rule)
        self.md = md

    def render(
        self,
        body: str,
        *,
        file: Path,
        first_line: int,
        heading_level: int,
        id_prefix: str,
        resolver: Resolver,
    ) -> Rendered:
        """Render a Markdown body; ``first_line`` is the body's line number in its file."""
        env: dict = {}
        tokens = self.md.parse(body, env)
        _check_nesting(tokens, self.md.options["maxNesting"], file, first_line)
        slots: list[str] = []
        headings: list[tuple[int, str, str]] = []
        used_ids: set[str] = set()

        def slot(markup: str) -> str:
            slots.append(markup)
            return SLOT.format(len(slots) - 1)

        footnotes = self._footnotes(tokens, env, file, first_line, resolver, slot, slots)
        out: list[str] = []
        skip = 0
        for index, token in enumerate(tokens):
            if skip:
                skip -= 1
                continue
            line = first_line + (token.map[0] if token.map else 0)
            if token.type.startswith("footnote_block"):
                break  # footnotes are rendered inline, where they are called
            if token.type == "paragraph_open" and self._is_block_shortcode(tokens, index):
                children = tokens[index + 1].children or []  # _is_block_shortcode checked
                code = parse_shortcode(children[0].content, file, line)
                out.append(slot(resolver.block(code)))
                skip = 2
                continue
            if token.type == "heading_open":
                level = min(6, heading_level + max(0, int(token.tag[1]) - 2))
                text = tokens[index + 1].content
                anchor = f"{id_prefix}--{_slugify(text)}"
                while anchor in used_ids:
                    anchor += "-2"
                used_ids.add(anchor)
                headings.append((level, anchor, text))
                out.append(f'<h{level} id="{anchor}">')
                continue
            if token.type == "heading_close":
                level = min(6, heading_level + max(0, int(token.tag[1]) - 2))
                out.append(f"</h{level}>\n")
                continue
            if token.type.startswith("container_"):
                out.append(self._container(token, line, file))
                continue
            if token.type == "inline":
                out.append(self._inline(token, file, line, resolver, slot, footnotes))
                continue
            if token.type == "fence" or token.type == "code_block":
                out.append(f"<pre><code>{html.escape(token.content)}</code></pre>\n")
                continue
            out.append(self.md.renderer.render([token], self.md.options, env))
        return Rendered(_fill(sanitise("".join(out)), slots), headings)

    @staticmethod
    def _is_block_shortcode(tokens: list[Token], index: int) -> bool:
        inline = tokens[index + 1] if index + 1 < len(tokens) else None
        if inline is None or inline.type != "inline" or not inline.children:
            return False
        children = [c for c in inline.children if not (c.type == "text" and not c.content.strip())]
        if len(children) != 1 or children[0].type != "shortcode":
            return False
        name = SHORTCODE.match(children[0].content)
        return bool(name and name.group(1) in BLOCK_SHORTCODES)

    def _container(self, token: Token, line: int, file: Path) -> str:
        kind = token.type.removeprefix("container_").rsplit("_", 1)[0]
        if token.nesting == -1:
            return "</div>\n"
        title = token.info.strip()[len(kind):].strip()
        title_html = (
            f'<p class="box-title">{html.escape(typography(title, self.lang))}</p>' if title else ""
        )
        return f'<div class="box {kind}">{title_html}\n'

    def _inline(self, token: Token, file: Path, line: int, resolver: Resolver,
                slot: Callable[[str], str], footnotes: dict[int, str]) -> str:
        parts: list[str] = []
        current = line
        langs = [self.lang]  # a [phrase]{lang=…} is typeset in its own language
        for child in token.children or []:
            if child.type in ("softbreak", "hardbreak"):
                current += 1
            if child.type == "shortcode":
                code = parse_shortcode(child.content, file, current)
                if code.name in BLOCK_SHORTCODES:
                    raise code.error(f"{{{{{code.name}}}}} must stand alone on its own line",
                                     hint="put the shortcode in a paragraph of its own")
                parts.append(slot(resolver.inline(code)))
            elif child.type == "text":
                parts.append(html.escape(typography(child.content, langs[-1]), quote=False))
            elif child.type == "footnote_ref":
                parts.append(slot(footnotes[child.meta["id"]]))
            elif child.type == "span_open":
                lang = str(child.attrGet("lang"))
                if not LANG_TAG.match(lang):
                    raise ContentError("a [phrase]{lang=…} needs a language code",
                                       file=file, line=current, value=child.attrGet("lang"),
                                       hint="write a code such as lang=fr or lang=en")
                langs.append(lang.split("-")[0] if lang.split("-")[0] in ("fr", "en") else langs[-1])
                parts.append(self.md.renderer.render([child], self.md.options, {}))
            elif child.type == "span_close":
                if len(langs) > 1:
                    langs.pop()
                parts.append(self.md.renderer.render([child], self.md.options, {}))
            elif child.type == "image":
                raise ContentError("images are placed with {{figure ID}}, not Markdown images",
                                   file=file, line=current, value=child.attrs.get("src"),
                                   hint="define the figure in data/figures.yaml")
            else:
                parts.append(self.md.renderer.render([child], self.md.options, {}))
        return "".join(parts)

    def _footnotes(self, tokens: list[Token], env: dict, file: Path, first_line: int,
                   resolver: Resolver, slot: Callable[[str], str], slots: list[str]
                   ) -> dict[int, str]:
        notes: dict[int, str] = {}
        current: int | None = None
        for token in tokens:
            if token.type == "footnote_open":
                current = token.meta["id"]
                notes[current] = ""
            elif token.type == "footnote_close":
                current = None
            elif current is not None and token.type == "inline":
                line = first_line + (token.map[0] if token.map else 0)
                text = self._inline(token, file, line, resolver, slot, {})
                notes[current] += (" " if notes[current] else "") + text
        return {  # each note whole: its shortcodes' HTML in place, before it takes a slot itself
            key: footnote_html(_fill(sanitise(value), slots)) for key, value in notes.items()
        }


def footnote_html(inner: str) -> str:
    """A footnote where it is called: the engine floats it to the foot of the page
    (``float: footnote``). Written notes (``[^1]``) and citations (``{{cite …}}``) both."""
    return '<span class="footnote">' + inner + "</span>"
