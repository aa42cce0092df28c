"""Stage 5b, document: assemble one language's report from content, statistics and charts.

Input: the configuration, the content of one language, the statistics, the exhibits' data and
charts of that language.
Output: a :class:`Document`, the report as a tree (front matter, chapters with their sections and
case studies, appendices) whose every piece of text is already safe HTML: shortcodes are resolved
(statistics formatted by the locale layer, figures and tables placed and numbered by chapter, cross-
references pointing at their targets), Markdown rendered and sanitised. The templates only lay it out.

Checks, all reported at once: unknown shortcodes, statistics, facts or exhibit ids (with the closest
valid name); an exhibit placed twice, defined but never placed, or placed but never referred to.
When the survey's responses are invalid (``--check``), the statistics are None and every name the
content uses is still checked against the codebook and the exhibit definitions.
"""

from __future__ import annotations

import difflib
import html
import string
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .charts import Chart
from .config import Config
from .content import Content, Page
from .diagnostics import Diagnostics
from .errors import ContentError, ReportError
from .exhibits import ExhibitData

if TYPE_CHECKING:
    from .codebook import Codebook
    from .statistics import Statistics
from .i18n import Formatter, Strings, typography
from .markdown import SHORTCODE, MarkdownRenderer, Shortcode

INLINE_CODES = ("stat", "ref", "fact", "design")


@dataclass
class Section:
    id: str
    kind: str  # front | chapter | section | case | appendix
    level: int
    title: str
    short_title: str
    html: str = ""
    number: str = ""  # "1", "1.2", "A", "" when unnumbered
    label: str = ""  # «Chapitre 1», «Annexe A», «Étude de cas 3»
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Chapter:
    opener: Section
    sections: list[Section]


@dataclass
class ExhibitPlacement:
    id: str
    family: str  # figure | table
    number: str  # "1.3"
    label: str  # «Figure 1.3»
    data: ExhibitData
    chart: Chart | None = None
    ref: str = ""  # «figure 1.3» as a reference in running text


@dataclass
class Document:
    lang: str
    strings: Strings
    front: list[Section]
    chapters: list[Chapter]
    appendices: list[Section]
    figures: list[ExhibitPlacement]
    tables: list[ExhibitPlacement]


def _letters(index: int) -> str:
    return string.ascii_uppercase[index]


