"""Stage 8, output: write the rendered PDFs and their manifest, atomically.

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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputError, RenderError

MANIFEST = "manifest.json"


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
    """This module's temporary files for these output names: (path, process id or None)."""
    found: list[tuple[Path, int | None]] = []
    if not folder.is_dir():
        return found
    tail = re.compile(r"(?:(\d+)\.)?[A-Za-z0-9_]+\.tmp")
    prefixes = [f".{name}." for name in names]
    for entry in folder.iterdir():
        if not entry.name.startswith(".") or not entry.name.endswith(".tmp"):
            continue
        for prefix in prefixes:
            match = tail.fullmatch(entry.name[len(prefix):]) if entry.name.startswith(prefix) \
                else None
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


def update_manifest(entries: list[dict[str, object]], out_dir: Path) -> Path:
    """Write ``manifest.json`` atomically: these entries, and those already listed for other files
    that are still there (for outputs written one by one, such as the personal reports)."""
    manifest_path = out_dir / MANIFEST
    fresh = {e.get("path") for e in entries}
    kept = [e for e in _previous_entries(manifest_path) if e.get("path") not in fresh
            and (out_dir / str(e.get("path"))).is_file()]
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


def write_outputs(outputs: list[Output], out_dir: Path) -> Path:
    """Write every output and the manifest, all or nothing; return the manifest's path.

    The manifest keeps the entries of earlier builds for files this build did not rebuild (another
    theme or edition), as long as the file is still there.
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
        kept = [e for e in _previous_entries(manifest_path) if e.get("path") not in fresh
                and (out_dir / str(e.get("path"))).is_file()]
        entries = sorted(kept + manifest_entries(outputs, out_dir),
                         key=lambda e: (str(e.get("theme")), str(e.get("edition")),
                                        str(e.get("lang"))))
        manifest = (json.dumps({"outputs": entries}, indent=2, ensure_ascii=False) + "\n")
        for output, path in zip(outputs, paths, strict=True):
            staged.append((_stage(path, output.data), path))
        staged.append((_stage(manifest_path, manifest.encode("utf-8")), manifest_path))
        with _signals_held():
            for tmp, path in staged:
                os.replace(tmp, path)
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
