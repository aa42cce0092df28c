"""Claims in prose that the data must support: comparisons and thresholds.

Input: one content page (its Markdown body, file and first line), its language, the statistics.
Output: located errors (file:line) on a :class:`~report.diagnostics.Diagnostics`, one per sentence
that asserts a difference or a threshold the data do not support; and the two verdicts the
``{{compare}}`` and ``{{share}}`` shortcodes print their words from (:func:`compare_verdict`,
:func:`share_verdict`), so that the words and the check follow the same rules.

What the check reads. The body is cut into units: a paragraph, a list item (its bold lead-in
included), a heading (which takes the unit after it as its context). Each unit is cut into
sentences. In each sentence, the text of shortcodes is masked (a ``{{share}}`` or ``{{compare}}``
prints words the data chose, so they are never checked), «…» and “…” quotations are skipped
(unless they hold a statistic), and the sentence is searched, accents, case, apostrophes, no-break
spaces and line breaks normalised, for claim phrases in its language:

* thresholds: «plus de la moitié», «moins du tiers», «près des deux tiers», «la majorité», «la
  plupart», «une minorité», «presque toutes», «une entreprise sur deux», «plus de 50 %»; "more than
  half", "fewer than a third", "about two thirds", "a majority", "most enterprises", "a minority",
  "nearly all", "one in two", "over 50%";
* comparisons: «devant», «devancent», «dépasse», «derrière», «plus répandu que», «moins courant»,
  «la plus répandue», «au même niveau que», «aussi répandu»; "ahead of", "behind", "outpaces",
  "exceeds", "more common than", "higher than", "the most widespread", "on a par with", "as common
  as", "similar to".

What the claim is about: the ``{{stat}}`` shortcodes of its sentence (percentages, «7 sur 10» and
intervals; not ``fmt=n``, a count), else those of the nearest sentence of its unit (the one before,
else the one after: «Autrement dit, plus de la moitié…», or a list item's bold lead-in). A
threshold holds when the 95 % interval of every estimate it is about lies on its side of the
threshold (inside it for «environ», «près de», "about", "nearly"); a comparison of two estimates
holds when the design-based test of their difference says so (significant at 95 % and in the
direction stated, the first-named estimate being the subject; not significant for «au même
niveau», "on a par"); a superlative, when the first estimate is significantly above each of the
others. A claim with no estimate beside it is an error when it puts a share on the survey's
population («plus de la moitié des entreprises», "most non-profits"); other wording is left alone.

The fix the errors suggest: ``{{share VAR}}`` («plus de la moitié» / «environ la moitié» / «moins
de la moitié») and ``{{compare A B}}`` («devant» / «au même niveau que» / «derrière»), which print
what the data support.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostics
from .errors import ContentError
from .markdown import SHORTCODE

FRACTIONS = {  # name in the {{share … of=NAME}} option → value
    "half": 1 / 2, "third": 1 / 3, "quarter": 1 / 4, "two_thirds": 2 / 3, "three_quarters": 3 / 4,
}
NEARLY_ALL = 0.9  # «presque toutes», "nearly all": the whole interval above 90 %


# --------------------------------------------------------------------------- verdicts


def share_verdict(estimate: Any, value: float) -> str:
    """"more", "about" or "less": where the estimate's 95 % interval lies against ``value``."""
    if estimate.ci_low is not None and estimate.ci_low > value:
        return "more"
    if estimate.ci_high is not None and estimate.ci_high < value:
        return "less"
    return "about"


def compare_verdict(difference: Any) -> str:
    """"higher", "same" or "lower": the design-based test of first − second at 95 %."""
    return {"higher": "higher", "lower": "lower"}.get(difference.significance or "", "same")


# --------------------------------------------------------------------------- lexicon


_FOLDED: dict[str, str] = {}


