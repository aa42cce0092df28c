"""The fault matrix: every input × every fault that fits it.

For each fault the build exits 1 with one readable message (no traceback) that names the file and,
where it applies, the line or row and the column; the previous outputs stay byte-identical and no
temporary file is left behind. Inputs that are merely unusual (a byte-order mark, CRLF line ends) are
accepted.

Most faults run ``python build.py --check`` in-process (``report.cli.main``) on a throwaway copy of
the project; a few run the real (non ``--check``) build path. Each case edits the copy with an exact
text replacement that must apply, so a change to the real inputs fails here loudly instead of
silently testing nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import multiprocessing
import re
import shutil
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import run_stage

from report.cli import main

ROOT = Path(__file__).resolve().parent.parent

CSV = "data/survey/responses.csv"
CODEBOOK = "data/survey/codebook.yaml"
MARGINS = "data/survey/margins.yaml"
PAGE = "data/content/en/conclusion.md"
CASE = "data/content/en/cases/aide-domicile.md"
STRINGS = "data/strings.toml"
REPORT = "data/report.toml"
STRUCTURE = "data/structure.yaml"
FIGURES = "data/figures.yaml"
TABLES = "data/tables.yaml"
THEME = "themes/default/theme.toml"
OVERRIDES = "themes/default/overrides.css"

PREVIOUS = {  # what an earlier build left in the output folder
    "economie-sociale-2-0-screen.pdf": b"%PDF-1.7 previous French edition\n%%EOF\n",
    "social-economy-2-0-screen.pdf": b"%PDF-1.7 previous English edition\n%%EOF\n",
    "manifest.json": b'{"outputs": []}\n',
}


# -- edits --------------------------------------------------------------------------------------
Edit = Callable[[Path], None]


def _bytes_of(root: Path, rel: str) -> bytes:
    return (root / rel).read_bytes()


def replace(rel: str, old: str | bytes, new: str | bytes, count: int = 1) -> Edit:
    """Replace the first ``count`` occurrences of ``old`` (which must be there)."""

    def edit(root: Path) -> None:
        path = root / rel
        data = path.read_bytes()
        o = old.encode() if isinstance(old, str) else old
        n = new.encode() if isinstance(new, str) else new
        assert data.count(o) >= count, f"{rel} no longer holds {old!r}: update this test"
        path.write_bytes(data.replace(o, n, count))

    return edit


def remove(rel: str) -> Edit:
    return lambda root: (root / rel).unlink()


def write(rel: str, data: str | bytes) -> Edit:
    def edit(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)

    return edit


def empty(rel: str) -> Edit:
    return write(rel, b"")


def bom(rel: str) -> Edit:
    return lambda root: (root / rel).write_bytes(b"\xef\xbb\xbf" + _bytes_of(root, rel))


def crlf(rel: str) -> Edit:
    def edit(root: Path) -> None:
        data = _bytes_of(root, rel).replace(b"\r\n", b"\n")
        (root / rel).write_bytes(data.replace(b"\n", b"\r\n"))

    return edit


def latin1(rel: str, old: str) -> Edit:
    """Re-encode one piece of text as Latin-1 (what a spreadsheet «Save as CSV» often does)."""
    return replace(rel, old.encode(), old.encode("latin-1"))


def append(rel: str, text: str) -> Edit:
    return lambda root: (root / rel).write_bytes(_bytes_of(root, rel) + text.encode())


def csv_cell(row: int, column: str, value: str | bytes) -> Edit:
    """Set one cell of responses.csv (row 1 = first data row)."""

    def edit(root: Path) -> None:
        path = root / CSV
        lines = path.read_bytes().split(b"\n")
        header = lines[0].decode().split(",")
        cells = lines[row].split(b",")
        cells[header.index(column)] = value.encode() if isinstance(value, str) else value
        lines[row] = b",".join(cells)
        path.write_bytes(b"\n".join(lines))

    return edit


def csv_copy_cell(row: int, column: str, from_row: int) -> Edit:
    def edit(root: Path) -> None:
        lines = (root / CSV).read_text("utf-8").split("\n")
        column_index = lines[0].split(",").index(column)
        csv_cell(row, column, lines[from_row].split(",")[column_index])(root)

    return edit


def both(*edits: Edit) -> Edit:
    def edit(root: Path) -> None:
        for one in edits:
            one(root)

    return edit


# -- the matrix ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fault:
    id: str
    edit: Edit
    expect: str | None  # a regex the error message must match; None: the input is accepted
    args: tuple[str, ...] = ()


def F(id: str, edit: Edit, expect: str | None, *args: str) -> Fault:
    return Fault(id, edit, expect, args)


def line_of(rel: str, needle: str, after: str | None = None, plus: int = 0) -> int:
    """The line where ``needle`` starts in the project's file (after ``after``), plus ``plus``:
    expected positions follow the real inputs as other people edit them."""
    text = (ROOT / rel).read_text("utf-8")
    found = text.index(needle, text.index(after) if after else 0)
    found += len(needle) - len(needle.lstrip("\n"))  # a needle may start on the line before
    return text.count("\n", 0, found) + 1 + plus


def end_line(rel: str, plus: int) -> int:
    """A line of text appended to the file: the file's line count plus ``plus``."""
    return (ROOT / rel).read_text("utf-8").count("\n") + plus


YAML_TYPES = ("codebook", CODEBOOK), ("margins", MARGINS), ("structure", STRUCTURE), \
    ("figures", FIGURES), ("tables", TABLES)

