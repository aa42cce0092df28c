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
import re
import tomllib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from babel import Locale, dates, numbers

from .errors import ConfigError, ReportError, raise_if_any

LANGUAGES: tuple[str, ...] = ("fr", "en")
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

    def money_compact(self, amount: float | int) -> str:
        """A large amount in tables: «38 G$» / "$38B"."""
        return numbers.format_compact_currency(amount, "CAD", locale=self.locale).replace(
            "CA", ""
        )

    def money_words(self, amount: float | int, decimals: int = 0) -> str:
        """A large amount in prose: «38 milliards de dollars» / "$38 billion"."""
        scales = [(Decimal(10) ** 9, "milliard", "billion"), (Decimal(10) ** 6, "million", "million")]
        value = Decimal(str(amount))
        for size, fr_word, en_word in scales:
            if value >= size:
                figure = _half_up(value / size, decimals)
                text = self.number(figure, decimals)
                if self.lang == "fr":
                    plural = "s" if figure >= 2 else ""
                    return f"{text}{NBSP}{fr_word}{plural} de dollars"
                return f"${text}{NBSP}{en_word}"
        return self.money(amount)

    def date(self, value: _dt.date, form: str = "long") -> str:
        """«13 juillet 2017» / "July 13, 2017"; ``form="month"`` gives «juillet 2017»."""
        if form == "month":
            return dates.format_date(value, "MMMM y", locale=self.locale)
        return dates.format_date(value, form, locale=self.locale)


_FR_BEFORE = re.compile(r"(?:(?<=\S)|^)[ \u00a0\u202f]*([;!?])(?=\s|$|[»)\]])")
_FR_COLON = re.compile(r"(?:(?<=[^\s\d:/])|^)[ \u00a0\u202f]*:(?=\s|$)")
_FR_OPEN = re.compile(r"«[ \u00a0\u202f]*")
_FR_CLOSE = re.compile(r"[ \u00a0\u202f]*»")
_FR_PERCENT = re.compile(r"(?<=\d)[ \u00a0\u202f]?%")
_FR_DOLLAR = re.compile(r"(?<=\d)[ \u00a0\u202f]?\$")


def typography(text: str, lang: str) -> str:
    """Apply the language's typographic spacing to a run of plain text.

    French: no-break space before «:», narrow no-break space before ; ! ? and %, no-break spaces
    inside « ». English text is returned unchanged. Only for text, never for markup or URLs.
    """
    if lang != "fr" or not text:
        return text
    text = _FR_BEFORE.sub(lambda m: NNBSP + m.group(1), text)
    text = _FR_COLON.sub(NBSP + ":", text)
    text = _FR_OPEN.sub("«" + NBSP, text)
    text = _FR_CLOSE.sub(NBSP + "»", text)
    text = _FR_PERCENT.sub(NBSP + "%", text)
    text = _FR_DOLLAR.sub(NBSP + "$", text)
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


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


def load_strings(path: Path) -> dict[str, Strings]:
    """Read ``strings.toml`` and check that every key exists in every language.

    Returns one :class:`Strings` per language. Every key missing from a language is reported at once.
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError("interface strings file not found", file=path) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            "file is not valid UTF-8", file=path, value=exc.object[exc.start : exc.end],
            hint="save the file as UTF-8",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise ConfigError(f"invalid TOML: {exc}", file=path, line=line) from None
    flat = {lang: _flatten(raw.get(lang, {})) for lang in LANGUAGES}
    errors: list[ReportError] = []
    unknown = sorted(set(raw) - set(LANGUAGES))
    for key in unknown:
        errors.append(ConfigError("unknown language table", file=path, value=key,
                                  hint=f"use [{'], ['.join(LANGUAGES)}]"))
    all_keys = set().union(*(set(t) for t in flat.values()))
    for lang in LANGUAGES:
        for key in sorted(all_keys - set(flat[lang])):
            others = [o for o in LANGUAGES if key in flat[o]]
            errors.append(
                ConfigError(
                    f"interface string {key!r} exists in {', '.join(others)} but not in {lang}",
                    file=path,
                    hint=f"translate it under [{lang}]",
                )
            )
    raise_if_any(errors, f"{path.name}: missing translations")
    return {lang: Strings(flat[lang], lang, path) for lang in LANGUAGES}