def _fold_char(ch: str) -> str:
    """One character as the lexicon reads it (cached: the same few hundred characters recur)."""
    folded = _FOLDED.get(ch)
    if folded is None:
        if ch.isspace():
            folded = " "
        elif ch == "*":
            folded = ""
        else:
            base = "'" if ch in "\u2019\u02bc" else ch
            folded = "".join(part for part in unicodedata.normalize("NFKD", base)
                             if not unicodedata.combining(part)).lower()
        _FOLDED[ch] = folded
    return folded


_FOOTNOTE_CALL = re.compile(r"\[\^[^\]]*\]")
_EMPHASIS = re.compile(r"(?<![^\W_])_+|_+(?![^\W_])")  # _ not between two letters or digits


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_WHITE = re.compile(r"\s+")
_MARKS = str.maketrans({"\u2019": "'", "\u02bc": "'", "*": None})


def _fold_fast(text: str) -> str:
    """What :func:`_fold` gives, without the index, in a few passes of C code (most sentences
    claim nothing, and this runs on every sentence of the report)."""
    text = _EMPHASIS.sub("", _FOOTNOTE_CALL.sub("", text)).translate(_MARKS)
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text.lower()))
    return _WHITE.sub(" ", text)


def _fold(text: str) -> tuple[str, list[int]]:
    """The text as the lexicon reads it: lower case, no accents, straight apostrophes, one space
    for any run of white space (no-break spaces and line breaks included), without Markdown
    emphasis marks and footnote calls; and, for each of its characters, its index in ``text``."""
    out: list[str] = []
    origin: list[int] = []
    skip = {i for m in _FOOTNOTE_CALL.finditer(text) for i in range(m.start(), m.end())}
    text_kept = _FOOTNOTE_CALL.sub(lambda m: "\0" * len(m.group(0)), text)
    skip |= {i for m in _EMPHASIS.finditer(text_kept) for i in range(m.start(), m.end())}
    for i, ch in enumerate(text):
        if i in skip:
            continue
        folded = _fold_char(ch)
        if folded == " " and out and out[-1] == " ":
            continue
        for part in folded:
            out.append(part)
            origin.append(i)
    return "".join(out), origin


_FR_FRACTION = {"moitie": 1 / 2, "tiers": 1 / 3, "quart": 1 / 4, "deux tiers": 2 / 3,
                "trois quarts": 3 / 4}
_EN_FRACTION = {"half": 1 / 2, "a third": 1 / 3, "one third": 1 / 3, "third": 1 / 3,
                "a quarter": 1 / 4, "one quarter": 1 / 4, "quarter": 1 / 4,
                "two thirds": 2 / 3, "two-thirds": 2 / 3, "three quarters": 3 / 4,
                "three-quarters": 3 / 4}
_NUMBERS = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
            "huit": 8, "neuf": 9, "dix": 10, "one": 1, "two": 2, "three": 3, "four": 4,
            "five": 5, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_FR_DIRECTION = {"plus": "more", "moins": "less", "pres": "about", "environ": "about",
                 "presque": "about", "quelque": "about", "pas loin": "about"}
_EN_DIRECTION = {"more": "more", "over": "more", "upward of": "more", "upwards of": "more",
                 "just over": "more", "less": "less", "fewer": "less", "under": "less",
                 "just under": "less", "nearly": "about", "almost": "about", "about": "about",
                 "around": "about", "roughly": "about", "close to": "about",
                 "approximately": "about", "some": "about"}
_FR_ADJ = (r"(?:repandu|courant|frequent|utilise|populaire|eleve|nombreu|present|actif|adopte|"
           r"equipe|faible|bas|haut|important)\w*")
_EN_ADJ = (r"(?:common|widespread|frequent|popular|used|likely|often|prevalent|equipped|active|"
           r"present|adopted)")
_FR_POP = (r"(?:des |d'|les )?(?:\w+ ){0,2}?(?:entreprises?|cooperatives?|obnl|organismes?|"
           r"organisations?|repondant\w*)\b")
_EN_POP = (r"(?:of )?(?:the |all |these |those )?(?:[\w-]+ ){0,2}?(?:enterprises?|co-?operatives?|"
           r"co-?ops?|non-?profits?|organi[sz]ations?|respondents?|business(?:es)?)\b")