LEGAL_LABEL = line_of(CODEBOOK, 'label: {fr: "Forme juridique", en: "Legal form"}\n    question')
TOC_FR = line_of(STRINGS, 'toc = "Table des matières"')
TOC_EN = line_of(STRINGS, 'toc = "Contents"')
PUBLISHER = line_of(REPORT, 'publisher = "CEFRIO"')
SOCIAL = line_of(FIGURES, "- id: fig-social-by-size")
REGION_LABEL = line_of(CODEBOOK, 'label: {fr: "Région"')
RANGE = line_of(CODEBOOK, '    range: {min: 0')
EMPLOYEES = line_of(CODEBOOK, '\n  employees:\n')
LEGAL_FORM = line_of(CODEBOOK, '  legal_form:\n    type: single')
POPULATION = line_of(MARGINS, 'économie sociale')
COOP = line_of(MARGINS, 'coop: 3300')
SOURCE = line_of(MARGINS, '    source: "QuébecNumérique')
SIZE = line_of(MARGINS, '\n  size:\n')
TITLE_FR = line_of(REPORT, 'Économie sociale 2.0 :')
DATE = line_of(REPORT, 'date = 2017')
PAGE_SIZE = line_of(REPORT, 'page_size =')
ISBN_FR = line_of(REPORT, 'fr = "978-2-924001-45-5"')
FRONT = line_of(STRUCTURE, 'front:')
WEB_VARIABLES = line_of(FIGURES, '  variables: [website_info, social_networks')
TAB_WEB = line_of(TABLES, '- id: tab-web-by-region')
APPENDED = end_line(PAGE, 2)  # append(PAGE, "\nText …\n"): after a blank line

