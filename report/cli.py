"""The command line: parse options, run the pipeline, report progress and errors.

Input: the arguments of ``python build.py`` (see ``--help``).
Output: an exit status: 0 on success, 1 on a build error (printed as one readable message naming the
file, line or row and what to do, without a traceback unless ``--debug``), 2 on a usage error.
Progress is shown per stage and edition: with rich on a terminal, as plain log lines otherwise.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from pathlib import Path

from . import LANGUAGES
from .build import BuildOptions, BuildResult, build, exit_without_collecting
from .cache import default_cache_dir
from .diagnostics import Diagnostics
from .errors import ReportError, summarise

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("report")


def timing_line(stage: str, seconds: float) -> str:
    """How ``--verbose`` prints the time of one step (``report.bench`` reads these lines)."""
    return f"{stage:22s} {seconds:6.2f} s"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python build.py",
        description="Build «Économie sociale 2.0 : Cap vers le numérique» from its survey data "
        "and content: French and English PDFs in dist/, with dist/manifest.json.",
        epilog="python build.py serve: serve the web edition on this machine and rebuild it on "
        "save (serve --help). Exit status: 0 success, 1 build error (the message names the file "
        "and line), 2 usage error.",
    )
    p.add_argument("--lang", choices=[*LANGUAGES, "all"], default=None,
                   help="language to build (default: all; personal reports: each enterprise's "
                   "own, French when the survey does not say)")
    p.add_argument("--edition", choices=["screen", "print", "bilingual", "web", "all",
                                         "personal"],
                   default="screen",
                   help="screen (tagged PDF/UA), print (PDF/X-4 with bleed and crop marks), "
                   "bilingual (one screen PDF, French then English), web (a static site in "
                   "web/, both languages), all of these, or personal (one benchmark report per "
                   "respondent, in personal/) (default: screen)")
    p.add_argument("--respondents", metavar="ID,ID", default=None,
                   help="personal edition: only these respondents")
    p.add_argument("--limit", type=int, metavar="N", default=None,
                   help="personal edition: only the first N respondents")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="personal edition: render on this Dask cluster (e.g. "
                   "tcp://127.0.0.1:8786) instead of local processes")
    p.add_argument("--theme", default="default", metavar="NAME",
                   help="theme folder under themes/ (default: the house style)")
    p.add_argument("--new-theme", metavar="NAME",
                   help="create themes/NAME/ from the house style, with every key explained, "
                   "and say what to edit next (builds nothing)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="output folder (default: dist/ in the project)")
    p.add_argument("--strict", action="store_true",
                   help="fail on any warning: the engine's, an unreadable resource, a layout "
                   "problem")
    p.add_argument("--release", action="store_true",
                   help="fail on what must not be published: placeholders (ISBNs, logos), a "
                   "missing back cover or address, and every editorial check")
    p.add_argument("--check", action="store_true",
                   help="validate every input and report every problem, without rendering PDFs")
    p.add_argument("--no-cache", action="store_true",
                   help="rebuild everything and keep nothing (the cache lives in .cache/, or in "
                   "$ES20_CACHE_DIR; delete it at any time)")
    p.add_argument("--workers", type=int, default=2, metavar="N",
                   help="processes that render languages in parallel (default: 2)")
    p.add_argument("--root", type=Path, default=None,
                   help="the project folder (default: the folder of build.py)")
    verbosity = p.add_mutually_exclusive_group()
    verbosity.add_argument("--quiet", "-q", action="store_true", help="print errors only")
    verbosity.add_argument("--verbose", "-v", action="store_true",
                           help="print every step and timing")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    return p


def _options(args: argparse.Namespace) -> BuildOptions:
    languages = LANGUAGES if args.lang in (None, "all") else (args.lang,)
    editions = ("screen", "print", "bilingual", "web") if args.edition == "all" \
        else (args.edition,)
    personal = None
    if args.edition == "personal":
        from .personal import PersonalOptions

        personal = PersonalOptions(
            lang=args.lang if args.lang in LANGUAGES else None, limit=args.limit,
            respondents=tuple(i.strip() for i in (args.respondents or "").split(",") if i.strip()),
            scheduler=args.scheduler)
    root = args.root.resolve()
    out = args.out if args.out is not None else root / "dist"
    return BuildOptions(root=root, out_dir=out.resolve(),
                        languages=languages, editions=editions, theme=args.theme,
                        cache_dir=None if args.no_cache else default_cache_dir(root),
                        workers=max(1, args.workers), personal=personal)


def _diagnostics(args: argparse.Namespace) -> Diagnostics:
    return Diagnostics(strict=args.strict, check_only=args.check, release=args.release)


def _summary(result: BuildResult, started: float) -> list[str]:
    lines = []
    for o in result.outputs:
        if o.edition != "web":
            lines.append(f"  {o.filename}: {o.pages} pages, {len(o.data) / 1e6:.1f} MB")
    web = [o for o in result.outputs if o.edition == "web"]
    if web:
        lines.append(f"  {web[0].filename.split('/')[0]}/: {len(web)} files, "
                     f"{sum(len(o.data) for o in web) / 1e6:.1f} MB")
    lines.append(f"built in {time.perf_counter() - started:.1f} s")
    return lines


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM ends a build like Ctrl-C: temporary files are removed, old outputs kept."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    """Run the command line; ``root`` is the project folder unless ``--root`` says otherwise."""
    if argv is None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)  # the real command line, not a test calling main
        exit_without_collecting()
    words = sys.argv[1:] if argv is None else argv
    if words[:1] == ["serve"]:  # the authors' server: its own options (serve --help)
        from .web.serve import main as serve

        return serve(words[1:], root)
    p = parser()
    args = p.parse_args(argv)
    if args.edition != "personal" and (args.respondents or args.limit is not None
                                       or args.scheduler):
        p.error("--respondents, --limit and --scheduler go with --edition personal")
    if args.root is None:
        args.root = root
    if args.new_theme:  # scaffolding, not a build
        from .newtheme import create_theme, next_steps

        try:
            create_theme(args.root.resolve(), args.new_theme)
        except ReportError as exc:
            print(f"{exc.kind}: {exc}", file=sys.stderr)
            return 1
        print(next_steps(args.new_theme))
        return 0
    level = logging.ERROR if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    interactive = sys.stderr.isatty() and not args.quiet
    if interactive:
        from rich.logging import RichHandler

        handler: logging.Handler = RichHandler(show_path=False, show_time=False,
                                               markup=False, rich_tracebacks=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False
    # The engines' own loggers print nothing: what they say is recorded by the build's
    # diagnostics (report.diagnostics), whatever the verbosity, and printed with its warnings.
    for engine in ("weasyprint", "fontTools"):
        logging.getLogger(engine).propagate = False

    def progress(stage: str, detail: str) -> None:
        log.info("%-13s %s", stage, detail)

    started = time.perf_counter()
    diag = _diagnostics(args)
    try:
        result = build(_options(args), diag, progress)
    except ReportError as exc:
        if args.debug:
            raise
        print(f"{exc.kind}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was written, the previous outputs are intact", file=sys.stderr)
        return 130
    for line in summarise(diag.warnings):
        log.warning("%s", line)
    if args.verbose:
        if result.engine:
            log.debug("engine: %s", result.engine)
        for stage, seconds in result.timings.items():
            log.debug("%s", timing_line(stage, seconds))
    if args.check:
        log.info("check passed: every input is valid")
        return 0
    if result.up_to_date:
        log.info("up to date (%.2f s)", time.perf_counter() - started)
        return 0
    if result.reused:
        log.info("reused from the cache: %s", ", ".join(result.reused) if len(result.reused) <= 8
                 else f"{len(result.reused)} outputs")
    for line in _summary(result, started):
        log.info("%s", line)
    return 0
