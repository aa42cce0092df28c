"""Shared fixtures: the real report is built once per test run and read by many tests."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Built:
    out: Path
    manifest: dict
    result: object
    cache: Path
    diag: object  # the build's diagnostics (strict: any warning would have failed it)

    def pdf(self, lang: str, edition: str = "screen") -> Path:
        entry = next(e for e in self.manifest["outputs"]
                     if e["lang"] == lang and e["edition"] == edition)
        return self.out / entry["path"]


def _embedded_fonts(path: Path) -> dict[str, object]:
    """The font descriptor of every font a PDF's pages use, by base name (that of the
    descendant font for a composite font)."""
    from pypdf import PdfReader

    seen = {}
    for page in PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font \
                else font
            seen[str(font["/BaseFont"])] = descendant["/FontDescriptor"].get_object()
    return seen


@pytest.fixture(scope="session")
def embedded_fonts():
    """A function from a PDF's path to the descriptors of its fonts, by base name."""
    return _embedded_fonts


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Build both languages of the screen edition, strictly, into a temporary folder."""
    from report.build import BuildOptions, build
    from report.diagnostics import Diagnostics

    out = tmp_path_factory.mktemp("dist")
    cache = tmp_path_factory.mktemp("cache")
    diag = Diagnostics(strict=True)
    result = build(BuildOptions(root=ROOT, out_dir=out, languages=("fr", "en"),
                                editions=("screen",), cache_dir=cache), diag)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return Built(out, manifest, result, cache, diag)


def _validated_inputs():
    from report.build import BuildOptions, validate_inputs
    from report.diagnostics import Diagnostics

    diag = Diagnostics()
    inputs = validate_inputs(BuildOptions(root=ROOT, out_dir=ROOT / "dist"), diag)
    diag.raise_if_errors()
    return inputs


@pytest.fixture(scope="session")
def inputs():
    """The real report's validated inputs (configuration, theme, statistics, exhibits, content),
    for the tests that only read them."""
    return _validated_inputs()


@pytest.fixture
def fresh_inputs():
    """The same, validated for this test alone (its statistics have answered no query yet)."""
    return _validated_inputs()


@pytest.fixture(scope="session")
def pdf_text(built: Built) -> dict[str, list[str]]:
    """The text of every page of each language's PDF."""
    from pypdf import PdfReader

    return {lang: [page.extract_text() for page in PdfReader(built.pdf(lang)).pages]
            for lang in ("fr", "en")}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A throwaway copy of the project's inputs (not its fonts), for fault tests."""
    for name in ("data", "templates", "styles", "themes"):
        shutil.copytree(ROOT / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("*.ttf", "*.otf") if name != "styles"
                        else None)
    return tmp_path


# -- web edition (workstream web) ------------------------------------------------------------
@pytest.fixture(scope="session")
def web_built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Build the web edition of the real report, strictly, into a temporary folder."""
    from report.build import BuildOptions, build
    from report.diagnostics import Diagnostics

    out = tmp_path_factory.mktemp("web-dist")
    cache = tmp_path_factory.mktemp("web-cache")
    diag = Diagnostics(strict=True)
    result = build(BuildOptions(root=ROOT, out_dir=out, editions=("web",), cache_dir=cache), diag)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return Built(out, manifest, result, cache, diag)
# personal workstream (issue 21) ------------------------------------------------------------------
@dataclass
class PersonalBuilt:
    out: Path
    cache: Path
    manifest: dict
    options: object  # the French build's BuildOptions
    french: tuple[str, ...]
    english: tuple[str, ...]
    workers: dict  # process id → (process id, times warmed)
    by_worker: dict  # process id → respondents it rendered

    @property
    def ids(self) -> tuple[str, ...]:
        return self.french + self.english

    @property
    def langs(self) -> dict[str, str]:
        return {**{i: "fr" for i in self.french}, **{i: "en" for i in self.english}}


@pytest.fixture(scope="session")
def personal_built(tmp_path_factory: pytest.TempPathFactory) -> PersonalBuilt:
    """A few personal reports on the local pool (two workers): four in French (one of them
    R026 alone on a worker's queue at the end), then one in English (R002, of the Ouest region,
    whose base is under 30) into the same folder."""
    import dataclasses

    from report import bulk
    from report.build import BuildOptions, build
    from report.diagnostics import Diagnostics
    from report.personal import PersonalOptions

    out = tmp_path_factory.mktemp("personal")
    cache = tmp_path_factory.mktemp("personal-cache")
    french, english = ("R001", "R026", "R150", "R300"), ("R002",)
    seen: list = []
    original = bulk.run_local

    def watching(blob, tasks, on_result, workers=2):  # notes which worker rendered what
        original(blob, tasks, lambda r: (seen.append(r), on_result(r)), workers)

    bulk.run_local = watching
    try:
        options = BuildOptions(root=ROOT, out_dir=out, editions=("personal",),
                               cache_dir=cache, workers=2,
                               personal=PersonalOptions(respondents=french))
        build(options, Diagnostics(strict=True))
        build(dataclasses.replace(options, personal=PersonalOptions(respondents=english,
                                                                    lang="en")),
              Diagnostics(strict=True))
    finally:
        bulk.run_local = original
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    workers = {r.worker[0]: r.worker for r in seen}
    by_worker: dict = {}
    for r in seen:
        by_worker.setdefault(r.worker[0], []).append(r.respondent)
    return PersonalBuilt(out, cache, manifest, options, french, english, workers, by_worker)

# -- pdfua workstream: the extra editions the structure checker reads ---------------------------
def _build_one(out: Path, cache: Path, **options) -> Path:
    from report.build import BuildOptions, build
    from report.diagnostics import Diagnostics

    build(BuildOptions(root=ROOT, out_dir=out, cache_dir=cache, **options),
          Diagnostics(strict=True))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    (entry,) = manifest["outputs"]
    return out / entry["path"]


@pytest.fixture(scope="session")
def bilingual_pdf(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bilingual edition (house theme), built once, strictly, with the session build's cache
    (its charts are the same)."""
    return _build_one(tmp_path_factory.mktemp("bilingual"), built.cache, editions=("bilingual",))


@pytest.fixture(scope="session")
def partner_pdf(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The French screen edition in a partner theme (fondation-brumes: its own fonts and colours,
    and a cover ornament drawn with opacity), built once, strictly."""
    return _build_one(tmp_path_factory.mktemp("partner"), built.cache, languages=("fr",),
                      theme="fondation-brumes")
