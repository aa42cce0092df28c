"""The survey's codebook: what each variable means, its codes and labels, who was asked it.

Input: ``data/survey/codebook.yaml``, read and checked against its schema
(:class:`~report.schemas.CodebookFile`), then against itself (:func:`load_codebook`): a universe
filter names a categorical variable and its codes, a derived class gives bounds for every code, a
published figure's level and group exist, a dimension is categorical, binary codes are ``1`` and
``0``, an exclusive option is a code of its multiple-response variable.
Output: a :class:`Codebook`, the lookup every later stage uses. It holds plain data (no schema
objects), so that a language worker that receives it pickled imports nothing to read it.

Names typed by authors (in shortcodes, figure definitions, case front matter) are checked here:
an unknown variable, level, dimension or group raises :class:`~report.errors.ContentError` with
the closest valid name (:func:`unknown_name`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import LANGUAGES
from .diagnostics import Diagnostics
from .errors import ContentError, DataError
from .i18n import typography

TYPES = ("single", "multiple", "ordinal", "numeric", "binary")
CATEGORICAL = ("single", "ordinal", "binary")
BINARY_CODES = ("1", "0")
ID_COLUMN = "id"


def unknown_name(kind: str, name: Any, valid: Iterable[str], **where: Any) -> ContentError:
    """A ContentError for a name an author typed that does not exist, with the closest valid one
    (never the name itself) and the list of valid ones."""
    valid = [str(v) for v in valid]
    hint = "use one of " + ", ".join(valid) if valid else "none is defined"
    close = [c for c in difflib.get_close_matches(str(name), valid, n=2) if c != str(name)]
    if close:
        hint = f"did you mean {close[0]!r}? ({hint})"
    return ContentError(f"unknown {kind}", value=name, hint=hint, **where)


def column_name(variable: str, code: str) -> str:
    """The CSV column of one option of a multiple-response variable."""
    return f"{variable}__{code}"


class Codebook:
    """Types, bilingual labels, codes, universes and published figures of the survey's variables.

    Every lookup of an unknown variable, level, dimension or language raises ContentError with a
    hint listing the valid names, because authors type these names in shortcodes.
    """

    def __init__(self, data: dict[str, Any], file: str | Path | None = None) -> None:
        """``data``: the codebook as plain values (``CodebookFile.model_dump(by_alias=True)``)."""
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
        return typography(str(self._dims[by]["label"][lang]), lang)

    def query(self, variable: str, level: str | None = None, by: str | None = None,
              group: str | None = None) -> tuple[str, str, str | None, str | None]:
        """Check the names of a query for a proportion and complete it: ``(variable, level, by,
        group)`` with the level a yes/no variable implies. Raises ContentError, with the closest
        valid name, for an unknown variable, level, dimension or group, a numeric variable, or a
        categorical one without a level."""
        vtype = self.type(variable)  # raises on an unknown variable
        if vtype == "numeric":
            raise ContentError(f"{variable!r} is numeric: it has no proportions", value=variable,
                               hint="query a categorical variable (e.g. size)")
        if level is None:
            if vtype != "binary":
                raise ContentError(
                    f"{variable!r} is a {vtype} variable: say which level", value=variable,
                    hint="add level=… with one of "
                    + ", ".join(self.levels(variable) + list(self.nets(variable))))
            level = "1"
        self.check_level(variable, str(level))
        self.check_group(by, group)
        return variable, str(level), by, None if group is None else str(group)

    def check_group(self, by: str | None, group: str | None) -> None:
        """Raise ContentError unless ``by`` is a dimension and ``group`` one of its codes (or
        None); a group without a dimension is refused too."""
        if by is None:
            if group is not None:
                raise ContentError("group= given without by=", value=group,
                                   hint="add by=DIMENSION, e.g. by=size group=lt5")
            return
        self.check_dimension(by)
        if group is not None and str(group) not in self.levels(by):
            raise unknown_name(f"group of {by!r}", group, self.levels(by))

    def columns(self, var: str) -> list[str]:
        """CSV columns holding ``var`` (one per code for multiple-response variables)."""
        if self.type(var) == "multiple":
            return [column_name(var, c) for c in self.levels(var)]
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
        out = []
        for entry in [raw] if isinstance(raw, dict) else raw:
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


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise unknown_name("language", lang, LANGUAGES)


# -- reading and checking ---------------------------------------------------------------------

def load_codebook(path: Path, diag: Diagnostics, *, root: Path | None = None) -> Codebook | None:
    """Read ``codebook.yaml``, check it against its schema and itself; every problem goes to
    ``diag``. Returns the codebook when its variables can be used to check the responses (even if
    a label lacks a translation), else None."""
    from .schemas import CodebookFile, validate
    from .sources import load_yaml

    with diag.collecting():
        source = load_yaml(path, DataError, root=root, missing="missing file",
                           missing_hint=f"add {path.name} to {path.parent}")
        model = validate(CodebookFile, source, diag, DataError)
        if model is None:
            return None
        data = model.model_dump(by_alias=True)
        if not _consistent(data, source, diag):
            return None
        return Codebook(data, source.shown)
    return None


def _consistent(data: dict[str, Any], source: Any, diag: Diagnostics) -> bool:
    """The codebook's references to itself; True when the responses can be checked with it."""
    usable = True

    def err(message: str, *loc: str | int, value: Any = None, hint: str | None = None,
            fatal: bool = False) -> None:
        nonlocal usable
        name = ".".join(str(p) for p in loc[1:] if loc[0] == "variables") or \
            ".".join(str(p) for p in loc)
        diag.error(source.error(DataError, f"{name}: {message}" if name else message, loc,
                                value=value, hint=hint))
        usable = usable and not fatal

    variables: dict[str, Any] = data["variables"]
    codes_of = {var: [str(c) for c in (entry.get("codes") or {})]
                for var, entry in variables.items()}
    for var, entry in variables.items():
        p = ("variables", var)
        vtype = entry["type"]
        codes = codes_of[var]
        if vtype == "numeric":
            if codes:
                err("a numeric variable has no codes", *p, "codes")
        elif not codes:
            err("codes missing", *p, "codes", hint="list the codes with their labels {fr, en}",
                fatal=True)
        if vtype == "binary" and codes and sorted(codes) != sorted(BINARY_CODES):
            err("binary codes must be '1' and '0'", *p, "codes", value=codes, fatal=True)
        for net, spec in (entry.get("nets") or {}).items():
            bad = [c for c in spec["codes"] if str(c) not in codes]
            if bad:
                err("net refers to unknown codes", *p, "nets", net, value=bad,
                    hint="use codes of " + var)
        excl = entry.get("exclusive")
        if excl is not None and (vtype != "multiple" or str(excl) not in codes):
            err("'exclusive' must be a code of a multiple-response variable", *p, "exclusive",
                value=excl)
        flt = (entry.get("universe") or {}).get("filter")
        if flt is not None:
            fvar = flt["variable"]
            if variables.get(fvar, {}).get("type") not in CATEGORICAL:
                err("universe filter names an unknown categorical variable", *p, "universe",
                    "filter", value=fvar, hint="use one of " + ", ".join(
                        v for v, e in variables.items() if e["type"] in CATEGORICAL), fatal=True)
            else:
                bad = [c for c in flt["in"] if str(c) not in codes_of[fvar]]
                if bad:
                    err("universe filter uses unknown codes", *p, "universe", "filter", value=bad,
                        hint="use codes of " + fvar, fatal=True)
        derived = entry.get("derived")
        if derived is not None:
            source_type = variables.get(derived["from"], {}).get("type")
            if source_type != "numeric" or sorted(map(str, derived["bounds"])) != sorted(codes):
                err("'derived' needs a numeric 'from' and bounds for every code", *p, "derived",
                    fatal=True)
        published, illustrative = entry.get("published"), entry.get("illustrative")
        if (published is None) == (illustrative is not True):
            err("give either 'published' figures or 'illustrative: true'", *p,
                hint="a variable is a published 2017 figure or an addition of this edition")
        valid_levels = codes + [str(n) for n in (entry.get("nets") or {})]
        for i, item in enumerate(published or []):
            q = (*p, "published", i)
            if str(item["level"]) not in valid_levels:
                err("published level is not a code of the variable", *q, "level",
                    value=item["level"], hint="use one of " + ", ".join(valid_levels))
            grp = item.get("group")
            if grp is not None and (grp["by"] not in data["dimensions"]
                                    or str(grp["group"]) not in codes_of.get(grp["by"], [])):
                err("published group must be {by: dimension, group: code}", *q, "group",
                    value=grp)
    for dim in data["dimensions"]:
        if variables.get(dim, {}).get("type") not in CATEGORICAL:
            err("a dimension must be a single, ordinal or binary variable", "dimensions", dim,
                value=dim)
    return usable
