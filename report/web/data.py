"""Web edition, data: every figure and table as CSV, and the estimates as a data package.

Input: the exhibits of each language (:class:`~report.exhibits.ExhibitData`, what each figure and
table shows, with its cells' estimates, bases and flags) and the
:class:`~report.statistics.Statistics` with its codebook.
Output: files of the site, as bytes by path:

* ``<lang>/data/<exhibit id>.csv``: one line per value of a figure or table, as the page shows it,
  with headers in the page's language: the row and series labels, the percentage (a number, one
  decimal), the unweighted base, the quality flag (``E``: use with caution, ``F``: too unreliable
  to be published, as in the report's notes), the significance marker (▲ ▼) and, for a value
  published in 2017, its source. UTF-8 with a byte-order mark, so that spreadsheets open the
  accents right.
* ``data/``: a Frictionless data package (``datapackage.json``, Data Package v1 with Table
  Schemas): ``estimates.csv``, every weighted proportion the statistics stage computes for the
  report (every level of every variable, for all enterprises and for each group of each
  dimension), with its 95 % interval, bases, standard error, coefficient of variation, design
  effect, flag, significance and its p-value and, where the figure was published in 2017, the
  published value and its source; ``variables.csv`` and ``levels.csv``, the
  dictionary (labels, questions and universes in French and English). Machine-readable: codes,
  not labels, and no byte-order mark.

Numbers come from the statistics stage only; nothing here computes an estimate of its own.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .. import LANGUAGES
from ..exhibits import ExhibitData

PACKAGE_FOLDER = "data"
SIGNIFICANCE = {"▲": "higher", "▼": "lower"}
FLAG_LETTERS = {"ok": "", "caution": "E", "suppressed": "F"}


def _csv(rows: Iterable[Iterable[Any]], *, bom: bool) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8")


def _number(value: float | None, decimals: int, scale: int = 1) -> str:
    """``value × scale`` as CSV text (``.`` decimal point, no grouping), rounded half up as the
    report rounds (:mod:`report.i18n`), so that 20.75 % is 20.8 here as in the tables; empty
    when there is no value."""
    if value is None:
        return ""
    exact = Decimal(str(value)) * scale
    return str(exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def exhibit_csv(data: ExhibitData, strings: Any) -> bytes:
    """The values of one figure or table, one line per value, headers in its language."""
    first = strings["group"] if data.kind in ("groups", "margins") else strings["variable"]
    header = [first, strings["web.csv_series"], strings["web.csv_percent"],
              strings["web.csv_base"], strings["web.csv_flag"], strings["web.csv_significance"],
              strings["web.csv_source"]]
    rows: list[list[str]] = [header]
    for label, cells in zip(data.row_labels, data.cells, strict=True):
        for series, cell in zip(data.series_labels, cells, strict=True):
            rows.append([label, series,
                         _number(cell.p, 1, scale=100),
                         str(cell.n), FLAG_LETTERS.get(cell.flag, cell.flag), cell.marker,
                         cell.source or ""])
    return _csv(rows, bom=True)


def exhibit_files(exhibits: dict[str, ExhibitData], strings: Any, lang: str) -> dict[str, bytes]:
    """Every exhibit of one language as CSV: ``{"<lang>/data/<id>.csv": bytes}``."""
    return {f"{lang}/data/{key}.csv": exhibit_csv(data, strings)
            for key, data in sorted(exhibits.items())}


# -- the data package -------------------------------------------------------------------------
def _field(name: str, kind: str, fr: str, en: str, **extra: Any) -> dict[str, Any]:
    """A Table Schema field described in both languages (``title`` and ``description`` in
    English, the report's working language for data; ``fr`` and ``en`` hold both)."""
    return {"name": name, "type": kind, "title": en, "description": en,
            "i18n": {"fr": fr, "en": en}, **extra}


ESTIMATE_FIELDS = [
    _field("variable", "string", "Variable (voir variables.csv)", "Variable (see variables.csv)",
           constraints={"required": True}),
    _field("level", "string", "Modalité de la variable (voir levels.csv)",
           "Level of the variable (see levels.csv)", constraints={"required": True}),
    _field("by", "string", "Dimension de ventilation ; vide pour l’ensemble des entreprises",
           "Breakdown dimension; empty for all enterprises"),
    _field("group", "string", "Groupe de la dimension (une modalité de cette variable)",
           "Group of the dimension (a level of that variable)"),
    _field("proportion", "number", "Proportion pondérée, de 0 à 1 ; vide si non publiée (F)",
           "Weighted proportion, 0 to 1; empty when too unreliable to be published (F)",
           constraints={"minimum": 0, "maximum": 1}),
    _field("ci_low", "number", "Borne inférieure de l’intervalle de confiance à 95 %",
           "Lower bound of the 95% confidence interval", constraints={"minimum": 0, "maximum": 1}),
    _field("ci_high", "number", "Borne supérieure de l’intervalle de confiance à 95 %",
           "Upper bound of the 95% confidence interval", constraints={"minimum": 0, "maximum": 1}),
    _field("n", "integer", "Base non pondérée (répondants)", "Unweighted base (respondents)",
           constraints={"required": True, "minimum": 0}),
    _field("n_eff", "number", "Taille effective de l’échantillon de la base (Kish)",
           "Effective sample size of the base (Kish)", constraints={"minimum": 0}),
    _field("se", "number", "Erreur type (plan de sondage, calage, correction de population "
           "finie)", "Standard error (design-based: raking, finite population correction)",
           constraints={"minimum": 0}),
    _field("cv", "number", "Coefficient de variation", "Coefficient of variation",
           constraints={"minimum": 0}),
    _field("deff", "number", "Effet de plan", "Design effect", constraints={"minimum": 0}),
    _field("flag", "string", "Qualité : ok ; caution (E, base de moins de 30) ; suppressed (F, "
           "base de moins de 10)", "Quality: ok; caution (E, base under 30); suppressed (F, base "
           "under 10)", constraints={"required": True,
                                     "enum": ["ok", "caution", "suppressed"]}),
    _field("significance", "string", "Écart significatif au seuil de 95 % par rapport aux autres "
           "groupes de la dimension : higher (▲) ou lower (▼)", "Significantly different from the "
           "other groups of the dimension at the 95% level: higher (▲) or lower (▼)",
           constraints={"enum": ["higher", "lower"]}),
    _field("p_value", "number", "Valeur p du test contre les autres groupes, non ajustée pour "
           "les comparaisons multiples", "p-value of the test against the other groups, "
           "unadjusted for multiple comparisons", constraints={"minimum": 0, "maximum": 1}),
    _field("published", "number", "Valeur publiée en 2017 que l’estimation reproduit ; vide pour "
           "une valeur illustrative", "Value published in 2017 that the estimate reproduces; "
           "empty for an illustrative value", constraints={"minimum": 0, "maximum": 1}),
    _field("source", "string", "Source de la valeur publiée", "Source of the published value"),
]
VARIABLE_FIELDS = [
    _field("variable", "string", "Nom de la variable", "Name of the variable",
           constraints={"required": True, "unique": True}),
    _field("type", "string", "Type de variable", "Type of variable",
           constraints={"required": True,
                        "enum": ["binary", "single", "ordinal", "multiple", "numeric"]}),
    *(_field(f"{key}_{lang}", "string", f"{fr} ({lang})", f"{en} ({lang})")
      for key, fr, en in (("label", "Libellé court", "Short label"),
                          ("question", "Libellé de la question", "Wording of the question"),
                          ("universe", "Population interrogée", "Who was asked"))
      for lang in LANGUAGES),
    _field("dimension", "boolean", "Sert de dimension de ventilation (by)",
           "Used as a breakdown dimension (by)", constraints={"required": True}),
    _field("published", "boolean", "Au moins un chiffre de la variable a été publié en 2017",
           "At least one figure of the variable was published in 2017",
           constraints={"required": True}),
]
LEVEL_FIELDS = [
    _field("variable", "string", "Nom de la variable", "Name of the variable",
           constraints={"required": True}),
    _field("level", "string", "Code de la modalité", "Code of the level",
           constraints={"required": True}),
    _field("order", "integer", "Rang d’affichage", "Display order", constraints={"required": True}),
    _field("net", "boolean", "Regroupement de modalités (somme)", "Sum of several levels",
           constraints={"required": True}),
    *(_field(f"label_{lang}", "string", f"Libellé ({lang})", f"Label ({lang})",
             constraints={"required": True}) for lang in LANGUAGES),
]


def _levels(codebook: Any, var: str) -> list[tuple[str, bool]]:
    return [(level, False) for level in codebook.levels(var)] + \
        [(net, True) for net in codebook.nets(var)]


def estimate_rows(stats: Any) -> list[list[str]]:
    """Every estimate of every level of every variable, overall then by each dimension."""
    codebook = stats.codebook
    rows = []
    for var in codebook.variables:
        if codebook.type(var) == "numeric":
            continue
        for level, _net in _levels(codebook, var):
            for by in (None, *[d for d in codebook.dimensions if d != var]):
                for group in ([None] if by is None else codebook.levels(by)):
                    e = stats.stat(var, level=level, by=by, group=group)
                    published = codebook.published(var, level=level, by=by, group=group)
                    rows.append([var, level, by or "", group or "", _number(e.p, 4),
                                 _number(e.ci_low, 4), _number(e.ci_high, 4), str(e.n),
                                 _number(e.n_eff, 1), _number(e.se, 4), _number(e.cv, 4),
                                 _number(e.deff, 3), e.flag, e.significance or "",
                                 _number(e.p_value, 4),
                                 _number(published["value"], 4) if published else "",
                                 str(published.get("source", "")) if published else ""])
    return rows


def _variable_rows(codebook: Any) -> list[list[str]]:
    rows = []
    for var in codebook.variables:
        texts = [getter(var, lang) for getter in (codebook.label, codebook.question,
                                                  codebook.universe) for lang in LANGUAGES]
        published = bool(codebook.published(var)) if codebook.type(var) != "numeric" else False
        rows.append([var, codebook.type(var), *texts,
                     str(var in codebook.dimensions).lower(), str(published).lower()])
    return rows


def _level_rows(codebook: Any) -> list[list[str]]:
    return [[var, level, str(order), str(net).lower(),
             *(codebook.level_label(var, level, lang) for lang in LANGUAGES)]
            for var in codebook.variables
            for order, (level, net) in enumerate(_levels(codebook, var), start=1)]


def _resource(name: str, fields: list[dict[str, Any]], data: bytes, fr: str, en: str,
              **schema: Any) -> dict[str, Any]:
    import hashlib

    return {"name": name, "path": f"{name}.csv", "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "title": en, "description": en, "i18n": {"fr": fr, "en": en},
            "bytes": len(data), "hash": hashlib.md5(data, usedforsecurity=False).hexdigest(),
            "schema": {"fields": fields, **schema}}


def data_package(config: Any, stats: Any) -> dict[str, bytes]:
    """The estimates and their dictionary as a Frictionless data package, by path."""
    codebook = stats.codebook
    names = [f["name"] for f in ESTIMATE_FIELDS]
    estimates = _csv([names, *estimate_rows(stats)], bom=False)
    variables = _csv([[f["name"] for f in VARIABLE_FIELDS], *_variable_rows(codebook)], bom=False)
    levels = _csv([[f["name"] for f in LEVEL_FIELDS], *_level_rows(codebook)], bom=False)
    title = {lang: f"{config.title[lang]} – " + ("estimations" if lang == "fr" else "estimates")
             for lang in LANGUAGES}
    description = {
        "fr": "Toutes les proportions pondérées que le rapport calcule à partir des microdonnées "
              "de l’enquête, pour l’ensemble des entreprises et par groupe, avec leur intervalle "
              "de confiance à 95 %, leur base et leur indicateur de qualité, et le dictionnaire "
              "des variables. " + str(codebook.survey.get("note", {}).get("fr", "")),
        "en": "Every weighted proportion the report computes from the survey microdata, for all "
              "enterprises and by group, with its 95% confidence interval, base and quality flag, "
              "and the dictionary of the variables. "
              + str(codebook.survey.get("note", {}).get("en", "")),
    }
    package = {
        "profile": "tabular-data-package",
        "name": f"{config.output_names['en']}-estimates",
        "title": title["en"],
        "description": description["en"],
        "i18n": {lang: {"title": title[lang], "description": description[lang].strip()}
                 for lang in LANGUAGES},
        "version": config.date.isoformat(),
        "created": f"{config.date.isoformat()}T12:00:00Z",
        "keywords": [k.strip() for lang in LANGUAGES for k in config.keywords[lang].split(",")],
        "contributors": [{"title": config.publisher, "role": "publisher"}],
        "sources": [{"title": str(codebook.survey.get("title", {}).get(lang, ""))}
                    for lang in LANGUAGES],
        "resources": [
            _resource("estimates", ESTIMATE_FIELDS, estimates, "Estimations pondérées",
                      "Weighted estimates", missingValues=[""],
                      foreignKeys=[{"fields": "variable", "reference": {
                          "resource": "variables", "fields": "variable"}}]),
            _resource("variables", VARIABLE_FIELDS, variables, "Dictionnaire des variables",
                      "Dictionary of the variables", primaryKey=["variable"],
                      missingValues=[""]),
            _resource("levels", LEVEL_FIELDS, levels, "Modalités des variables",
                      "Levels of the variables", primaryKey=["variable", "level"],
                      missingValues=[""],
                      foreignKeys=[{"fields": "variable", "reference": {
                          "resource": "variables", "fields": "variable"}}]),
        ],
    }
    descriptor = json.dumps(package, ensure_ascii=False, indent=2) + "\n"
    return {f"{PACKAGE_FOLDER}/datapackage.json": descriptor.encode("utf-8"),
            f"{PACKAGE_FOLDER}/estimates.csv": estimates,
            f"{PACKAGE_FOLDER}/variables.csv": variables,
            f"{PACKAGE_FOLDER}/levels.csv": levels}
