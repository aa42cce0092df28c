"""Stage 8, output: write the rendered PDFs and their manifest, atomically.

Input: the rendered editions (language, edition, theme, file name, bytes, pages) and the output
folder.
Output: the files on disk and ``manifest.json`` listing every output (language, edition, theme, path,
pages, bytes, sha256). Each file is written to a temporary file in the same folder, flushed and
fsynced, then renamed over the old one, so an interrupted or failed build leaves the previous PDFs
untouched and never leaves a half-written file; temporary files are removed on any failure.
Two outputs that would land on the same path are refused before anything is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import RenderError


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


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp creates 0600; outputs are ordinary files
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


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


def write_outputs(outputs: list[Output], out_dir: Path) -> Path:
    """Write every output and the manifest; return the manifest's path.

    The manifest keeps the entries of earlier builds for files this build did not rebuild (another
    theme or edition), as long as the file is still there.
    """
    paths = [out_dir / o.filename for o in outputs]
    if len(set(paths)) != len(paths):
        raise RenderError("two outputs would be written to the same file",
                          value=[str(p) for p in paths])
    manifest_path = out_dir / "manifest.json"
    previous: list[dict[str, object]] = []
    if manifest_path.is_file():
        try:
            previous = json.loads(manifest_path.read_text(encoding="utf-8")).get("outputs", [])
        except (json.JSONDecodeError, AttributeError):
            previous = []
    fresh = {o.filename for o in outputs}
    kept = [e for e in previous if e.get("path") not in fresh
            and (out_dir / str(e.get("path"))).is_file()]
    for output, path in zip(outputs, paths, strict=True):
        atomic_write(path, output.data)
    entries = sorted(kept + manifest_entries(outputs, out_dir),
                     key=lambda e: (str(e["theme"]), str(e["edition"]), str(e["lang"])))
    atomic_write(manifest_path, (json.dumps({"outputs": entries}, indent=2, ensure_ascii=False)
                                 + "\n").encode("utf-8"))
    return manifest_path