@dataclass(frozen=True)
class Claim:
    kind: str  # threshold | comparison
    text: str  # the phrase as written
    direction: str  # threshold: more | less | about; comparison: higher | lower | same | most
    value: float = 0.0  # threshold
    population: bool = False  # a threshold put on the survey's population («des entreprises»)


def _threshold_patterns(lang: str) -> list[tuple[re.Pattern[str], Any]]:
    """(pattern, function of the match → (direction, value)) for the language's thresholds."""
    if lang == "fr":
        frac = r"(?P<frac>deux tiers|trois quarts|moitie|tiers|quart)"
        return [
            (re.compile(r"\b(?P<dir>plus|moins|pres|environ|presque|pas loin)\s+(?:de\s+la|de\s+l'|"
                        r"du|des|d'un|d'une|de)\s+" + frac + r"\b"),
             lambda m: (_FR_DIRECTION[m["dir"]], _FR_FRACTION[m["frac"]])),
            (re.compile(r"\b(?:la|une|le|un|les)\s+(?:bonne\s+|petite\s+|grosse\s+)?" + frac
                        + r"\b"),
             lambda m: ("about", _FR_FRACTION[m["frac"]])),
            (re.compile(r"\b(?:(?P<dir>plus|moins|pres|environ|presque)\s+d'?\s*)?"
                        r"(?P<num>un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|\d+)\s+"
                        r"(?:[\w-]+\s+){0,2}?sur\s+(?P<den>deux|trois|quatre|cinq|dix|\d+)\b"),
             lambda m: (_FR_DIRECTION.get(m["dir"] or "", "about"),
                        _count(m["num"]) / _count(m["den"]))),
            (re.compile(r"\b(?:la|une)\s+(?:grande\s+|nette\s+|large\s+|faible\s+|courte\s+|"
                        r"legere\s+|petite\s+)?majorite\b|\bmajoritaire|\bla plupart\b"),
             lambda m: ("more", 0.5)),
            (re.compile(r"\b(?:la|une)\s+(?:petite\s+|faible\s+)?minorite\b|\bminoritaire"),
             lambda m: ("less", 0.5)),
            (re.compile(r"\b(?:presque|quasi|pratiquement)[\s-]+(?:toutes|tous|partout|"
                        r"universel\w*)|\bquasi-totalite\b|\bquasi-unanimite\b"),
             lambda m: ("more", NEARLY_ALL)),
            (re.compile(r"\b(?P<dir>plus|moins|pres|environ)\s+de\s+(?P<pct>\d+(?:[,.]\d+)?)"
                        r"\s*(?:%|pour\s*cent)"),
             lambda m: (_FR_DIRECTION[m["dir"]], float(m["pct"].replace(",", ".")) / 100)),
            (re.compile(r"\b(?:depass\w*|excede\w*)\s+(?:[\w']+\s+){0,2}?(?P<pct>\d+(?:[,.]\d+)?)\s*"
                        r"(?:%|pour\s*cent)"),
             lambda m: ("more", float(m["pct"].replace(",", ".")) / 100)),
        ]
    frac = (r"(?P<frac>two[- ]thirds|three[- ]quarters|half|a third|one third|a quarter|"
            r"one quarter)")
    direction = (r"(?P<dir>more|less|fewer|just over|just under|over|under|upwards? of|nearly|"
                 r"almost|about|around|roughly|close to|approximately|some)")
    return [
        (re.compile(r"\b" + direction + r"(?:\s+than)?\s+" + frac + r"\b"),
         lambda m: (_EN_DIRECTION[m["dir"]], _EN_FRACTION[m["frac"].replace("-", " ")])),
        (re.compile(r"\b(?:half|a third|one third|a quarter|one quarter|two[- ]thirds|"
                    r"three[- ]quarters)\s+of\b"),
         lambda m: ("about", _EN_FRACTION[m[0].rsplit(" ", 1)[0].replace("-", " ")])),
        (re.compile(r"\b(?:(?P<dir>more|fewer|less|nearly|almost|about|around|roughly)\s+than\s+|"
                    r"(?P<dir2>nearly|almost|about|around|roughly)\s+)?"
                    r"(?P<num>one|two|three|four|five|six|seven|eight|nine|\d+)\s+"
                    r"(?:[\w-]+\s+){0,2}?(?:in|out of)\s+(?P<den>two|three|four|five|ten|\d+)\b"),
         lambda m: (_EN_DIRECTION.get(m["dir"] or m["dir2"] or "", "about"),
                    _count(m["num"]) / _count(m["den"]))),
        (re.compile(r"\b(?:a|the)\s+(?:large\s+|clear\s+|slim\s+|small\s+|narrow\s+|vast\s+|"
                    r"slight\s+|bare\s+)?majority\b|(?<!the )\bmost\s+(?:of\s+(?:the\s+|these\s+|those\s+)?)?"
                    r"(?:(?:social economy|quebec|responding|small|smaller|large|larger)\s+)*"
                    r"(?:enterprises|co-?operatives|co-?ops|non-?profits|organi[sz]ations|"
                    r"respondents|businesses)\b"),
         lambda m: ("more", 0.5)),
        (re.compile(r"\b(?:a|the)\s+(?:small\s+|tiny\s+)?minority\b"),
         lambda m: ("less", 0.5)),
        (re.compile(r"\b(?:nearly|almost|virtually|practically)\s+(?:all|every\w*|universal)\b"),
         lambda m: ("more", NEARLY_ALL)),
        (re.compile(r"\b(?P<dir>more|less|fewer|over|under|nearly|almost|about|around)\s+"
                    r"(?:than\s+)?(?P<pct>\d+(?:\.\d+)?)\s*(?:%|percent|per cent)"),
         lambda m: (_EN_DIRECTION[m["dir"]], float(m["pct"]) / 100)),
        (re.compile(r"\bexceed\w*\s+(?:\w+\s+){0,2}?(?P<pct>\d+(?:\.\d+)?)\s*(?:%|percent|per cent)"),
         lambda m: ("more", float(m["pct"]) / 100)),
    ]


