"""Web edition, search: an offline full-text index of the site's pages, made with Pagefind.

Input: the site's HTML pages (path in the site → text). Pages mark the text to index with
``data-pagefind-body`` (the main text) and what to leave out with ``data-pagefind-ignore``; the
``lang`` of each page's ``<html>`` picks its language's index and stemming.
Output: the search bundle, as bytes by path under ``pagefind/``: the index, the fragments, the
per-language WebAssembly and ``pagefind.js``, which the site's own ``search.js`` loads. Pagefind's
ready-made interfaces are left out: the site draws its own accessible results list.

Pagefind's binary comes from PyPI (``pagefind[bin]``). It runs on a temporary copy of the pages
(``pagefind --site``); its output is read back into memory so that the build writes it with every
other file, atomically. The Python API of the ``pagefind`` package is not used: its service
answers one message per tenth of a second (nine seconds for this site) and reads the whole index
as one message through a 2 MiB pipe buffer.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from ..errors import RenderError

BUNDLE = "pagefind"
# The parts of Pagefind's output the site does not load.
UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.",
          "wasm.unknown.")


def executable() -> Path:
    """Pagefind's binary, as the ``pagefind-bin`` wheel installs it."""
    try:
        from pagefind_bin import get_executable
    except ImportError:
        raise RenderError("Pagefind is not installed: the web edition's search index needs it",
                          hint="pip install 'pagefind[bin]' (or pip install -e . in the "
                          "project)") from None
    return Path(get_executable())


def index(pages: dict[str, str]) -> dict[str, bytes]:
    """Index ``pages`` (path in the site → HTML) and return the bundle's files by path."""
    with tempfile.TemporaryDirectory(prefix="es20-search-") as folder:
        site = Path(folder) / "site"
        for path, text in pages.items():
            target = site / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        try:
            run = subprocess.run([str(executable()), "--site", str(site), "--output-path",
                                  str(Path(folder) / BUNDLE), "--silent"],
                                 capture_output=True, text=True, timeout=300, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RenderError(f"the search index could not be made: {exc}",
                              hint="reinstall pagefind-bin (pip install 'pagefind[bin]')") from None
        if run.returncode != 0:
            raise RenderError("the search index could not be made: "
                              f"{(run.stderr or run.stdout).strip()[-500:]}")
        bundle = Path(folder) / BUNDLE
        files = {f"{BUNDLE}/{p.relative_to(bundle).as_posix()}": p.read_bytes()
                 for p in sorted(bundle.rglob("*"))
                 if p.is_file() and not p.name.startswith(UNUSED)}
    entry = f"{BUNDLE}/pagefind-entry.json"
    if entry in files:  # Pagefind lists the languages in a random order: same inputs, same bytes
        files[entry] = json.dumps(json.loads(files[entry]), ensure_ascii=False, sort_keys=True,
                                  separators=(",", ":")).encode("utf-8")
    return files
