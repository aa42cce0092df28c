"""Stage 8, output: write the rendered PDFs and their manifest, atomically, one build at a time.

Input: the rendered editions (language, edition, theme, file name, bytes, pages) and the output
folder.
Output: the files on disk and ``manifest.json`` listing every output (language, edition, theme, path,
pages, bytes, sha256).

Nothing is ever lost: every file is first written to a temporary file beside it
(``.<name>.<pid>.<random>.tmp``), flushed and fsynced; only when all of them are complete are they
renamed over the old files, one after the other, with Ctrl-C and SIGTERM held back for the few
microseconds that takes. A build that fails or is interrupted before that leaves the previous PDFs
and manifest untouched and removes its temporary files. A build killed outright (SIGKILL, power
loss) may leave temporary files: the next build into the same folder removes those whose process is
gone. Two outputs that would land on the same path are refused before anything is written; a folder
that cannot be written is reported as an :class:`~report.errors.OutputError`.

**The manifest never lists a file that is not there with its hash**, at any instant, even if the
build is killed between two renames: before the first output is renamed, the manifest is replaced
by one without the entries of the files about to change (and ``"publishing": true``); the outputs
are renamed; then the final manifest replaces it. A reader that finds ``"publishing"`` knows that a
build was cut short there (the files it left out may be old or new); the next build publishes
again. :func:`manifest_problems` says whether a folder's manifest matches its files.

**One build at a time per output folder** (:func:`hold_folder`): two builds publishing into the
same folder at once would mix their files. A build takes an exclusive lock (``fcntl.flock``) on
``.es20-build.lock`` in the folder for its whole run; a second build says that it waits, and gives
up with an :class:`~report.errors.OutputError` after :data:`LOCK_WAIT` seconds. The lock file is
removed when the build ends (a build killed outright leaves it, harmless: the kernel released the
lock; the next build removes it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import OutputError, RenderError

MANIFEST = "manifest.json"
LOCK = ".es20-build.lock"
LOCK_WAIT = 600.0  # seconds a build waits for another one to leave the output folder


@dataclass(frozen=True)
class Output:
    lang: str
    edition: str
    theme: str
    filename: str
    data: bytes
    pages: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _stage(path: Path, data: bytes) -> Path:
    """Write ``data`` to a new temporary file beside ``path``, flushed and fsynced; return it.

    Its name, ``.<name>.<pid>.<random>.tmp``, says which process wrote it (see
    :func:`remove_stale_temporaries`).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp",
                               dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp creates 0600; outputs are ordinary files
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def _fsync_folder(folder: Path) -> None:
    """Make the renames in ``folder`` durable (where the platform allows it)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a mix."""
    tmp = _stage(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(path.parent)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True  # cannot tell: keep the file
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists (owned by someone else)
    return True


def _temporaries(folder: Path, names: Iterable[str]) -> list[tuple[Path, int | None]]:
    """This module's temporary files for these output names: (path, process id or None).

    A name may lie in a subfolder (``web/fr/index.html``): its temporaries are beside it."""
    found: list[tuple[Path, int | None]] = []
    tail = re.compile(r"(?:(\d+)\.)?[A-Za-z0-9_]+\.tmp")
    by_folder: dict[Path, list[str]] = {}
    for name in names:
        path = folder / name
        by_folder.setdefault(path.parent, []).append(f".{path.name}.")
    for where, prefixes in by_folder.items():
        if not where.is_dir():
            continue
        for entry in where.iterdir():
            if not entry.name.startswith(".") or not entry.name.endswith(".tmp"):
                continue
            for prefix in prefixes:
                match = tail.fullmatch(entry.name[len(prefix):]) \
                    if entry.name.startswith(prefix) else None
                if match is not None:
                    found.append((entry, int(match.group(1)) if match.group(1) else None))
                    break
    return found


def _unlink(paths: Iterable[Path]) -> list[Path]:
    removed = []
    for path in paths:
        with contextlib.suppress(FileNotFoundError, IsADirectoryError, PermissionError):
            path.unlink()
            removed.append(path)
    return removed


def remove_stale_temporaries(folder: Path, names: Iterable[str]) -> list[Path]:
    """Remove the temporary files that a killed build left for these output names.

    Only files of this module's own pattern, ``.<name>.<pid>.<random>.tmp`` (or ``.<name>.<random>
    .tmp`` from earlier versions), are considered, and only when their process is gone, so a build
    writing to the same folder at the same time keeps its own. Returns what was removed.
    """
    return _unlink(path for path, pid in _temporaries(folder, names)
                   if pid is None or not _process_alive(pid))


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) and SIGTERM while the block runs.

    The block publishes a build (a few renames): it completes, and a signal that arrived meanwhile
    is then ignored, since the build it asked to stop is already whole on disk.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError, OSError):
            previous[sig] = signal.signal(sig, lambda signum, _frame: held.append(signum))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def manifest_entries(outputs: list[Output], out_dir: Path) -> list[dict[str, object]]:
    return [
        {
            "lang": o.lang,
            "edition": o.edition,
            "theme": o.theme,
            "path": o.filename,
            "pages": o.pages,
            "bytes": len(o.data),
            "sha256": o.sha256,
        }
        for o in outputs
    ]


