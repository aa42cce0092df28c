"""The locale layer: numbers, money, dates, typography and interface strings in French and English.

Input: a language code (``fr`` or ``en``) and values (proportions, counts, amounts, dates), or the
interface strings file ``data/strings.toml``.
Output: text for the report, formatted the way Québec readers expect:

* French (fr_CA): «71 %», «12,5 %», «1 234 567», «500 $», «38 G$» in tables and «38 milliards de
  dollars» in prose, no-break spaces before : ; ! ? and inside « ».
* English (en_CA): "71%", "12.5%", "1,234,567", "$500", "$38B" in tables and "$38 billion" in prose.

Every number goes through Babel with the edition's locale. Survey reports round half up (Babel rounds
half to even), so values are quantised with :data:`decimal.ROUND_HALF_UP` before Babel formats them,
and percent patterns are derived from the locale's own pattern (a hand-written pattern would drop
the French space before %).
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from babel import Locale, dates, numbers

from . import LANGUAGES
from .diagnostics import Diagnostics
from .errors import ConfigError

BABEL_LOCALES = {"fr": "fr_CA", "en": "en_CA"}
NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space


def _half_up(value: float | Decimal, decimals: int) -> Decimal:
    quantum = Decimal(1).scaleb(-decimals)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Formatter:
    """Formats values for one language. Rounding is half up everywhere."""

    lang: str

    def __post_init__(self) -> None:
        if self.lang not in BABEL_LOCALES:
            raise ConfigError(
                f"unknown language {self.lang!r}", hint=f"use one of {', '.join(LANGUAGES)}"
            )

    @property
    def locale(self) -> Locale:
        return Locale.parse(BABEL_LOCALES[self.lang])

    def number(self, value: float | int | Decimal, decimals: int = 0) -> str:
        """A number with the locale's grouping and decimal separator: «1 234,5» / "1,234.5"."""
        rounded = _half_up(value, decimals)
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return numbers.format_decimal(rounded, format=pattern, locale=self.locale)

    def percent(self, proportion: float | Decimal, decimals: int = 0) -> str:
        """A proportion (0–1) as a percentage: «71 %» / "71%", «12,5 %» / "12.5%"."""
        rounded = _half_up(Decimal(str(proportion)) * 100, decimals)
        base = self.locale.percent_formats[None].pattern  # e.g. '#,##0\xa0%' or '#,##0%'
        number_part = self.number(rounded, decimals)
        return re.sub(r"[#0,.]+", lambda _m: number_part, base, count=1)

    def percent_points(self, difference: float, decimals: int = 0) -> str:
        """A difference of proportions in percentage points: «5 points» / "5 points"."""
        value = self.number(abs(difference) * 100, decimals)
        return f"{value}{NBSP}point{'s' if abs(difference) * 100 >= 2 else ''}"

    def out_of_ten(self, proportion: float) -> str:
        """«7 sur 10» / "7 in 10" (nearest tenth, half up)."""
        tenths = int(_half_up(Decimal(str(proportion)) * 10, 0))
        word = "sur" if self.lang == "fr" else "in"
        return f"{tenths}{NBSP}{word}{NBSP}10"

    def money(self, amount: float | int, decimals: int = 0) -> str:
        """An amount in Canadian dollars: «5 000 $» / "$5,000"."""
        pattern = self.locale.currency_formats["standard"].pattern.split(";")[0]
        body = self.number(amount, decimals)
        return re.sub(r"[#0,.]+", lambda _m: body, pattern, count=1).replace("¤", "$")

    def money_compact(self, amount: float | int, decimals: int = 0) -> str:
        """A large amount in tables: «38 G$» / "$38B", «2,5 M$» / "$2.5M".

        Composed here rather than taken from Babel's compact currency data, whose French spacing
        changed between Babel 2.18 («38 G$») and 2.19 («38 G $»): the OQLF writes «38 G$».
        """
        value = Decimal(str(amount))
        for size, fr_unit, en_unit in ((Decimal(10) ** 9, "G", "B"), (Decimal(10) ** 6, "M", "M"),
                                       (Decimal(10) ** 3, "k", "K")):
            if abs(value) >= size:
                figure = self.number(value / size, decimals)
                return f"{figure}{NBSP}{fr_unit}$" if self.lang == "fr" else f"${figure}{en_unit}"
        return self.money(amount, decimals)

    def money_words(self, amount: float | int, decimals: int = 0) -> str:
        """A large amount in prose: «38 milliards de dollars» / "$38 billion"."""
        billion, million = Decimal(10) ** 9, Decimal(10) ** 6
        value = Decimal(str(amount))
        # 999.6 million rounds to «1 000 millions»: say «1 milliard» instead
        if value >= billion or (value >= million and _half_up(value / million, decimals) >= 1000):
            size, fr_word, en_word = billion, "milliard", "billion"
        elif value >= million:
            size, fr_word, en_word = million, "million", "million"
        else:
            return self.money(amount)
        figure = _half_up(value / size, decimals)
        text = self.number(figure, decimals)
        if self.lang == "fr":
            plural = "s" if figure >= 2 else ""
            return f"{text}{NBSP}{fr_word}{plural} de dollars"
        return f"${text}{NBSP}{en_word}"

    def date(self, value: _dt.date, form: str = "long") -> str:
        """«13 juillet 2017» / "July 13, 2017"; ``form="month"`` gives «juillet 2017»."""
        if form == "month":
            return dates.format_date(value, "MMMM y", locale=self.locale)
        return dates.format_date(value, form, locale=self.locale)