class _Resolver:
    """Resolves one language's shortcodes; collects errors instead of stopping at the first."""

    def __init__(self, lang: str, config: Config, stats: Statistics | None, codebook: Codebook,
                 exhibits: dict[str, ExhibitData], defined: Collection[str],
                 charts: dict[str, Chart], targets: dict[str, tuple[str, str]],
                 numbering: dict[str, tuple[str, str]], homes: dict[str, str],
                 diag: Diagnostics) -> None:
        self.lang = lang
        self.config = config
        self.stats = stats  # None: the survey's data are invalid; names are checked, not valued
        self.codebook = codebook
        self.exhibits = exhibits
        self.defined = defined  # the ids of every figure and table definition
        self.charts = charts
        self.targets = targets  # id → (kind, label text) for sections
        self.numbering = numbering  # exhibit id → (family, number)
        self.fmt = Formatter(lang)
        self.strings = config.strings[lang]
        self.diag = diag
        self.placed: dict[str, ExhibitPlacement] = {}
        self.referenced: set[str] = set()
        self.named: set[str] = set()  # exhibits placed whose data are not computed
        self.homes = homes  # exhibit id → id of the content page that places it
        self.page = ""  # id of the content page being resolved

    # -- inline -----------------------------------------------------------------------------
    def inline(self, code: Shortcode) -> str:
        try:
            handler = getattr(self, f"_code_{code.name}", None)
            if code.name not in INLINE_CODES or handler is None:
                close = difflib.get_close_matches(code.name, (*INLINE_CODES, "figure", "table"), 1)
                raise code.error(f"unknown shortcode {code.name!r}",
                                 hint=f"did you mean {close[0]!r}?" if close else
                                 "use stat, ref, fact, design, figure or table")
            return handler(code)
        except ReportError as exc:
            if exc.file != str(code.file):  # e.g. the codebook's «unknown variable»: point at
                # the shortcode the author wrote, which is what needs fixing
                detail = f"{exc.message} {exc.value!r}" if exc.value is not None else exc.message
                exc = ContentError(detail, file=code.file, line=code.line, value=code.text,
                                   hint=exc.hint)
            self.diag.error(exc)
            return html.escape(code.text)

    def _code_stat(self, code: Shortcode) -> str:
        if len(code.args) != 1:
            raise code.error("stat takes one variable name", hint="{{stat social_networks}}")
        allowed = {"level", "by", "group", "fmt"}
        for key in code.options:
            if key not in allowed:
                raise code.error(f"unknown option {key!r}", hint=f"use {', '.join(sorted(allowed))}")
        if ("by" in code.options) != ("group" in code.options):
            raise code.error("by= and group= go together", hint="{{stat crm by=legal_form group=coop}}")
        var = code.args[0]
        level = code.options.get("level")
        if "__" in var and var not in self.codebook.variables:
            var, level = var.split("__", 1)
        fmt = code.options.get("fmt", "pct")
        if fmt not in ("pct", "outof10", "n", "ci"):
            raise code.error(f"unknown format {fmt!r}", hint="use pct, outof10, n or ci")
        if self.stats is None:  # the names only (see the module's docstring)
            self.codebook.query(var, level, code.options.get("by"), code.options.get("group"))
            return html.escape(code.text)
        estimate = self.stats.stat(var, level=level, by=code.options.get("by"),
                                   group=code.options.get("group"))
        if fmt == "n":
            return html.escape(self.fmt.number(estimate.n))
        if estimate.flag == "suppressed" or estimate.p is None:
            raise code.error("this estimate is suppressed (base under 10) and cannot be quoted")
        caution = "\u00a0E" if estimate.flag == "caution" else ""
        if fmt == "pct":
            text = self.fmt.percent(estimate.p) + caution
        elif fmt == "outof10":
            text = self.fmt.out_of_ten(estimate.p)
        elif fmt == "ci":
            assert estimate.ci_low is not None and estimate.ci_high is not None  # not suppressed
            low, high = self.fmt.percent(estimate.ci_low), self.fmt.percent(estimate.ci_high)
            text = f"{low} à {high}" if self.lang == "fr" else f"{low} to {high}"
        else:
            raise code.error(f"unknown format {fmt!r}", hint="use pct, outof10, n or ci")
        return f'<span class="stat">{html.escape(text)}</span>'

    def _code_fact(self, code: Shortcode) -> str:
        key = code.args[0] if code.args else ""
        fact = self.config.facts.get(key)
        if fact is None:
            close = difflib.get_close_matches(key, list(self.config.facts), 1)
            raise code.error("unknown fact", hint=f"did you mean {close[0]!r}?" if close
                             else "facts are listed in data/report.toml [facts]")
        if fact.kind == "money":
            text = self.fmt.money_words(fact.value, fact.decimals)
        else:
            text = self.fmt.number(fact.value, fact.decimals)
        return html.escape(text)

    def _code_design(self, code: Shortcode) -> str:
        key = code.args[0] if code.args else ""
        if self.stats is None:  # the names only (see the module's docstring)
            if key not in ("n", "N", "moe", "deff", "n_eff"):
                raise code.error("unknown design figure", hint="use n, N, moe, deff, n_eff")
            return html.escape(code.text)
        design = self.stats.design
        values = {
            "n": lambda: self.fmt.number(design.n),
            "N": lambda: self.fmt.number(design.N),
            "moe": lambda: self.fmt.percent(design.moe_max, 1),
            "deff": lambda: self.fmt.number(design.deff, 2),
            "n_eff": lambda: self.fmt.number(design.n_eff),
        }
        if key not in values:
            raise code.error("unknown design figure", hint=f"use {', '.join(values)}")
        return html.escape(values[key]())

    def _code_ref(self, code: Shortcode) -> str:
        key = code.args[0] if code.args else ""
        if key in self.numbering:
            family, number = self.numbering[key]
            self.referenced.add(key)
            word = self.strings[f"{family}_ref"]
        elif key in self.targets:
            word, number = self.targets[key]
        else:
            close = difflib.get_close_matches(key, list(self.numbering) + list(self.targets), 1)
            raise code.error("reference to an unknown figure, table or section",
                             hint=f"did you mean {close[0]!r}?" if close else None)
        text = f"{word}\u00a0{number}" if number else word
        # A page number only for what lies in another part of the report: a figure of the
        # section being read is a few lines away, and a page reference to it would be noise (and
        # would make the engine lay out every such page again once the number is known).
        far = self.homes.get(key, key) != self.page
        css = "xref xref-page" if far else "xref"
        return f'<a class="{css}" href="#{html.escape(key)}">{html.escape(text)}</a>'

    # -- blocks -----------------------------------------------------------------------------
    def block(self, code: Shortcode) -> str:
        key = code.args[0] if code.args else ""
        if key not in self.defined or self.numbering.get(key, ("",))[0] != code.name:
            pool = [k for k in self.defined if self.numbering.get(k, ("",))[0] == code.name]
            close = [c for c in difflib.get_close_matches(key, pool, 2) if c != key]
            self.diag.error(code.error(f"unknown {code.name} id",
                                       hint=f"did you mean {close[0]!r}?" if close else
                                       f"define it in data/{code.name}s.yaml"))
            return ""
        if key in self.placed or key in self.named:
            self.diag.error(code.error(f"{code.name} placed twice", hint="place it once and "
                                       "refer to it elsewhere with {{ref …}}"))
            return ""
        if key not in self.exhibits:  # the names only (see the module's docstring)
            self.named.add(key)
            return ""
        family, number = self.numbering[key]
        word = self.strings[family]
        placement = ExhibitPlacement(key, family, number, f"{word}\u00a0{number}",
                                     self.exhibits[key], self.charts.get(key),
                                     f"{self.strings[family + '_ref']}\u00a0{number}")
        self.placed[key] = placement
        return f"\ue002{key}\ue003"  # replaced by the template's rendering of the exhibit


