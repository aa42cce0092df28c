"""Stage «data»: load and validate the survey of social-economy enterprises.

Input: a survey folder (``data/survey/``) holding

- ``responses.csv``: one row per respondent (UTF-8; a BOM and CRLF line endings are accepted),
  column ``id`` then one column per codebook variable (``<variable>__<code>`` 0/1 columns for
  multiple-response variables);
- ``codebook.yaml``: every variable's type, bilingual labels, question, universe, codes, and either
  its ``published`` figures or ``illustrative: true``; the ``dimensions`` usable as ``by``;
- ``schema.json``: a frictionless Table Schema (types, enums, required, unique id, ranges);
- ``margins.yaml``: population margins for raking, each with a source or ``assumption: true``.

Output: a :class:`Survey` (responses as a pandas DataFrame with codes as strings and numbers as
integers, the :class:`Codebook`, the :class:`Margins`, and the source files for cache keys), or one
:class:`~report.errors.DataError` / :class:`~report.errors.ErrorGroup` listing every problem
found in all four files at once. In errors about ``responses.csv``, ``line`` is the data row
(1 = first row after the header), as everywhere in the pipeline; a message about bytes also gives
the file line.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from report import LANGUAGES
from report.errors import (
    ContentError,
    DataError,
    ReportError,
    raise_if_any,
    yaml_duplicate_keys,
)
from report.i18n import typography

if TYPE_CHECKING:  # imported where the frame is built: a language worker unpickling a Codebook
    import pandas as pd  # does not need pandas

TYPES = ("single", "multiple", "ordinal", "numeric", "binary")
CATEGORICAL = ("single", "ordinal", "binary")
BINARY_CODES = ("1", "0")
ID_COLUMN = "id"
FILES = {
    "responses": "responses.csv",
    "codebook": "codebook.yaml",
    "schema": "schema.json",
    "margins": "margins.yaml",
}
CODEBOOK_KEYS = ("survey", "dimensions", "variables")
VARIABLE_KEYS = ("type", "label", "question", "universe", "codes", "nets", "exclusive", "derived",
                 "range", "published", "illustrative")
MARGIN_KEYS = ("targets", "source", "assumption", "note")
_BOM = b"\xef\xbb\xbf"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: 10× faster


# --------------------------------------------------------------------------- helpers


def unknown_name(kind: str, name: Any, valid: Iterable[str], **where: Any) -> ContentError:
    """A ContentError for a name an author typed that does not exist, listing the valid ones."""
    valid = list(valid)
    hint = "use one of " + ", ".join(valid) if valid else "none is defined"
    close = difflib.get_close_matches(str(name), valid, n=1)
    if close:
        hint = f"did you mean {close[0]!r}? ({hint})"
    return ContentError(f"unknown {kind}", value=name, hint=hint, **where)


def _did_you_mean(name: Any, valid: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(name), list(valid), n=1)
    return f"did you mean {close[0]!r}?" if close else "use one of " + ", ".join(valid)


def _column_name(variable: str, code: str) -> str:
    return f"{variable}__{code}"


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise unknown_name("language", lang, LANGUAGES)


# --------------------------------------------------------------------------- codebook


class Codebook:
    """The survey's codebook: types, bilingual labels, codes, universes and published figures.

    Built from the parsed ``codebook.yaml`` (already checked by :func:`check_codebook`). Every
    lookup of an unknown variable, level, dimension or language raises :class:`ContentError` with a
    hint listing the valid names, because authors type these names in shortcodes.
    """

    def __init__(self, data: dict[str, Any], file: str | Path | None = None) -> None:
        self.file = str(file) if file is not None else None
        self._vars: dict[str, dict[str, Any]] = dict(data.get("variables") or {})
        self._dims: dict[str, dict[str, Any]] = dict(data.get("dimensions") or {})
        self.survey: dict[str, Any] = dict(data.get("survey") or {})

    # names -------------------------------------------------------------------
    @property
    def variables(self) -> list[str]:
        """Variable names in codebook order."""
        return list(self._vars)

    @property
    def dimensions(self) -> list[str]:
        """Names of the variables usable as ``by`` in breakdowns, in codebook order."""
        return list(self._dims)

    def _var(self, var: str) -> dict[str, Any]:
        try:
            return self._vars[var]
        except (KeyError, TypeError):
            raise unknown_name("variable", var, self._vars, file=self.file) from None

    def type(self, var: str) -> str:
        """One of single, multiple, ordinal, numeric, binary."""
        return str(self._var(var)["type"])

    # labels ------------------------------------------------------------------
    def _text(self, var: str, key: str, lang: str) -> str:
        """A text of ``var`` as the report prints it: typeset like every published text (the
        codebook is typed with plain spaces and ')."""
        _check_lang(lang)
        return typography(str(self._var(var)[key][lang]), lang)

    def label(self, var: str, lang: str) -> str:
        """Short label (chart axis, table row)."""
        return self._text(var, "label", lang)

    def question(self, var: str, lang: str) -> str:
        """Full wording of the question."""
        return self._text(var, "question", lang)

    def universe(self, var: str, lang: str) -> str:
        """Who was asked, in words («toutes les entreprises répondantes»)."""
        return self._text(var, "universe", lang)

    def universe_filter(self, var: str) -> dict[str, Any] | None:
        """Machine-readable universe: ``{"variable": …, "in": [codes]}``, or None for everyone."""
        flt = self._var(var)["universe"].get("filter")
        if not flt:
            return None
        return {"variable": str(flt["variable"]), "in": [str(c) for c in flt["in"]]}

    def levels(self, var: str) -> list[str]:
        """Codes of a variable in display order (``["1", "0"]`` for binary; ``[]`` for numeric)."""
        return [str(c) for c in (self._var(var).get("codes") or {})]

    def nets(self, var: str) -> dict[str, list[str]]:
        """Summed levels (e.g. ``{"agree": ["agree_strongly", "agree_somewhat"]}``)."""
        nets = self._var(var).get("nets") or {}
        return {str(k): [str(c) for c in v["codes"]] for k, v in nets.items()}

    def check_level(self, var: str, level: str) -> None:
        """Raise ContentError unless ``level`` is a code or a net of ``var``."""
        valid = self.levels(var) + list(self.nets(var))
        if str(level) not in valid:
            raise unknown_name(f"level of {var!r}", level, valid, file=self.file)

    def level_label(self, var: str, code: str, lang: str) -> str:
        """Label of a code (or of a net) of ``var``, typeset as :meth:`label`."""
        _check_lang(lang)
        self.check_level(var, code)
        entry = self._var(var)
        codes = {str(k): v for k, v in (entry.get("codes") or {}).items()}
        text = codes[str(code)][lang] if str(code) in codes else \
            entry["nets"][str(code)]["label"][lang]
        return typography(str(text), lang)

    def check_dimension(self, by: str) -> None:
        """Raise ContentError unless ``by`` is a dimension."""
        if by not in self._dims:
            raise unknown_name("dimension (by=)", by, self._dims, file=self.file)

    def dimension_label(self, by: str, lang: str) -> str:
        """Label of a grouping variable («Taille (nombre d'employés)»)."""
        _check_lang(lang)
        self.check_dimension(by)
        return str(self._dims[by]["label"][lang])

    def columns(self, var: str) -> list[str]:
        """CSV columns holding ``var`` (one per code for multiple-response variables)."""
        if self.type(var) == "multiple":
            return [_column_name(var, c) for c in self.levels(var)]
        return [var]

    @property
    def all_columns(self) -> list[str]:
        """Every CSV column the codebook declares, ``id`` first."""
        return [ID_COLUMN] + [c for v in self._vars for c in self.columns(v)]

    def range(self, var: str) -> tuple[float | None, float | None]:
        """(min, max) of a numeric variable, None where open."""
        rng = self._var(var).get("range") or {}
        return rng.get("min"), rng.get("max")

    def exclusive(self, var: str) -> str | None:
        """The exclusive code of a multiple-response variable («none»), if any."""
        value = self._var(var).get("exclusive")
        return None if value is None else str(value)

    def derived(self, var: str) -> dict[str, Any] | None:
        """``{"from": numeric var, "bounds": {code: [low, high]}}`` for a derived class variable."""
        return self._var(var).get("derived")

    # published figures -------------------------------------------------------
    def is_illustrative(self, var: str) -> bool:
        """True when the variable is an addition of this edition (no published 2017 figure)."""
        return bool(self._var(var).get("illustrative", False))

    def _published_entries(self, var: str) -> list[dict[str, Any]]:
        raw = self._var(var).get("published") or []
        if isinstance(raw, dict):
            raw = [raw]
        out = []
        for entry in raw:
            item = dict(entry)
            item["variable"] = var
            item["level"] = str(item.get("level", "1"))
            grp = item.get("group")
            item["by"] = str(grp["by"]) if grp else None
            item["group"] = str(grp["group"]) if grp else None
            out.append(item)
        return out

    def published(
        self, var: str, level: str | None = None, by: str | None = None, group: str | None = None
    ) -> dict[str, Any] | None:
        """The published figure for this query, or None.

        Returns a dict with ``value`` (0–1), ``level``, ``source``, ``by``, ``group``, ``variable``
        (and ``wording`` where the figure was published in words). Without ``level``, the variable's
        first published figure for that subgroup.
        """
        for entry in self._published_entries(var):
            same_group = entry["by"] == by and entry["group"] == group
            if same_group and (level is None or entry["level"] == str(level)):
                return entry
        return None

    @property
    def published_figures(self) -> list[dict[str, Any]]:
        """Every published figure of the codebook, in codebook order (see :meth:`published`)."""
        return [e for v in self._vars for e in self._published_entries(v)]


# --------------------------------------------------------------------------- margins


@dataclass(frozen=True)
class Margins:
    """Population margins for raking: ``targets[var][code]`` = population count; sum = ``total``."""

    total: float
    targets: dict[str, dict[str, float]]
    info: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def variables(self) -> list[str]:
        return list(self.targets)

    def shares(self, var: str) -> dict[str, float]:
        """Target proportions (0–1) of a margin variable."""
        counts = self.targets[var]
        return {code: value / self.total for code, value in counts.items()}

    def is_assumption(self, var: str) -> bool:
        return bool(self.info.get(var, {}).get("assumption", False))


# --------------------------------------------------------------------------- survey


@dataclass
class Survey:
    """The validated survey: what the statistics stage needs."""

    responses: pd.DataFrame
    codebook: Codebook
    margins: Margins
    source_files: tuple[Path, ...]


# --------------------------------------------------------------------------- reading files


def _read_text(path: Path, errors: list[ReportError], *, row_lines: bool = False) -> str | None:
    """Read a UTF-8 text file; report a missing/empty file and every undecodable line.

    Returns the text (BOM removed, undecodable bytes replaced by U+FFFD so checking can go on), or
    None when there is nothing to read. With ``row_lines`` the caller reports bytes itself.
    """
    if not path.is_file():
        errors.append(DataError("missing file", file=path,
                                hint=f"add {path.name} to {path.parent}"))
        return None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        errors.append(DataError(f"cannot read the file: {exc.strerror}", file=path))
        return None
    encoding = _other_encoding(raw)
    if encoding:
        errors.append(DataError(f"the file is {encoding}, not UTF-8 text", file=path,
                                hint="save it as UTF-8 (in Excel: «CSV UTF-8»; in LibreOffice: "
                                "character set «Unicode (UTF-8)»)"))
        return None
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    if not raw.strip():
        errors.append(DataError("empty file", file=path))
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if not row_lines:
        for number, line in enumerate(raw.split(b"\n"), start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                errors.append(
                    DataError(
                        "undecodable text: not UTF-8",
                        file=path,
                        line=number,
                        value=line[exc.start : exc.end + 8],
                        hint="save the file as UTF-8",
                    )
                )
    return raw.decode("utf-8", errors="replace")


_WIDE_BOMS = (  # longest first: UTF-32's little-endian mark begins with UTF-16's
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"), (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
    (b"\xff\xfe", "UTF-16 (little-endian)"), (b"\xfe\xff", "UTF-16 (big-endian)"),
)


def _other_encoding(raw: bytes) -> str | None:
    """What a file that is not UTF-8 text is, when that can be told for sure: UTF-16 or UTF-32
    (by its byte-order mark, or by the NUL bytes that every ASCII character brings in them), or an
    Excel workbook (a ZIP archive). None for anything else (Latin-1 is named line by line)."""
    for mark, name in _WIDE_BOMS:
        if raw.startswith(mark):
            return name
    if raw.startswith(b"PK\x03\x04"):
        return "a ZIP archive (an Excel workbook?)"
    sample = raw[:4096]
    if b"\x00" not in sample:
        return None
    nuls = [sample[i::4].count(0) / max(1, len(sample[i::4])) for i in range(4)]
    if min(nuls[1], nuls[3]) > 0.5 and max(nuls[0], nuls[2]) < 0.5:
        return "UTF-16 (little-endian, without a byte-order mark)"
    if min(nuls[0], nuls[2]) > 0.5 and max(nuls[1], nuls[3]) < 0.5:
        return "UTF-16 (big-endian, without a byte-order mark)"
    if min(nuls[1:]) > 0.5 or min(nuls[:3]) > 0.5:
        return "UTF-32 (without a byte-order mark)"
    return "binary (it holds NUL bytes)"


def _bad_byte_lines(path: Path) -> dict[int, bytes]:
    """File line number → offending bytes, for lines that are not valid UTF-8."""
    raw = path.read_bytes()
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    bad: dict[int, bytes] = {}
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad[number] = line[exc.start : exc.end]
    return bad


def _load_yaml(path: Path, errors: list[ReportError]) -> tuple[Any, yaml.Node | None] | None:
    text = _read_text(path, errors)
    if text is None:
        return None
    if "\ufffd" in text and any(isinstance(e, DataError) and e.file == str(path) for e in errors):
        return None
    loader = _YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        duplicates = yaml_duplicate_keys(node)  # before construction, which merges `<<:` keys in
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        errors.append(
            DataError(
                f"malformed YAML: {problem}",
                file=path,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
                hint="check the indentation, colons and quotes on this line or the one before",
            )
        )
        return None
    finally:
        loader.dispose()
    if data is None:
        errors.append(DataError("empty file", file=path))
        return None
    if not isinstance(data, dict):
        errors.append(DataError("expected a mapping at the top level", file=path, line=1))
        return None
    for key, line, first in duplicates:
        errors.append(DataError("key written twice", file=path, line=line, value=key,
                                hint=f"it is already on line {first}: keep one of them"))
    if duplicates:
        return None
    return data, node


def _load_json(path: Path, errors: list[ReportError]) -> Any:
    text = _read_text(path, errors)
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        errors.append(
            DataError(f"malformed JSON: {exc.msg}", file=path, line=exc.lineno, column=exc.colno)
        )
        return None


def _line(node: yaml.Node | None, *path: Any) -> int | None:
    """Line (1-based) of the deepest node found along ``path`` in a composed YAML tree."""
    if node is None:
        return None
    found = node
    for key in path:
        nxt = None
        if isinstance(found, yaml.MappingNode):
            for k, v in found.value:
                if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                    nxt = v
                    break
        elif (isinstance(found, yaml.SequenceNode) and isinstance(key, int)
              and 0 <= key < len(found.value)):
            nxt = found.value[key]
        if nxt is None:
            break
        found = nxt
    return found.start_mark.line + 1


# --------------------------------------------------------------------------- codebook checks


def check_codebook(data: dict[str, Any], file: Path, node: yaml.Node | None = None) -> tuple[
    list[ReportError], bool
]:
    """Check a parsed codebook. Returns (errors, usable): usable when data rows can be checked."""
    errors: list[ReportError] = []

    def err(message: str, *path: Any, value: Any = None, hint: str | None = None) -> None:
        column = ".".join(str(p) for p in path[1:]) if path and path[0] == "variables" else None
        column = column or ".".join(str(p) for p in path) or None
        errors.append(
            DataError(message, file=file, line=_line(node, *path), column=column, value=value,
                      hint=hint)
        )

    def bilingual(obj: Any, *path: Any) -> None:
        if not isinstance(obj, dict):
            err("expected a text in both languages {fr: …, en: …}", *path, value=obj)
            return
        for lang in LANGUAGES:
            if not _is_text(obj.get(lang)):
                name = "French" if lang == "fr" else "English"
                err(f"{name} text missing", *path, lang, hint=f"add '{lang}:' to {path[-1]}")

    for key in data:
        if key not in CODEBOOK_KEYS:
            err("unknown key", str(key), value=key, hint=_did_you_mean(key, CODEBOOK_KEYS))
    variables = data.get("variables")
    if not isinstance(variables, dict) or not variables:
        err("the codebook has no 'variables' mapping", hint="list the variables under 'variables:'")
        return errors, False
    usable = True
    codes_of: dict[str, list[str]] = {}
    types: dict[str, str] = {}
    for var, entry in variables.items():
        p = ("variables", var)
        if not isinstance(entry, dict):
            err("expected a mapping", *p, value=entry)
            usable = False
            continue
        for key in entry:
            if key not in VARIABLE_KEYS:
                err("unknown key", *p, str(key), value=key, hint=_did_you_mean(key, VARIABLE_KEYS))
        vtype = entry.get("type")
        if vtype not in TYPES:
            err("unknown variable type", *p, "type", value=vtype,
                hint="use one of " + ", ".join(TYPES))
            usable = False
            continue
        types[var] = vtype
        for key in ("label", "question", "universe"):
            bilingual(entry.get(key), *p, key)
        codes = entry.get("codes")
        if vtype == "numeric":
            if codes:
                err("a numeric variable has no codes", *p, "codes")
            continue
        if not isinstance(codes, dict) or not codes:
            err("codes missing", *p, "codes", hint="list the codes with their labels {fr, en}")
            usable = False
            continue
        codes_of[var] = [str(c) for c in codes]
        for code, label in codes.items():
            bilingual(label, *p, "codes", code)
        if vtype == "binary" and sorted(codes_of[var]) != sorted(BINARY_CODES):
            err("binary codes must be '1' and '0'", *p, "codes", value=codes_of[var])
            usable = False
        nets = entry.get("nets") or {}
        for net, spec in nets.items() if isinstance(nets, dict) else []:
            members = spec.get("codes", []) if isinstance(spec, dict) else []
            bad = [c for c in members if str(c) not in codes_of[var]]
            if not members or bad:
                err("net refers to unknown codes", *p, "nets", net, value=bad or members,
                    hint="use codes of " + var)
            bilingual(spec.get("label") if isinstance(spec, dict) else None, *p, "nets", net,
                      "label")
        excl = entry.get("exclusive")
        if excl is not None and (vtype != "multiple" or str(excl) not in codes_of[var]):
            err("'exclusive' must be a code of a multiple-response variable", *p, "exclusive",
                value=excl)
    # cross references, once every variable's codes are known
    for var, entry in variables.items():
        if var not in types:
            continue
        p = ("variables", var)
        universe = entry.get("universe")
        flt = universe.get("filter") if isinstance(universe, dict) else None
        if flt is not None:
            fvar = flt.get("variable") if isinstance(flt, dict) else None
            if fvar not in codes_of:
                err("universe filter names an unknown categorical variable", *p, "universe",
                    "filter", value=fvar, hint="use one of " + ", ".join(codes_of))
                usable = False
            else:
                bad = [c for c in flt.get("in") or [] if str(c) not in codes_of[fvar]]
                if bad or not flt.get("in"):
                    err("universe filter uses unknown codes", *p, "universe", "filter", value=bad,
                        hint="use codes of " + fvar)
                    usable = False
        derived = entry.get("derived")
        if derived is not None:
            src = derived.get("from") if isinstance(derived, dict) else None
            bounds = derived.get("bounds") if isinstance(derived, dict) else None
            if types.get(src) != "numeric" or not isinstance(bounds, dict) or sorted(
                map(str, bounds)
            ) != sorted(codes_of.get(var, [])):
                err("'derived' needs a numeric 'from' and bounds for every code", *p, "derived")
                usable = False
        published = entry.get("published")
        illustrative = entry.get("illustrative")
        if (published is None) == (illustrative is not True):
            err("give either 'published' figures or 'illustrative: true'", *p,
                hint="a variable is a published 2017 figure or an addition of this edition")
        if published is None:
            continue
        items = [published] if isinstance(published, dict) else published
        if not isinstance(items, list):
            err("'published' must be a list of figures", *p, "published")
            continue
        valid_levels = codes_of.get(var, []) + [str(n) for n in (entry.get("nets") or {})]
        for i, item in enumerate(items):
            q = (*p, "published", i)
            if not isinstance(item, dict):
                err("expected a mapping {value, source, …}", *q)
                continue
            value = item.get("value")
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                err("published value must be a proportion between 0 and 1", *q, "value",
                    value=value)
            if not _is_text(item.get("source")):
                err("published figure without a source", *q, hint="add 'source:'")
            level = str(item.get("level", "1"))
            if level not in valid_levels:
                err("published level is not a code of the variable", *q, "level", value=level,
                    hint="use one of " + ", ".join(valid_levels))
            grp = item.get("group")
            if grp is not None:
                by = grp.get("by") if isinstance(grp, dict) else None
                if by not in (data.get("dimensions") or {}) or str(grp.get("group")) not in (
                    codes_of.get(by, [])
                ):
                    err("published group must be {by: dimension, group: code}", *q, "group",
                        value=grp)
    dims = data.get("dimensions")
    if not isinstance(dims, dict) or not dims:
        err("the codebook has no 'dimensions' mapping", hint="list the grouping variables")
    else:
        for dim, entry in dims.items():
            if types.get(dim) not in CATEGORICAL:
                err("a dimension must be a single, ordinal or binary variable", "dimensions", dim,
                    value=dim)
            bilingual(entry.get("label") if isinstance(entry, dict) else None, "dimensions", dim,
                      "label")
    return errors, usable


# --------------------------------------------------------------------------- schema checks


def _check_schema(schema: Any, codebook: Codebook | None, file: Path) -> tuple[
    list[ReportError], Any
]:
    """Check the Table Schema (frictionless) and its agreement with the codebook."""
    from frictionless import FrictionlessException, Schema

    errors: list[ReportError] = []
    field_lines = _json_name_lines(file)
    fields_raw = schema.get("fields") if isinstance(schema, dict) else None
    if not isinstance(fields_raw, list):
        errors.append(DataError("invalid Table Schema: 'fields' must be a list of fields",
                                file=file, line=1, hint='{"fields": [{"name": "id", …}, …]}'))
        return errors, None
    first: dict[str, int] = {}
    for index, spec in enumerate(fields_raw):
        line = field_lines[index] if index < len(field_lines) else None
        name = spec.get("name") if isinstance(spec, dict) else None
        if not isinstance(name, str) or not name:
            errors.append(DataError(f"field {index + 1} has no name", file=file, line=line))
            continue
        if name in first:
            errors.append(DataError("field name written twice", file=file, line=line, column=name,
                                    hint=f"field {first[name] + 1} has the same name"))
        first.setdefault(name, index)
        ftype = spec.get("type", "any")
        if not isinstance(ftype, str):
            errors.append(DataError("field type must be a name such as string or integer",
                                    file=file, line=line, column=name, value=ftype))
    if errors:
        return errors, None
    try:
        parsed = Schema.from_descriptor(schema)
    except FrictionlessException as exc:
        reasons = "; ".join(dict.fromkeys(r.note for r in getattr(exc, "reasons", []) or []))
        errors.append(DataError(f"invalid Table Schema: {reasons or exc.error.note}", file=file))
        return errors, None
    if codebook is None:
        return errors, parsed
    fields = {f.name: f for f in parsed.fields}
    declared = codebook.all_columns
    for name in declared:
        if name not in fields:
            errors.append(DataError("column declared in the codebook has no schema field",
                                    file=file, column=name, hint="add a field for it"))
    for name in fields:
        if name not in declared:
            errors.append(DataError("schema field not in the codebook", file=file, column=name,
                                    hint="add the variable to codebook.yaml or remove the field"))
    for var in codebook.variables:
        vtype = codebook.type(var)
        if vtype in CATEGORICAL and var in fields:
            enum = fields[var].constraints.get("enum")
            if enum is not None and sorted(map(str, enum)) != sorted(codebook.levels(var)):
                errors.append(DataError("schema enum differs from the codebook codes", file=file,
                                        column=var, value=enum,
                                        hint="use " + ", ".join(codebook.levels(var))))
    return errors, parsed


def _json_name_lines(file: Path) -> list[int]:
    """Line of each ``"name": …`` in a Table Schema file, in order (one per field)."""
    try:
        text = file.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError:
        return []
    return [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r'"name"\s*:', text)]


# --------------------------------------------------------------------------- CSV checks


@dataclass
class _Table:
    header: list[str]
    rows: list[list[str]]  # padded/truncated to the header's width
    file_lines: list[int]  # first file line of each row


def _read_csv(path: Path, errors: list[ReportError]) -> _Table | None:
    text = _read_text(path, errors, row_lines=True)
    if text is None:
        return None
    records: list[list[str]] = []
    starts: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    previous_end = 0
    try:
        for record in reader:
            records.append(record)
            starts.append(previous_end + 1)
            previous_end = reader.line_num
    except csv.Error as exc:
        errors.append(DataError(f"malformed CSV: {exc}", file=path, line=len(records)))
    while records and not any(cell.strip() for cell in records[-1]):
        records.pop()  # trailing blank lines
        starts.pop()
    if not records:
        errors.append(DataError("empty file", file=path))
        return None
    header = [h.strip() for h in records[0]]
    rows: list[list[str]] = []
    width = len(header)
    for i, record in enumerate(records[1:], start=1):
        if not any(cell.strip() for cell in record):
            errors.append(DataError("empty row", file=path, line=i, hint="remove the blank line"))
        elif len(record) != width:
            errors.append(DataError(f"row has {len(record)} cells, the header has {width}",
                                    file=path, line=i, hint="check the commas and quotes"))
        rows.append((record + [""] * width)[:width])
    table = _Table(header, rows, starts[1:])
    # undecodable bytes: name the row, the column and the file line
    if "\ufffd" in text:
        bad = _bad_byte_lines(path)
        for number, chunk in sorted(bad.items()):
            row = next((i for i, s in reversed(list(enumerate(starts))) if s <= number), 0)
            columns = [h for h, c in zip(header, records[row], strict=False) if "\ufffd" in c]
            errors.append(
                DataError(
                    f"undecodable text: bytes {chunk.hex(' ').upper()} are not UTF-8 "
                    f"(file line {number})",
                    file=path,
                    line=row if row > 0 else None,
                    column=columns[0] if columns else None,
                    value=records[row][header.index(columns[0])] if columns else None,
                    hint="save the file as UTF-8 (it looks like Latin-1 / Windows-1252)",
                )
            )
    return table


_CONSTRAINT = re.compile(r'constraint "(\w+)" is "(.*)"')


def _frictionless_errors(table: _Table, schema: Any, file: Path) -> list[ReportError]:
    """Validate rows against the Table Schema with frictionless; map its errors to DataErrors."""
    from frictionless import Resource, Schema

    present = [f for f in schema.fields if f.name in table.header]
    if not present:
        return []
    descriptor = schema.to_descriptor()
    descriptor["fields"] = [f.to_descriptor() for f in present]
    pk = descriptor.get("primaryKey")
    if pk and not all(k in table.header for k in ([pk] if isinstance(pk, str) else pk)):
        descriptor.pop("primaryKey")
    sub = Schema.from_descriptor(descriptor)
    index = [table.header.index(f.name) for f in present]
    data = [[f.name for f in present]] + [[row[i] for i in index] for row in table.rows]
    report = Resource(data=data, schema=sub).validate(limit_errors=100_000)
    errors: list[ReportError] = []
    for task in report.tasks:
        for e in task.errors:
            etype = e.type
            row = getattr(e, "row_number", None)
            row = row - 1 if row is not None else None
            column = getattr(e, "field_name", None)
            cell = getattr(e, "cell", None)
            if etype in ("primary-key", "blank-row"):
                continue  # reported as unique-error / by the CSV reader
            if etype == "constraint-error":
                match = _CONSTRAINT.search(e.note)
                name, arg = match.groups() if match else ("", e.note)
                if name == "required":
                    msg, hint = "missing required answer", "every respondent must have a value"
                elif name == "enum":
                    msg, hint = "unknown code", "use one of " + ", ".join(
                        str(x) for x in schema.get_field(column).constraints["enum"]
                    )
                elif name in ("minimum", "maximum"):
                    c = schema.get_field(column).constraints
                    msg = "value out of range"
                    hint = f"must be between {c.get('minimum', '−∞')} and {c.get('maximum', '∞')}"
                else:
                    msg, hint = f"breaks the schema constraint {name} = {arg}", None
            elif etype == "type-error":
                ftype = schema.get_field(column).type
                msg, hint = "wrong type", f"expected {'an' if ftype[0] in 'aeiou' else 'a'} {ftype}"
            elif etype == "unique-error":
                msg = "duplicate id" if column == ID_COLUMN else "duplicate value"
                first = re.search(r"position (\d+)", e.note)
                hint = (f"the same as in row {int(first.group(1)) - 1}" if first else
                        "values must be unique")
            else:
                msg, hint = f"{etype}: {e.note}", None
            value = None if msg == "missing required answer" else cell
            errors.append(DataError(msg, file=file, line=row, column=column, value=value,
                                    hint=hint))
    return errors


def _codebook_row_errors(table: _Table, codebook: Codebook, file: Path) -> list[ReportError]:
    """Check every cell against the codebook: codes, required answers, universes, 0/1, ranges."""
    errors: list[ReportError] = []
    header = table.header
    pos = {h: i for i, h in enumerate(header)}
    declared = codebook.all_columns
    for name in declared:
        if name not in pos:
            errors.append(DataError("missing column declared in the codebook", file=file,
                                    column=name, hint="add the column to the CSV header"))
    seen: set[str] = set()
    for name in header:
        if name in seen:
            errors.append(DataError("duplicate column", file=file, column=name))
        seen.add(name)
        if name not in declared:
            errors.append(DataError("column not in the codebook", file=file, column=name,
                                    hint="declare the variable in codebook.yaml or remove it"))
    rows = table.rows

    def cells(col: str) -> list[str] | None:
        return [r[pos[col]].strip() for r in rows] if col in pos else None

    def in_universe(var: str) -> list[bool]:
        flt = codebook.universe_filter(var)
        if flt is None:
            return [True] * len(rows)
        values = cells(flt["variable"]) or [""] * len(rows)
        return [v in flt["in"] for v in values]

    for var in codebook.variables:
        vtype = codebook.type(var)
        asked = in_universe(var)
        for col in codebook.columns(var):
            values = cells(col)
            if values is None:
                continue
            if vtype == "multiple":
                valid, hint = ("0", "1"), "a multiple-response column holds 0 or 1"
            elif vtype == "numeric":
                valid, hint = None, None
            else:
                valid = tuple(codebook.levels(var))
                hint = "use one of " + ", ".join(valid)
            low, high = codebook.range(var) if vtype == "numeric" else (None, None)
            for i, (value, is_asked) in enumerate(zip(values, asked, strict=True), start=1):
                where = {"file": file, "line": i, "column": col}
                if value == "":
                    if is_asked:
                        errors.append(DataError("missing required answer", **where,
                                                hint=f"asked of {codebook.universe(var, 'en')}"))
                    continue
                if not is_asked:
                    errors.append(DataError("answer outside the question's universe", **where,
                                            value=value,
                                            hint=f"asked only of {codebook.universe(var, 'en')}"))
                    continue
                if valid is not None:
                    if value not in valid:
                        errors.append(DataError("unknown code", **where, value=value, hint=hint))
                    continue
                try:
                    number = int(value)
                except ValueError:
                    errors.append(DataError("wrong type", **where, value=value,
                                            hint="expected an integer"))
                    continue
                if (low is not None and number < low) or (high is not None and number > high):
                    errors.append(DataError("value out of range", **where, value=value,
                                            hint=f"must be between {low} and {high}"))
        # derived classes (size from employees)
        derived = codebook.derived(var)
        if derived and var in pos and derived["from"] in pos:
            bounds = {str(k): v for k, v in derived["bounds"].items()}
            for i, (code, raw) in enumerate(zip(cells(var), cells(derived["from"]), strict=True),
                                            start=1):
                if code not in bounds or not raw.lstrip("-").isdigit():
                    continue
                low, high = bounds[code]
                number = int(raw)
                src_low, src_high = codebook.range(derived["from"])
                if (src_low is not None and number < src_low) or (
                    src_high is not None and number > src_high
                ):
                    continue  # reported as out of range
                if number < (low if low is not None else number) or number > (
                    high if high is not None else number
                ):
                    errors.append(DataError(
                        f"{var} does not match {derived['from']} = {number}", file=file, line=i,
                        column=var, value=code,
                        hint=f"{code} means {derived['from']} between {low} and {high or 'more'}"))
        # exclusive option of a multiple-response question
        excl = codebook.exclusive(var) if vtype == "multiple" else None
        if excl and all(c in pos for c in codebook.columns(var)):
            excl_col = _column_name(var, excl)
            others = [c for c in codebook.columns(var) if c != excl_col]
            for i, row in enumerate(rows, start=1):
                if row[pos[excl_col]].strip() == "1" and any(
                    row[pos[c]].strip() == "1" for c in others
                ):
                    errors.append(DataError(f"'{excl}' is exclusive but other options are 1",
                                            file=file, line=i, column=excl_col, value="1"))
    # the id
    ids = cells(ID_COLUMN)
    if ids is not None:
        first: dict[str, int] = {}
        for i, value in enumerate(ids, start=1):
            if value == "":
                errors.append(DataError("missing required answer", file=file, line=i,
                                        column=ID_COLUMN, hint="every row needs an id"))
            elif value in first:
                errors.append(DataError("duplicate id", file=file, line=i, column=ID_COLUMN,
                                        value=value, hint=f"the same as in row {first[value]}"))
            else:
                first[value] = i
    return errors


# --------------------------------------------------------------------------- margins checks


def _check_margins(data: dict[str, Any], node: yaml.Node | None, codebook: Codebook | None,
                   file: Path) -> tuple[list[ReportError], Margins | None]:
    errors: list[ReportError] = []

    def err(message: str, *path: Any, value: Any = None, hint: str | None = None) -> None:
        errors.append(DataError(message, file=file, line=_line(node, *path),
                                column=".".join(map(str, path)) or None, value=value, hint=hint))

    population = data.get("population")
    total = population.get("total") if isinstance(population, dict) else None
    if not isinstance(total, int | float) or total <= 0:
        err("population total missing or not a positive number", "population", "total",
            value=total)
        total = None
    margins = data.get("margins")
    if not isinstance(margins, dict) or not margins:
        err("no 'margins' mapping", hint="list the raking margins under 'margins:'")
        return errors, None
    targets: dict[str, dict[str, float]] = {}
    info: dict[str, dict[str, Any]] = {}
    for key in data:
        if key not in ("population", "margins"):
            err("unknown key", str(key), value=key,
                hint=_did_you_mean(key, ("population", "margins")))
    for var, spec in margins.items():
        p = ("margins", var)
        if not isinstance(spec, dict) or not isinstance(spec.get("targets"), dict):
            err("expected 'targets: {code: count}'", *p)
            continue
        for key in spec:
            if key not in MARGIN_KEYS:
                err("unknown key", *p, str(key), value=key, hint=_did_you_mean(key, MARGIN_KEYS))
        counts = {str(k): v for k, v in spec["targets"].items()}
        if codebook is not None:
            if var not in codebook.variables or codebook.type(var) not in CATEGORICAL:
                err("margin variable is not a categorical codebook variable", *p, value=var)
            else:
                levels = codebook.levels(var)
                if sorted(counts) != sorted(levels):
                    err("margin codes differ from the codebook codes", *p, "targets",
                        value=sorted(counts), hint="give a count for each of " + ", ".join(levels))
        bad = {k: v for k, v in counts.items() if not isinstance(v, int | float) or v < 0}
        if bad:
            err("margin counts must be non-negative numbers", *p, "targets", value=bad)
            continue
        if total is not None and abs(sum(counts.values()) - total) > 0.5:
            err(f"margin counts sum to {sum(counts.values())}, not the population total {total}",
                *p, "targets", hint="make each margin sum to population.total")
        if spec.get("assumption") is True:
            note = spec.get("note")
            for lang in LANGUAGES:
                if not isinstance(note, dict) or not _is_text(note.get(lang)):
                    err("an assumed margin needs a justification in both languages", *p, "note",
                        hint=f"add note: {{{lang}: …}}")
        elif not _is_text(spec.get("source")):
            err("margin without a source", *p, hint="add 'source:' or 'assumption: true' + 'note:'")
        targets[var] = {k: float(v) for k, v in counts.items()}
        info[var] = {k: v for k, v in spec.items() if k != "targets"}
    if errors or total is None:
        return errors, None
    return errors, Margins(total=float(total), targets=targets, info=info)


# --------------------------------------------------------------------------- frame


def _frame(table: _Table, codebook: Codebook) -> pd.DataFrame:
    import pandas as pd

    pos = {h: i for i, h in enumerate(table.header)}
    columns: dict[str, Any] = {}
    for col in codebook.all_columns:
        raw = [r[pos[col]].strip() for r in table.rows]
        var = col.split("__", 1)[0] if col not in codebook.variables and col != ID_COLUMN else col
        vtype = "id" if col == ID_COLUMN else codebook.type(var)
        if vtype in ("numeric", "multiple"):
            series = pd.Series([int(v) if v != "" else None for v in raw], dtype="Int64")
            columns[col] = series.astype("int64") if not series.isna().any() else series
        else:
            columns[col] = pd.Series([v if v != "" else None for v in raw], dtype="str")
    return pd.DataFrame(columns)


def _dedupe(errors: Sequence[ReportError]) -> list[ReportError]:
    """One error per (file, row, column) cell: the first found (undecodable > schema > codebook)."""
    out: list[ReportError] = []
    seen: set[tuple[Any, ...]] = set()
    for e in errors:
        key = (e.file, e.line, e.column) if e.line is not None and e.column is not None else None
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        out.append(e)
    return out


def load_survey(survey_dir: Path) -> Survey:
    """Load and validate the survey folder.

    Input: ``survey_dir`` with responses.csv, codebook.yaml, schema.json, margins.yaml.
    Output: a :class:`Survey`. Raises one DataError (or an ErrorGroup of DataErrors) naming, for
    every problem in every file, the file, the row (CSV: 1 = first data row) or line, the column or
    key, the value and the rule broken.
    """
    survey_dir = Path(survey_dir)
    paths = {key: survey_dir / name for key, name in FILES.items()}
    if not survey_dir.is_dir():
        raise DataError("survey folder not found", file=survey_dir,
                        hint="it holds " + ", ".join(FILES.values()))
    errors: list[ReportError] = []

    codebook: Codebook | None = None
    loaded = _load_yaml(paths["codebook"], errors)
    if loaded is not None:
        cb_errors, usable = check_codebook(loaded[0], paths["codebook"], loaded[1])
        errors += cb_errors
        if usable:
            codebook = Codebook(loaded[0], paths["codebook"])

    schema = None
    schema_data = _load_json(paths["schema"], errors)
    if schema_data is not None:
        schema_errors, schema = _check_schema(schema_data, codebook, paths["schema"])
        errors += schema_errors

    margins: Margins | None = None
    loaded_m = _load_yaml(paths["margins"], errors)
    if loaded_m is not None:
        m_errors, margins = _check_margins(loaded_m[0], loaded_m[1], codebook, paths["margins"])
        errors += m_errors

    table = _read_csv(paths["responses"], errors)
    if table is not None:
        if schema is not None:
            errors += _frictionless_errors(table, schema, paths["responses"])
        if codebook is not None:
            errors += _codebook_row_errors(table, codebook, paths["responses"])
        if not table.rows:
            errors.append(DataError("no respondents: the file has only a header",
                                    file=paths["responses"]))

    order = {str(p): i for i, p in enumerate(paths.values())}
    errors = sorted(_dedupe(errors), key=lambda e: (order.get(e.file or "", -1), e.line or 0))
    raise_if_any(errors, f"{len(errors)} problems in the survey data ({survey_dir})")
    assert codebook is not None and margins is not None and table is not None
    return Survey(
        responses=_frame(table, codebook),
        codebook=codebook,
        margins=margins,
        source_files=tuple(paths.values()),
    )



def load_codebook(survey_dir: Path) -> tuple[Codebook | None, list[ReportError]]:
    """Read and check ``codebook.yaml`` alone (``--check`` uses it when the responses are wrong).

    Returns the codebook when it is usable for name lookups (even if it has other problems, such as
    a missing translation), else None; and the codebook's problems.
    """
    path = Path(survey_dir) / FILES["codebook"]
    errors: list[ReportError] = []
    loaded = _load_yaml(path, errors)
    if loaded is None:
        return None, errors
    cb_errors, usable = check_codebook(loaded[0], path, loaded[1])
    return (Codebook(loaded[0], path) if usable else None), errors + cb_errors
