"""Refresh the lock files from pyproject.toml, install them, and run the tests.

    .venv/bin/python tools/lock.py              # after adding or changing a dependency
    .venv/bin/python tools/lock.py --upgrade    # move every package to its newest allowed version
    .venv/bin/python tools/lock.py --check      # fail if the lock files are out of date

Writes ``requirements/test.txt`` (the runtime and the test dependencies) and
``requirements/build.txt`` (the runtime ones, at the same versions), each package pinned with the
hashes of its files, for every platform and Python ≥ 3.11 (``uv pip compile --universal``), then
installs the test lock into this virtual environment (``tools/bootstrap.py --tests``) and runs the
test suite (``--no-tests`` to skip it). Versions already locked are kept unless pyproject.toml no
longer allows them or ``--upgrade`` is given, so that a new dependency changes only what it needs.

The resolver is uv, pinned here and installed into this virtual environment if it is missing;
``pip`` alone then installs the locks (tools/bootstrap.py), so building needs no uv.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UV = "uv==0.13.9"
PYTHON = "3.11"  # the oldest Python pyproject.toml allows: the lock holds for it and later ones
LOCKS = {"test": ROOT / "requirements" / "test.txt", "build": ROOT / "requirements" / "build.txt"}
HEADER = "python tools/lock.py"


def _uv() -> list[str]:
    command = [sys.executable, "-m", "uv"]
    if subprocess.run([*command, "--version"], capture_output=True).returncode != 0:
        print(f"lock: installing {UV} into {sys.prefix}", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-cache-dir",
                        "--disable-pip-version-check", UV], check=True)
    return command


def compile_locks(folder: Path, upgrade: bool) -> None:
    """Write both lock files into ``folder`` (the test lock first: the build lock follows it)."""
    uv = _uv()
    common = ["pip", "compile", "pyproject.toml", "--universal", "--python-version", PYTHON,
              "--generate-hashes", "--no-cache", "--quiet", "--custom-compile-command", HEADER]
    test, build = folder / LOCKS["test"].name, folder / LOCKS["build"].name
    for kind, target in (("test", test), ("build", build)):
        current = LOCKS[kind]
        if current.is_file() and target != current:
            target.write_bytes(current.read_bytes())  # uv keeps the versions it finds there
    subprocess.run([*uv, *common, "--extra", "test", *(["--upgrade"] if upgrade else []),
                    "-o", str(test)], cwd=ROOT, check=True)
    # The runtime dependencies at the versions the test lock chose.
    subprocess.run([*uv, *common, "--constraints", str(test), "-o", str(build)], cwd=ROOT,
                   check=True)


def _pins(lock: Path) -> list[str]:
    """A lock file's requirements and hashes, without its comments (which name where it was
    compiled)."""
    return [line for line in lock.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/lock.py", description=__doc__.split("\n")[0])
    parser.add_argument("--upgrade", action="store_true",
                        help="newest allowed versions instead of the locked ones")
    parser.add_argument("--check", action="store_true",
                        help="only say whether the locks match pyproject.toml (exit 1 if not)")
    parser.add_argument("--no-tests", action="store_true", help="install, but do not run the tests")
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory(prefix="es20-lock-") as tmp:
            compile_locks(Path(tmp), upgrade=False)
            stale = [path.relative_to(ROOT) for path in LOCKS.values()
                     if not path.is_file() or _pins(path) != _pins(Path(tmp) / path.name)]
        if stale:
            print(f"lock: out of date: {', '.join(map(str, stale))}; run python tools/lock.py",
                  file=sys.stderr)
            return 1
        print("lock: up to date")
        return 0
    LOCKS["test"].parent.mkdir(exist_ok=True)
    compile_locks(LOCKS["test"].parent, upgrade=args.upgrade)
    print(f"lock: wrote {', '.join(str(p.relative_to(ROOT)) for p in LOCKS.values())}", flush=True)
    if subprocess.run([sys.executable, str(ROOT / "tools" / "bootstrap.py"), "--tests"],
                      cwd=ROOT).returncode != 0:
        return 1
    if args.no_tests:
        return 0
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-x"], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
