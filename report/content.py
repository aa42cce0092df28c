"""Stage 5a, content: read the report's Markdown content files and check that both languages match.

Input: the configuration (where ``data/content/<lang>/`` is, and the structure that names every
file).
Output: :class:`Content`, for each language the parsed pages (front matter + Markdown body, with the
line where the body starts) and the case studies in their order. Nothing is rendered here.

Checks, all reported at once: every file the structure names exists in every language; every file of
one language has its twin in the other (the completeness check); front matter is valid YAML that
its schema accepts (:class:`~report.schemas.PageMeta`, :class:`~report.schemas.CaseMeta`); text is
UTF-8 (a byte-order mark and CRLF line ends are accepted); no file is a link that leads outside
the project (:mod:`report.sources`). Case studies' region and legal form are codes of the codebook:
the document stage checks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostics
from .errors import ContentError
from .i18n import LANGUAGES
from .sources import parse_yaml, read_text, shown

if TYPE_CHECKING:
    from .config import Paths, Structure


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
    file: str = ""  # how messages name the file (relative to the project)

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


def parse_page(path: Path, page_id: str, lang: str, diag: Diagnostics, *, root: Path | None,
               case: bool = False) -> Page | None:
    """Split a content file into its YAML front matter and its Markdown body, and check the front
    matter against its schema (:class:`~report.schemas.PageMeta`, or
    :class:`~report.schemas.CaseMeta` for a case study). None when the file cannot be used."""
    from .schemas import CaseMeta, PageMeta, validate

    file = shown(path, root)
    with diag.collecting():
        text = read_text(path, ContentError, root=root, invalid="text is not valid UTF-8",
                         missing="content file not found")
        if not text.strip():
            raise ContentError("file is empty", file=file, hint="add front matter and text")
        if not text.startswith("---\n"):
            raise ContentError("front matter missing", file=file, line=1,
                               hint="start the file with a line '---', then 'title: …', then '---'")
        end = text.find("\n---\n", 4)
        if end == -1 and text.endswith("\n---"):
            end = len(text) - 4
        if end == -1:
            raise ContentError("front matter is not closed", file=file, line=1,
                               hint="close it with a line '---'")
        source = parse_yaml(text[4:end], ContentError, file=file, path=path, line_offset=1,
                            what="front matter")
        if not isinstance(source.data, dict):
            raise ContentError("front matter must be key: value lines", file=file, line=2)
        meta = validate(CaseMeta if case else PageMeta, source, diag, ContentError)
        if meta is None:
            return None
        lines = {str(key[0]): line + 1 for key, (line, _col) in source.positions.items()
                 if len(key) == 1}
        body = text[end + 5:] if end + 5 <= len(text) else ""
        return Page(page_id, lang, path, meta.model_dump(exclude_none=True), body,
                    text[:end].count("\n") + 3, lines, file)
    return None


def load_content(paths: Paths, structure: Structure, languages: tuple[str, ...],
                 diag: Diagnostics) -> Content | None:
    """Read every content file of every language; check structure, twins and front matter.

    Every problem goes to ``diag``. Returns the content that could be read (so that the checks
    that depend on it go on), or None when a file the structure names is missing or unusable.
    """
    root = paths.content
    pages: dict[str, dict[str, Page]] = {}
    cases: dict[str, list[Page]] = {}
    files: list[Path] = []
    complete = True
    wanted = structure.content_ids()
    listing: dict[str, set[str]] = {}
    for lang in LANGUAGES:
        folder = root / lang
        listing[lang] = {
            p.relative_to(folder).with_suffix("").as_posix() for p in folder.rglob("*.md")
        } if folder.is_dir() else set()
    for lang in LANGUAGES:
        for name in sorted(listing[lang]):
            for other in LANGUAGES:
                if other != lang and name not in listing[other]:
                    diag.error(ContentError(
                        f"exists in {lang} but not in {other}",
                        file=shown(root / lang / f"{name}.md", paths.root),
                        hint=f"add its translation as "
                        f"{shown(root / other / name, paths.root)}.md"))
    for lang in languages:
        pages[lang] = {}
        for page_id in wanted:
            path = root / lang / f"{page_id}.md"
            if page_id not in listing[lang]:
                diag.error(ContentError("content file named in structure.yaml is missing",
                                        file=shown(path, paths.root), hint="write it or remove "
                                        "it from data/structure.yaml"))
                complete = False
                continue
            page = parse_page(path, page_id, lang, diag, root=paths.root)
            if page is None:
                complete = False
                continue
            pages[lang][page_id] = page
            files.append(path)
        case_pages: list[Page] = []
        for name in sorted(n for n in listing[lang] if n.startswith("cases/")):
            path = root / lang / f"{name}.md"
            page = parse_page(path, name.replace("/", "-"), lang, diag, root=paths.root,
                              case=True)
            if page is None:
                complete = False
                continue
            case_pages.append(page)
            files.append(path)
        orders = [p.meta["order"] for p in case_pages]
        for page in case_pages:
            if orders.count(page.meta["order"]) > 1:
                diag.error(ContentError("two case studies have the same order", file=page.file,
                                        line=page.line("order"), value=page.meta["order"],
                                        hint="give each case study its own order"))
        cases[lang] = sorted(case_pages, key=lambda p: p.meta["order"])
    return Content(pages, cases, tuple(files)) if complete else None