def _comparison_patterns(lang: str) -> list[tuple[re.Pattern[str], str]]:
    if lang == "fr":
        return [
            (re.compile(r"\b(?:la|le|les)\s+(?:plus|mieux)\s+" + _FR_ADJ), "most"),
            (re.compile(r"\ben\s+tete\b|\bdevan(?:t|ce|cent|cer|cait|caient)\b|\bdepass\w*|"
                        r"\bsurpass\w*|\bdeux fois plus\b|\bdavantage\b|\bsuperieur\w*\s+(?:a|au|aux)\b|"
                        r"\bplus\s+" + _FR_ADJ + r"\s+(?:que|qu')"), "higher"),
            (re.compile(r"\bderriere\b|\ben retard\b|\binferieur\w*\s+(?:a|au|aux)\b|\bmoins\s+" + _FR_ADJ
                        + r"\s+(?:que|qu')"), "lower"),
            (re.compile(r"\bau meme niveau\b|\baussi\s+" + _FR_ADJ + r"|\bautant\s+que\b|"
                        r"\ba egalite\b|\bcomparable\w*|\bsemblable\w*|\bequivalent\w*"), "same"),
        ]
    return [
        (re.compile(r"\bthe\s+most\s+" + _EN_ADJ + r"\b"), "most"),
        (re.compile(r"\bahead\s+of\b|\boutpac\w*|\boutnumber\w*|\bexceed\w*|\bsurpass\w*|"
                    r"\btwice\s+as\b|\b(?:higher|greater|larger|bigger)\s+than\b|"
                    r"\bmore\s+" + _EN_ADJ + r"\s+than\b|\blead(?:s|ing)?\s+(?:the|all)\b"),
         "higher"),
        (re.compile(r"\bbehind\b|\btrail\w*|\blag\w*|\b(?:lower|smaller)\s+than\b|"
                    r"\bless\s+" + _EN_ADJ + r"\s+than\b|\bthe\s+least\s+" + _EN_ADJ + r"\b"),
         "lower"),
        (re.compile(r"\bon\s+a\s+par\b|\bas\s+" + _EN_ADJ + r"\s+as\b|\bcomparable\b|"
                    r"\bsimilar\b|\bsame\s+(?:level|rate|share|proportion)\b|\bequally\b"),
         "same"),
    ]


