"""The personal edition (``python build.py --edition personal``): one benchmark report per
responding enterprise, rendered in bulk.

Input: the :class:`~report.build.BuildOptions` of a build, with a :class:`PersonalOptions`
(language, subset of respondents, Dask scheduler) in ``options.personal``.
Output: ``personal/<respondent id>.pdf`` under the output folder for every respondent selected,
each listed in ``manifest.json`` (edition ``personal``, its respondent id, language, theme,
pages, bytes, sha256), and a :class:`~report.build.BuildResult` with the counts and timings.

    inputs (validated once) → spec (data/personal.yaml) → population (benchmarks and the score's
    distribution, once) → practice texts (each language's document, once) → shared state
    → plan (skip what is done) → render on warm workers (local pool or Dask) → write each report
    as it arrives → manifest

Nothing unchanged is redone: each report's key hashes the shared state (every benchmark, the
spec, the practice texts, the strings, the theme, the templates, styles and fonts, the code and
its dependencies' versions) with the respondent's own answers and language; a report whose key
was recorded (in :mod:`report.cache`) with the sha256 of the file now on disk is skipped. Each
report is written atomically as soon as it is rendered and recorded at once, and the manifest is
rewritten every few seconds and at the end (also after an interruption), so a run that is
interrupted or killed resumes where it stopped. A report that fails is reported with its
respondent's id; the others are written, and the build then fails (exit status 1) naming every
failure.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import pickle
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import LANGUAGES
from . import cache as cachelib
from .diagnostics import Diagnostics
from .errors import ConfigError, RenderError, ReportError

EDITION = "personal"
FOLDER = "personal"
SPEC_FILE = "personal.yaml"
DEFAULT_LANG = "fr"
LANG_COLUMN = "lang"  # a column of the responses that names each enterprise's language, if any
MANIFEST_EVERY = 5.0  # seconds between two rewrites of the manifest during a run

Progress = Callable[[str, str], None]


@dataclass(frozen=True)
class PersonalOptions:
    lang: str | None = None  # None: the responses' `lang` column when there is one, else French
    respondents: tuple[str, ...] = ()  # only these ids (all when empty)
    limit: int | None = None  # only the first N (in the survey's order) of those
    scheduler: str | None = None  # a Dask scheduler's address; None: a local process pool


@dataclass
class Plan:
    todo: list[Any]  # Respondents to render
    done: list[dict[str, Any]]  # manifest entries of reports already up to date
    keys: dict[str, str]  # respondent id → report key


# -- preparing ----------------------------------------------------------------------------------
def language_chooser(personal: PersonalOptions) -> Callable[[dict[str, Any]], str]:
    """Which language a respondent's report is in: the option, else its ``lang`` answer, else
    French."""

    def choose(answers: dict[str, Any]) -> str:
        if personal.lang is not None:
            return personal.lang
        value = answers.get(LANG_COLUMN)
        return str(value) if value in LANGUAGES else DEFAULT_LANG

    return choose


def select(respondents: list[Any], personal: PersonalOptions) -> list[Any]:
    """The respondents asked for (``--respondents``, then ``--limit``), in the survey's order."""
    if personal.respondents:
        known = {r.id for r in respondents}
        unknown = [i for i in personal.respondents if i not in known]
        if unknown:
            import difflib

            raise ConfigError(
                f"no respondent with id {', '.join(unknown)} in the survey",
                value=unknown[0],
                hint=(f"did you mean {difflib.get_close_matches(unknown[0], known, 1)[0]!r}?"
                      if difflib.get_close_matches(unknown[0], known, 1)
                      else "ids are the first column of data/survey/responses.csv"))
        wanted = set(personal.respondents)
        respondents = [r for r in respondents if r.id in wanted]
    if personal.limit is not None:
        respondents = respondents[:max(0, personal.limit)]
    return respondents


