"""Build cache: content hashes of every input, so that nothing unchanged is redone.

Input: the project folder, the build options, and blobs to store (chart SVG, PDF bytes, the record
of a finished build).
Output: cache keys and the cached blobs. Four levels, from the cheapest to check:

1. **Build record**, keyed by a hash of every input file (data, content, templates, styles, the
   theme, fonts), the pipeline's own source, the dependencies' versions and the build options.
   When it matches and the outputs on disk still have the recorded hashes, the build is a no-op:
   nothing is imported, computed or rendered.
2. **PDF**, keyed by the final HTML, the stylesheets and fonts it uses, the edition's engine options
   and the versions: a change to French content re-renders the French editions only.
3. **Chart SVG**, keyed by what the chart's Vega-Lite spec is made of (the figure's data and texts,
   the theme's chart style; the code that makes the spec is in the versions), the number locale,
   the chart font files and the versions: a change to one chart's data redraws that chart only,
   and a cached chart is found without Altair or the chart engine.
4. **Font subsets**, keyed by the font file, the glyphs an edition uses, the subsetting options, the
   date written into the font and the versions (:func:`report.pdf.render_pdf`): an edition
   re-rendered after an edit that brought no new glyph, and the print edition after the screen
   one, skip fontTools' subsetting (its cost: docs/performance.md).

The cache is a plain folder (``.cache/`` by default, ignored by git) that may be deleted at any time;
entries are written atomically, shared safely between languages and themes, and never trusted
after a dependency's version changes, because the versions are part of every key.
This module imports nothing heavy, so a no-op rebuild stays fast.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

DEPENDENCIES = (
    "weasyprint", "pydyf", "tinycss2", "vl-convert-python", "altair", "jinja2", "babel", "pandas",
    "numpy", "weightipy", "pydantic", "pydantic-core", "markdown-it-py", "mdit-py-plugins", "nh3",
    "pyyaml", "fonttools",
)
INPUT_FOLDERS = ("data", "templates", "styles")
PACKAGE = Path(__file__).resolve().parent


def hash_files(paths: Iterable[Path], root: Path | None = None) -> str:
    """One hash over the names (relative to ``root``) and contents of the given files."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        name = path.relative_to(root) if root else path
        digest.update(str(name).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _files_under(folder: Path) -> list[Path]:
    """Regular files under ``folder``; links that lead out of it, pipes and devices are skipped
    (never read, not even to compute a hash)."""
    if not folder.is_dir():
        return []
    inside = folder.resolve()
    files = []
    for path in folder.rglob("*"):
        if "__pycache__" in path.parts:
            continue
        real = path.resolve()
        if (real == inside or inside in real.parents) and real.is_file():
            files.append(path)
    return files


@functools.lru_cache(maxsize=1)
def versions() -> str:
    """The Python and dependency versions, plus a hash of the pipeline's own source."""
    parts = [sys.version]
    for name in DEPENDENCIES:
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=absent")
    parts.append(hash_files(PACKAGE.glob("*.py"), PACKAGE))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def input_fingerprint(root: Path, theme: str, options: dict[str, object]) -> str:
    """Hash of everything a build reads, and of how it was asked to build."""
    files = [f for folder in INPUT_FOLDERS for f in _files_under(root / folder)]
    files += _files_under(root / "themes" / theme)
    if theme != "default":
        files += _files_under(root / "themes" / "default")
    digest = hashlib.sha256()
    digest.update(versions().encode())
    digest.update(json.dumps(options, sort_keys=True, default=str).encode())
    digest.update(hash_files(files, root).encode())
    return digest.hexdigest()


def key(*parts: str | bytes) -> str:
    """A cache key from several strings or blobs (the versions are always part of it)."""
    digest = hashlib.sha256(versions().encode())
    for part in parts:
        digest.update(b"\0")
        digest.update(part if isinstance(part, bytes) else part.encode())
    return digest.hexdigest()


class Cache:
    """A folder of cached blobs, by kind and key. ``Cache(None)`` caches nothing."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def _path(self, kind: str, name: str) -> Path:
        assert self.folder is not None
        return self.folder / kind / name[:2] / name

    def get(self, kind: str, name: str) -> bytes | None:
        if self.folder is None:
            return None
        path = self._path(kind, name)
        try:
            return path.read_bytes()
        except OSError:
            return None

    def put(self, kind: str, name: str, data: bytes) -> None:
        if self.folder is None:
            return
        from .output import atomic_write

        # A cache that cannot be written is only slower, never wrong.
        with contextlib.suppress(OSError):
            atomic_write(self._path(kind, name), data)

    def get_json(self, kind: str, name: str) -> dict | None:
        data = self.get(kind, name)
        if data is None:
            return None
        try:
            return json.loads(data)
        except json.JSONDecodeError:
            return None

    def put_json(self, kind: str, name: str, value: dict) -> None:
        self.put(kind, name, json.dumps(value, sort_keys=True).encode())


def default_cache_dir(root: Path) -> Path | None:
    """``$ES20_CACHE_DIR``, or ``<root>/.cache``; the value ``off`` disables the cache."""
    value = os.environ.get("ES20_CACHE_DIR")
    if value == "off":
        return None
    return Path(value) if value else root / ".cache"


def outputs_intact(record: dict, out_dir: Path) -> bool:
    """True when every output a build record lists is on disk with its recorded hash."""
    entries = record.get("outputs") or []
    if not entries:
        return False
    for entry in entries:
        path = out_dir / str(entry["path"])
        try:
            if hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
                return False
        except OSError:
            return False
    manifest = out_dir / "manifest.json"
    return manifest.is_file()
