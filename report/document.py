"""Stage 5b, document: assemble one language's report from content, statistics and charts.

Input: the configuration, the content of one language, the statistics, the exhibits' data and
charts of that language.
Output: a :class:`Document`, the report as a tree (front matter, chapters with their sections and
case studies, appendices) whose every piece of text is already safe HTML: shortcodes are resolved
(statistics formatted by the locale layer, figures and tables placed and numbered by chapter, cross-
references pointing at their targets), Markdown rendered and sanitised. The templates only lay it out.

Checks, all reported at once: unknown shortcodes, statistics, facts or exhibit ids (with the closest
valid name); an exhibit placed twice, defined but never placed, or placed but never referred to;
a sentence that asserts a difference or a threshold the data do not support (:mod:`report.claims`).
When the survey's responses are invalid (``--check``), the statistics are None and every name the
content uses is still checked against the codebook and the exhibit definitions.

The statistical shortcodes print what the statistics stage computed and choose their words from
its tests: ``{{stat}}`` (a percentage, «7 sur 10», an interval, a margin of error in points, a
base), ``{{share}}`` (more than / about / less than half, a third…, from the interval),
``{{compare}}`` (ahead of / on a par with / behind, from the design-based test of the difference),
``{{flags}}`` (what the E and F of an exhibit mean, only those it has), ``{{design}}`` (the design
and weighting figures of the methodology).

With the editorial inputs (:mod:`report.editorial`), the document also gets its citations
(``{{cite ID}}``: a footnote formatted by the bibliography's style, full at a work's first citation
in a chapter and short after; ``fmt=text`` gives the citation itself, inside a note of its own), its
reference list, the acronyms it uses (for the list of acronyms), its back cover and the words its
layout must never hyphenate.
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
from .claims import check_claims
from .config import Config
from .content import Content, Page
from .diagnostics import Diagnostics
from .errors import ContentError, ReportError
from .exhibits import ExhibitData

if TYPE_CHECKING:
    from .codebook import Codebook
    from .editorial import Editorial
    from .statistics import Statistics
from .i18n import Formatter, Strings, typography
from .markdown import SHORTCODE, MarkdownRenderer, Shortcode

INLINE_CODES = ("stat", "ref", "fact", "design", "share", "compare", "flags", "cite")
DESIGN_KEYS = ("n", "N", "moe", "deff", "n_eff", "sampling_fraction", "confidence", "alpha",
               "weight_min", "weight_max", "weight_mean", "weight_min_ratio", "weight_max_ratio",
               "trim_low", "trim_high", "trimming", "deff_min", "deff_median", "deff_max",
               "cv_caution", "cv_suppress", "n_caution", "n_suppress")


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
    references: list[str] = field(default_factory=list)  # HTML entries of the reference list
    acronyms: list[Any] = field(default_factory=list)  # glossary entries the edition uses
    back_cover: Section | None = None
    protected_words: tuple[str, ...] = ()  # never hyphenated (report.hyphenation)
    foreign_names: tuple[str, ...] = ()  # names printed in the other language, marked with lang


# Where an exhibit goes in a section's HTML, until the templates render it there: an element that
# no text can become (text reaching the HTML is escaped), so no title or caption is taken for one.
EXHIBIT_TAG = "es20-exhibit"


def exhibit_marker(key: str) -> str:
    return f'<{EXHIBIT_TAG} key="{html.escape(key)}"></{EXHIBIT_TAG}>'


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
        self.editorial: Any = None  # glossary, bibliography (report.editorial), when given
        self.citations: Any = None  # the notes of the chapter being resolved
        self.cited: list[str] = []

    # -- inline -----------------------------------------------------------------------------
    def inline(self, code: Shortcode) -> str:
        try:
            handler = getattr(self, f"_code_{code.name}", None)
            if code.name not in INLINE_CODES or handler is None:
                close = difflib.get_close_matches(code.name, (*INLINE_CODES, "figure", "table"), 1)
                raise code.error(f"unknown shortcode {code.name!r}",
                                 hint=f"did you mean {close[0]!r}?" if close else
                                 "use stat, share, compare, flags, ref, fact, design, cite, figure "
                                 "or table")
            return handler(code)
        except ReportError as exc:
            if exc.file != str(code.file):  # e.g. the codebook's «unknown variable»: point at
                # the shortcode the author wrote, which is what needs fixing
                detail = f"{exc.message} {exc.value!r}" if exc.value is not None else exc.message
                exc = ContentError(detail, file=code.file, line=code.line, value=code.text,
                                   hint=exc.hint)
            self.diag.error(exc)
            return html.escape(code.text)

    def _options(self, code: Shortcode, allowed: set[str], args: int | tuple[int, int],
                 example: str) -> None:
        low, high = (args, args) if isinstance(args, int) else args
        if not low <= len(code.args) <= high:
            raise code.error(f"{code.name} takes {low if low == high else f'{low} or {high}'} "
                             f"name{'s' if high > 1 else ''}", hint=example)
        for key in code.options:
            if key not in allowed:
                raise code.error(f"unknown option {key!r}", hint=f"use {', '.join(sorted(allowed))}")
        if ("by" in code.options) != ("group" in code.options):
            raise code.error("by= and group= go together", hint="{{stat crm by=legal_form group=coop}}")

    def _variable(self, name: str, level: str | None) -> tuple[str, str | None]:
        """``barriers__cost`` names option ``cost`` of the multiple-response ``barriers``."""
        if "__" in name and name not in self.codebook.variables:
            return tuple(name.split("__", 1))  # type: ignore[return-value]
        return name, level

    def _estimate(self, code: Shortcode) -> Any:
        """The estimate a shortcode names; None when the survey's data are invalid (the names
        are then checked against the codebook only)."""
        var, level = self._variable(code.args[0], code.options.get("level"))
        if self.stats is None:
            self.codebook.query(var, level, code.options.get("by"), code.options.get("group"))
            return None
        return self.stats.stat(var, level=level, by=code.options.get("by"),
                               group=code.options.get("group"))

    def _cap(self, code: Shortcode, text: str) -> str:
        if code.options.get("cap") not in (None, "yes"):
            raise code.error("cap takes yes", hint="cap=yes at the start of a sentence")
        return text[:1].upper() + text[1:] if code.options.get("cap") == "yes" else text

    def _points(self, proportion: float) -> str:
        """A margin in percentage points: «4,9 points de pourcentage» / "4.9 percentage points"."""
        value = abs(proportion) * 100
        number = self.fmt.number(value, 1)
        one = value < 2 if self.lang == "fr" else number in ("1", "1.0")
        return self.strings.format("stats.points_one" if one else "stats.points_many",
                                   number=number)

    def _code_stat(self, code: Shortcode) -> str:
        self._options(code, {"level", "by", "group", "fmt"}, 1, "{{stat social_networks}}")
        fmt = code.options.get("fmt", "pct")
        if fmt not in ("pct", "outof10", "n", "ci", "moe"):
            raise code.error(f"unknown format {fmt!r}", hint="use pct, outof10, n, ci or moe")
        estimate = self._estimate(code)
        if estimate is None:  # the names only (see the module's docstring)
            return html.escape(code.text)
        if fmt == "n":
            return html.escape(self.fmt.number(estimate.n))
        if estimate.flag == "suppressed" or estimate.p is None:
            raise code.error("this estimate is suppressed (F: a coefficient of variation above "
                             "33.3 % or a base under 10) and cannot be quoted")
        caution = "\u00a0E" if estimate.flag == "caution" else ""
        if fmt == "pct":
            text = self.fmt.percent(estimate.p) + caution
        elif fmt == "outof10":
            text = self.fmt.out_of_ten(estimate.p)
        elif fmt == "ci":
            assert estimate.ci_low is not None and estimate.ci_high is not None  # not suppressed
            low, high = self.fmt.percent(estimate.ci_low), self.fmt.percent(estimate.ci_high)
            text = f"{low} à {high}" if self.lang == "fr" else f"{low} to {high}"
        elif fmt == "moe":
            text = self._points(estimate.moe)
        else:
            raise code.error(f"unknown format {fmt!r}", hint="use pct, outof10, n, ci or moe")
        return f'<span class="stat">{html.escape(text)}</span>'

    def _code_share(self, code: Shortcode) -> str:
        """{{share VAR [level=…] [by=… group=…] [of=half|third|…] [cap=yes]}}: «plus de la
        moitié» when the whole 95 % interval is above the fraction, «moins de la moitié» when below,
        «environ la moitié» when it holds it."""
        from .claims import FRACTIONS, share_verdict

        self._options(code, {"level", "by", "group", "of", "cap"}, 1,
                      "{{share lacks_funds}} or {{share crm of=third}}")
        of = code.options.get("of", "half")
        if of not in FRACTIONS:
            raise code.error(f"unknown fraction {of!r}", hint=f"use of={', '.join(FRACTIONS)}")
        estimate = self._estimate(code)
        if estimate is None:  # the names only
            return html.escape(code.text)
        if estimate.p is None:
            raise code.error("this estimate is suppressed (F) and cannot be described")
        verdict = share_verdict(estimate, FRACTIONS[of])
        text = self._cap(code, self.strings[f"stats.share_{of}_{verdict}"])
        return f'<span class="claim">{html.escape(text)}</span>'

    def _code_compare(self, code: Shortcode) -> str:
        """{{compare A B [by=… group=…]}}: two variables on the same respondents (paired);
        {{compare A by=… group=G vs=H}}: one variable in two groups (vs=rest: the other groups).
        «devant» / «au même niveau que» / «derrière» from the design-based test at 95 %."""
        from .claims import compare_verdict

        self._options(code, {"level", "other_level", "by", "group", "vs", "cap"}, (1, 2),
                      "{{compare social_networks website_info}}")
        if (len(code.args) == 2) == ("vs" in code.options):
            raise code.error("compare takes a second variable or vs=GROUP, not both",
                             hint="{{compare social_networks website_info}} or {{compare erp "
                             "by=legal_form group=coop vs=npo}}")
        var, level = self._variable(code.args[0], code.options.get("level"))
        other = other_level = None
        if len(code.args) == 2:
            other, other_level = self._variable(code.args[1], code.options.get("other_level"))
        if self.stats is None:  # the names only
            by, group, vs = (code.options.get(k) for k in ("by", "group", "vs"))
            self.codebook.query(var, level, by, group)
            if other is not None:
                self.codebook.query(other, other_level, by, group)
            elif vs != "rest":
                self.codebook.check_group(by, vs)
            return html.escape(code.text)
        difference = self.stats.compare(var, other, level=level, other_level=other_level,
                                        by=code.options.get("by"),
                                        group=code.options.get("group"),
                                        vs=code.options.get("vs"))
        if not difference.tested:
            raise code.error("one side of this comparison is suppressed (F) or rests on fewer "
                             "than 10 respondents: it cannot be tested")
        text = self._cap(code, self.strings[f"stats.compare_{compare_verdict(difference)}"])
        return f'<span class="claim">{html.escape(text)}</span>'

    def _code_flags(self, code: Shortcode) -> str:
        """{{flags ID}}: what the E and F of a figure or table mean, saying only those it has."""
        from .statistics import CAUTION_N, CV_CAUTION, CV_SUPPRESS, SUPPRESS_N

        self._options(code, set(), 1, "{{flags tab-equipment-by-size}}")
        key = code.args[0]
        if key not in self.defined:
            close = difflib.get_close_matches(key, list(self.defined), 1)
            raise code.error("unknown figure or table id",
                             hint=f"did you mean {close[0]!r}?" if close else None)
        if key not in self.exhibits:  # not computed: the names only
            return html.escape(code.text)
        flags = {c.flag for row in self.exhibits[key].cells for c in row}
        limits = {"cv_low": self.fmt.percent(CV_CAUTION, 1),
                  "cv_high": self.fmt.percent(CV_SUPPRESS, 1),
                  "n_caution": self.fmt.number(CAUTION_N), "n_suppressed": self.fmt.number(SUPPRESS_N)}
        parts = []
        if "caution" in flags:
            parts.append(self.strings.format("stats.flags_caution", **limits))
        if "suppressed" in flags:
            parts.append(self.strings.format(
                "stats.flags_suppressed" if parts else "stats.flags_suppressed_alone", **limits))
        return html.escape(" ".join(parts) or self.strings["stats.flags_none"])

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
        from statistics import median

        from .statistics import CAUTION_N, CV_CAUTION, CV_SUPPRESS, SUPPRESS_N

        key = code.args[0] if code.args else ""
        if self.stats is None:  # the names only (see the module's docstring)
            if key not in DESIGN_KEYS:
                raise code.error("unknown design figure", hint=f"use {', '.join(DESIGN_KEYS)}")
            return html.escape(code.text)
        stats = self.stats
        design = stats.design
        mean = design.weight_mean

        def effects() -> list[float]:
            return stats.design_effects()

        def trimming() -> str:
            low = self.fmt.number((design.untrimmed_min or design.weight_min) / mean, 2)
            high = self.fmt.number((design.untrimmed_max or design.weight_max) / mean, 2)
            return self.strings.format("stats.trimming_some" if design.trimmed else
                                       "stats.trimming_none", count=self.fmt.number(design.trimmed),
                                       low=low, high=high)

        values = {
            "n": lambda: self.fmt.number(design.n),
            "N": lambda: self.fmt.number(design.N),
            "moe": lambda: self._points(design.moe_max),
            "deff": lambda: self.fmt.number(design.deff, 2),
            "n_eff": lambda: self.fmt.number(design.n_eff),
            "sampling_fraction": lambda: self.fmt.percent(design.n / design.N, 1),
            "confidence": lambda: self.fmt.percent(design.confidence),
            "alpha": lambda: self.fmt.percent(1 - design.confidence),
            "weight_min": lambda: self.fmt.number(design.weight_min, 1),
            "weight_max": lambda: self.fmt.number(design.weight_max, 1),
            "weight_mean": lambda: self.fmt.number(mean, 1),
            "weight_min_ratio": lambda: self.fmt.number(design.weight_min / mean, 2),
            "weight_max_ratio": lambda: self.fmt.number(design.weight_max / mean, 2),
            "trim_low": lambda: self.fmt.number(design.trim[0], 1),
            "trim_high": lambda: self.fmt.number(design.trim[1]),
            "trimming": trimming,
            "deff_min": lambda: self.fmt.number(min(effects()), 2),
            "deff_median": lambda: self.fmt.number(median(effects()), 2),
            "deff_max": lambda: self.fmt.number(max(effects()), 2),
            "cv_caution": lambda: self.fmt.percent(CV_CAUTION, 1),
            "cv_suppress": lambda: self.fmt.percent(CV_SUPPRESS, 1),
            "n_caution": lambda: self.fmt.number(CAUTION_N),
            "n_suppress": lambda: self.fmt.number(SUPPRESS_N),
        }
        if key not in values:
            raise code.error("unknown design figure", hint=f"use {', '.join(values)}")
        return html.escape(values[key]())

    def _code_cite(self, code: Shortcode) -> str:
        """``{{cite ID [ID…]}}``: a footnote citing the works; ``fmt=text``: the citation alone
        (inside a footnote written with ``[^1]``, before or after a comment)."""
        from .markdown import footnote_html

        if self.editorial is None:
            raise code.error("citations need the bibliography (data/bibliography.json)")
        for key in code.options:
            if key != "fmt":
                raise code.error(f"unknown option {key!r}", hint="use fmt=note or fmt=text")
        fmt = code.options.get("fmt", "note")
        if fmt not in ("note", "text") or not code.args:
            raise code.error("cite takes one or more bibliography ids and fmt=note or fmt=text",
                             hint="{{cite direction-informatique-2017}}")
        bibliography = self.editorial.bibliography
        for key in code.args:
            if key not in bibliography:
                raise code.error(f"unknown bibliography entry {key!r}",
                                 hint=bibliography.unknown(key).hint)
        if self.citations is None:
            self.citations = bibliography.session(self.lang)
        text = self.citations.note(code.args)
        self.cited.extend(code.args)
        return text if fmt == "text" else footnote_html(text)

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
        return exhibit_marker(key)  # replaced by the template's rendering of the exhibit


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
                   defined: dict[str, str] | None = None,
                   editorial: Editorial | None = None) -> Document | None:
    """Assemble the report of one language; None when its content has a problem (each one is
    recorded in ``diag``).

    ``defined`` (exhibit id → figure or table) and ``codebook`` default to what ``exhibits`` and
    ``stats`` hold; without statistics (invalid survey data, ``--check``), give both: every name
    is then checked and no number is printed. ``editorial``: the glossary, terminology,
    bibliography and back cover of :mod:`report.editorial` (read from ``config.paths`` when not
    given)."""
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
    if editorial is None:  # read them here for a caller that did not
        from .editorial import load_editorial

        editorial = load_editorial(config.paths, diag)
    resolver.editorial = editorial
    for section, page in plan:
        resolver.page = section.id
        if section.kind in ("front", "chapter", "appendix"):
            resolver.citations = None  # a new chapter cites its works in full again
        if stats is not None:  # with invalid responses there is nothing to judge claims by
            check_claims(page.body, file=Path(page.file or page.path), first_line=page.body_line,
                         lang=lang, stats=stats, md=renderer.md, diag=diag)
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
    back_cover = None
    if editorial is not None and lang in editorial.back_cover:
        page = editorial.back_cover[lang]
        back_cover = Section(page.id, "back", 1, typography(page.title, lang),
                             typography(page.short_title, lang))
        resolver.page = page.id
        with diag.collecting():
            back_cover.html = renderer.render(page.body, file=Path(page.file or page.path),
                                              first_line=page.body_line, heading_level=2,
                                              id_prefix=page.id, resolver=resolver).html
    if len(diag.errors) > found:
        return None
    placed = list(resolver.placed.values())  # in reading order
    extras: dict[str, Any] = {}
    if editorial is not None:
        extras = _editorial_parts(config, content, lang, codebook, editorial, resolver.cited)
    return Document(
        lang=lang,
        strings=strings,
        front=front,
        chapters=chapters,
        appendices=appendices,
        figures=[p for p in placed if p.family == "figure"],
        tables=[p for p in placed if p.family == "table"],
        back_cover=back_cover,
        **extras,
    )


def _editorial_parts(config: Config, content: Content, lang: str, codebook: Codebook,
                     editorial: Editorial, cited: list[str]) -> dict[str, Any]:
    """The reference list (works cited in notes, then the sources of the published figures), the
    acronyms the edition's text uses, the words never hyphenated and the names kept in the other
    language."""
    from .proofing import foreign_names, reading_order

    sources = [str(f.get("source")) for f in codebook.published_figures]
    text = "\n".join(page.body + "\n" + page.title
                     for _group, page in reading_order(config, content, lang))
    people = [str(case.meta.get("quote_author", "")).split(",")[0]
              for case in content.cases.get(lang, [])]
    return {
        "references": editorial.bibliography.references([*cited, *sources], lang),
        "acronyms": editorial.glossary.used(text, lang),
        "protected_words": editorial.protected_words(lang, tuple(people)),
        "foreign_names": tuple(foreign_names(config, content, editorial, lang)),
    }
