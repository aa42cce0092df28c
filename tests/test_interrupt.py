"""Interrupting a build never loses the previous outputs.

Ctrl-C (SIGINT) or a kill at any moment — while the PDFs are laid out, while they are written,
while they are published — leaves the output folder holding either the previous PDFs and manifest,
byte for byte, or the new ones, never a mix or a half-written file; an interrupted build removes its
temporary files, and the temporary files of a build killed outright (SIGKILL) are removed by the next
build.

Real processes are interrupted with real signals (``build.py`` run by a small driver that makes the
PDF engine instant and lets a chosen step wait, so the signal lands exactly there); in-process tests
cover the same moments with ``KeyboardInterrupt`` and failing writes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import report.output
from report.cli import main

ROOT = Path(__file__).resolve().parent.parent
FR, EN = "economie-sociale-2-0-screen.pdf", "social-economy-2-0-screen.pdf"
PREVIOUS = {
    FR: b"%PDF-1.7 previous French edition\n%%EOF\n",
    EN: b"%PDF-1.7 previous English edition\n%%EOF\n",
    "manifest.json": b'{"outputs": []}\n',
}

# A driver around `python build.py`: the PDF engine and the charts are instant; the step named by
# ES20_TEST_WAIT_AT announces itself in the file ES20_TEST_MARKER (once, in whichever process gets
# there first: the build or one of its language workers), then waits for the signal.
DRIVER = textwrap.dedent('''
    import os, sys, time
    from pathlib import Path

    import report.charts, report.output, report.pdf

    wait_at = os.environ["ES20_TEST_WAIT_AT"]
    marker = Path(os.environ["ES20_TEST_MARKER"])

    def arrive(step, seconds=120):
        if step == wait_at and not marker.exists():  # once
            marker.write_text(step)
            time.sleep(seconds)

    def render_chart(data, style, lang, spec=None):
        return report.charts.Chart(data.id, "<svg xmlns='http://www.w3.org/2000/svg'/>", 1, 1,
                                   data.alt)

    def render_pdf(html, *, title, **options):
        arrive("render")
        return report.pdf.RenderedPDF(b"%PDF-1.7 new " + title.encode() + b"\\n%%EOF\\n", 1, ())

    stage = report.output._stage
    def slow_stage(path, data):
        tmp = stage(path, data)
        arrive("write")  # a complete temporary file, not yet published
        return tmp

    replace = os.replace
    def slow_replace(src, dst):
        replace(src, dst)
        arrive("publish", seconds=3)  # signals are held here: the build must complete

    report.charts.render_chart = render_chart
    report.pdf.render_pdf = render_pdf
    report.output._stage = slow_stage
    report.output.os.replace = slow_replace

    if __name__ == "__main__":  # spawned language workers import this file too: same stubs
        from report.cli import main

        sys.exit(main(sys.argv[1:]))
''')


def previous_outputs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in PREVIOUS.items():
        (folder / name).write_bytes(data)
    return folder


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def assert_previous_intact(folder: Path, *, allow_tmp: bool = False) -> None:
    for name, data in PREVIOUS.items():
        assert (folder / name).read_bytes() == data, f"{name} changed"
    others = sorted(p.name for p in folder.iterdir()  # a killed build leaves its lock file too
                    if p.name not in PREVIOUS and not (allow_tmp and (
                        p.name.endswith(".tmp") or p.name == report.output.LOCK)))
    assert others == [], others


def assert_new_outputs(folder: Path, langs: tuple[str, ...] = ("fr", "en")) -> None:
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert sorted(e["lang"] for e in manifest["outputs"]) == sorted(langs)
    for entry in manifest["outputs"]:
        data = (folder / entry["path"]).read_bytes()
        assert data.startswith(b"%PDF-1.7 new "), entry["path"]
        assert len(data) == entry["bytes"]
    assert temporaries(folder) == []
    assert not (folder / report.output.LOCK).exists()


def start(tmp_path: Path, wait_at: str, *args: str) -> tuple[subprocess.Popen[str], Path]:
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER, "utf-8")
    marker = tmp_path / "marker"
    env = {**os.environ, "ES20_TEST_WAIT_AT": wait_at, "ES20_TEST_MARKER": str(marker),
           "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, str(driver), "--no-cache", "--quiet", *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group, like a build started from a terminal
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the build ended before reaching {wait_at!r}:\n{out}\n{err}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the build never reached {wait_at!r}")
        time.sleep(0.05)
    return process, marker


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        _out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _out, err = process.communicate()
        pytest.fail(f"the build did not stop after the signal:\n{err}")
    return process.returncode, err


# -- real processes, real signals ---------------------------------------------------------------
@pytest.mark.parametrize("wait_at", ["render", "write"])
def test_ctrl_c_keeps_the_previous_outputs(tmp_path, wait_at):
    out = previous_outputs(tmp_path / "dist")
    process, _ = start(tmp_path, wait_at, "--out", str(out), "--workers", "1")
    process.send_signal(signal.SIGINT)
    code, err = finish(process)
    assert code == 130, err
    assert "interrupted" in err and "Traceback" not in err, err
    assert_previous_intact(out)


def test_ctrl_c_in_a_terminal_stops_the_parallel_build(tmp_path):
    """A terminal sends Ctrl-C to the whole process group: the build and its worker processes."""
    out = previous_outputs(tmp_path / "dist")
    process, _ = start(tmp_path, "render", "--out", str(out), "--workers", "2")
    time.sleep(0.5)  # let the second worker reach the engine too
    os.killpg(process.pid, signal.SIGINT)
    code, err = finish(process)
    assert code == 130, err
    assert_previous_intact(out)


def test_ctrl_c_while_publishing_completes_the_build(tmp_path):
    """The renames that publish a build are not interrupted: all new files, or (above) all old."""
    out = previous_outputs(tmp_path / "dist")
    process, _ = start(tmp_path, "publish", "--out", str(out), "--workers", "1")
    process.send_signal(signal.SIGINT)
    code, err = finish(process)
    assert code == 0, err
    assert_new_outputs(out)


def test_a_killed_build_loses_nothing_and_the_next_one_cleans_up(tmp_path, monkeypatch):
    out = previous_outputs(tmp_path / "dist")
    process, _ = start(tmp_path, "write", "--out", str(out), "--workers", "1")
    os.killpg(process.pid, signal.SIGKILL)
    finish(process)
    assert_previous_intact(out, allow_tmp=True)
    stale = temporaries(out)
    assert stale and all(name.startswith(f".{FR}.") for name in stale), stale  # fr, mid-write

    stub_engine(monkeypatch)
    assert main(["--out", str(out), "--no-cache", "--quiet", "--workers", "1"]) == 0
    assert_new_outputs(out)


# -- in-process: the same moments, and failing writes -------------------------------------------
def stub_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Instant charts and PDFs: what is tested here is what happens around them."""
    import report.charts
    import report.pdf

    monkeypatch.setattr(report.charts, "render_chart", lambda data, style, lang, spec=None: (
        report.charts.Chart(data.id, "<svg xmlns='http://www.w3.org/2000/svg'/>", 1, 1, data.alt)))
    monkeypatch.setattr(report.pdf, "render_pdf", lambda html, *, title, **options: (
        report.pdf.RenderedPDF(b"%PDF-1.7 new " + title.encode() + b"\n%%EOF\n", 1, ())))


