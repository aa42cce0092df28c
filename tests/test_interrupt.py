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

import hashlib
import json
import os
import re
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
# there first: the build or one of its language workers), with the id of the process that waits
# there, then waits for the signal. The steps «worker-…» are reached in a language worker only:
# while it starts (importing this file, as spawned workers import their parent's main module;
# then running its initializer) and while it renders.
DRIVER = textwrap.dedent('''
    import multiprocessing, os, sys, time
    from pathlib import Path

    import report.build, report.charts, report.output, report.pdf

    wait_at = os.environ["ES20_TEST_WAIT_AT"]
    marker = Path(os.environ["ES20_TEST_MARKER"])

    def arrive(step, seconds=120):
        if step == wait_at and not marker.exists():  # once
            marker.write_text(f"{step} {os.getpid()}")
            time.sleep(seconds)

    if __name__ == "__mp_main__":
        arrive("worker-start")

    def render_chart(data, style, lang, spec=None):
        return report.charts.Chart(data.id, "<svg xmlns='http://www.w3.org/2000/svg'/>", 1, 1,
                                   data.alt)

    def render_pdf(html, *, title, **options):
        arrive("render")
        if multiprocessing.parent_process() is not None:
            arrive("worker-render")
        return report.pdf.RenderedPDF(b"%PDF-1.7 new " + title.encode() + b"\\n%%EOF\\n", 1, ())

    warm = report.build._warm_worker
    def slow_warm():
        arrive("worker-warm")
        warm()
    report.build._warm_worker = slow_warm

    stage = report.output._stage
    def slow_stage(path, data):
        tmp = stage(path, data)
        arrive("write")  # a complete temporary file, not yet published
        return tmp

    replace = os.replace
    def slow_replace(src, dst):
        replace(src, dst)
        arrive("publish", seconds=3)  # signals are held here: the build must complete
        if str(dst).endswith(".pdf"):
            arrive("publish-pdf")  # between two renames of the outputs

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


def start(tmp_path: Path, wait_at: str, *args: str, quiet: bool = True,
          stderr: object = subprocess.PIPE) -> tuple[subprocess.Popen[str], Path]:
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER, "utf-8")
    marker = tmp_path / "marker"
    env = {**os.environ, "ES20_TEST_WAIT_AT": wait_at, "ES20_TEST_MARKER": str(marker),
           "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, str(driver), "--no-cache", *(["--quiet"] if quiet else []), *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True,
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


# -- worker processes: they die with the build, a dead worker is a message ----------------------
def waiting_process(marker: Path) -> int:
    """The process that announced itself in the marker (step, then process id)."""
    return int(marker.read_text().split()[1])


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie (an orphan's zombie waits for init)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def gone_soon(pid: int, limit: float = 30.0) -> bool:
    """Whether the process ends within ``limit`` seconds (a bound on the wait, not a measure:
    a worker left alive would sleep 120 s in the driver, then wait for work for good)."""
    deadline = time.monotonic() + limit
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_worker_dies_when_its_build_is_killed(tmp_path):
    """kill -9 (or the out-of-memory killer) on the build: its worker does not live on."""
    out = previous_outputs(tmp_path / "dist")
    process, marker = start(tmp_path, "worker-render", "--out", str(out), "--workers", "2")
    worker = waiting_process(marker)
    assert worker != process.pid and alive(worker)
    os.kill(process.pid, signal.SIGKILL)  # the build alone, not its process group
    finish(process)
    try:
        assert gone_soon(worker), "the worker outlived its build"
    finally:
        if alive(worker):
            os.kill(worker, signal.SIGKILL)
    assert_previous_intact(out, allow_tmp=True)


def test_a_killed_worker_is_a_message_not_a_traceback(tmp_path):
    out = previous_outputs(tmp_path / "dist")
    process, marker = start(tmp_path, "worker-render", "--out", str(out), "--workers", "2")
    worker = waiting_process(marker)
    os.kill(worker, signal.SIGKILL)
    code, err = finish(process)
    assert code == 1, err
    assert "Traceback" not in err and "BrokenProcessPool" not in err, err
    assert re.match(r"render error: the worker process for the (fr|en) editions died \(process "
                    rf"{worker} killed by SIGKILL\) → the system may have run out of memory",
                    err), err
    assert "--workers 1" in err
    assert_previous_intact(out)


@pytest.mark.parametrize("wait_at", ["worker-start", "worker-warm"])
def test_ctrl_c_while_a_worker_starts_prints_no_traceback(tmp_path, wait_at):
    """Ctrl-C in a terminal reaches the worker too, while it imports the parent's main module
    («worker-start») or runs its initializer («worker-warm»): one message, from the build."""
    out = previous_outputs(tmp_path / "dist")
    process, marker = start(tmp_path, wait_at, "--out", str(out), "--workers", "2")
    worker = waiting_process(marker)
    os.killpg(process.pid, signal.SIGINT)
    code, err = finish(process)
    assert code == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip() == "interrupted: nothing was written, the previous outputs are intact", err
    assert gone_soon(worker), "the worker outlived its build"
    assert_previous_intact(out)


ORPHAN = textwrap.dedent('''
    import multiprocessing, os, sys, time

    from report.processes import die_with_parent

    def child(parent, kernel):
        die_with_parent(parent, kernel=kernel)
        time.sleep(120)

    if __name__ == "__main__":
        process = multiprocessing.get_context("spawn").Process(
            target=child, args=(os.getpid(), sys.argv[1] == "kernel"))
        process.start()
        print(process.pid, flush=True)
        process.join()
''')


@pytest.mark.parametrize("kernel", ["kernel", "watchdog"])
def test_die_with_parent_serves_any_pool(tmp_path, kernel):
    """The function other pools call in their workers; the watchdog alone (where the kernel
    cannot help: not Linux, or a worker started from a thread) ends an orphan too."""
    script = tmp_path / "orphan.py"
    script.write_text(ORPHAN, "utf-8")
    parent = subprocess.Popen([sys.executable, str(script), kernel], stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    child = int(parent.stdout.readline())
    parent.stdout.close()  # the child holds it open too: do not wait for its end
    assert alive(child)
    parent.kill()
    parent.wait()
    try:
        assert gone_soon(child), "the child outlived its parent"
    finally:
        if alive(child):
            os.kill(child, signal.SIGKILL)


# -- publishing: one build at a time, a manifest that never lies ---------------------------------
def consistent(folder: Path) -> list[str]:
    """What the folder's manifest says that is not true of its files."""
    from report.output import manifest_problems

    return manifest_problems(folder)


def test_a_publish_killed_between_two_renames_leaves_a_true_manifest(tmp_path, monkeypatch):
    out = tmp_path / "dist"
    stub_engine(monkeypatch)
    assert main(["--out", str(out), "--no-cache", "--quiet", "--workers", "1"]) == 0
    before = json.loads((out / "manifest.json").read_text("utf-8"))
    assert len(before["outputs"]) == 2 and consistent(out) == []
    for entry in before["outputs"]:  # make the next build change both files
        (out / entry["path"]).write_bytes(b"%PDF-1.7 older\n%%EOF\n")
        entry["sha256"] = hashlib.sha256(b"%PDF-1.7 older\n%%EOF\n").hexdigest()
    (out / "manifest.json").write_text(json.dumps(before), "utf-8")

    process, _ = start(tmp_path, "publish-pdf", "--out", str(out), "--workers", "1")
    os.kill(process.pid, signal.SIGKILL)  # one output renamed, the other not yet
    finish(process)
    data = {p.name: p.read_bytes() for p in out.glob("*.pdf")}
    assert sorted(d.startswith(b"%PDF-1.7 new") for d in data.values()) == [False, True], data
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["publishing"] is True and manifest["outputs"] == []
    assert consistent(out) == []

    assert main(["--out", str(out), "--no-cache", "--quiet", "--workers", "1"]) == 0
    assert_new_outputs(out)
    assert "publishing" not in json.loads((out / "manifest.json").read_text("utf-8"))
    assert consistent(out) == []


def test_two_builds_into_one_folder_take_turns(tmp_path):
    """The second build waits, says so, and publishes after the first one: never a mix."""
    out = previous_outputs(tmp_path / "dist")
    first, _ = start(tmp_path, "render", "--out", str(out), "--workers", "1")
    log = tmp_path / "second.log"
    with log.open("w") as stream:
        second, _ = start(tmp_path, "render", "--out", str(out), "--workers", "1", quiet=False,
                          stderr=stream)
        deadline = time.monotonic() + 120
        while "waiting" not in log.read_text():
            assert second.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the second build never said it waits"
            time.sleep(0.1)
        assert f"another build (process {first.pid}) is writing to {out}" in log.read_text()
        first.send_signal(signal.SIGINT)  # the first build stops; the second goes on
        code, err = finish(first)
        assert code == 130, err
        second.communicate(timeout=120)
    assert second.returncode == 0, log.read_text()
    assert_new_outputs(out)
    assert consistent(out) == []


def test_a_build_gives_up_waiting_with_a_message(tmp_path, monkeypatch, capsys):
    stub_engine(monkeypatch)
    out = previous_outputs(tmp_path / "dist")
    monkeypatch.setattr(report.output, "LOCK_WAIT", 0.3)
    with report.output.hold_folder(out):  # another build, in this process: the lock is the same
        code, err = build(out, capsys)
    assert code == 1, err
    assert err.startswith(f"output error: {out}: another build (process {os.getpid()}) is still "
                          "writing to this folder after 0 s of waiting → let it finish"), err
    assert_previous_intact(out)


def test_a_folder_held_and_released_is_left_as_it_was(tmp_path):
    """The lock file goes with the build; a folder made only to be locked goes too."""
    made = tmp_path / "new" / "dist"
    with report.output.hold_folder(made):
        assert (made / report.output.LOCK).read_text() == f"{os.getpid()}\n"
    assert not made.exists()
    kept = previous_outputs(tmp_path / "dist")
    with report.output.hold_folder(kept):
        pass
    assert_previous_intact(kept)