def _count(word: str) -> float:
    return float(word) if word.isdigit() else float(_NUMBERS[word])


_PATTERNS: dict[str, tuple[list[Any], list[Any], re.Pattern[str]]] = {}


def _patterns(lang: str) -> tuple[list[Any], list[Any], re.Pattern[str]]:
    """The language's threshold and comparison patterns, and their union (one scan tells whether
    a sentence may claim anything: most do not)."""
    if lang not in _PATTERNS:
        thresholds, comparisons = _threshold_patterns(lang), _comparison_patterns(lang)
        union = "|".join(f"(?:{re.sub(r'[(][?]P<[a-z0-9]+>', '(?:', p.pattern)})"
                         for p, _read in [*thresholds, *comparisons])
        _PATTERNS[lang] = (thresholds, comparisons, re.compile(union))
    return _PATTERNS[lang]


def find_claims(sentence: str, lang: str) -> list[Claim]:
    """The claim phrases of one sentence (shortcodes already masked)."""
    thresholds, comparisons, union = _patterns(lang)
    text = _fold_fast(sentence)
    if not union.search(text):
        return []
    mapped: list[tuple[str, list[int]]] = []

    def written(match: re.Match[str]) -> str:  # the phrase as the author wrote it
        if not mapped:
            mapped.append(_fold(sentence))
        folded, origin = mapped[0]
        if folded != text:  # cannot happen; the folded phrase then
            return match.group(0)
        return " ".join(sentence[origin[match.start()]:origin[match.end() - 1] + 1].split())

    claims: list[Claim] = []
    taken: list[tuple[int, int]] = []
    population = re.compile(_FR_POP if lang == "fr" else _EN_POP)
    for pattern, read in thresholds:
        for match in pattern.finditer(text):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            direction, value = read(match)
            taken.append(match.span())
            if value >= 1.0:  # «plus de 100 %»: arithmetic on totals, not a claim on an estimate
                continue
            after = text[match.end():match.end() + 60]
            on_population = bool(population.match(after.lstrip())) or bool(
                population.search(match.group(0)))
            claims.append(Claim("threshold", written(match), direction, value, on_population))
    for pattern, direction in comparisons:
        for match in pattern.finditer(text):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            taken.append(match.span())
            claims.append(Claim("comparison", written(match), direction))
    return claims


# --------------------------------------------------------------------------- reading the page


@dataclass
class Sentence:
    text: str  # as written, shortcodes masked
    line: int
    referents: list[Any]  # the {{stat}} shortcodes' queries (variable, level, by, group)


@dataclass
class Unit:
    sentences: list[Sentence]
    quote: bool = False
    heading: bool = False


_SENTENCE_END = re.compile(r"(?<=[.!?…;])[»”\"')\]*_]*\s+(?=\S)")
_QUOTED = re.compile(r"«[^«»]*»|“[^“”]*”")
_MASK = "\ue010"


def _units(body: str, first_line: int, md: Any) -> list[Unit]:
    """Paragraphs, list items and headings of a Markdown body, cut into sentences."""
    tokens = md.parse(body, {})
    units: list[Unit] = []
    depth_item = 0
    depth_quote = 0
    current: Unit | None = None
    heading = False
    for token in tokens:
        if token.type == "list_item_open":
            depth_item += 1
            if depth_item == 1:
                current = Unit([], quote=depth_quote > 0)
                units.append(current)
        elif token.type == "list_item_close":
            depth_item -= 1
            if depth_item == 0:
                current = None
        elif token.type == "blockquote_open":
            depth_quote += 1
        elif token.type == "blockquote_close":
            depth_quote -= 1
        elif token.type == "heading_open":
            heading = True
        elif token.type == "inline" and token.map is not None:
            line = first_line + token.map[0]
            if current is None or heading:
                unit = Unit([], quote=depth_quote > 0, heading=heading)
                units.append(unit)
            else:
                unit = current
            unit.sentences.extend(_sentences(token.content, line))
            heading = False
    return units