FAULTS: list[Fault] = [
    # survey responses -------------------------------------------------------------------------
    F("csv-missing", remove(CSV), r"responses\.csv: missing file"),
    F("csv-empty", empty(CSV), r"responses\.csv: empty file"),
    F("csv-undecodable", csv_cell(3, "sector", "économie".encode("latin-1")),
      r"responses\.csv:3:sector: undecodable text: bytes E9 are not UTF-8"),
    F("csv-bom", bom(CSV), None),
    F("csv-crlf", crlf(CSV), None),
    F("csv-malformed", csv_cell(5, "region", "ouest,extra"),
      r"responses\.csv:5: row has \d+ cells, the header has \d+"),
    F("csv-malformed-quote", csv_cell(5, "region", '"ouest'), r"responses\.csv:5:"),
    F("csv-wrong-type", csv_cell(3, "employees", "many"),
      r"responses\.csv:3:employees: wrong type \(value: 'many'\)"),
    F("csv-unknown-column", replace(CSV, "id,legal_form", "id,colour,legal_form"),
      r"responses\.csv:colour: column not in the codebook"),
    F("csv-duplicate-id", csv_copy_cell(4, "id", from_row=3),
      r"responses\.csv:4:id: duplicate id \(value: 'R003'\)"),
    F("csv-unknown-code", csv_cell(3, "legal_form", "corporation"),
      r"responses\.csv:3:legal_form: unknown code \(value: 'corporation'\) → use one of coop, npo"),
    F("csv-missing-answer", csv_cell(3, "region", ""),
      r"responses\.csv:3:region: missing required answer"),
    # codebook ---------------------------------------------------------------------------------
    F("codebook-missing", remove(CODEBOOK), r"codebook\.yaml: missing file"),
    F("codebook-empty", empty(CODEBOOK), r"codebook\.yaml: file is empty"),
    F("codebook-undecodable", latin1(CODEBOOK, "Région"),
      rf"codebook\.yaml:{REGION_LABEL}:\d+: file is not valid UTF-8"),
    F("codebook-bom", bom(CODEBOOK), None),
    F("codebook-crlf", crlf(CODEBOOK), None),
    F("codebook-malformed", replace(CODEBOOK, "    type: single\n", "    type: [single\n"),
      r"codebook\.yaml:3\d:\d+: invalid YAML"),
    F("codebook-wrong-type", replace(CODEBOOK, 'label: {fr: "Forme juridique", en: "Legal form"}\n'
                                     "    question", 'label: "Legal form"\n    question'),
      rf"codebook\.yaml:{LEGAL_LABEL}:5: variables\.legal_form\.label: must give a text in each "
      r"language"),
    F("codebook-unknown-key", replace(CODEBOOK, "    range: {min: 0, max: 5000}",
                                      "    rang: {min: 0, max: 5000}"),
      rf"codebook\.yaml:{RANGE}:5: variables\.employees\.rang: unknown key → did you "
      r"mean 'variables\.employees\.range'"),
    F("codebook-duplicate-variable", replace(CODEBOOK, "\n  employees:\n",
                                             "\n  legal_form:\n    type: numeric\n  employees:\n"),
      rf"codebook\.yaml:{EMPLOYEES}: key written twice \(value: 'legal_form'\) → "
      rf"it is already on line {LEGAL_FORM}"),
    F("codebook-unknown-code", replace(CODEBOOK, "bounds: {lt5: [0, 4]", "bounds: {lt4: [0, 4]"),
      r"codebook\.yaml:\d+:5: size\.derived: 'derived' needs"),
    F("codebook-missing-translation", replace(CODEBOOK, ', en: "Legal form"}\n    question',
                                              "}\n    question"),
      rf"codebook\.yaml:{LEGAL_LABEL}:5: variables\.legal_form\.label\.en: missing"),
    # margins ----------------------------------------------------------------------------------
    F("margins-missing", remove(MARGINS), r"margins\.yaml: missing file"),
    F("margins-empty", empty(MARGINS), r"margins\.yaml: file is empty"),
    F("margins-undecodable", latin1(MARGINS, "économie sociale"),
      rf"margins\.yaml:{POPULATION}:\d+: file is not valid UTF-8"),
    F("margins-bom", bom(MARGINS), None),
    F("margins-crlf", crlf(MARGINS), None),
    F("margins-malformed", replace(MARGINS, "targets: {coop: 3300, npo: 3700}",
                                   "targets: {coop: 3300, npo: 3700"),
      r"margins\.yaml:\d+:\d+: invalid YAML"),
    F("margins-wrong-type", replace(MARGINS, "coop: 3300", "coop: many"),
      rf"margins\.yaml:{COOP}:\d+: margins\.legal_form\.targets\.coop: must be a number "
      r"\(value: 'many'\)"),
    F("margins-unknown-key", replace(MARGINS, "    source: \"QuébecNumérique",
                                     "    sources: \"QuébecNumérique"),
      rf"margins\.yaml:{SOURCE}:5: margins\.legal_form\.sources: "
      r"unknown key → did you mean 'margins\.legal_form\.source'"),
    F("margins-duplicate", replace(MARGINS, "\n  size:\n", "\n  legal_form:\n    targets: {}\n"
                                   "  size:\n"),
      rf"margins\.yaml:{SIZE}: key written twice \(value: 'legal_form'\)"),
    F("margins-unknown-code", replace(MARGINS, "{coop: 3300, npo: 3700}",
                                      "{coop: 3300, obnl: 3700}"),
      rf"margins\.yaml:{COOP}:5: margins\.legal_form\.targets: margin codes "
      r"differ from the codebook"),
    # content: Markdown and front matter --------------------------------------------------------
    F("page-missing", remove(PAGE), r"en/conclusion\.md: content file named in structure\.yaml is "
      r"missing"),
    F("page-empty", empty(PAGE), r"en/conclusion\.md: file is empty"),
    F("page-undecodable", replace(PAGE, "begun their digital", b"begun th\xe9ir digital"),
      r"en/conclusion\.md:5:\d+: text is not valid UTF-8"),
    F("page-bom", bom(PAGE), None),
    F("page-crlf", crlf(PAGE), None),
    F("page-malformed", replace(PAGE, 'title: "Conclusion"', 'title: "Conclusion'),
      r"en/conclusion\.md:2:\d+: invalid front matter"),
    F("page-front-matter-unclosed", replace(PAGE, '"Conclusion"\n---\n', '"Conclusion"\n\n'),
      r"en/conclusion\.md:1: front matter is not closed"),
    F("page-front-matter-missing", replace(PAGE, '---\ntitle: "Conclusion"\n---\n', ""),
      r"en/conclusion\.md:1: front matter missing"),
    F("page-wrong-type", replace(PAGE, 'title: "Conclusion"', "title: [Conclusion]"),
      r"en/conclusion\.md:2:1: title: must be a text in quotes"),
    F("page-unknown-key", replace(PAGE, 'title: "Conclusion"', 'title: "Conclusion"\ntitel: x'),
      r"en/conclusion\.md:3:1: titel: unknown key → did you mean 'title'"),
    F("page-duplicate-key", replace(PAGE, 'title: "Conclusion"', 'title: "Conclusion"\ntitle: x'),
      r"en/conclusion\.md:3: key written twice \(value: 'title'\)"),
    F("case-wrong-type", replace(CASE, "order: 9", "order: nine"),
      r"aide-domicile\.md:3:1: order: must be a whole number \(value: 'nine'\)"),
    F("case-unknown-code", replace(CASE, "region: centre", "region: gaspesie"),
      r"aide-domicile\.md:5: unknown region code \(value: 'gaspesie'\)"),
    F("case-missing-key", replace(CASE, "founded: 1997\n", ""),
      r"aide-domicile\.md:2: founded: missing"),
    F("case-duplicate-order", replace(CASE, "order: 9", "order: 1"),
      r"en/cases/.*\.md:3: two case studies have the same order"),
    F("content-missing-translation", write("data/content/fr/cases/nouveau.md",
                                           "---\ntitle: Nouveau\n---\n"),
      r"fr/cases/nouveau\.md: exists in fr but not in en"),
    F("shortcode-unknown", append(PAGE, "\nSee {{stats social_networks}}.\n"),
      rf"en/conclusion\.md:{APPENDED}: unknown shortcode 'stats' .*did you mean 'stat'"),
    F("shortcode-unknown-statistic", append(PAGE, "\nSee {{stat no_such_variable}}.\n"),
      rf"en/conclusion\.md:{APPENDED}: unknown variable 'no_such_variable'"),
    F("shortcode-unknown-level", append(PAGE, "\nSee {{stat investment level=lots}}.\n"),
      rf"en/conclusion\.md:{APPENDED}: unknown level of 'investment'"),
    F("shortcode-unknown-fact", append(PAGE, "\nSee {{fact enterprize}}.\n"),
      rf"en/conclusion\.md:{APPENDED}: unknown fact .*did you mean 'enterprises'"),
    # the hint suggests a defined figure, never the unknown id itself
    F("shortcode-unknown-figure", append(PAGE, "\n{{figure fig-nope}}\n"),
      rf"en/conclusion\.md:{APPENDED}: unknown figure id [^→]*→ (?!did you mean 'fig-nope')"),
    F("markdown-image", append(PAGE, "\n![chart](chart.png)\n"),
      rf"en/conclusion\.md:{APPENDED}: " r"images are placed with \{\{figure ID\}\}"),
    F("markdown-image-missing-huge", append(PAGE, "\n![x](/dev/urandom)\n"),
      rf"en/conclusion\.md:{APPENDED}: images are placed with"),
    # interface strings ------------------------------------------------------------------------
    F("strings-missing", remove(STRINGS), r"strings\.toml: interface strings file not found"),
    F("strings-empty", empty(STRINGS), r"strings\.toml: file is empty"),
    F("strings-undecodable", latin1(STRINGS, "Table des matières"),
      rf"strings\.toml:{TOC_FR}:\d+: file is not valid UTF-8"),
    F("strings-bom", bom(STRINGS), None),
    F("strings-crlf", crlf(STRINGS), None),
    F("strings-malformed", replace(STRINGS, 'toc = "Table des matières"', 'toc = "Table des'),
      rf"strings\.toml:{TOC_FR}:\d+: invalid TOML"),
    F("strings-wrong-type", replace(STRINGS, 'toc = "Contents"', "toc = 3"),
      rf"strings\.toml:{TOC_EN}:1: en\.toc: must be a text in quotes \(value: 3\)"),
    F("strings-unknown-language", append(STRINGS, '\n[de]\ntoc = "Inhalt"\n'),
      r"strings\.toml:\d+:1: de: unknown key → valid keys: en, fr"),
    F("strings-duplicate", replace(STRINGS, 'toc = "Contents"', 'toc = "Contents"\ntoc = "TOC"'),
      rf"strings\.toml:{TOC_EN + 1}:\d+: invalid TOML"),
    F("strings-missing-translation", replace(STRINGS, 'toc = "Contents"\n', ""),
      rf"strings\.toml:{TOC_FR}:1: interface string 'toc' exists in fr but not in en"),
    F("strings-missing-everywhere", both(replace(STRINGS, 'toc = "Contents"\n', ""),
                                         replace(STRINGS, 'toc = "Table des matières"\n', "")),
      r"strings\.toml: missing interface string 'toc' for language '(fr|en)'"),
    # report configuration ---------------------------------------------------------------------
    F("report-missing", remove(REPORT), r"report\.toml: configuration file not found"),
    F("report-empty", empty(REPORT), r"report\.toml: file is empty"),
    F("report-undecodable", latin1(REPORT, "Économie sociale 2.0 :"),
      rf"report\.toml:{TITLE_FR}:\d+: file is not valid UTF-8"),
    F("report-bom", bom(REPORT), None),
    F("report-crlf", crlf(REPORT), None),
    F("report-malformed", replace(REPORT, 'publisher = "CEFRIO"', 'publisher = "CEFRIO'),
      rf"report\.toml:{PUBLISHER}:\d+: invalid TOML"),
    F("report-wrong-type", replace(REPORT, "date = 2017-07-13", 'date = "July 2017"'),
      rf"report\.toml:{DATE}:1: report\.date: must be a date like 2017-07-13"),
    F("report-wrong-table-type", both(replace(REPORT, '[isbn]\nfr = "978-2-924001-45-5"\n'
                                              'en = "978-2-924001-46-2"\n', ""),
                                      replace(REPORT, "# The report's", 'isbn = "978-2-924001-45-5"'
                                              "\n# The report's")),
      r"report\.toml:1:1: isbn: must be a table of keys"),
    F("report-unknown-key", replace(REPORT, 'publisher = "CEFRIO"', 'publsher = "CEFRIO"'),
      rf"report\.toml:{PUBLISHER}:1: report\.publsher: unknown key → did you mean "
      r"'report\.publisher'"),
    F("report-duplicate", replace(REPORT, 'publisher = "CEFRIO"',
                                  'publisher = "CEFRIO"\npublisher = "X"'),
      rf"report\.toml:{PUBLISHER + 1}:\d+: invalid TOML"),
    F("report-unknown-code", replace(REPORT, 'page_size = "letter"', 'page_size = "legal"'),
      rf"report\.toml:{PAGE_SIZE}:1: report\.page_size: must be one of 'letter' or 'a4' "
      r"\(value: 'legal'\)"),
    F("report-bad-isbn", replace(REPORT, 'fr = "978-2-924001-45-5"', 'fr = "978-2-924001-45-6"'),
      rf"report\.toml:{ISBN_FR}:1: isbn\.fr: not a 13-digit ISBN"),
    # structure ----------------------------------------------------------------------------------
    F("structure-missing", remove(STRUCTURE), r"structure\.yaml: file not found"),
    F("structure-empty", empty(STRUCTURE), r"structure\.yaml: file is empty"),
    F("structure-undecodable", replace(STRUCTURE, "# Order", b"# Ordre \xe9"),
      r"structure\.yaml:1:\d+: file is not valid UTF-8"),
    F("structure-bom", bom(STRUCTURE), None),
    F("structure-crlf", crlf(STRUCTURE), None),
    F("structure-malformed", replace(STRUCTURE, "  - id: portrait\n", "  - id: [portrait\n"),
      r"structure\.yaml:\d+:\d+: invalid YAML"),
    F("structure-wrong-type", replace(STRUCTURE, "front:\n  - acknowledgements\n  - about-cefrio\n"
                                      "  - highlights\n", "front: acknowledgements\n"),
      rf"structure\.yaml:{FRONT}:1: front: must be a list \(value: 'acknowledgements'\)"),
    F("structure-unknown-key", replace(STRUCTURE, "appendices:", "appendix:"),
      r"structure\.yaml:\d+:1: appendix: unknown key → did you mean 'appendices'"),
    F("structure-duplicate-id", replace(STRUCTURE, "      - portrait-web\n",
                                        "      - portrait-web\n      - portrait-equipment\n"),
      rf"structure\.yaml:{line_of(STRUCTURE, '      - portrait-web', plus=1)}:9: content id listed "
      r"twice \(value: 'portrait-equipment'\)"),
    F("structure-unknown-id", replace(STRUCTURE, "  - highlights\n", "  - highlight\n"),
      r"highlight\.md: content file named in structure\.yaml is missing"),
    # figures and tables -------------------------------------------------------------------------
    F("figures-missing", remove(FIGURES), r"figures\.yaml: figure definitions not found"),
    F("figures-empty", empty(FIGURES), r"figures\.yaml: file is empty"),
    F("figures-undecodable", latin1(FIGURES, "Outils numériques utilisés"),
      r"figures\.yaml:\d+:\d+: file is not valid UTF-8"),
    F("figures-bom", bom(FIGURES), None),
    F("figures-crlf", crlf(FIGURES), None),
    F("figures-malformed", replace(FIGURES, "  kind: groups\n", "  kind: [groups\n"),
      r"figures\.yaml:\d+:\d+: invalid YAML"),
    F("figures-wrong-type", replace(FIGURES, "  variables: [website_info, social_networks, "
                                    "website_mobile, website_transactional]",
                                    "  variables: website_info"),
      rf"figures\.yaml:{WEB_VARIABLES}:3: figure fig-web-presence: variables: must be a list "
      r"\(value: 'website_info'\)"),
    F("figures-unknown-key", replace(FIGURES, "  kind: groups\n", "  kind: groups\n  colour: red\n"),
      rf"figures\.yaml:{SOCIAL + 2}:3: figure fig-social-by-size: colour: unknown key → valid "
      r"keys: by, caption"),
    F("figures-duplicate-id", replace(FIGURES, "- id: fig-social-by-size", "- id: fig-web-presence"),
      rf"figures\.yaml:{SOCIAL}:3: figure fig-web-presence: id defined twice "
      r"\(value: 'fig-web-presence'\)"),
    F("figures-unknown-variable", replace(FIGURES, "  variable: social_networks",
                                          "  variable: social_network"),
      rf"figures\.yaml:{SOCIAL + 2}:3: figure fig-social-by-size: unknown variable "
      r"\(value: 'social_network'\) → did you mean 'social_networks'"),
    F("figures-unknown-dimension", replace(FIGURES, "  by: size\n", "  by: gender\n"),
      rf"figures\.yaml:{SOCIAL + 3}:3: figure fig-social-by-size: unknown grouping dimension "
      r"\(value: 'gender'\)"),
    F("figures-missing-translation", replace(FIGURES, '    en: "Active on social networks, by '
                                             'enterprise size"\n', ""),
      r"figures\.yaml:\d+:3: figure fig-social-by-size: caption\.en: missing"),
    F("tables-missing", remove(TABLES), r"tables\.yaml: table definitions not found"),
    F("tables-malformed", replace(TABLES, "  kind: crosstab\n", "  kind: 'crosstab\n"),
      r"tables\.yaml:\d+:\d+: invalid YAML"),
    F("tables-duplicate-id", replace(TABLES, "- id: tab-web-by-region", "- id: tab-equipment-by-size"),
      rf"tables\.yaml:{TAB_WEB}:3: table tab-equipment-by-size: id defined twice"),
    F("tables-unknown-variable", replace(TABLES, "variables: [office_suite, accounting, videoconf]",
                                         "variables: [office_suite, accountin, videoconf]"),
      r"tables\.yaml:\d+:3: table tab-equipment-by-size: unknown variable "
      r"\(value: 'accountin'\) → did you mean 'accounting'"),
    # theme --------------------------------------------------------------------------------------
    F("theme-unknown", lambda root: None, r"theme\.toml: theme 'nope' not found", "--theme", "nope"),
    F("theme-bom", bom(THEME), None),
    F("theme-crlf", crlf(THEME), None),
    F("theme-bad-colour", replace(THEME, 'primary = "#0B5563"', 'primary = "teal"'),
      r"themes/default/theme\.toml:\d+:1: colors\.primary: must be a colour like #1A2B3C"),
    F("theme-unknown-font", replace(THEME, 'body = "Charis SIL"', 'body = "Comic Sans"'),
      r"themes/default/theme\.toml:\d+:1: fonts\.body: names a family that no font file"),
    F("theme-logo-missing", replace(THEME, 'name = "default"\n', 'name = "default"\nlogo = "l.svg"\n'),
      r"themes/default/theme\.toml:3:1: logo: logo file not found in the theme folder"),
    F("theme-logo-urandom", replace(THEME, 'name = "default"\n',
                                    'name = "default"\nlogo = "/dev/urandom"\n'),
      r"themes/default/theme\.toml:3:1: logo: logo file not found in the theme folder"),
    F("theme-overrides-undecodable", write(OVERRIDES, b"p { }\n/* \xe9 */\n"),
      r"overrides\.css:2:4: file is not valid UTF-8"),
    F("theme-overrides-html", write(OVERRIDES, "p { color: red }\n</style><script>x</script>\n"),
      r"overrides\.css:2: must hold CSS only"),
]