def _number_exhibits(config: Config, pages: dict[str, Page]
                     ) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """Number figures and tables by chapter, in reading order (scan of block shortcodes).

    Returns the numbering (id → family, number) and each exhibit's home (id → content page id)."""
    numbering: dict[str, tuple[str, str]] = {}
    homes: dict[str, str] = {}
    chapter_no = 0
    unnumbered = 0
    groups: list[tuple[str, list[str]]] = []
    for fid in config.structure.front:
        groups.append(("", [fid]))
    for chapter in config.structure.chapters:
        if chapter.numbered:
            chapter_no += 1
            prefix = str(chapter_no)
        else:
            unnumbered += 1
            prefix = ""
        groups.append((prefix, [chapter.id, *chapter.sections]))
    for index, aid in enumerate(config.structure.appendices):
        groups.append((_letters(index), [aid]))
    for prefix, ids in groups:
        counters = {"figure": 0, "table": 0}
        for pid in ids:
            page = pages.get(pid)
            if page is None:
                continue
            for line in page.body.splitlines():
                match = SHORTCODE.fullmatch(line.strip())
                if match and match.group(1) in counters:
                    family = match.group(1)
                    key = (match.group(2) or "").strip()
                    counters[family] += 1
                    number = f"{prefix}.{counters[family]}" if prefix else str(counters[family])
                    numbering.setdefault(key, (family, number))
                    homes.setdefault(key, pid)
    return numbering, homes


def _profile_labels(page: Page, codebook: Codebook, strings: Strings, lang: str,
                    diag: Diagnostics) -> dict[str, str]:
    """The labels of a case study's region and legal form, whose codes are the survey's: the
    region as the codebook names it, the legal form in full from the interface strings
    (``case_legal_form_<code>``; the codebook's short form suits chart axes)."""
    labels = {}
    for key in ("region", "legal_form"):
        code, codes = str(page.meta.get(key)), codebook.levels(key)
        if code not in codes:
            diag.error(ContentError(f"unknown {key.replace('_', ' ')} code", file=page.file,
                                    line=page.line(key), value=page.meta.get(key),
                                    hint=f"use one of {', '.join(codes)} (the codebook's "
                                    f"codes of {key})"))
            continue
        labels[f"{key}_label"] = (codebook.level_label(key, code, lang) if key == "region"
                                  else strings[f"case_legal_form_{code}"])
    return labels


