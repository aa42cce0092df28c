"""Benchmark of the personal edition: ``python -m report.bench_personal [--reports N]``.

Input: the project (copied to a temporary folder; ``dist/`` and ``.cache/`` stay untouched), and
optionally ``--population N`` to simulate a survey of N respondents with the data generator first.
Output: figures printed to the terminal (nothing is asserted), each from a cold cache:

* the naive loop: ``python build.py --edition personal --respondents ID`` run once per enterprise
  (``--naive`` enterprises), in reports per minute;
* the local pool with one worker, then two, on ``--reports`` enterprises: reports per minute, and
  the speed-up from one worker to two;
* the same on a Dask cluster started here (a scheduler and one, then two, single-threaded workers
  on 127.0.0.1), unless ``--no-dask``;
* the time to prepare (validate, statistics, benchmarks, practice texts) and the peak memory of
  the parent and of the largest worker.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .bench import copy_project

ROOT = Path(__file__).resolve().parent.parent
DASK = str(Path(sys.executable).parent / "dask")  # the command line of the same environment


def _run(root: Path, out: Path, *args: str) -> tuple[float, dict]:
    """One build in a fresh process: (wall seconds, the timings it printed)."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, str(root / "build.py"), "--edition", "personal",
                           "--out", str(out), "--no-cache", "--verbose", *args],
                          capture_output=True, text=True, cwd=root, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"build failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    timings = {}
    for line in proc.stderr.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "DEBUG" and parts[-1] == "s":
            timings[" ".join(parts[1:-2])] = float(parts[-2])
    return wall, timings


def _ids(root: Path, count: int) -> list[str]:
    import csv

    with (root / "data" / "survey" / "responses.csv").open(encoding="utf-8") as handle:
        return [row["id"] for _, row in zip(range(count), csv.DictReader(handle), strict=False)]


def _dask(root: Path, out: Path, workers: int, ids: list[str]) -> tuple[float, dict]:
    """A scheduler and ``workers`` single-threaded workers on 127.0.0.1, then one build."""
    procs = []
    port = 18786 + workers
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        procs.append(subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port",
                                       str(port), "--dashboard-address", ":0"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      env=env))
        time.sleep(2)
        procs.append(subprocess.Popen([DASK, "worker", address, "--nworkers", str(workers),
                                       "--nthreads", "1", "--no-dashboard"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      env=env, cwd=root))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=60)
        return _run(root, out, "--scheduler", address, "--respondents", ",".join(ids))
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m report.bench_personal",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=40,
                        help="enterprises per pool or cluster run (default: 40)")
    parser.add_argument("--naive", type=int, default=4,
                        help="enterprises rendered by the naive loop (default: 4)")
    parser.add_argument("--population", type=int, default=None, metavar="N",
                        help="simulate a survey of N respondents first (data/survey/generate.py)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask runs")
    args = parser.parse_args(argv)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="es20-bench-personal-") as tmp:
        root = copy_project(Path(tmp) / "project")
        if args.population:
            started = time.perf_counter()
            subprocess.run([sys.executable, str(ROOT / "data" / "survey" / "generate.py"),
                            "--respondents", str(args.population), "--out",
                            str(root / "data" / "survey")], check=True,
                           stdout=subprocess.DEVNULL)
            print(f"simulated population: {args.population} respondents "
                  f"({time.perf_counter() - started:.1f} s)")
        ids = _ids(root, max(args.reports, args.naive))
        out = Path(tmp) / "out"
        rows: list[tuple[str, int, float, float, dict[str, float] | None]] = []

        def rate(count: int, seconds: float) -> float:
            return count / seconds * 60

        started = time.perf_counter()
        for ident in ids[:args.naive]:
            _run(root, out / "naive", "--respondents", ident)
        naive = time.perf_counter() - started
        rows.append(("naive loop (one command per enterprise)", args.naive, naive,
                     rate(args.naive, naive), None))
        pool: dict[int, float] = {}
        for workers in (1, 2):
            wall, timings = _run(root, out / f"pool{workers}", "--workers", str(workers),
                                 "--respondents", ",".join(ids[:args.reports]))
            pool[workers] = wall
            rows.append((f"local pool, {workers} worker{'s' if workers > 1 else ''}",
                         args.reports, wall, rate(args.reports, wall), timings))
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        cluster: dict[int, float] = {}
        if not args.no_dask:
            for workers in (1, 2):
                wall, timings = _dask(root, out / f"dask{workers}", workers, ids[:args.reports])
                cluster[workers] = wall
                rows.append((f"Dask cluster, {workers} worker{'s' if workers > 1 else ''}",
                             args.reports, wall, rate(args.reports, wall), timings))
        print(f"\n{'run':44s} {'reports':>7s} {'wall':>8s} {'per min':>8s} {'prepare':>8s} "
              f"{'render':>8s}")
        for name, count, wall, per_minute, printed in rows:
            prep = f"{printed.get('prepare', 0):7.1f}s" if printed else ""
            render = f"{printed.get('render (wall)', 0):7.1f}s" if printed else ""
            print(f"{name:44s} {count:7d} {wall:7.1f}s {per_minute:8.1f} {prep:>8s} {render:>8s}")
        per_naive = rate(args.naive, naive)
        print(f"\nlocal pool, 2 workers vs the naive loop: "
              f"{rate(args.reports, pool[2]) / per_naive:.1f}× the reports per minute")
        print(f"speed-up from one worker to two: local pool {pool[1] / pool[2]:.2f}×"
              + (f", Dask {cluster[1] / cluster[2]:.2f}×" if cluster else ""))
        print(f"peak memory of the largest child process (a build or a worker): "
              f"{children:.0f} MiB")
        print(json.dumps({"naive_per_min": per_naive,
                          "pool": {k: rate(args.reports, v) for k, v in pool.items()},
                          "dask": {k: rate(args.reports, v) for k, v in cluster.items()}}))


if __name__ == "__main__":
    main()