FAULTS.append(F("theme-malformed", replace(THEME, 'primary = "#0B5563"', 'primary = "#0B5563'),
                r"theme\.toml:\d+:\d+: invalid TOML"))
FAULTS.append(F("theme-undecodable", latin1(THEME, "Édition CEFRIO"),
                r"theme\.toml:\d+:\d+: file is not valid UTF-8"))


# -- hostile or broken inputs that hung, crashed or published a broken PDF (issue 16) -------------
def own(folder: str) -> Edit:
    """Give the copy its own ``folder`` (copies share templates/ and styles/ through a link)."""

    def edit(root: Path) -> None:
        path = root / folder
        if path.is_symlink():
            path.unlink()
            shutil.copytree(ROOT / folder, path)

    return edit


def reencode(rel: str, encoding: str) -> Edit:
    return lambda root: (root / rel).write_bytes((root / rel).read_text("utf-8").encode(encoding))


INVISIBLE = "\nA bell\x07 rings.\n\nTotal: \u202e0001\u202c dollars.\n"
NESTED_LISTS = "".join("  " * depth + f"- level {depth + 1}\n" for depth in range(12))
LOOK_ALIKE_TAGS = "<es20-slot>0</es20-slot> <es20-exhibit key=\"fig-web-presence\"></es20-exhibit>"
MARKERS = f"Private-use \ue0000\ue001 \ue002fig-web-presence\ue003 and look-alikes {LOOK_ALIKE_TAGS}"

