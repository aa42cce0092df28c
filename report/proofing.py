"""Proofing: what an editor checks in the sources before the report is typeset.

Input: the configuration, the content of both languages, the :class:`~report.editorial.Editorial`
inputs (glossary, terminology, bibliography) and the diagnostics channel.
Output: nothing but located warnings, each a release problem (a warning in a draft, an error under
``--release``), naming the file, the line and, where it helps, the column:

* **terminology**: a variant of a term (``data/terminology/<lang>.toml``) in the content, the
  interface strings, the codebook's labels and questions, the figure and table captions or
  ``data/report.toml``;
* **acronyms**: an acronym not expanded at its first use in an edition's reading order, or a run of
  capitals the glossary does not know;
* **note calls**: in English the call follows the punctuation («one.[^1]»), in French it precedes
  it («une[^1].»);
* **repeated openings**: the same four words opening more than three sentences of one chapter
  («Dans les données de cette édition», 17 times in chapter 1 before this check);
* **the other language**: French typography or French words in the English sources, English ones
  in the French (names of the glossary, works' titles in italics and quoted phrases aside);
* **bibliography**: a codebook source that is not an entry of ``data/bibliography.json``.

The sources are read line by line, shortcodes blanked out (so columns stay true): a variant
inside ``{{stat erp}}`` is a variable's name, not a word of the text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .content import parse_page
from .diagnostics import Diagnostics
from .glossary import NAMES_LANG, acronyms_in, expanded_here

SHORTCODE = re.compile(r"\{\{[^{}\n]*\}\}")
FOOTNOTE_DEF = re.compile(r"^\[\^[^\]]+\]:")
CALL = re.compile(r"\[\^[^\]]+\](?!:)|\{\{\s*cite\b(?![^}]*fmt=text)[^}]*\}\}")
URL = re.compile(r"\]\([^)]*\)|https?://\S+")
OTHER_LANGUAGE = "_other_language"  # a string key so named is in the other language on purpose
MARKED = re.compile(r"\[[^\]\n]*\]\{lang=[a-z]{2}\}")  # a phrase marked in another language
OPENING_WORDS = 4
OPENING_LIMIT = 3  # sentences of one chapter that may open with the same words

# Words of one language that the other's text has no business holding outside names and titles.
STOP_WORDS = {
    "en": ("les", "des", "une", "est", "pour", "dans", "avec", "selon", "sont", "aux", "qui",
           "leur", "cette", "mais", "entreprises", "données", "édition", "enquête", "chiffres"),
    "fr": ("the", "and", "with", "which", "from", "this", "that", "these", "survey", "edition",
           "enterprises"),
}
FOREIGN_TYPOGRAPHY = {
    "en": [(re.compile(r"[«»]"), "French quotation marks « »"),
           (re.compile(r"\b1er\b"), "the French ordinal «1er»"),
           (re.compile(r"\w[ \u00a0\u202f][;:!?](?=\s|$)"), "a space before : ; ! ? (French)"),
           (re.compile(r"\d[ \u00a0\u202f]%"), "a space before % (French)")],
    "fr": [(re.compile(r"[“”]"), "English quotation marks “ ”"),
           (re.compile(r"(?<![\w.])\d+%"), "a percentage without its space (English)")],
}


@dataclass(frozen=True)
class SourceLine:
    file: Path
    line: int
    text: str  # shortcodes blanked out
    group: str = ""  # the chapter (content) or the table (other files) it belongs to
    offset: int = 0  # where ``text`` starts on its line (a value in a data file)
    heading: bool = False  # a title or heading: an acronym is expanded in the text, not here


# -- reading the sources -------------------------------------------------------------------------
def reading_order(config: Any, content: Any, lang: str) -> list[tuple[str, Any]]:
    """(chapter id, page) of every content page of ``lang`` in the order a reader meets them."""
    pages = content.pages.get(lang, {})
    order: list[tuple[str, Any]] = [("front", pages[p]) for p in config.structure.front
                                    if p in pages]
    for chapter in config.structure.chapters:
        for pid in (chapter.id, *chapter.sections):
            if pid in pages:
                order.append((chapter.id, pages[pid]))
        if chapter.cases:  # each case study stands alone
            order += [(case.id, case) for case in content.cases.get(lang, [])]
    order += [(aid, pages[aid]) for aid in config.structure.appendices if aid in pages]
    return order


def _blank(text: str) -> str:
    """Shortcodes and link targets replaced by spaces of the same length."""
    text = SHORTCODE.sub(lambda m: " " * len(m.group(0)), text)
    return URL.sub(lambda m: " " * len(m.group(0)), text)


def page_lines(page: Any, group: str = "") -> Iterator[SourceLine]:
    """The texts of a content page: front-matter texts on their lines, then the body."""
    for key in ("title", "short_title", "sector", "quote", "quote_author"):
        value = page.meta.get(key)
        if isinstance(value, str):
            yield SourceLine(page.path, page.line(key), value, group, heading=key.endswith("title"))
    for offset, raw in enumerate(page.body.split("\n")):
        if raw.strip():
            yield SourceLine(page.path, page.body_line + offset, _blank(raw), group,
                             heading=raw.startswith("#"))


_QUOTED = r'"((?:[^"\\]|\\.)*)"'


def _unescape(text: str) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)),
                  text.replace('\\"', '"'))


def keyed_lines(path: Path, lang: str) -> Iterator[SourceLine]:
    """The texts of ``lang`` in a YAML or TOML data file: every ``fr: "…"`` / ``fr = "…"`` value
    (and the items of ``fr = ["…"]``), and in ``strings.toml`` every value of the ``[fr…]``
    tables."""
    if not path.is_file():
        return
    table = ""
    key = re.compile(rf"(?<![\w.-]){lang}\s*[:=]\s*(\[[^\]]*\]|{_QUOTED})")
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        header = re.match(r"\s*\[+([^\]]+)\]+", raw)
        if header:
            table = header.group(1).strip()
            continue
        if raw.lstrip().startswith("#"):
            continue
        in_lang_table = table == lang or table.startswith(f"{lang}.")
        if in_lang_table and (m := re.match(rf"\s*([\w.-]+)\s*=\s*{_QUOTED}", raw)):
            if not m.group(1).endswith(OTHER_LANGUAGE):  # in the other language on purpose
                yield SourceLine(path, number, _unescape(m.group(2)), table, m.start(2))
            continue
        for m in key.finditer(raw):
            for value in re.finditer(_QUOTED, m.group(1)):
                yield SourceLine(path, number, _unescape(value.group(1)), table,
                                 m.start(1) + value.start(1))


def data_files(config: Any) -> list[Path]:
    data = config.paths.data
    return [data / "strings.toml", data / "report.toml", config.paths.survey / "codebook.yaml",
            data / "figures.yaml", data / "tables.yaml"]


def all_lines(config: Any, content: Any, editorial: Any, lang: str) -> list[SourceLine]:
    lines = [ln for group, page in reading_order(config, content, lang)
             for ln in page_lines(page, group)]
    if lang in editorial.back_cover:
        lines += list(page_lines(editorial.back_cover[lang], "back-cover"))
    for path in data_files(config):
        lines += list(keyed_lines(path, lang))
    return lines


# -- the checks ---------------------------------------------------------------------------------
def check_terminology(lines: list[SourceLine], terminology: Any, diag: Any) -> int:
    found = 0
    for source in lines:
        for column, variant, term in terminology.variants_in(source.text):
            found += 1
            note = f" ({term.note})" if term.note else ""
            diag.warn(f"«{variant}»: the {terminology.lang} terminology prefers «{term.preferred}»",
                      file=source.file, line=source.line, column=source.offset + column + 1,
                      hint=f"write «{term.preferred}»{note}; the terms are in "
                      f"data/terminology/{terminology.lang}.toml", release=True)
    return found


def check_acronyms(lines: list[SourceLine], glossary: Any, lang: str, diag: Any) -> None:
    """First use expanded (in reading order), and no unknown acronym (content only)."""
    entries = glossary.acronyms.get(lang, {})
    seen: set[str] = set()
    unknown: set[str] = set()
    for source in lines:
        if source.file.suffix != ".md":
            continue
        for start, end, abbr, known in acronyms_in(source.text, glossary.known(lang)):
            if not known:
                if abbr not in unknown:
                    unknown.add(abbr)
                    diag.warn(f"«{abbr}» looks like an acronym the glossary does not know",
                              file=source.file, line=source.line, column=start + 1,
                              hint="add it to data/glossary.toml ([[acronym]], common = true if "
                              "readers know it better than its expansion)", release=True)
                continue
            entry = entries.get(abbr)
            if entry is None or entry.common or abbr in seen or source.heading:
                continue
            seen.add(abbr)
            if not expanded_here(source.text, start, end, entry):
                diag.warn(f"«{abbr}» is not expanded at its first use in the {lang} edition",
                          file=source.file, line=source.line, column=start + 1,
                          hint=f"write «{entry.expansion} ({abbr})» here", release=True)


def check_note_calls(lines: list[SourceLine], raw: dict[Path, list[str]], lang: str,
                     diag: Any) -> int:
    """English: «word.[^1]»; French: «mot[^1].». Read on the raw lines (calls are shortcodes)."""
    found = 0
    for path, text_lines in raw.items():
        for number, text in enumerate(text_lines, start=1):
            if FOOTNOTE_DEF.match(text):
                continue
            for match in CALL.finditer(text):
                after = text[match.end():match.end() + 1]
                before = text[:match.start()][-1:]
                if lang == "en" and after and after in ".,;:":
                    found += 1
                    diag.warn(f"note call before the punctuation «{after}»: in English it goes "
                              "after", file=path, line=number, column=match.start() + 1,
                              hint=f"write «…{after}{match.group(0)}»", release=True)
                elif lang == "fr" and before and before in ".,;:":
                    found += 1
                    diag.warn(f"appel de note après la ponctuation «{before}» : en français il "
                              "la précède", file=path, line=number, column=match.start() + 1,
                              hint=f"écrire «…{match.group(0)}{before}»", release=True)
    return found


_SENTENCE = re.compile(r"(?:^|(?<=[.!?»”])\s+)(?=[A-ZÀ-Ö«“])")


def openings(lines: list[SourceLine]) -> dict[tuple[str, str], list[SourceLine]]:
    """The lines where each (chapter, four-word opening) starts a sentence."""
    found: dict[tuple[str, str], list[SourceLine]] = defaultdict(list)
    for source in lines:
        if source.file.suffix != ".md" or source.text.lstrip().startswith(("#", "|", ":::")):
            continue
        text = source.text.lstrip("-*0123456789. ")
        for match in _SENTENCE.finditer(text):
            words = re.findall(r"[\w’'-]+", text[match.end():])[:OPENING_WORDS]
            if len(words) == OPENING_WORDS:
                found[(source.group, " ".join(words).casefold())].append(source)
    return found


def check_openings(lines: list[SourceLine], diag: Any) -> None:
    for (group, words), where in openings(lines).items():
        if len(where) > OPENING_LIMIT:
            for source in where:
                diag.warn(f"«{words}…» opens {len(where)} sentences of chapter «{group}»",
                          file=source.file, line=source.line,
                          hint=f"vary the openings: at most {OPENING_LIMIT} per chapter",
                          release=True)


def _without_names(text: str, names: list[str]) -> str:
    for name in names:
        text = re.sub(re.escape(name).replace("’", "[’']"), lambda m: " " * len(m.group(0)), text)
    text = re.sub(r"\*[^*]+\*|_[^_]+_", lambda m: " " * len(m.group(0)), text)  # italics: titles
    return MARKED.sub(lambda m: " " * len(m.group(0)), text)  # [phrase]{lang=xx}: meant


def check_other_language(lines: list[SourceLine], lang: str, names: list[str], diag: Any) -> None:
    """French left in the English sources (and the reverse): typography and stop words."""
    stop = re.compile(rf"(?<![\w’'-])({'|'.join(STOP_WORDS[lang])})(?![\w’'-])")
    for source in lines:
        text = _without_names(source.text, names)
        for pattern, what in FOREIGN_TYPOGRAPHY[lang]:
            for match in pattern.finditer(text):
                diag.warn(f"{what} in the {lang} edition", file=source.file, line=source.line,
                          column=source.offset + match.start() + 1, value=source.text.strip()[:80],
                          hint="translate it, or mark a name or title in the glossary "
                          "([[name]]) or in italics", release=True)
        for match in stop.finditer(text):
            diag.warn(f"«{match.group(1)}» looks like {'French' if lang == 'en' else 'English'} "
                      f"in the {lang} edition", file=source.file, line=source.line,
                      column=source.offset + match.start() + 1, value=source.text.strip()[:80],
                      hint="translate it, or mark a name or title in the glossary ([[name]]) or "
                      "in italics", release=True)


def foreign_names(config: Any, content: Any, editorial: Any, lang: str) -> list[str]:
    """French names that the ``lang`` edition prints as they are (none in French): the glossary's
    names and the expansions it gives in French, the partners' names as the edition prints them
    when they are the French ones, and the titles of case studies that are the same in both
    languages (Québec enterprises' names)."""
    if lang == NAMES_LANG:
        return []
    names = list(editorial.glossary.names)
    names += [a.expansion for a in editorial.glossary.acronyms.get(lang, {}).values()
              if a.lang != lang]
    partners = config.partners if isinstance(config.partners, tuple | list) else ()
    names += [p.name[lang] for p in partners if p.name[lang] == p.name[NAMES_LANG]]
    names += [str(entry["title"]) for entry in editorial.bibliography.items.values()
              if entry.get("title") and str(entry.get("language", lang))[:2] != lang]
    for case in content.cases.get(lang, []):
        twin = case.path.parents[2] / NAMES_LANG / "cases" / case.path.name
        page = parse_page(twin, case.id, NAMES_LANG, Diagnostics(), root=None, case=True) \
            if twin.is_file() else None  # the twin's own problems are the content stage's
        if page is not None and page.title == case.title:
            names.append(case.title)
    return sorted(set(names), key=len, reverse=True)


def check_sources(config: Any, codebook: Any, editorial: Any, diag: Any) -> None:
    """Every published figure's source is a bibliography entry."""
    path = config.paths.survey / "codebook.yaml"
    text = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    for entry in codebook.published_figures if codebook is not None else []:
        key = str(entry.get("source"))
        if key not in editorial.bibliography:
            line = next((n for n, ln in enumerate(text, 1) if key in ln), None)
            diag.warn("a published figure's source is not in the bibliography", file=path,
                      line=line, value=key, hint="give the id of an entry of "
                      "data/bibliography.json (the source lines cite it)", release=True)


def proofread(config: Any, content: Any, editorial: Any, diag: Any, codebook: Any = None) -> None:
    """Run every check above on both languages."""
    for lang in config.languages:
        lines = all_lines(config, content, editorial, lang)
        check_terminology(lines, editorial.terminology[lang], diag)
        content_lines = [ln for ln in lines if ln.file.suffix == ".md"]
        check_acronyms(content_lines, editorial.glossary, lang, diag)
        raw = {page.path: page.path.read_text(encoding="utf-8").splitlines()
               for _group, page in reading_order(config, content, lang)}
        check_note_calls(content_lines, raw, lang, diag)
        check_openings(content_lines, diag)
        check_other_language(lines, lang, foreign_names(config, content, editorial, lang), diag)
    check_sources(config, codebook, editorial, diag)