def shared_digest(shared: Any, assets: str) -> str:
    """A content hash of the shared state: what every report's key starts from."""
    from .personal_render import Shared

    fields = {f.name: getattr(shared, f.name) for f in dataclasses.fields(Shared)
              if f.name not in ("digest", "codebook", "theme", "strings", "population",
                                "cache_dir", "paths")}
    pop = shared.population
    estimates = sorted([[*map(str, key), dataclasses.asdict(value)]
                        for key, value in pop.estimates.items()], key=lambda e: e[:4])
    theme = shared.theme
    blob = json.dumps({
        "fields": fields, "estimates": estimates,
        "distribution": dataclasses.asdict(pop.distribution), "n": pop.n,
        "strings": {lang: {k: s[k] for k in sorted(s.keys())}
                    for lang, s in shared.strings.items()},
        "theme": [theme.name, theme.css(), theme.overrides_css, theme.label, theme.cover_line,
                  str(theme.logo)],
        "codebook": hashlib.sha256((shared.paths.survey / "codebook.yaml").read_bytes()
                                   ).hexdigest(),
        "assets": assets,
    }, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def prepare(options: Any, diag: Diagnostics, progress: Progress
            ) -> tuple[Any, bytes, str, list[Any]] | None:
    """Validate the inputs and make the shared state: (shared, its pickle, the asset digest, every
    respondent); None when an input has a problem (each one recorded in ``diag``)."""
    from .build import BuildOptions, assemble, few_collections, validate_inputs
    from .bulk import asset_digest
    from .personal_model import population, respondents
    from .personal_render import Shared, practice_texts
    from .personal_spec import load_spec

    personal = options.personal or PersonalOptions()
    with few_collections():
        inputs = validate_inputs(dataclasses.replace(options, languages=LANGUAGES,
                                                     editions=("screen",)), diag, progress)
        if inputs is None:
            return None
        config = inputs.config
        progress("personal", f"reading data/{SPEC_FILE}")
        spec = load_spec(config.paths.data / SPEC_FILE, inputs.stats.codebook, config.structure,
                         inputs.content, config.strings, diag, root=config.paths.root)
        if spec is None:
            return None
        progress("personal", "benchmarks of every peer group and the maturity score's "
                 "distribution")
        pop = population(spec, inputs.stats)
        people = respondents(inputs.stats, language_chooser(personal))
        languages = tuple(lang for lang in LANGUAGES
                          if any(r.lang == lang for r in select(people, personal)))
        practices, chapters = {}, {}
        for lang in languages:
            progress("personal", f"{lang}: the practice texts of chapter 3")
            practices[lang], chapters[lang] = practice_texts(assemble(inputs, lang, {}), spec)
        assets = asset_digest(config.paths, inputs.theme)
        shared = Shared(
            spec=spec, population=pop, codebook=inputs.stats.codebook, theme=inputs.theme,
            strings={lang: config.strings[lang] for lang in languages}, paths=config.paths,
            title=dict(config.title), publisher=config.publisher, date=config.date,
            page_size=config.page_size, design_n=inputs.stats.design.n,
            design_N=inputs.stats.design.N, practices=practices, chapter=chapters,
            strict=diag.strict, cache_dir=options.cache_dir, digest="")
        shared = dataclasses.replace(shared, digest=shared_digest(shared, assets))
    assert isinstance(options, BuildOptions)
    return shared, pickle.dumps(shared, protocol=pickle.HIGHEST_PROTOCOL), assets, people


# What the cache keeps of a report written (checked on every read: report.cache).
RECORD: dict[str, Any] = {"sha256": cachelib.SHA256, "entry": {
    "lang": str, "edition": str, "theme": str, "respondent": str, "pages": int, "bytes": int,
    "sha256": cachelib.SHA256, "path": re.compile(rf"{FOLDER}/[A-Za-z0-9_][A-Za-z0-9._-]*\.pdf")}}


def report_key(shared: Any, respondent: Any, theme: str) -> str:
    answers = json.dumps([respondent.id, respondent.lang, theme, respondent.answers],
                         sort_keys=True, default=str)
    return cachelib.key(EDITION, shared.digest, answers)


def plan(shared: Any, chosen: list[Any], out_dir: Path, cache: cachelib.Cache, theme: str
         ) -> Plan:
    """Which reports to render: those whose key has no record matching the file on disk."""
    todo, done, keys = [], [], {}
    for respondent in chosen:
        key = report_key(shared, respondent, theme)
        keys[respondent.id] = key
        record = cache.get_json("personal", key, RECORD)
        path = out_dir / output_path(respondent.id)
        if record is not None and _same_file(path, record.get("sha256")):
            done.append(record["entry"])
        else:
            todo.append(respondent)
    return Plan(todo, done, keys)


def _same_file(path: Path, sha256: Any) -> bool:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == sha256
    except OSError:
        return False


def output_path(respondent: str) -> str:
    """Where a report goes, relative to the output folder: named by the respondent's id only."""
    return f"{FOLDER}/{respondent}.pdf"


# -- the build ----------------------------------------------------------------------------------
def build_personal(options: Any, diag: Diagnostics, progress: Progress) -> Any:
    """Build the personal edition: the table of contents of its pipeline. Every problem goes to
    ``diag``; a report that fails is recorded there with its respondent's id, and the others are
    written before the build fails."""
    from .build import BuildResult
    from .output import atomic_write, remove_stale_temporaries, update_manifest

    result = BuildResult()
    started = time.perf_counter()
    personal = options.personal or PersonalOptions()
    prepared_state = prepare(options, diag, progress)
    diag.raise_if_errors("the inputs have problems")
    assert prepared_state is not None
    shared, blob, assets, people = prepared_state
    chosen = select(people, personal)
    result.timings["prepare"] = (prepared := time.perf_counter()) - started
    cache = cachelib.Cache(options.cache_dir, Diagnostics())  # damaged entries: never an error
    work = plan(shared, chosen, options.out_dir, cache, options.theme)
    diag.merge(cache.diag)
    folder = options.out_dir / FOLDER
    remove_stale_temporaries(folder, [Path(output_path(r.id)).name for r in work.todo])
    entries: list[dict[str, Any]] = list(work.done)
    failures: list[ReportError] = []
    written: list[dict[str, Any]] = []
    progress("personal", f"{len(chosen)} reports: {len(work.done)} up to date, "
             f"{len(work.todo)} to render "
             + (f"on the Dask cluster at {personal.scheduler}" if personal.scheduler
                else f"on {options.workers} local worker{'s' if options.workers > 1 else ''}"))
    last_manifest = time.monotonic()

    def flush() -> None:
        """Rewrite the manifest with the reports written so far (so a killed run's are listed)."""
        nonlocal last_manifest
        entries.extend(written)
        written.clear()
        update_manifest(entries, options.out_dir)
        last_manifest = time.monotonic()

    bar = _Bar(len(work.todo))

    def on_result(outcome: Any) -> None:
        from .personal_render import Failed

        if isinstance(outcome, Failed):
            failures.append(RenderError(f"the report of respondent {outcome.respondent} failed: "
                                        f"{outcome.message}", value=outcome.respondent))
            logging.getLogger("report").error("respondent %s: %s", outcome.respondent,
                                              outcome.message)
            bar.advance(failed=True)
            return
        path = output_path(outcome.respondent)
        atomic_write(options.out_dir / path, outcome.data)
        entry = {"lang": outcome.lang, "edition": EDITION, "theme": options.theme,
                 "respondent": outcome.respondent, "path": path, "pages": outcome.pages,
                 "bytes": len(outcome.data),
                 "sha256": hashlib.sha256(outcome.data).hexdigest()}
        cache.put_json("personal", work.keys[outcome.respondent],
                       {"sha256": entry["sha256"], "entry": entry})
        written.append(entry)
        result.rendered.append(f"personal {outcome.respondent}")
        for warning in outcome.warnings:
            diag.warn(f"{outcome.respondent}: {warning}")
        bar.advance()
        if time.monotonic() - last_manifest > MANIFEST_EVERY:
            flush()

    try:
        with bar:
            if work.todo and personal.scheduler:
                from .bulk import run_dask

                run_dask(personal.scheduler, blob, assets, work.todo, on_result)
            elif work.todo:
                from .bulk import run_local

                run_local(blob, work.todo, on_result, workers=max(1, options.workers))
    except KeyboardInterrupt:
        progress("interrupted", f"{bar.done} reports of {len(work.todo)} written; run the same "
                 "command again to render the rest")
        raise
    finally:
        flush()
    result.reused += [f"personal {e['respondent']}" for e in work.done]
    result.timings["render (wall)"] = time.perf_counter() - prepared
    result.timings["total"] = time.perf_counter() - started
    rendered = len(work.todo) - len(failures)
    minutes = result.timings["render (wall)"] / 60
    progress("personal", f"{rendered} rendered, {len(work.done)} up to date, "
             f"{len(failures)} failed"
             + (f"; {rendered / minutes:.0f} reports per minute" if rendered and minutes else ""))
    for failure in failures:
        diag.error(failure)
    diag.raise_if_errors(f"{len(failures)} of {len(chosen)} personal reports failed (the others "
                         "are written)")
    return result


class _Bar:
    """A progress bar on an interactive terminal (rich), quiet otherwise."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _Bar:
        if self.total and sys.stderr.isatty() and \
                logging.getLogger("report").isEnabledFor(logging.INFO):
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(TextColumn("personal reports"), BarColumn(),
                                      MofNCompleteColumn(), TimeElapsedColumn(),
                                      TimeRemainingColumn(), TextColumn("{task.fields[rate]}"),
                                      console=Console(stderr=True), transient=False)
            self._progress.start()
            self._task = self._progress.add_task("render", total=self.total, rate="")
            self._started = time.perf_counter()
        return self

    def advance(self, failed: bool = False) -> None:
        self.done += 1
        self.failed += failed
        if self._progress is not None:
            elapsed = time.perf_counter() - self._started
            rate = f"{self.done / elapsed * 60:.0f}/min" if elapsed > 0 else ""
            if self.failed:
                rate += f", {self.failed} failed"
            self._progress.update(self._task, advance=1, rate=rate)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def check_personal(options: Any, diag: Diagnostics, progress: Progress) -> Any:
    """``--check --edition personal``: every input as ``--check`` checks it, then
    data/personal.yaml against them; every problem raised at once, nothing rendered."""
    from .build import BuildResult
    from .check import check_all

    check_all(options, diag, progress)
    if diag.ok:
        with diag.collecting():
            prepare(options, diag, progress)
    diag.raise_if_errors("the inputs have problems")
    return BuildResult()