def _previous_entries(manifest_path: Path) -> list[dict[str, object]]:
    """The entries of the manifest already in the folder; none when it is absent or unreadable."""
    try:
        entries = json.loads(manifest_path.read_text(encoding="utf-8")).get("outputs", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def _sha256_of(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def _still_there(entry: dict[str, object], folder: Path) -> bool:
    """An earlier entry whose file is still there, inside the folder, with the listed size (a
    stat, not a hash: the folder may hold thousands of personal reports)."""
    name = entry.get("path")
    if not isinstance(name, str) or "\\" in name:
        return False
    parts = PurePosixPath(name).parts
    if not parts or name.startswith("/") or any(p in ("", ".", "..") or p.startswith(".")
                                                for p in parts):
        return False
    try:
        return (folder / name).stat().st_size == entry.get("bytes")
    except OSError:
        return False


def _manifest_bytes(entries: list[dict[str, object]], publishing: bool = False) -> bytes:
    entries = sorted(entries, key=lambda e: (str(e.get("theme")), str(e.get("edition")),
                                             str(e.get("lang")), str(e.get("path"))))
    manifest: dict[str, object] = {"outputs": entries}
    if publishing:
        manifest["publishing"] = True
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def manifest_problems(folder: Path) -> list[str]:
    """What in the folder's manifest is not true of its files (empty: every entry is)."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return []
    problems = []
    for entry in _previous_entries(manifest):
        name = str(entry.get("path"))
        digest = _sha256_of(folder / name)
        if digest is None:
            problems.append(f"{name}: listed but missing")
        elif digest != entry.get("sha256"):
            problems.append(f"{name}: its hash is not the one listed")
    return problems


def update_manifest(entries: list[dict[str, object]], out_dir: Path) -> Path:
    """Write ``manifest.json`` atomically: these entries, and those already listed for other files
    that are still there (for outputs written one by one, such as the personal reports)."""
    manifest_path = out_dir / MANIFEST
    fresh = {e.get("path") for e in entries}
    kept = [e for e in _previous_entries(manifest_path) if e.get("path") not in fresh
            and _still_there(e, out_dir)]
    merged = sorted(kept + list(entries), key=lambda e: (
        str(e.get("theme")), str(e.get("edition")), str(e.get("lang")), str(e.get("path"))))
    text = json.dumps({"outputs": merged}, indent=2, ensure_ascii=False) + "\n"
    try:
        atomic_write(manifest_path, text.encode("utf-8"))
    except OSError as exc:
        raise OutputError(f"cannot write the manifest: {exc.strerror or exc}",
                          file=exc.filename or manifest_path,
                          hint="check that the folder can be written and the disk is not full"
                          ) from None
    return manifest_path


def _inside(out_dir: Path, name: str) -> Path | None:
    """``out_dir / name`` when it lies inside ``out_dir`` (a manifest names files, never ``..``)."""
    path = out_dir / name
    try:
        path.resolve().relative_to(out_dir.resolve())
    except (ValueError, OSError):
        return None
    return path


def _remove_superseded(out_dir: Path, names: Iterable[str]) -> None:
    """Remove files an earlier build wrote and this one replaced, then their emptied folders."""
    for name in names:
        path = _inside(out_dir, name)
        if path is None or not path.is_file():
            continue
        with contextlib.suppress(OSError):
            path.unlink()
        folder = path.parent
        while folder != out_dir and out_dir in folder.parents:
            try:
                folder.rmdir()  # only when empty
            except OSError:
                break
            folder = folder.parent


def write_outputs(outputs: list[Output], out_dir: Path,
                  replace: Callable[[dict[str, object]], bool] | None = None) -> Path:
    """Write every output and the manifest, all or nothing; return the manifest's path.

    The manifest keeps the entries of earlier builds for files this build did not rebuild (another
    theme or edition, the personal reports), as long as the file is still there with the size it
    lists. At every instant it lists only files that are there with their hash, as far as this
    module's writes go (see the module's docstring). Entries for which ``replace`` is true are not
    kept: this build's outputs replace them as a whole (a site whose pages or index files changed
    names); their files that this build did not write again are removed once the final manifest,
    which does not list them, is in place.
    """
    paths = [out_dir / o.filename for o in outputs]
    if len(set(paths)) != len(paths):
        raise RenderError("two outputs would be written to the same file",
                          value=[str(p) for p in paths])
    manifest_path = out_dir / MANIFEST
    staged: list[tuple[Path, Path]] = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(out_dir, [*(o.filename for o in outputs), MANIFEST])
        fresh = {o.filename for o in outputs}
        previous = _previous_entries(manifest_path)
        superseded = [str(e.get("path")) for e in previous
                      if replace is not None and replace(e) and e.get("path") not in fresh]
        kept = [e for e in previous if e.get("path") not in fresh
                and str(e.get("path")) not in superseded and _still_there(e, out_dir)]
        for output, path in zip(outputs, paths, strict=True):
            staged.append((_stage(path, output.data), path))
        interim = _stage(manifest_path, _manifest_bytes(kept, publishing=True))
        staged.append((interim, manifest_path))
        final = _stage(manifest_path, _manifest_bytes(kept + manifest_entries(outputs, out_dir)))
        staged.append((final, manifest_path))
        with _signals_held():
            os.replace(interim, manifest_path)  # first, no entry for a file about to change
            _fsync_folder(out_dir)
            for tmp, path in staged[:len(outputs)]:
                os.replace(tmp, path)
            _fsync_folder(out_dir)
            os.replace(final, manifest_path)  # then every entry, each true
        _remove_superseded(out_dir, superseded)  # listed by neither manifest
    except OSError as exc:
        raise OutputError(f"cannot write the output folder: {exc.strerror or exc}",
                          file=exc.filename or out_dir,
                          hint="check that the folder can be written and the disk is not full; "
                          "the previous outputs are untouched") from None
    finally:  # after the renames none is left; after an interruption, wherever it landed, none
        mine = os.getpid()
        _unlink([tmp for tmp, _path in staged] + [
            path for path, pid in _temporaries(out_dir, [*(o.filename for o in outputs), MANIFEST])
            if pid == mine])
    _fsync_folder(out_dir)
    return manifest_path


# -- one build at a time ----------------------------------------------------------------------
@contextlib.contextmanager
def hold_folder(folder: Path, *, wait: float | None = None,
                waiting: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold ``folder`` for one build while the block runs: create it if need be, lock it, and
    wait (at most ``wait`` seconds, :data:`LOCK_WAIT` by default; ``waiting`` is told once) while
    another build holds it. A folder this call created is removed again if it is left empty."""
    try:
        existed = folder.is_dir()
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write the output folder: {exc.strerror or exc}",
                          file=exc.filename or folder,
                          hint="check that the folder can be written (and is a folder)") from None
    try:
        fd = _lock(folder, LOCK_WAIT if wait is None else wait, waiting)
    except BaseException:
        if not existed:
            _remove_if_empty(folder)
        raise
    try:
        yield
    finally:
        if fd is not None:
            with contextlib.suppress(OSError):
                (folder / LOCK).unlink()  # while still held: see _lock
            os.close(fd)
        if not existed:
            _remove_if_empty(folder)


