"""Stage 5a, content: read the report's Markdown content files and check that both languages match.

Input: the configuration (where ``data/content/<lang>/`` is, and the structure that names every
file).
Output: :class:`Content`, for each language the parsed pages (front matter + Markdown body, with the
line where the body starts) and the case studies in their order. Nothing is rendered here.

Checks, all reported at once: every file the structure names exists in every language; every file of
one language has its twin in the other (the completeness check); front matter is valid YAML with the
required keys; case studies give a known region and legal form; text is UTF-8 (a byte-order mark and
CRLF line ends are accepted).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .config import Config
from .errors import ContentError, ReportError, raise_if_any, read_utf8, yaml_duplicate_keys
from .i18n import LANGUAGES

PAGE_KEYS = {"title", "short_title"}
CASE_KEYS = {"title", "order", "sector", "region", "legal_form", "employees", "founded", "quote",
             "quote_author", "short_title"}
CASE_REQUIRED = CASE_KEYS - {"short_title"}
_YAML_LOADER = yaml.SafeLoader  # the pure-Python loader points at the error, not the end of text


@dataclass(frozen=True)
class Page:
    """One content file: its front matter and its Markdown body."""

    id: str
    lang: str
    path: Path
    meta: dict[str, Any]
    body: str
    body_line: int  # line number of the body's first line in the file
    lines: dict[str, int] = field(default_factory=dict, compare=False)  # front-matter key → line

    def line(self, key: str) -> int:
        """The line of a front-matter key (of the front matter's first line when it is absent)."""
        return self.lines.get(key, 2)

    @property
    def title(self) -> str:
        return str(self.meta["title"])

    @property
    def short_title(self) -> str:
        return str(self.meta.get("short_title") or self.meta["title"])


@dataclass(frozen=True)
class Content:
    pages: dict[str, dict[str, Page]]  # lang → id → page
    cases: dict[str, list[Page]] = field(default_factory=dict)  # lang → cases by order
    files: tuple[Path, ...] = ()


def read_text(path: Path) -> str:
    """Read a UTF-8 text file (BOM and CRLF accepted); undecodable bytes name their line."""
    text = read_utf8(path, ContentError, invalid="text is not valid UTF-8")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_page(path: Path, page_id: str, lang: str) -> Page:
    """Split a content file into its YAML front matter and its Markdown body."""
    text = read_text(path)
    if not text.strip():
        raise ContentError("file is empty", file=path, hint="add front matter and text")
    if not text.startswith("---\n"):
        raise ContentError("front matter missing", file=path, line=1,
                           hint="start the file with a line '---', then 'title: …', then '---'")
    end = text.find("\n---\n", 4)
    if end == -1 and text.endswith("\n---"):
        end = len(text) - 4
    if end == -1:
        raise ContentError("front matter is not closed", file=path, line=1,
                           hint="close it with a line '---'")
    header = text[4:end]
    loader = _YAML_LOADER(header)
    try:
        node = loader.get_single_node()
        duplicates = yaml_duplicate_keys(node)
        meta = (loader.construct_document(node) if node is not None else None) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ContentError(f"invalid front matter: {getattr(exc, 'problem', None) or exc}",
                           file=path, line=mark.line + 2 if mark else None,
                           column=mark.column + 1 if mark else None,
                           hint="a text with a colon, quote or # must be in double quotes") from None
    finally:
        loader.dispose()
    if duplicates:
        key, line, first = duplicates[0]
        raise ContentError("key written twice", file=path, line=line + 1, value=key,
                           hint=f"it is already on line {first + 1}: keep one of them")
    if not isinstance(meta, dict):
        raise ContentError("front matter must be key: value lines", file=path, line=2)
    lines = {str(k.value): k.start_mark.line + 2 for k, _v in node.value} \
        if node is not None and node.id == "mapping" else {}
    body_line = header.count("\n") + 4
    body = text[end + 5:] if end + 5 <= len(text) else ""
    return Page(page_id, lang, path, meta, body, body_line, lines)


def _check_keys(page: Page, allowed: set[str], required: set[str],
                texts: tuple[str, ...] = ("title", "short_title")) -> list[ReportError]:
    errors: list[ReportError] = []
    for key in page.meta:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            errors.append(ContentError("unknown front matter key", file=page.path,
                                       line=page.line(str(key)), value=key,
                                       hint=f"did you mean {close[0]!r}?" if close
                                       else f"use {', '.join(sorted(allowed))}"))
    for key in sorted(required - set(page.meta)):
        errors.append(ContentError(f"front matter lacks {key!r}", file=page.path, line=2,
                                   hint=f"add '{key}: …'"))
    for key in texts:
        value = page.meta.get(key)
        if key in page.meta and (not isinstance(value, str) or not value.strip()):
            errors.append(ContentError(f"{key} must be text", file=page.path, line=page.line(key),
                                       value=value, hint=f'write {key}: "…"'))
    return errors


def _check_case(page: Page) -> list[ReportError]:
    errors = _check_keys(page, CASE_KEYS, CASE_REQUIRED,
                         ("title", "short_title", "sector", "quote", "quote_author"))
    meta = page.meta  # region and legal_form are codes of the codebook: the document checks them
    for key, low, high in (("order", 1, 999), ("employees", 0, 100000), ("founded", 1800, 2017)):
        value = meta.get(key)
        if key in meta and (isinstance(value, bool) or not isinstance(value, int)
                            or not low <= value <= high):
            errors.append(ContentError(f"{key} must be a whole number from {low} to {high}",
                                       file=page.path, line=page.line(key), value=value))
    return errors


def load_content(config: Config, problems: list[ReportError] | None = None) -> Content:
    """Read every content file of every language; check structure, twins and front matter.

    Every problem is raised at once; or, given a ``problems`` list (``--check``), added to it, and
    the content that could be read is returned, so that later checks can go on.
    """
    root = config.paths.content
    errors: list[ReportError] = []
    pages: dict[str, dict[str, Page]] = {}
    cases: dict[str, list[Page]] = {}
    files: list[Path] = []
    wanted = config.structure.content_ids()
    listing: dict[str, set[str]] = {}
    for lang in LANGUAGES:
        folder = root / lang
        listing[lang] = {
            p.relative_to(folder).with_suffix("").as_posix() for p in folder.rglob("*.md")
        } if folder.is_dir() else set()
    for lang in LANGUAGES:
        other = [o for o in LANGUAGES if o != lang]
        for name in sorted(listing[lang]):
            for o in other:
                if name not in listing[o]:
                    errors.append(ContentError(
                        f"exists in {lang} but not in {o}", file=root / lang / f"{name}.md",
                        hint=f"add its translation as {(root / o / name).as_posix()}.md",
                    ))
    for lang in config.languages:
        pages[lang] = {}
        for page_id in wanted:
            path = root / lang / f"{page_id}.md"
            if page_id not in listing[lang]:
                errors.append(ContentError("content file named in structure.yaml is missing",
                                           file=path, hint="write it or remove it from "
                                           "data/structure.yaml"))
                continue
            try:
                page = parse_page(path, page_id, lang)
            except ContentError as exc:
                errors.append(exc)
                continue
            errors += _check_keys(page, PAGE_KEYS, {"title"})
            pages[lang][page_id] = page
            files.append(path)
        case_pages: list[Page] = []
        for name in sorted(n for n in listing[lang] if n.startswith("cases/")):
            path = root / lang / f"{name}.md"
            try:
                page = parse_page(path, name.replace("/", "-"), lang)
            except ContentError as exc:
                errors.append(exc)
                continue
            errors += _check_case(page)
            case_pages.append(page)
            files.append(path)
        orders = [p.meta.get("order") for p in case_pages]
        for page in case_pages:
            if orders.count(page.meta.get("order")) > 1:
                errors.append(ContentError("two case studies have the same order", file=page.path,
                                           line=page.line("order"), value=page.meta.get("order"),
                                           hint="give each case study its own order"))
        cases[lang] = sorted(case_pages, key=lambda p: (str(type(p.meta.get("order"))),
                                                        p.meta.get("order") or 0))
    if problems is not None:
        problems.extend(errors)
    else:
        raise_if_any(errors, "the content has problems")
    return Content(pages, cases, tuple(files))
