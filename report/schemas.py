"""What every input file may hold: one declarative schema per input (pydantic v2).

Input: a :class:`~report.sources.Source` (parsed YAML or TOML with the position of every key) or the
front matter of a content file.
Output: a validated model instance, or None when the input cannot be used; every problem goes to
the build's :class:`~report.diagnostics.Diagnostics` as a located error naming the file, line,
column and key, the value, and how to fix it (:func:`validate`). An unknown key is reported with
the closest valid one and does not make the rest unusable, so a check goes on.

The schemas say what shape and type each value has and which keys exist. What depends on other
inputs (a code of the codebook, a content file that must exist, a font that must draw a
character) is checked by the stage that reads the input, with the same positions.

Schemas:

* :class:`ReportFile`: ``data/report.toml``
* :class:`StructureFile`: ``data/structure.yaml``
* :data:`StringsFile`: ``data/strings.toml``
* :class:`ThemeFile`: ``themes/<name>/theme.toml``
* :class:`CodebookFile`, :class:`MarginsFile`: ``data/survey/codebook.yaml``, ``margins.yaml``
* :class:`ExhibitFile`: one figure of ``data/figures.yaml`` or table of ``data/tables.yaml``
* :class:`PersonalFile`: ``data/personal.yaml`` (the personal benchmark reports)
* :class:`PageMeta`, :class:`CaseMeta`: the front matter of a content file and of a case study
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
import types
import typing
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StringConstraints,
    Tag,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from typing_extensions import TypeAliasType

from . import LANGUAGES
from .diagnostics import Diagnostics
from .errors import ReportError
from .sources import Source

M = TypeVar("M")


class Strict(BaseModel):
    """Base of every schema: unknown keys are errors, numbers must be finite, nothing coerced
    from text (``"12"`` is not a number), models are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=False,
                              str_strip_whitespace=False, hide_input_in_errors=False)


def _code(value: Any) -> Any:
    """A code written as a YAML number or boolean (``1``, ``yes``) is read as its text."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    return value


def _pattern(pattern: str, message: str) -> Any:
    """A validator that accepts a text matching ``pattern`` and says ``message`` otherwise."""
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, str) and not compiled.fullmatch(value):
            raise ValueError(message)
        return value

    return AfterValidator(check)


Text = Annotated[str, StringConstraints(min_length=1), Field(description="a text in quotes")]
Code = Annotated[str, BeforeValidator(_code), _pattern(
    r"[A-Za-z0-9_+-]+", "a code holds letters, digits, _, + and - only")]
Identifier = Annotated[str, BeforeValidator(_code), _pattern(
    r"[a-z0-9][a-z0-9_-]{0,79}", "an id holds lowercase letters, digits, - and _ only")]
# A font family as the font file names it. It reaches the generated CSS and the charts' SVG, so
# nothing that could end a string or a rule is accepted.
FamilyName = Annotated[str, _pattern(
    r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}",
    "a font family name holds letters, digits, spaces, dots, hyphens and underscores only "
    "(the name the font file gives, e.g. \"Charis SIL\")")]
HexColour = Annotated[str, _pattern(r"#[0-9A-Fa-f]{6}",
                                    "must be a colour like #1A2B3C (six hexadecimal digits)")]
Finite = Annotated[float, Field(allow_inf_nan=False)]


class Bilingual(Strict):
    """A text in each of the report's languages."""

    fr: Text
    en: Text

    def __getitem__(self, lang: str) -> str:
        return str(getattr(self, lang))

    def as_dict(self) -> dict[str, str]:
        return {lang: self[lang] for lang in LANGUAGES}


# -- data/report.toml -------------------------------------------------------------------------

def _isbn_ok(isbn: str) -> bool:
    digits = [c for c in isbn if c.isdigit()]
    if len(digits) != 13 or re.search(r"[^0-9 -]", isbn):
        return False
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits[:12]))
    return (10 - total % 10) % 10 == int(digits[12])


def _isbn(value: str) -> str:
    if not _isbn_ok(value):
        raise ValueError("not a 13-digit ISBN with a right check digit; give one like "
                         "978-2-924001-45-5")
    return value


Isbn = Annotated[str, BeforeValidator(lambda v: v if not isinstance(v, str) else _isbn(v))]
FileName = Annotated[str, _pattern(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}",
                                   "a file name without folders, e.g. economie-sociale-2-0")]