def build_document(config: Config, content: Content, lang: str, stats: Statistics | None,
                   exhibits: dict[str, ExhibitData], charts: dict[str, Chart],
                   diag: Diagnostics, *, codebook: Codebook | None = None,
                   defined: dict[str, str] | None = None) -> Document | None:
    """Assemble the report of one language; None when its content has a problem (each one is
    recorded in ``diag``).

    ``defined`` (exhibit id → figure or table) and ``codebook`` default to what ``exhibits`` and
    ``stats`` hold; without statistics (invalid survey data, ``--check``), give both: every name
    is then checked and no number is printed."""
    found = len(diag.errors)
    if stats is not None:
        codebook = stats.codebook
    if defined is None:
        defined = {key: data.family for key, data in exhibits.items()}
    if codebook is None:
        raise ValueError("build_document needs the statistics or the codebook")
    strings = config.strings[lang]
    pages = content.pages[lang]
    structure = config.structure
    renderer = MarkdownRenderer(lang, strings.get)
    # Numbers and labels of every section, so that references can point forward.
    targets: dict[str, tuple[str, str]] = {}
    plan: list[tuple[Section, Page]] = []
    front = []
    for fid in structure.front:
        page = pages[fid]
        section = Section(fid, "front", 1, typography(page.title, lang),
                          typography(page.short_title, lang))
        front.append(section)
        plan.append((section, page))
        targets[fid] = (f"«\u00a0{section.title}\u00a0»" if lang == "fr"
                        else f"“{section.title}”", "")
    chapters: list[Chapter] = []
    number = 0
    for spec in structure.chapters:
        page = pages[spec.id]
        opener = Section(spec.id, "chapter", 1, typography(page.title, lang),
                         typography(page.short_title, lang))
        if spec.numbered:
            number += 1
            opener.number = str(number)
            opener.label = f"{strings['chapter']} {number}"
            targets[spec.id] = (strings["chapter_ref"], str(number))
        else:
            targets[spec.id] = (f"«\u00a0{opener.title}\u00a0»" if lang == "fr"
                                else f"“{opener.title}”", "")
        plan.append((opener, page))
        sections = []
        for index, sid in enumerate(spec.sections, start=1):
            spage = pages[sid]
            section = Section(sid, "section", 2, typography(spage.title, lang),
                              typography(spage.short_title, lang))
            if spec.numbered:
                section.number = f"{number}.{index}"
                targets[sid] = (strings["section_ref"], section.number)
            else:
                targets[sid] = (f"«\u00a0{section.title}\u00a0»", "")
            sections.append(section)
            plan.append((section, spage))
        if spec.cases:
            for case_page in content.cases[lang]:
                case = Section(case_page.id, "case", 3, typography(case_page.title, lang),
                               typography(case_page.short_title, lang), meta=dict(case_page.meta))
                case.label = f"{strings['case_label']} {case_page.meta.get('order')}"
                case.meta["quote"] = typography(str(case.meta.get("quote", "")), lang)
                case.meta.update(_profile_labels(case_page, codebook, strings, lang, diag))
                sections.append(case)
                plan.append((case, case_page))
                targets[case_page.id] = (f"«\u00a0{case.title}\u00a0»" if lang == "fr"
                                         else f"“{case.title}”", "")
        chapters.append(Chapter(opener, sections))
    appendices = []
    for index, aid in enumerate(structure.appendices):
        page = pages[aid]
        section = Section(aid, "appendix", 1, typography(page.title, lang),
                          typography(page.short_title, lang))
        section.number = _letters(index)
        section.label = f"{strings['appendix']} {section.number}"
        targets[aid] = (strings["appendix_ref"], section.number)
        appendices.append(section)
        plan.append((section, page))
    numbering, homes = _number_exhibits(config, pages)
    resolver = _Resolver(lang, config, stats, codebook, exhibits, defined, charts, targets,
                         numbering, homes, diag)
    for section, page in plan:
        resolver.page = section.id
        with diag.collecting():
            rendered = renderer.render(page.body, file=Path(page.file or page.path),
                                       first_line=page.body_line,
                                       heading_level=section.level + 1, id_prefix=section.id,
                                       resolver=resolver)
            section.html = rendered.html
    for key, family in defined.items():
        file = f"data/{family}s.yaml"
        if key not in resolver.placed and key not in resolver.named:
            diag.error(ContentError(f"{family} {key} is defined but never placed", file=file,
                                    hint=f"add {{{{{family} {key}}}}} on its own line in a "
                                    f"content file of {lang}"))
        elif key not in resolver.referenced:
            diag.error(ContentError(f"{family} {key} is never referred to in the text",
                                    file=file, hint=f"mention it with {{{{ref {key}}}}}"))
    if len(diag.errors) > found:
        return None
    placed = list(resolver.placed.values())  # in reading order
    return Document(
        lang=lang,
        strings=strings,
        front=front,
        chapters=chapters,
        appendices=appendices,
        figures=[p for p in placed if p.family == "figure"],
        tables=[p for p in placed if p.family == "table"],
    )