def _sentences(content: str, line: int) -> list[Sentence]:
    out = []
    start = 0
    pieces = []
    for match in _SENTENCE_END.finditer(content):
        pieces.append((start, content[start:match.start()]))
        start = match.end()
    pieces.append((start, content[start:]))
    for offset, text in pieces:
        if not text.strip():
            continue
        referents = []
        for code in SHORTCODE.finditer(text):
            if code.group(1) == "stat":
                referents.append(code.group(0))
        masked = SHORTCODE.sub(_MASK, text)
        out.append(Sentence(masked, line + content[:offset].count("\n"), referents))
    return out


# --------------------------------------------------------------------------- checking


# A page is read only when it quotes a statistic or names a share that could be put on the
# survey's population (the population rule's phrases need one of these words).
_MAY_CLAIM = re.compile(r"\{\{\s*stat\b|moiti|majorit|minorit|plupart|tiers|quart|sur\s+(?:deux|"
                        r"trois|quatre|cinq|dix)|presque|quasi|%|half|third|quarter|majority|"
                        r"minority|\bmost\b|\bnearly\b|\balmost\b|\bvirtually\b|"
                        r"\bin\s+(?:two|three|four|five|ten)\b|out of", re.IGNORECASE)


def check_claims(body: str, *, file: Path, first_line: int, lang: str, stats: Any, md: Any,
                 diag: Diagnostics) -> None:
    """Record on ``diag`` every unsupported claim of one page, located (module docstring).

    ``md``: the MarkdownIt parser the content is rendered with (its containers and footnotes).
    """
    from .markdown import parse_shortcode

    if not _MAY_CLAIM.search(body):  # no statistic and no share of the population: nothing to
        return  # judge (most case studies), and no need to parse the page again
    units = _units(body, first_line, md)

    def estimates(sentence: Sentence) -> list[Any]:
        found = []
        for text in sentence.referents:
            code = parse_shortcode(text, file, sentence.line)
            if code.options.get("fmt") == "n" or len(code.args) != 1:
                continue
            var, level = code.args[0], code.options.get("level")
            if "__" in var and var not in stats.codebook.variables:
                var, level = var.split("__", 1)
            try:
                found.append(stats.stat(var, level=level, by=code.options.get("by"),
                                        group=code.options.get("group")))
            except ContentError:
                continue  # the shortcode's own error is reported where it is resolved
        return found

    for index, unit in enumerate(units):
        context = unit
        if unit.heading:  # a heading speaks of what follows it
            context = next((u for u in units[index + 1:] if not u.heading), unit)
        for position, sentence in enumerate(unit.sentences):
            text = sentence.text
            if unit.quote and not sentence.referents:
                continue
            if not sentence.referents:
                text = _QUOTED.sub(" ", text)
            claims = find_claims(text, lang)
            if not claims:
                continue
            referents = estimates(sentence)
            if not referents:
                referents = _nearest(context, unit, position, estimates)
            for claim in claims:
                problem = _judge(claim, referents, stats, lang)
                if problem:
                    diag.error(ContentError(
                        f"«{claim.text}»: {problem}", file=file, line=sentence.line,
                        hint="let the data choose the words: {{share VAR}} (more than / about / "
                        "less than half, of=third…) or {{compare A B}} (ahead of / on a par "
                        "with / behind)"))


def _nearest(context: Unit, unit: Unit, position: int, estimates: Any) -> list[Any]:
    """The estimates of the nearest sentence of the unit that has some: before, else after."""
    if context is unit:
        before = unit.sentences[:position][::-1]
        after = unit.sentences[position + 1:]
    else:
        before, after = [], context.sentences
    for sentence in [*before, *after]:
        found = estimates(sentence)
        if found:
            return found
    return []