FAULTS += [
    # templates: a template that drops the document would publish a blank or partial PDF
    F("template-empty", both(own("templates"), empty("templates/base.html")),
      r"templates/base\.html: the template renders nothing"),
    F("template-sections-missing", both(own("templates"), write("templates/base.html",
                                                                 '{% include "cover.html" %}\n')),
      r"templates/base\.html: the template leaves out part of the report: (\d+) of \1 sections"),
    F("template-exhibits-unrendered", both(own("templates"), replace(
        "templates/chapter.html", "{{ section.html | exhibits }}", "{{ section.html | safe }}")),
      r"templates/base\.html: the template leaves out part of the report: \d+ of \d+ figures "
      r"and tables \(fig-"),
    F("template-bilingual-empty", both(own("templates"), empty("templates/bilingual.html")),
      r"templates/bilingual\.html: the template leaves out the Édition française \(fr\)",
      "--edition", "bilingual"),
    # Markdown: text that looks like the renderer's markers is text; nesting past the parser's
    # limit is an error, never lost content
    # (a private-use character that no font of the theme draws, U+E001 here, is refused and
    # located like any other such character: report/glyphs.py; the look-alike tags are accepted)
    F("page-markers", both(replace(PAGE, 'title: "Conclusion"',
                                   'title: "Conclusion {}"'.format(MARKERS.replace('"', '\\"'))),
                           append(PAGE, f"\n{MARKERS}, {{{{ref conclusion}}}}.\n")),
      r"en/conclusion\.md:2:\d+: U\+E001 \(a private-use character\): no font of the theme "
      r"draws this character"),
    F("page-marker-look-alikes", both(
        replace(PAGE, 'title: "Conclusion"',
                'title: "Conclusion {}"'.format(LOOK_ALIKE_TAGS.replace('"', '\\"'))),
        append(PAGE, f"\n{LOOK_ALIKE_TAGS}, {{{{ref conclusion}}}}.\n")), None),
    F("page-nested-lists", append(PAGE, f"\n{NESTED_LISTS}\nThe rest of the file.\n"),
      rf"en/conclusion\.md:{APPENDED + 9}: lists, quotes or boxes are nested too deeply"),
    F("page-nested-quotes", append(PAGE, "\n" + ">" * 25 + " A quote.\n"),
      rf"en/conclusion\.md:{APPENDED}: lists, quotes or boxes are nested too deeply"),
    # invisible characters: warnings (test_invisible_characters_are_located_warnings)
    F("page-control-character", append(PAGE, INVISIBLE), None),
    # messages that were wrong
    F("csv-utf16", reencode(CSV, "utf-16"),
      r"responses\.csv: the file is UTF-16, not UTF-8 → save it as UTF-8"),
    F("csv-utf16-without-bom", reencode(CSV, "utf-16-be"),
      r"responses\.csv: the file is UTF-16, not UTF-8 → save it as UTF-8"),
    F("shortcode-misspelt-figure", append(PAGE, "\n{{figure fig-web-presenc}}\n"),
      rf"en/conclusion\.md:{APPENDED}: unknown figure id .*→ did you mean 'fig-web-presence'\?"),
]
BY_ID = {f.id: f for f in FAULTS}
assert len(BY_ID) == len(FAULTS), "two faults share an id"


