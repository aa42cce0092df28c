"""The command line: exit codes, readable errors without tracebacks, nothing written on failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from report.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_help_documents_the_options():
    done = run("--help")
    assert done.returncode == 0
    for option in ("--lang", "--edition", "--theme", "--out", "--strict", "--check", "--quiet",
                   "--verbose", "--debug"):
        assert option in done.stdout


def test_usage_error_exits_2():
    done = run("--lang", "de")
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_check_validates_without_rendering(tmp_path):
    assert main(["--check", "--quiet", "--out", str(tmp_path)]) == 0
    assert list(tmp_path.iterdir()) == []


def _break_a_csv_cell(project: Path) -> None:
    path = project / "data" / "survey" / "responses.csv"
    lines = path.read_text("utf-8").splitlines()
    header = lines[0].split(",")
    column = header.index("legal_form")
    cells = lines[3].split(",")
    cells[column] = "corporation"
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", "utf-8")


@pytest.mark.parametrize("debug", [False, True])
def test_build_error_is_one_readable_message(project, tmp_path, debug):
    _break_a_csv_cell(project)
    out = tmp_path / "out"
    out.mkdir()
    (out / "previous.pdf").write_bytes(b"%PDF-previous")
    args = ["--root", str(project), "--out", str(out), "--check"]
    done = run(*args, *(["--debug"] if debug else []))
    assert done.returncode == 1
    if debug:
        assert "Traceback" in done.stderr
        return
    assert "Traceback" not in done.stderr
    assert "responses.csv" in done.stderr and "legal_form" in done.stderr
    assert "corporation" in done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["previous.pdf"]
    assert (out / "previous.pdf").read_bytes() == b"%PDF-previous"


def test_content_error_names_file_and_line(project, tmp_path):
    page = project / "data" / "content" / "en" / "conclusion.md"
    text = page.read_text("utf-8")
    page.write_text(text + "\nA figure that does not exist: {{stat no_such_variable}}.\n", "utf-8")
    done = run("--root", str(project), "--out", str(tmp_path), "--check")
    assert done.returncode == 1
    line = text.count("\n") + 2
    assert f"conclusion.md:{line}" in done.stderr
    assert "no_such_variable" in done.stderr


def test_strict_alone_fails_on_an_engine_warning_in_every_process(project, tmp_path):
    """An engine warning (here an unknown CSS property in a template's inline style, which only
    the engine sees, while laying out) fails ``--strict`` without ``--verbose``, in the build
    process and in its worker alike; a draft build only reports it."""
    cover = project / "templates" / "cover.html"
    text = cover.read_text(encoding="utf-8")
    cover.write_text(text.replace('<section class="cover" id="cover"',
                                  '<section class="cover" id="cover" style="colr: red"'),
                     encoding="utf-8")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "--root", str(project),
                           "--out", str(out), "--strict", "--quiet", "--no-cache",
                           "--workers", "2"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    for lang in ("fr", "en"):  # one language in this process, the other in the worker
        assert f"{lang} screen: Ignored `colr: red`" in done.stderr, done.stderr
    assert "fatal under --strict" in done.stderr
    assert not out.exists()