def build(out: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--out", str(out), "--no-cache", "--quiet", "--workers", "1", "--lang", "fr",
                 *args])
    return code, capsys.readouterr().err


def test_interrupt_while_writing_the_second_file(tmp_path, monkeypatch, capsys):
    stub_engine(monkeypatch)
    out = previous_outputs(tmp_path / "dist")
    stage, calls = report.output._stage, []

    def interrupted(path, data):
        calls.append(path)
        if len(calls) == 2:  # the PDF is staged; Ctrl-C arrives while the manifest is written
            raise KeyboardInterrupt
        return stage(path, data)

    monkeypatch.setattr(report.output, "_stage", interrupted)
    code, err = build(out, capsys)
    assert code == 130 and "previous outputs are intact" in err
    assert_previous_intact(out)


@pytest.mark.parametrize("errno_name", ["ENOSPC", "EACCES"])
def test_a_failing_write_is_a_message_and_loses_nothing(tmp_path, monkeypatch, capsys, errno_name):
    import errno

    stub_engine(monkeypatch)
    out = previous_outputs(tmp_path / "dist")
    stage, calls = report.output._stage, []

    def failing(path, data):
        calls.append(path)
        if len(calls) == 2:
            code = getattr(errno, errno_name)
            raise OSError(code, os.strerror(code), str(path))
        return stage(path, data)

    monkeypatch.setattr(report.output, "_stage", failing)
    code, err = build(out, capsys)
    assert code == 1, err
    assert err.startswith("output error: ") and "Traceback" not in err
    assert os.strerror(getattr(errno, errno_name)) in err and "manifest.json" in err
    assert_previous_intact(out)


def test_an_output_folder_that_is_a_file_is_a_message(tmp_path, monkeypatch, capsys):
    stub_engine(monkeypatch)
    out = tmp_path / "dist"
    out.write_bytes(b"not a folder")
    code, err = build(out, capsys)
    assert code == 1 and err.startswith("output error: ") and "dist" in err, err
    assert out.read_bytes() == b"not a folder"


def test_signals_are_held_while_publishing(tmp_path, monkeypatch):
    """SIGINT during the renames: the renames complete, then Ctrl-C works again as before."""
    out = previous_outputs(tmp_path / "dist")
    replace = os.replace

    def replace_then_interrupt(src, dst):
        replace(src, dst)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(report.output.os, "replace", replace_then_interrupt)
    outputs = [report.output.Output("fr", "screen", "default", FR, b"%PDF-1.7 new fr\n", 1),
               report.output.Output("en", "screen", "default", EN, b"%PDF-1.7 new en\n", 1)]
    report.output.write_outputs(outputs, out)  # no KeyboardInterrupt
    monkeypatch.undo()
    assert_new_outputs(out)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_stale_temporaries_of_dead_builds_only_are_removed(tmp_path):
    out = previous_outputs(tmp_path / "dist")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        files = {
            f".{FR}.{dead_pid}.k2j4h5g6.tmp": True,  # a build killed while writing: removed
            f".manifest.json.{dead_pid}.a1b2c3d4.tmp": True,
            f".{EN}.x9y8z7w6.tmp": True,  # the naming of earlier versions (no process id)
            f".{FR}.{alive.pid}.q1w2e3r4.tmp": False,  # a build writing right now: kept
            ".someone-elses.pdf.123.abcdefgh.tmp": False,  # not one of our outputs: kept
            f"{FR}.backup.tmp": False,  # not our pattern: kept
        }
        for name in files:
            (out / name).write_bytes(b"partial")
        removed = report.output.remove_stale_temporaries(out, [FR, EN, "manifest.json"])
        assert sorted(p.name for p in removed) == sorted(n for n, gone in files.items() if gone)
        for name, gone in files.items():
            assert (out / name).exists() != gone, name
    finally:
        alive.kill()
        alive.wait()