# -- running ------------------------------------------------------------------------------------
def _project_copy(pristine: Path, where: Path) -> Path:
    root = where / "project"
    root.mkdir(parents=True)
    for name in ("data", "themes"):
        shutil.copytree(pristine / name, root / name)
    for name in ("templates", "styles"):  # copied, not linked: a link out of the project is refused
        shutil.copytree(ROOT / name, root / name)
    return root


def _previous_outputs(where: Path) -> Path:
    folder = where / "dist"
    folder.mkdir(parents=True)
    for name, data in PREVIOUS.items():
        (folder / name).write_bytes(data)
    return folder


def _changes(out: Path, root: Path) -> str | None:
    """What a failed build changed in the output folder or left behind; None when nothing."""
    if sorted(p.name for p in out.iterdir()) != sorted(PREVIOUS):
        return f"the output folder now holds {sorted(p.name for p in out.iterdir())}"
    for name, data in PREVIOUS.items():
        if (out / name).read_bytes() != data:
            return f"{name} was changed"
    leftovers = [str(p) for p in root.rglob("*") if p.name.endswith(".tmp")]
    return f"temporary files left behind: {leftovers}" if leftovers else None


@dataclass(frozen=True)
class Outcome:
    code: int
    err: str  # everything printed (stderr and stdout)
    changes: str | None


def _run_fault(fault: Fault, pristine: Path, where: Path, args: tuple[str, ...]) -> Outcome:
    """Apply one fault to a fresh copy, run the command line in-process, see what it printed."""
    root, out = _project_copy(pristine, where), _previous_outputs(where)
    fault.edit(root)
    stream = io.StringIO()
    with contextlib.redirect_stderr(stream), contextlib.redirect_stdout(stream):
        try:
            code = main(["--root", str(root), "--out", str(out), *args, *fault.args,
                         "--quiet", "--no-cache"])
        except BaseException:
            code = -1
            stream.write(traceback.format_exc())
    return Outcome(code, stream.getvalue(), _changes(out, root))