def _lock(folder: Path, wait: float, waiting: Callable[[str], None] | None) -> int | None:
    """The open, locked lock file of ``folder`` (None where the platform has no ``flock``)."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock (see the module's docstring)
        return None
    path = folder / LOCK
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(f"cannot write the output folder: {exc.strerror or exc}",
                              file=path, hint="check that the folder can be written") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            if time.monotonic() >= deadline:
                raise OutputError(
                    f"another build{holder} is still writing to this folder after "
                    f"{wait:.0f} s of waiting", file=folder,
                    hint="let it finish (or stop it), or build into another folder with "
                    "--out") from None
            if not told and waiting is not None:
                waiting(f"another build{holder} is writing to {folder}: waiting for it to "
                        f"finish (at most {wait:.0f} s)")
            told = True
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
            continue
        except BaseException:
            os.close(fd)
            raise
        # The build that held the lock removes the file before it lets go: the file locked here
        # may be one that is no longer in the folder, and a third build may lock a new one.
        try:
            current = os.stat(path)
        except FileNotFoundError:
            current = None
        if current is None or not os.path.samestat(os.fstat(fd), current):
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return fd


def _holder(fd: int) -> str:
    """« (process 1234)», from the lock file of the build that holds it, or nothing."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f" (process {text})" if text.isdigit() else ""


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()
