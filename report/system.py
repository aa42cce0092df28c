"""The system libraries the PDFs depend on: which are there, in which versions, and which program
subsets the embedded fonts.

Input: the machine (its shared libraries, found the way WeasyPrint finds them).
Output: :func:`libraries`, the versions of the C libraries that change the PDF's bytes (Pango lays
out and shapes the text with HarfBuzz, Fontconfig and FreeType find and read the fonts,
HarfBuzz-Subset subsets them, zlib compresses every stream); :func:`font_subsetter`, the program
WeasyPrint will subset the fonts with; :func:`subsetter_warning`, the one diagnostic a machine
without HarfBuzz-Subset gets; :func:`describe`, one line for ``--verbose`` and the benchmark.

WeasyPrint 70 subsets fonts with HarfBuzz-Subset when the shared library loads and HarfBuzz is at
least 4.1.0, and with fontTools otherwise (a path it has announced it will drop): the two give
different bytes, so which one runs, and every library version above, is part of the cache key
(:func:`report.cache.versions`) and of the benchmark's header. Cairo is not listed: WeasyPrint has
not used it since version 53.

The versions are read through each library's public C entry points (``pango_version_string``,
``hb_version_string``, ``FcGetVersion``, ``FT_Library_Version``) with :mod:`ctypes`, without
importing WeasyPrint, so that a no-op rebuild stays fast (about 3 ms, once per process).
"""

from __future__ import annotations

import ctypes
import functools
import zlib
from importlib import metadata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .diagnostics import ReportWarning

# The names WeasyPrint 70 tries for each library (weasyprint/text/ffi.py), in its order.
_NAMES = {
    "pango": ("libpango-1.0-0", "pango-1.0-0", "pango-1.0", "libpango-1.0.so.0",
              "libpango-1.0.dylib", "libpango-1.0-0.dll"),
    "harfbuzz": ("libharfbuzz-0", "harfbuzz", "harfbuzz-0.0", "libharfbuzz.so.0",
                 "libharfbuzz.0.dylib", "libharfbuzz-0.dll"),
    "harfbuzz-subset": ("libharfbuzz-subset-0", "harfbuzz-subset", "harfbuzz-subset-0.0",
                        "libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib",
                        "libharfbuzz-subset-0.dll"),
    "fontconfig": ("libfontconfig-1", "fontconfig-1", "fontconfig", "libfontconfig.so.1",
                   "libfontconfig.1.dylib", "libfontconfig-1.dll"),
    # Not loaded by WeasyPrint itself: Pango's FreeType back end is.
    "freetype": ("libfreetype.so.6", "libfreetype.6.dylib", "libfreetype-6.dll", "freetype"),
}
HARFBUZZ_SUBSET_MINIMUM = (4, 1, 0)  # WeasyPrint 70 needs hb_set_add_sorted_array
ABSENT = "absent"
INSTALL_HINT = ("install HarfBuzz-Subset: `apt-get install libharfbuzz-subset0` on Debian or "
                "Ubuntu (`python tools/bootstrap.py` does it), `brew install harfbuzz` on macOS")


def _load(names: tuple[str, ...]) -> ctypes.CDLL | None:
    """The library under the first name that loads; then, as cffi does for a bare name, where
    the system's library search finds it."""
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    from ctypes.util import find_library  # runs ldconfig: only for a library not found above

    for name in names:
        if "." in name or "/" in name:
            continue
        found = find_library(name)
        if found:
            try:
                return ctypes.CDLL(found)
            except OSError:
                continue
    return None


def _string(library: ctypes.CDLL | None, function: str) -> str:
    if library is None:
        return ABSENT
    try:
        entry = getattr(library, function)
    except AttributeError:
        return "unknown"
    entry.restype = ctypes.c_char_p
    entry.argtypes = []
    return entry().decode("ascii", "replace")


def _fontconfig(library: ctypes.CDLL | None) -> str:
    if library is None:
        return ABSENT
    library.FcGetVersion.restype = ctypes.c_int
    number = library.FcGetVersion()
    return f"{number // 10000}.{number // 100 % 100}.{number % 100}"


def _freetype(library: ctypes.CDLL | None) -> str:
    if library is None:
        return ABSENT
    handle = ctypes.c_void_p()
    if library.FT_Init_FreeType(ctypes.byref(handle)) != 0:
        return "unknown"
    try:
        major, minor, patch = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
        library.FT_Library_Version(handle, ctypes.byref(major), ctypes.byref(minor),
                                   ctypes.byref(patch))
        return f"{major.value}.{minor.value}.{patch.value}"
    finally:
        library.FT_Done_FreeType(handle)


@functools.cache
def libraries() -> dict[str, str]:
    """The version of each system library that changes the PDF's bytes (``absent`` when it is
    not there); ``harfbuzz-subset`` has HarfBuzz's version when its library loads."""
    loaded = {name: _load(names) for name, names in _NAMES.items()}
    harfbuzz = _string(loaded["harfbuzz"], "hb_version_string")
    return {
        "pango": _string(loaded["pango"], "pango_version_string"),
        "harfbuzz": harfbuzz,
        "harfbuzz-subset": harfbuzz if loaded["harfbuzz-subset"] is not None else ABSENT,
        "fontconfig": _fontconfig(loaded["fontconfig"]),
        "freetype": _freetype(loaded["freetype"]),
        "zlib": zlib.ZLIB_RUNTIME_VERSION,
    }


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for part in version.split("."):
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def uses_harfbuzz_subset(found: dict[str, str] | None = None) -> bool:
    """WeasyPrint's own rule: HarfBuzz-Subset loads and HarfBuzz is at least 4.1.0."""
    found = libraries() if found is None else found
    subset = found["harfbuzz-subset"]
    return subset not in (ABSENT, "unknown") and \
        _version_tuple(subset) >= HARFBUZZ_SUBSET_MINIMUM


def font_subsetter(found: dict[str, str] | None = None) -> str:
    """The program WeasyPrint will subset the fonts with, and its version."""
    found = libraries() if found is None else found
    if uses_harfbuzz_subset(found):
        return f"HarfBuzz-Subset {found['harfbuzz-subset']}"
    try:
        return f"fontTools {metadata.version('fonttools')}"
    except metadata.PackageNotFoundError:
        return "fontTools"


def subsetter_warning(found: dict[str, str] | None = None) -> ReportWarning | None:
    """The one warning of a build on a machine without HarfBuzz-Subset, or None.

    WeasyPrint then subsets with fontTools, slower, with other bytes, and on a path it has
    announced it will remove (it says so at import and once per font; the build says it once).
    """
    from .diagnostics import ReportWarning

    found = libraries() if found is None else found
    if uses_harfbuzz_subset(found):
        return None
    why = "is not installed" if found["harfbuzz-subset"] == ABSENT else \
        f"is {found['harfbuzz-subset']}, older than 4.1.0"
    return ReportWarning(
        f"system: HarfBuzz-Subset {why}, so WeasyPrint subsets the fonts with fontTools: slower "
        "(about 4 s more per edition), PDF bytes that differ from a machine that has it, and a "
        "path that future WeasyPrint versions remove",
        value="libharfbuzz-subset.so.0", hint=INSTALL_HINT)


def describe(found: dict[str, str] | None = None) -> str:
    """One line: the font subsetter and the versions of the libraries that shape the output."""
    found = libraries() if found is None else found
    versions = ", ".join(f"{name} {version}" for name, version in found.items()
                         if name != "harfbuzz-subset")
    return f"fonts subset by {font_subsetter(found)}; {versions}"