def _run_many(faults: list[Fault], pristine: Path, base: Path,
              args: tuple[str, ...]) -> dict[str, Outcome]:
    """Run the faults in two fresh processes (each fault is ~0.4 s of checking).

    Spawned, not forked: a fork of a process that has started the chart engine's threads may
    deadlock. The children import this module and find each fault by its id.
    """
    jobs = {f.id: (pristine, base / f.id, args) for f in faults}
    if len(jobs) < 8:
        return {key: _run_fault(BY_ID[key], *job) for key, job in jobs.items()}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        futures = {key: pool.submit(_run_fault_by_id, key, *job) for key, job in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


def _run_fault_by_id(fault_id: str, *job: object) -> Outcome:
    return _run_fault(BY_ID[fault_id], *job)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def check_outcomes(request: pytest.FixtureRequest,
                   tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """The outcome of ``--check`` for every selected fault, computed once, in parallel."""
    selected = {item.callspec.params["fault"].id for item in request.session.items
                if getattr(item, "originalname", "") == "test_check_reports_the_fault"}
    pristine = tmp_path_factory.mktemp("pristine")
    for name in ("data", "themes"):
        shutil.copytree(ROOT / name, pristine / name)
    return _run_many([f for f in FAULTS if f.id in selected], pristine,
                     tmp_path_factory.mktemp("faults"), ("--check", "--lang", "en"))


def check_fault(fault: Fault, outcome: Outcome) -> None:
    code, err = outcome.code, outcome.err
    assert "Traceback" not in err, err
    if fault.expect is None:
        assert code == 0, f"{fault.id}: an unusual but valid input was refused:\n{err}"
        assert err == "", err
    else:
        assert code == 1, f"{fault.id}: exit {code}\n{err}"
        assert re.search(r"^(\w+ )?error: ", err), f"not one readable message:\n{err}"
        assert re.search(fault.expect, err), f"{fault.id}: expected /{fault.expect}/ in:\n{err}"
    assert outcome.changes is None, outcome.changes


def _marks(fault: Fault) -> list[pytest.MarkDecorator]:
    return []


@pytest.mark.parametrize("fault", [pytest.param(f, id=f.id, marks=_marks(f)) for f in FAULTS])
def test_check_reports_the_fault(fault: Fault, check_outcomes: dict[str, Outcome]):
    """``python build.py --check``: exit 1, one message naming the file and line, nothing written."""
    check_fault(fault, check_outcomes[fault.id])


BUILD_FAULTS = ["csv-unknown-code", "codebook-malformed", "report-malformed", "page-unknown-key",
                "strings-missing-translation", "figures-duplicate-id", "shortcode-unknown-statistic",
                "theme-overrides-html", "template-empty", "page-nested-lists"]


@pytest.mark.parametrize("fault", [f for f in FAULTS if f.id in BUILD_FAULTS], ids=lambda f: f.id)
def test_build_reports_the_fault(fault: Fault, tmp_path: Path):
    """The real build path (not --check): the same message, nothing written."""
    pristine = tmp_path / "pristine"
    for name in ("data", "themes"):
        shutil.copytree(ROOT / name, pristine / name)
    check_fault(fault, _run_fault(fault, pristine, tmp_path / "run", ("--lang", "en", "--workers",
                                                                        "1")))


def test_matrix_covers_every_input_and_fault():
    """Every input has its missing / empty / undecodable / BOM / CRLF / malformed cases."""
    ids = {f.id for f in FAULTS}
    for prefix in ("csv", "codebook", "margins", "page", "strings", "report", "structure",
                   "figures"):
        for fault in ("missing", "empty", "undecodable", "bom", "crlf", "malformed"):
            assert f"{prefix}-{fault}" in ids, f"{prefix}-{fault}"


# -- --check reports every problem of every file at once -------------------------------------------
SEVERAL = [
    "csv-unknown-code", "codebook-missing-translation", "page-unknown-key", "case-unknown-code",
    "shortcode-unknown-statistic", "figures-unknown-key", "tables-duplicate-id",
    "strings-missing-translation", "report-unknown-key", "theme-bad-colour", "margins-unknown-key",
]


def _several_faults(tmp_path: Path) -> Path:
    pristine = tmp_path / "pristine"
    for name in ("data", "themes"):
        shutil.copytree(ROOT / name, pristine / name)
    root = _project_copy(pristine, tmp_path / "run")
    for key in SEVERAL:
        BY_ID[key].edit(root)
    return root


def _anywhere(expect: str | None) -> str:
    """The expected message at any line: several edits of one file move each other's lines."""
    return re.sub(r"(?<=:)\d+(?=:)", r"\\d+", expect or "")


def _check(options) -> list:
    from report.check import check_all
    from report.diagnostics import Diagnostics

    diag = Diagnostics(check_only=True)
    check_all(options, diag)
    return diag.errors


def test_check_all_finds_every_problem_in_one_run(tmp_path):
    from report.build import BuildOptions

    root = _several_faults(tmp_path)
    errors = _check(BuildOptions(root=root, out_dir=tmp_path / "dist"))
    text = "\n".join(str(e) for e in errors)
    for key in SEVERAL:
        assert re.search(_anywhere(BY_ID[key].expect), text), f"{key} is missing from:\n{text}"
    assert not (tmp_path / "dist").exists()


def test_check_all_goes_on_past_invalid_survey_data(tmp_path):
    """With the responses broken, shortcodes and figures are still checked against the codebook."""
    from report.build import BuildOptions

    root = _several_faults(tmp_path)
    remove(CSV)(root)
    errors = _check(BuildOptions(root=root, out_dir=tmp_path / "dist", languages=("en",)))
    text = "\n".join(str(e) for e in errors)
    assert "responses.csv: missing file" in text
    assert re.search(_anywhere(BY_ID["shortcode-unknown-statistic"].expect), text), text


def test_check_all_passes_the_real_project(tmp_path):
    from report.build import BuildOptions

    assert _check(BuildOptions(root=ROOT, out_dir=tmp_path / "dist")) == []


def test_check_all_reports_a_missing_template_string(tmp_path):
    """Interface strings used only by the templates are checked too (the HTML is made, not laid
    out)."""
    from report.build import BuildOptions

    pristine = tmp_path / "pristine"
    for name in ("data", "themes"):
        shutil.copytree(ROOT / name, pristine / name)
    root = _project_copy(pristine, tmp_path / "run")
    BY_ID["strings-missing-everywhere"].edit(root)
    errors = _check(BuildOptions(root=root, out_dir=tmp_path / "dist", languages=("fr",)))
    assert [str(e) for e in errors] == ["data/strings.toml: missing interface string 'toc' for "
                                        "language 'fr' → add toc = \"…\" under [fr]"]


def test_check_option_reports_every_problem_at_once(tmp_path, capsys):
    root = _several_faults(tmp_path)
    out = _previous_outputs(tmp_path / "out")
    code = main(["--root", str(root), "--out", str(out), "--check", "--quiet", "--no-cache"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert err.startswith("error: "), err  # problems of several kinds: each line says its kind
    assert "\n  - data error: " in err and "\n  - content error: " in err, err
    for key in SEVERAL:
        assert re.search(_anywhere(BY_ID[key].expect), err), f"{key} is missing from:\n{err}"
    assert _changes(out, root) is None


def test_a_duplicate_id_is_located_in_flow_lists_too(tmp_path):
    """The second mention of an id is found in the YAML itself, whatever the list style."""
    from report.config import load_structure
    from report.errors import ConfigError

    path = tmp_path / "structure.yaml"
    path.write_text("front: [about]\nchapters:\n  - id: one\n    sections: [a, b]\n"
                    "  - id: two\n    sections: [c,\n               a]  # a again\n"
                    "appendices: []\n", "utf-8")
    with pytest.raises(ConfigError) as caught:
        run_stage(load_structure, path)
    assert (caught.value.line, caught.value.value) == (7, "a")


def test_invisible_characters_are_located_warnings(tmp_path):
    """Control characters and bidirectional overrides: a warning naming the file, line, column
    and code point, in --check and in the build; an error under --strict."""
    pristine = tmp_path / "pristine"
    for name in ("data", "themes"):
        shutil.copytree(ROOT / name, pristine / name)
    outcomes = {}
    for args in ((), ("--strict",)):
        where = tmp_path / ("strict" if args else "draft")
        root, out = _project_copy(pristine, where), _previous_outputs(where)
        BY_ID["page-control-character"].edit(root)
        stream = io.StringIO()
        with contextlib.redirect_stderr(stream), contextlib.redirect_stdout(stream):
            code = main(["--root", str(root), "--out", str(out), "--check", "--lang", "en",
                         "--no-cache", *args])
        outcomes[args] = code, stream.getvalue()
        assert _changes(out, root) is None
    bell = rf"en/conclusion\.md:{APPENDED}:7: invisible control character U\+0007 \(BEL\) → remove"
    override = (rf"en/conclusion\.md:{APPENDED + 2}:8: bidirectional control character U\+202E "
                r"\(RIGHT-TO-LEFT OVERRIDE\): the text may display in another order")
    code, err = outcomes[()]
    assert code == 0 and "check passed" in err, err
    assert re.search(rf"WARNING .*{bell}", err) and re.search(rf"WARNING .*{override}", err), err
    assert len(re.findall("^WARNING ", err, re.MULTILINE)) == 3, err  # and U+202C, once each
    code, err = outcomes[("--strict",)]
    assert code == 1 and "Traceback" not in err, err
    assert re.search(rf"^  - .*{bell}", err, re.MULTILINE), err
    assert re.search(rf"^  - .*{override}", err, re.MULTILINE), err


# -- the cache: a damaged entry is a miss, made again, with a warning (issue 16) -------------------
def _stub_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Instant charts and PDFs: what is tested is what the build does with the cache."""
    import report.charts
    import report.pdf

    monkeypatch.setattr(report.charts, "render_chart", lambda data, style, lang, spec=None: (
        report.charts.Chart(data.id, "<svg xmlns='http://www.w3.org/2000/svg'/>", 1, 1, data.alt)))
    monkeypatch.setattr(report.pdf, "render_pdf", lambda html, *, title, **options: (
        report.pdf.RenderedPDF(b"%PDF-1.7 fresh " + title.encode() + b"\n%%EOF\n", 3, ())))


def _entries(cache: Path, kind: str) -> list[Path]:
    return sorted(p for p in (cache / kind).rglob("*") if p.is_file())


def _reframe(path: Path, value: object) -> None:
    """Store ``value`` in the entry with a valid frame: only its shape or meaning is wrong."""
    from report.cache import frame

    path.write_bytes(frame(path.parent.parent.name, path.name, json.dumps(value).encode()))


def _swap(first: Path, second: Path) -> None:
    a, b = first.read_bytes(), second.read_bytes()
    first.write_bytes(b)
    second.write_bytes(a)


CACHE_DAMAGE: dict[str, Callable[[Path], list[Path]]] = {
    # the kind of damage → what it does to the cache, returning the entries it damaged
    "pdf-truncated": lambda c: [p.write_bytes(p.read_bytes()[:-12]) and p
                                for p in _entries(c, "pdf")],
    "pdf-garbage": lambda c: [p.write_bytes(b"\x00garbage") and p for p in _entries(c, "pdf")],
    "pdf-meta-wrong-shape": lambda c: [_reframe(p, {"pages": "many", "warnings": []}) or p
                                       for p in _entries(c, "pdf-meta")],
    "pdf-meta-of-another-pdf": lambda c: [_reframe(p, {  # the PDF no longer matches its record
        "pages": 3, "warnings": [], "bytes": 9, "sha256": hashlib.sha256(b"%PDF-1.7\n").hexdigest()
    }) for p in _entries(c, "pdf-meta")] and _entries(c, "pdf"),
    "chart-wrong-shape": lambda c: [_reframe(p, {"id": 1}) or p for p in _entries(c, "charts")[:2]],
    "charts-swapped": lambda c: _swap(*_entries(c, "charts")[:2]) or _entries(c, "charts")[:2],
    "build-record-wrong-shape": lambda c: [_reframe(p, {"warnings": [], "outputs": [
        {"path": "../../../etc/passwd", "sha256": "0" * 64}]}) or p for p in _entries(c, "builds")],
    "build-record-truncated": lambda c: [p.write_bytes(p.read_bytes()[:20]) and p
                                         for p in _entries(c, "builds")],
}


@pytest.mark.parametrize("damage", sorted(CACHE_DAMAGE))
def test_a_damaged_cache_entry_is_made_again(damage, tmp_path, monkeypatch, capsys):
    """Every cache read checks the entry's hash and shape: a truncated PDF is never published, an
    entry of the wrong shape is no traceback; each is a warning naming it, and is made again."""
    from report.output import manifest_problems

    _stub_engine(monkeypatch)
    cache, out = tmp_path / "cache", tmp_path / "dist"
    monkeypatch.setenv("ES20_CACHE_DIR", str(cache))
    args = ["--root", str(ROOT), "--lang", "en", "--workers", "1"]
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    fresh = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()

    damaged = CACHE_DAMAGE[damage](cache)
    assert damaged
    again = out if damage.startswith("build-record") else tmp_path / "again"  # else: a no-op
    code = main([*args, "--out", str(again)])
    err = capsys.readouterr().err
    assert code == 0 and "Traceback" not in err, err
    for entry in damaged:
        assert re.search(rf"WARNING {re.escape(str(entry))}: damaged cache entry ignored and made "
                         r"again: \w", err), err
    assert "reused from the cache" not in err or "pdf" not in damage, err
    assert {p.name: p.read_bytes() for p in again.iterdir()} == fresh  # the fresh PDF, published
    assert manifest_problems(again) == []

    capsys.readouterr()  # the entries made again are sound: the next build reuses them in peace
    assert main([*args, "--out", str(tmp_path / "third")]) == 0
    err = capsys.readouterr().err
    assert "damaged cache entry" not in err and "reused from the cache: en screen" in err, err