# a run of ; ! ? (as in «Quoi ?!») takes one narrow no-break space, before its first sign
_FR_BEFORE = re.compile(r"(?:(?<=[^\s;!?])|^)[ \u00a0\u202f]*([;!?]+)(?=\s|$|[»)\]])", re.M)
_FR_COLON = re.compile(r"(?:(?<=[^\s\d:/])|^)[ \u00a0\u202f]*:(?=\s|$)", re.M)
_FR_OPEN = re.compile(r"«[ \u00a0\u202f]*")
_FR_CLOSE = re.compile(r"[ \u00a0\u202f]*»")
_FR_PERCENT = re.compile(r"(?<=\d)[ \u00a0\u202f]?%")
_FR_DOLLAR = re.compile(r"(?<=\d)[ \u00a0\u202f]?\$")
# a number whose digit groups were typed with plain spaces («1 300», «120 000»), not a year or
# a decimal part before them: its spaces become the no-break space Babel's French numbers use
_FR_GROUPS = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?!\d)")
# a number and its unit symbol («6 h», «30 min», «10 Go») stay on one line
_FR_UNIT = re.compile(r"(?<=\d) (?=(?:h|min|s|km|m|kg|g|Ko|Mo|Go|To)(?![\w'’-]))")
# a typewriter apostrophe between two letters («l'entreprise», "don't") is a typographic one
_APOSTROPHE = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])")


@functools.lru_cache(maxsize=1 << 16)  # pure; the same runs of text come back at every rebuild
def typography(text: str, lang: str) -> str:
    """Apply the language's typographic spacing and apostrophes to a run of plain text.

    Both languages: a typewriter apostrophe between two letters becomes a typographic one
    («l’entreprise», "don’t"): the content is typed with ’, but labels in the survey's codebook
    and other data files are often typed with '. French also: no-break space before «:», narrow
    no-break space before ; ! ? and %, no-break spaces inside « », between the digit groups of a
    number typed with plain spaces («1 300») and before a unit symbol («6 h», «10 Go»), so that a
    number never breaks across lines. Only for text, never for markup or URLs.
    """
    if not text:
        return text
    text = _APOSTROPHE.sub("’", text)
    if lang != "fr":
        return text
    for _pass in range(4):  # a space one rule adds may call for another («!:»): until stable
        before = text
        text = _FR_BEFORE.sub(lambda m: NNBSP + m.group(1), text)
        text = _FR_COLON.sub(NBSP + ":", text)
        text = _FR_OPEN.sub("«" + NBSP, text)
        text = _FR_CLOSE.sub(NBSP + "»", text)
        text = _FR_PERCENT.sub(NBSP + "%", text)
        text = _FR_DOLLAR.sub(NBSP + "$", text)
        text = _FR_GROUPS.sub(lambda m: m.group(0).replace(" ", NBSP), text)
        text = _FR_UNIT.sub(NBSP, text)
        if text == before:
            break
    return text


class Strings:
    """Interface strings of one language, read from ``data/strings.toml``.

    The file has one table per language (``[fr]``, ``[en]``) with the same keys, possibly nested
    (``[fr.caption]``). ``strings["toc.title"]`` returns the text; a missing key raises
    :class:`ConfigError` naming the file and the key.
    """

    def __init__(self, table: dict[str, str], lang: str, source: Path) -> None:
        self._table = table
        self.lang = lang
        self.source = source

    def __getitem__(self, key: str) -> str:
        try:
            return typography(self._table[key], self.lang)
        except KeyError:
            raise ConfigError(
                f"missing interface string {key!r} for language {self.lang!r}",
                file=self.source,
                hint=f"add {key.rsplit('.', 1)[-1]} = \"…\" under [{self.lang}"
                + (f".{key.rsplit('.', 1)[0]}" if "." in key else "")
                + "]",
            ) from None

    def get(self, key: str) -> str:
        return self[key]

    def format(self, key: str, **values: object) -> str:
        return self[key].format(**values)

    def keys(self) -> set[str]:
        return set(self._table)


def _flatten(table: dict, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def load_strings(path: Path, diag: Diagnostics, *, root: Path | None = None
                 ) -> dict[str, Strings] | None:
    """Read ``strings.toml`` and check that every key exists in every language, as text.

    Returns one :class:`Strings` per language, or None when the file cannot be used; every problem
    goes to ``diag`` with its line. A key missing from one language is reported and the strings
    are still returned (the build stops anyway), so that the content can still be checked.
    """
    from .schemas import StringsFile, validate  # here: a language worker never loads schemas
    from .sources import load_toml

    with diag.collecting():
        source = load_toml(path, ConfigError, root=root,
                           missing="interface strings file not found",
                           empty_hint="restore it from the project's history (git) or a "
                           "colleague's copy")
        model = validate(StringsFile, source, diag, ConfigError)
        if model is None:
            return None
        flat = {lang: _flatten(getattr(model, lang)) for lang in LANGUAGES}
        every = set().union(*(set(t) for t in flat.values()))
        for lang in LANGUAGES:
            for key in sorted(every - set(flat[lang])):
                others = [o for o in LANGUAGES if key in flat[o]]
                diag.error(source.error(
                    ConfigError, f"interface string {key!r} exists in {', '.join(others)} but "
                    f"not in {lang}", (others[0], *key.split(".")),
                    hint=f"translate it under [{lang}"
                    + (f".{key.rsplit('.', 1)[0]}" if "." in key else "") + "]"))
        return {lang: Strings({k: str(v) for k, v in flat[lang].items()}, lang, Path(source.shown))
                for lang in LANGUAGES}
    return None