def _judge(claim: Claim, referents: list[Any], stats: Any, lang: str) -> str | None:
    """Why the data do not support the claim, or None when they do (or it is not a claim on
    the survey's estimates)."""
    if not referents:
        if claim.kind == "threshold" and claim.population:
            return ("a share of the survey's population with no estimate beside it: the data "
                    "cannot back it")
        return None
    suppressed = [e for e in referents if e.p is None]
    if suppressed:
        return f"{_name(suppressed[0])} is suppressed (F): nothing can be said of it"
    if claim.kind == "threshold":
        for est in referents:
            verdict = share_verdict(est, claim.value)
            if verdict != claim.direction:
                return (f"{_name(est)} is {est.p:.0%} and its 95 % interval, {est.ci_low:.0%} to "
                        f"{est.ci_high:.0%}, {_verdict_text(verdict, claim.value)}: the data "
                        "do not support the claim")
        return None
    if len(referents) < 2:
        return (f"a comparison beside one estimate only ({_name(referents[0])}): the data cannot "
                "tell what it is compared with")
    first, others = referents[0], referents[1:]
    if claim.direction != "most" and len(others) > 1:
        return (f"a comparison beside {len(referents)} estimates: cannot tell which two are "
                "compared")
    for other in others:
        try:
            difference = _difference(stats, first, other)
        except ContentError as exc:
            return exc.message
        verdict = compare_verdict(difference)
        wanted = "higher" if claim.direction == "most" else claim.direction
        if verdict != wanted:
            return (f"{_name(first)} {first.p:.0%} against {_name(other)} {other.p:.0%}: the "
                    f"difference of {difference.difference * 100:+.1f} points (95 % interval "
                    f"{difference.ci_low * 100:+.1f} to {difference.ci_high * 100:+.1f}, "
                    f"p = {difference.p_value:.2f}) says {_comparison_text(verdict)}, not "
                    f"{_comparison_text(wanted)}")
    return None


def _difference(stats: Any, first: Any, other: Any) -> Any:
    """The test between two estimates named in one sentence."""
    if first.by == other.by and first.group == other.group:
        return stats.compare(first.variable, other.variable, level=first.level,
                             other_level=other.level, by=first.by, group=first.group)
    if (first.variable, first.level) == (other.variable, other.level):
        if first.by == other.by and first.by is not None:
            return stats.compare(first.variable, level=first.level, by=first.by,
                                 group=first.group, vs=other.group)
        if other.by is None and first.by is not None:  # a group against the whole population:
            return stats.compare(first.variable, level=first.level, by=first.by,  # its sign and
                                 group=first.group, vs="rest")  # test are the complement's
        if first.by is None and other.by is not None:
            flipped = stats.compare(other.variable, level=other.level, by=other.by,
                                    group=other.group, vs="rest")
            return _Flipped(flipped)
    raise ContentError(f"cannot test {_name(first)} against {_name(other)}: compare two variables "
                       "in the same group, or one variable in two groups")


@dataclass(frozen=True)
class _Flipped:
    """A difference read the other way round (second − first)."""

    inner: Any

    @property
    def significance(self) -> str | None:
        return {"higher": "lower", "lower": "higher"}.get(self.inner.significance or "")

    @property
    def difference(self) -> float:
        return -self.inner.difference

    @property
    def ci_low(self) -> float:
        return -self.inner.ci_high

    @property
    def ci_high(self) -> float:
        return -self.inner.ci_low

    @property
    def p_value(self) -> float:
        return self.inner.p_value


def _name(est: Any) -> str:
    where = f" ({est.by}={est.group})" if est.by else ""
    level = "" if est.level == "1" else f" level={est.level}"
    return f"{est.variable}{level}{where}"


def _verdict_text(verdict: str, value: float) -> str:
    return {"more": "lies above", "less": "lies below", "about": "holds"}[verdict] + f" {value:.0%}"


def _comparison_text(verdict: str) -> str:
    return {"higher": "higher", "lower": "lower", "same": "no significant difference"}[verdict]