class ReportSection(Strict):
    publisher: Text = Field(description='the publisher: publisher = "CEFRIO"')
    date: _dt.date = Field(description="the publication date, without quotes: date = 2017-07-13")
    page_size: Literal["letter", "a4"] = Field(
        "letter", description='the trim size: page_size = "letter" or "a4"')
    url: Text = Field(description='where the report is published: url = "cefr.io/es20"')
    title: Bilingual
    subtitle: Bilingual
    keywords: Bilingual

    @field_validator("page_size", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("date", mode="before")
    @classmethod
    def _date_only(cls, value: Any) -> Any:
        if isinstance(value, _dt.datetime) or not isinstance(value, _dt.date):
            raise ValueError("must be a date like 2017-07-13, written without quotes")
        return value


class IsbnTable(Strict):
    fr: Isbn
    en: Isbn
    placeholder: StrictBool = Field(
        False, description="placeholder = true while the numbers are not the assigned ones "
        "(a draft marks them, --release refuses them); delete the line once they are")


class AddressTable(Strict):
    lines: list[Text] = Field(description='the publisher\'s address for the back cover: '
                              'lines = ["888, rue Saint-Jean, bureau 575", "…"]')
    placeholder: StrictBool = Field(
        False, description="placeholder = true while the address is not confirmed")


class AuthorsByLanguage(Strict):
    fr: list[Text]
    en: list[Text]


class OutputNames(Strict):
    fr: FileName
    en: FileName

    @model_validator(mode="after")
    def _distinct(self) -> OutputNames:
        if self.fr == self.en:
            raise ValueError("two languages would write to the same file: give each its own name")
        return self


class Credits(Strict):
    authors: list[Text] | AuthorsByLanguage = Field(
        default_factory=list, description='the authors: authors = ["First Last", "…"], or '
        '[credits.authors] with fr = […] and en = […] when a team\'s name is translated')
    direction: str = ""


class FactEntry(Strict):
    value: Finite
    kind: Literal["count", "money", "plain"]
    decimals: int = Field(0, ge=0, le=6)
    source: Text


class PartnerEntry(Strict):
    id: Identifier
    role: Literal["main", "partner"] = "partner"
    fr: Text
    en: Text


class PrintSection(Strict):
    """``[print]``: the print edition's printing condition (report/printing.py)."""

    condition: str = "FOGRA39"

    @field_validator("condition")
    @classmethod
    def _known(cls, value: str) -> str:
        from .printing import CONDITIONS

        if value not in CONDITIONS:
            raise ValueError(f"unknown printing condition: use one of {', '.join(CONDITIONS)}")
        return value


class ReportFile(Strict):
    """``data/report.toml``: titles, date, ISBNs, output names, credits, facts, partners, the
    printing condition."""

    report: ReportSection
    isbn: IsbnTable
    isbn_print: IsbnTable
    output: OutputNames
    credits: Credits = Field(default_factory=Credits)
    address: AddressTable | None = None
    facts: dict[Identifier, FactEntry] = Field(default_factory=dict)
    partners: list[PartnerEntry] = Field(default_factory=list)
    print_: PrintSection = Field(default_factory=PrintSection, alias="print")


# -- data/structure.yaml ----------------------------------------------------------------------

class ChapterEntry(Strict):
    id: Identifier
    numbered: bool = True
    sections: list[Identifier] = Field(default_factory=list)
    cases: bool = False


class StructureFile(Strict):
    """``data/structure.yaml``: the order of the report's content files."""

    front: list[Identifier] = Field(default_factory=list)
    chapters: list[ChapterEntry]
    appendices: list[Identifier] = Field(default_factory=list)


# -- data/strings.toml ------------------------------------------------------------------------

def _text_or_table(value: Any) -> str:
    return "table" if isinstance(value, dict) else "text"


if TYPE_CHECKING:  # mypy does not follow the recursive alias below
    StringTable = dict[str, Any]
else:
    StringTable = TypeAliasType(  # a table of strings, which may hold tables of strings
        "StringTable", dict[str, Annotated[Union[  # noqa: UP007 (a recursive alias)
            Annotated[str, Tag("text")], Annotated["StringTable", Tag("table")]],
            Discriminator(_text_or_table)]])


class StringsFile(Strict):
    """``data/strings.toml``: one table of interface strings per language."""

    fr: StringTable
    en: StringTable


# -- themes/<name>/theme.toml -----------------------------------------------------------------

class ThemeColours(Strict):
    primary: HexColour
    accent: HexColour
    text: HexColour
    muted: HexColour
    background: HexColour
    surface: HexColour
    rule: HexColour
    cover_text: HexColour
    chart: list[HexColour] = Field(min_length=4, description="at least 4 colours like #1A2B3C "
                                   "(the largest chart compares four groups)")


Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Ink = Annotated[list[Percent], Field(min_length=4, max_length=4)]
_INK = "four percentages [C, M, Y, K] from 0 to 100, as the brand guide gives them"


class ThemeInks(Strict):
    """``[colors_cmyk]``: a brand guide's CMYK for some of the theme's colours, used as given in
    the print edition (report/printing.py)."""

    primary: Ink | None = Field(None, description=_INK)
    accent: Ink | None = Field(None, description=_INK)
    text: Ink | None = Field(None, description=_INK)
    muted: Ink | None = Field(None, description=_INK)
    background: Ink | None = Field(None, description=_INK)
    surface: Ink | None = Field(None, description=_INK)
    rule: Ink | None = Field(None, description=_INK)
    cover_text: Ink | None = Field(None, description=_INK)
    chart: list[Ink] | None = Field(None, description="one ink per colour of colors.chart, "
                                    "each " + _INK)


class ThemeFonts(Strict):
    body: FamilyName
    heading: FamilyName
    chart: FamilyName
    fallback: FamilyName | None = None
    dirs: list[Annotated[str, StringConstraints(min_length=1)]] = Field(min_length=1)


class ThemeFile(Strict):
    """``themes/<name>/theme.toml``: a partner edition's tokens."""

    name: Identifier
    logo: str | None = None
    label: Bilingual | None = None
    cover_line: Bilingual | None = None
    colors: ThemeColours
    colors_cmyk: ThemeInks | None = None
    fonts: ThemeFonts


# -- data/survey/codebook.yaml and margins.yaml -------------------------------------------------

class UniverseFilter(Strict):
    variable: Identifier
    in_: list[Code] = Field(alias="in", min_length=1)


class Universe(Strict):
    fr: Text
    en: Text
    filter: UniverseFilter | None = None


class Net(Strict):
    codes: list[Code] = Field(min_length=1)
    label: Bilingual


class Derived(Strict):
    from_: Identifier = Field(alias="from")
    bounds: dict[Code, tuple[int | None, int | None]]


class Range(Strict):
    min: int | None = None
    max: int | None = None


class PublishedGroup(Strict):
    by: Identifier
    group: Code


class Published(Strict):
    value: Finite = Field(ge=0, le=1, description="a proportion between 0 and 1")
    level: Code = "1"
    source: Text
    group: PublishedGroup | None = None
    wording: Bilingual | str | None = None


class Variable(Strict):
    type: Literal["single", "multiple", "ordinal", "numeric", "binary"]
    label: Bilingual
    question: Bilingual
    universe: Universe
    codes: dict[Code, Bilingual] | None = None
    nets: dict[Code, Net] | None = None
    exclusive: Code | None = None
    derived: Derived | None = None
    range: Range | None = None
    published: list[Published] | None = None
    illustrative: bool = False

    @field_validator("published", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value


class Dimension(Strict):
    label: Bilingual


class CodebookFile(Strict):
    """``data/survey/codebook.yaml``: the survey's variables, codes and labels."""

    survey: dict[str, Any] = Field(default_factory=dict)
    dimensions: dict[Identifier, Dimension] = Field(min_length=1)
    variables: dict[Identifier, Variable] = Field(min_length=1)


class Population(Strict):
    total: Finite = Field(gt=0)
    source: str | None = None
    note: Bilingual | None = None


class MarginEntry(Strict):
    targets: dict[Code, Annotated[Finite, Field(ge=0)]] = Field(min_length=1)
    source: str | None = None
    assumption: bool = False
    note: Bilingual | None = None


class MarginsFile(Strict):
    """``data/survey/margins.yaml``: population margins for raking."""

    population: Population
    margins: dict[Identifier, MarginEntry] = Field(min_length=1)


# -- data/figures.yaml and data/tables.yaml -----------------------------------------------------

class ExhibitFile(Strict):
    """One figure or table definition (language-neutral)."""

    id: Identifier
    kind: Literal["bars", "groups", "grouped", "distribution", "crosstab", "margins"]
    variables: list[Identifier] | None = None
    variable: Identifier | None = None
    by: Identifier | None = None
    level: Code | None = None
    sort: Literal["none", "descending"] = "none"
    caption: Bilingual

    @model_validator(mode="after")
    def _names_a_variable(self) -> ExhibitFile:
        if not self.variables and not self.variable:
            raise ValueError("names no variable: add variable: or variables:")
        return self


# -- data/personal.yaml ---------------------------------------------------------------------------

class PersonalItem(Strict):
    """An item of the maturity score whose levels give points (a yes/no item is just its name)."""

    variable: Identifier
    points: dict[Code, Annotated[Finite, Field(ge=0, le=1)]] = Field(
        min_length=1, description="every level's points, from 0 to 1")


class PersonalTable(Strict):
    id: Identifier
    variables: list[Identifier] = Field(min_length=1)


def _name_or_item(value: Any) -> str:
    return "item" if isinstance(value, dict) else "name"


class PersonalDimension(Strict):
    id: Identifier
    items: list[Annotated[Union[  # noqa: UP007 (a tagged union)
        Annotated[Identifier, Tag("name")], Annotated[PersonalItem, Tag("item")]],
        Discriminator(_name_or_item)]] = Field(min_length=1)


class PersonalMaturity(Strict):
    dimensions: list[PersonalDimension] = Field(min_length=1)


class PersonalPractice(Strict):
    section: Identifier
    part: int = Field(ge=1, description="its «##» heading, counted from 1")


class PersonalGap(Strict):
    variable: Identifier
    level: Code
    practices: list[Identifier] = Field(min_length=1)


class PersonalFile(Strict):
    """``data/personal.yaml``: what each enterprise's benchmark report compares and suggests."""

    profile: list[Identifier] = Field(min_length=1)
    peers: list[Identifier] = Field(min_length=1)
    benchmarks: list[PersonalTable] = Field(min_length=1)
    maturity: PersonalMaturity
    practices: dict[Identifier, PersonalPractice] = Field(min_length=1)
    gaps: list[PersonalGap] = Field(default_factory=list)
    fallback: list[Identifier] = Field(min_length=3, description="at least 3 practices, so that "
                                       "every report shows three")


# -- front matter -------------------------------------------------------------------------------

class PageMeta(Strict):
    """The front matter of a content file."""

    title: Text
    short_title: Text | None = None


class CaseMeta(Strict):
    """The front matter of a case study (``cases/<slug>.md``)."""

    title: Text
    short_title: Text | None = None
    order: int = Field(ge=1, le=999)
    sector: Text
    region: Code
    legal_form: Code
    employees: int = Field(ge=0, le=100_000)
    founded: int = Field(ge=1800, le=2017)
    quote: Text
    quote_author: Text


# -- validation -----------------------------------------------------------------------------------

_WORDS = {
    "missing": "missing",
    "string_type": "must be a text in quotes",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number (not nan or inf)",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be a table of keys",
    "model_type": "must be a table of keys",
    "model_attributes_type": "must be a table of keys",
    "date_type": "must be a date like 2017-07-13, written without quotes",
    "date_parsing": "must be a date like 2017-07-13, written without quotes",
    "date_from_datetime_inexact": "must be a date like 2017-07-13, without a time",
    "string_too_short": "must not be empty",
    "too_short": "has too few items",
    "string_pattern_mismatch": "holds characters that are not allowed",
}


_BOUNDS = {
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
}


def _unwrap(annotation: Any) -> list[Any]:
    """The model classes an annotation may hold (through Optional, lists, dicts, Annotated)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if origin in (list, tuple, dict, Union, types.UnionType):
        found = []
        for arg in typing.get_args(annotation):
            found += _unwrap(arg)
        return found
    return []


def _keys_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The keys a mapping at ``loc`` may hold (for «did you mean»), as far as the schema says."""
    keys: list[str] = []
    for candidate in _models_at(model, loc):
        keys += [f.alias or name for name, f in candidate.model_fields.items()]
    return sorted(set(keys))


def _models_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[type[BaseModel]]:
    """The schemas a mapping at ``loc`` may follow."""
    current: list[type[BaseModel]] = [model]
    for part in loc:
        if isinstance(part, int):
            continue
        following: list[type[BaseModel]] = []
        for candidate in current:
            field = next((f for name, f in candidate.model_fields.items()
                          if (f.alias or name) == part), None)
            if field is not None:
                following += _unwrap(field.annotation)
            else:  # a key of a dict field: stay with the models the dict holds
                following.append(candidate)
        current = following
        if not current:
            return []
    return current


def _all_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every dotted key a model's tables may hold (not the keys of free mappings)."""
    keys = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{field.alias or name}"
        keys.append(key)
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            keys += _all_keys(field.annotation, key + ".")
        else:
            for inner in _unwrap(field.annotation):
                if typing.get_origin(field.annotation) not in (dict, list):
                    keys += _all_keys(inner, key + ".")
    return keys


def _field_description(model: type[BaseModel], loc: Sequence[str | int]) -> str | None:
    current: list[type[BaseModel]] = [model]
    description = None
    for part in loc:
        if isinstance(part, int):
            continue
        description = None
        following: list[type[BaseModel]] = []
        for candidate in current:
            field = next((f for name, f in candidate.model_fields.items()
                          if (f.alias or name) == part), None)
            if field is not None:
                description = field.description or description
                following += _unwrap(field.annotation)
        current = following or current
    return description


def _loc(item: Any, data: Any) -> tuple[str | int, ...]:
    """The key path of a pydantic error in the input: the parts of pydantic's ``loc`` that are
    keys or indexes of the data (pydantic adds tags for union members and validators)."""
    out: list[str | int] = []
    current = data
    loc = item["loc"]
    for index, part in enumerate(loc):
        in_dict = isinstance(current, dict) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if in_dict or in_list:
            current = current[part]
        elif not (index == len(loc) - 1 and item["type"] in ("missing", "extra_forbidden")):
            continue
        out.append(part)
    return tuple(out)


def located(model: type[BaseModel], source: Source, error_cls: type[ReportError],
            item: Any, data: Any, prefix: Sequence[str | int] = (),
            label: str | None = None) -> ReportError:
    """One pydantic error as a located :class:`ReportError` (``data``: what was validated, found
    at ``prefix`` in the source and named ``label`` in messages, e.g. «figure fig-web»)."""
    path = _loc(item, data)
    loc = (*prefix, *path)
    kind = item["type"]
    name = ".".join(str(p) for p in (path if label else loc))
    if label:
        name = f"{label}: {name}" if name else label
    hint = None
    value = item.get("input")
    if kind == "extra_forbidden":
        text = "unknown key"
        valid = _keys_at(model, path[:-1])
        close = difflib.get_close_matches(str(loc[-1]), valid, n=1) if valid else []
        if close:
            shown = path if label else loc
            hint = f"did you mean {'.'.join(map(str, (*shown[:-1], close[0])))!r}?"
        else:  # a right key in the wrong table: `primary` under [fonts] → `colors.primary`
            elsewhere = [key for key in _all_keys(model) if key.rpartition(".")[2] == loc[-1]]
            hint = f"did you mean {elsewhere[0]!r}?" if elsewhere else \
                (f"valid keys: {', '.join(valid)}" if valid else None)
        value = None
    elif kind in ("value_error", "assertion_error"):
        text = re.sub(r"^(Value|Assertion) error, ", "", item["msg"])
    elif kind in _BOUNDS:
        text = _BOUNDS[kind].format(**item.get("ctx", {}))
        hint = _field_description(model, path)
    elif kind == "literal_error":
        text = f"must be one of {item.get('ctx', {}).get('expected', '')}"
    elif kind in ("model_type", "model_attributes_type", "dict_type") and \
            Bilingual in _models_at(model, path):
        text = "must give a text in each language: {fr: \"…\", en: \"…\"}"
    elif kind in _WORDS:
        text = _WORDS[kind]
        hint = _field_description(model, path)
        if kind == "missing":
            value = None
            hint = f"add it ({hint})" if hint else "add it"
    else:
        text = item["msg"][0].lower() + item["msg"][1:]
    if isinstance(value, dict | list) and len(repr(value)) > 60:
        value = None
    message = f"{name}: {text}" if name else text
    return source.error(error_cls, message, loc, value=value, hint=hint)


def _with_value_at(data: Any, loc: Sequence[str | int], value: Any) -> Any:
    """A copy of ``data`` with the key at ``loc`` removed (``value`` is :data:`_DROP`) or set."""
    if not loc:
        return data
    head, rest = loc[0], loc[1:]
    if isinstance(data, dict):
        copy = dict(data)
        if rest:
            if head in copy:
                copy[head] = _with_value_at(copy[head], rest, value)
        elif value is _DROP:
            copy.pop(head, None)
        else:
            copy[head] = value
        return copy
    if isinstance(data, list) and isinstance(head, int) and 0 <= head < len(data):
        items = list(data)
        index: int = head
        items[index] = _with_value_at(items[index], rest, value) if rest else \
            (items[index] if value is _DROP else value)
        return items
    return data


_DROP = object()


def _stand_in_text(data: Any, path: Sequence[str | int]) -> Any:
    """What a missing or empty translation is replaced with to check the rest: the other
    language's text (the problem itself is reported)."""
    parent = _value_at(data, path[:-1])
    others = [parent.get(lang) for lang in LANGUAGES if lang != path[-1]] \
        if isinstance(parent, dict) else []
    return next((o for o in others if isinstance(o, str) and o.strip()), "?")


def _meant(problem: ReportError) -> str:
    """The key an unknown key's «did you mean» names, in the same table (else "")."""
    hint = problem.hint or ""
    return hint.split("'")[1].rpartition(".")[2] if hint.startswith("did you mean") else ""


def _value_at(data: Any, path: Sequence[str | int]) -> Any:
    for part in path:
        data = data[part]  # the path was found in the data (see _loc)
    return data


def _harmless(item: Any, path: Sequence[str | int]) -> bool:
    """A problem that does not keep the rest of the input from being checked: an unknown key, or
    a missing or empty translation."""
    if item["type"] == "extra_forbidden":
        return True
    return bool(path) and path[-1] in LANGUAGES and item["type"] in (
        "missing", "string_too_short", "string_type")


def validate(model: Any, source: Source, diag: Diagnostics, error: type[ReportError], *,
             data: Any = None, prefix: Sequence[str | int] = (), label: str | None = None) -> Any:
    """Validate ``source.data`` (or ``data``, found at ``prefix`` in the source) against a schema
    (a model class, or a type such as ``list[ExhibitFile]``).

    Every problem is recorded in ``diag``, located in the source; messages name the key from the
    source's root, or from ``label`` (which names the data, e.g. «figure fig-web»). Returns the
    validated value, or
    None when the input cannot be used. An input whose only problems are unknown keys or missing
    translations is still returned (the unknown keys dropped, a missing translation standing in
    for the other language's) so that the checks that depend on it go on; the build stops anyway,
    since the problems are recorded. A key reported missing is not reported when a misspelling of
    it was (``primay`` for ``primary``).
    """
    raw = source.data if data is None else data
    adapter: TypeAdapter[Any] = TypeAdapter(model)
    schema = model if isinstance(model, type) and issubclass(model, BaseModel) else \
        next(iter(_unwrap(model)), BaseModel)
    for _attempt in range(3):  # a repaired input may show problems its first check hid
        try:
            return adapter.validate_python(raw)
        except ValidationError as exc:
            items = exc.errors(include_url=False)
        problems = [(item, _loc(item, raw), located(schema, source, error, item, raw, prefix,
                                                     label)) for item in items]
        # a misspelt key (`primay`) stands for the key it resembles, if that one is missing
        renamed: dict[tuple[str | int, ...], tuple[str | int, ...]] = {}
        for item, path, problem in problems:
            meant = (*path[:-1], _meant(problem))
            table = _value_at(raw, path[:-1])
            if item["type"] == "extra_forbidden" and _meant(problem) and \
                    isinstance(table, dict) and meant[-1] not in table:
                renamed[path] = meant
        for item, path, problem in problems:
            if not (item["type"] == "missing" and path in renamed.values()):
                diag.error(problem)
        if not all(_harmless(item, path) or path in renamed.values()
                   for item, path, _problem in problems):
            return None
        for item, path, _problem in problems:
            if path in renamed:
                raw = _with_value_at(raw, renamed[path], _value_at(raw, path))
            if item["type"] == "extra_forbidden":
                raw = _with_value_at(raw, path, _DROP)
            elif item["type"] != "missing" or path not in renamed.values():
                raw = _with_value_at(raw, path, _stand_in_text(raw, path))
    return None
