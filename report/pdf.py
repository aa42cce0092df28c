"""Stage 7, PDF: lay out the HTML with WeasyPrint and write the PDF bytes of one edition.

Input: the report's HTML for one language and edition, the folders the engine may read (templates,
styles, fonts, theme), the edition's settings (page size, date), and whether warnings are fatal
(``--strict``).
Output: a :class:`RenderedPDF` (the PDF bytes, the page count and the engine's warnings). Nothing is
written to disk here.

Safety: the engine reads resources only through :class:`ProjectFetcher`, which serves regular files
inside the project's own asset folders, no larger than a limit, and refuses everything else (the
network, ``file:///etc/passwd``, ``../`` escapes, devices such as ``/dev/urandom``).

Page geometry: :func:`page_css` gives the engine the trim size from the configuration (``letter`` or
``a4``) and, for print, the bleed; the stylesheets read them as custom properties.

Editions:

* ``screen``: tagged PDF/UA-1 in RGB, with the document language, title, author, subject and
  keywords (from the HTML's ``<title>`` and ``<meta>``), bookmarks and live internal links; the
  engine's structure tree is completed by :mod:`report.pdfua` (artifacts, links, notes, tables,
  languages, page labels).
* ``print``: PDF/X-4. Trim size plus 3 mm bleed (the PDF's TrimBox and BleedBox), crop and
  registration marks in a slug beyond the bleed, every colour separated to DeviceCMYK for a
  registered printing condition (FOGRA39 by default) whose ICC profile is the output intent, no
  link annotations (all done by :mod:`report.printing`), and a warning for any raster image under
  300 dpi or in RGB (:func:`report.rasters.raster_problems`).

Reproducibility: the dates come from the configuration (never the clock), fonts are subset with
``SOURCE_DATE_EPOCH`` set to it, the file identifier is a hash of the content, and the XMP document id
that WeasyPrint's PDF/X writer draws at random is replaced by one derived from the input. The engine
sees the project's and the theme's fonts only (:mod:`report.fontconfig`), and the fonts are subset
by HarfBuzz-Subset where the machine has it (:mod:`report.system` says which, and it is part of
every cache key).

The engine runs unpatched: everything here goes through WeasyPrint's and pydyf's public interfaces
(the fetcher, ``render``, ``write_pdf`` and its ``finisher`` hook, pydyf's objects), and the print
edition's raster images are checked in the written file (:mod:`report.rasters`).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import mimetypes
import os
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pydyf
import weasyprint
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import pdfua
from .config import PAGE_SIZES
from .diagnostics import Diagnostics
from .errors import RenderError
from .printing import PrintSetup, print_setup
from .printing import finish as finish_print
from .rasters import raster_problems

MAX_RESOURCE_BYTES = 20 * 1024 * 1024
VARIANTS = {"screen": "pdf/ua-1", "print": "pdf/x-4"}
PRINT_BLEED_MM = 3  # what the printer trims off: backgrounds that touch the trim edge reach it
MARKS_MM = 6  # the slug beyond the bleed where the engine draws the crop and registration marks
MIN_DPI = 300  # raster images in the print edition


@dataclass(frozen=True)
class RenderedPDF:
    data: bytes
    pages: int
    warnings: tuple[str, ...] = ()
    seconds: tuple[float, float] = (0.0, 0.0)  # laying out, writing (for the benchmark)


class ProjectFetcher(URLFetcher):
    """A URL fetcher that reads only regular files inside the allowed folders.

    WeasyPrint reads every stylesheet, image, font and SVG reference through its fetcher; its
    documentation warns that untrusted HTML or CSS may otherwise read any local file or reach the
    network. This one serves ``file:`` URLs whose real path (symbolic links resolved) lies inside
    ``roots``, that name a regular file (not a device such as ``/dev/urandom``, a pipe or a folder),
    no larger than ``max_bytes`` and, for raster images, no larger than ``max_pixels`` (a small
    file can hold a huge picture). Everything else is refused, with the reason kept in ``refused``:
    ``http:``, ``https:``, ``data:`` and every other scheme, remote ``file://host/`` URLs and
    ``../`` escapes. It never opens a network connection.
    """

    RASTER = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff"})

    def __init__(self, roots: tuple[Path, ...], max_bytes: int = MAX_RESOURCE_BYTES,
                 max_pixels: int = 40_000_000) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.roots = tuple(root.resolve() for root in roots)
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self.refused: list[str] = []
        self.served: list[Path] = []

    def _refuse(self, url: str, why: str) -> ValueError:
        shown = url if len(url) <= 200 else url[:197] + "…"
        self.refused.append(f"{shown} ({why})")
        return ValueError(f"refused {shown}: {why}")

    def open(self, url: object, data: object = None, timeout: object = None) -> URLFetcherResponse:
        """urllib's entry point: every way in goes through :meth:`fetch`."""
        return self.fetch(getattr(url, "full_url", url))  # type: ignore[arg-type]

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        parts = urlsplit(str(url))
        if parts.scheme.lower() != "file":
            raise self._refuse(url, "only the project's own files may be read")
        if parts.netloc not in ("", "localhost"):
            raise self._refuse(url, "a file on another machine")
        path = Path(unquote(parts.path))
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            raise self._refuse(url, "no such file") from None
        if not any(real == root or root in real.parents for root in self.roots):
            raise self._refuse(url, "outside the project's asset folders")
        if not real.is_file():
            raise self._refuse(url, "not a regular file")
        try:
            with real.open("rb") as handle:
                body = handle.read(self.max_bytes + 1)
        except OSError as exc:
            raise self._refuse(url, f"unreadable: {exc.strerror}") from None
        if len(body) > self.max_bytes:
            raise self._refuse(url, f"larger than {self.max_bytes // (1024 * 1024)} MB")
        if real.suffix.lower() in self.RASTER:
            problem = self._image_problem(body)
            if problem:
                raise self._refuse(url, problem)
        mime = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
        if real.suffix.lower() == ".otf":
            mime = "font/otf"
        self.served.append(real)
        return URLFetcherResponse(real.as_uri(), body=body, headers={"Content-Type": mime})

    def _image_problem(self, body: bytes) -> str | None:
        """Why a raster image may not be placed (its size is read from its header, not decoded)."""
        import warnings

        from PIL import Image

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # DecompressionBombWarning: decided below
                with Image.open(io.BytesIO(body)) as image:
                    width, height = image.size
        except Image.DecompressionBombError:
            limit = 2 * (Image.MAX_IMAGE_PIXELS or 0) / 1e6
            return f"an image too large to decode (over {limit:.0f} megapixels)"
        except Exception:  # any unreadable or truncated image
            return "not a readable image"
        if width * height > self.max_pixels:
            return (f"an image of {width * height / 1e6:.0f} megapixels (the limit is "
                    f"{self.max_pixels / 1e6:.0f})")
        return None


# WeasyPrint's notice, once per font of every edition, that a machine without HarfBuzz-Subset
# subsets with fontTools: the build says it once instead (report.system.subsetter_warning).
FONTTOOLS_NOTICE = "Using fontTools instead of HarfBuzz-Subset for font"


def page_css(page_size: str, edition: str) -> str:
    """The page geometry, a stylesheet given to the engine beside the edition's own.

    ``@page`` descriptors cannot read custom properties, so the trim size is written here, and the
    stylesheets size full-page elements with ``--page-width``, ``--page-height`` and ``--bleed`` (0 on
    screen). For print, the engine's bleed area also holds the crop marks, which it draws at the
    outer half of that area: it is made wider than the real bleed so that the marks stand clear of
    it, and :func:`_finish_print` sets the PDF's BleedBox back to the real bleed.
    """
    if page_size not in PAGE_SIZES:
        raise RenderError("unknown page size", value=page_size,
                          hint=f"use one of {', '.join(PAGE_SIZES)}")
    width, height = PAGE_SIZES[page_size].split()
    bleed = f"{PRINT_BLEED_MM}mm" if edition == "print" else "0mm"
    rules = [f"@page {{ size: {width} {height}; }}",
             f":root {{ --page-width: {width}; --page-height: {height}; --bleed: {bleed}; }}"]
    if edition == "print":
        rules.append(f"@page {{ bleed: {PRINT_BLEED_MM + MARKS_MM}mm; }}")
    return "\n".join(rules) + "\n"


_COMPRESSED = re.compile(rb"<</Filter ?/FlateDecode ?/Length (\d+)>>\nstream\n")
_END_OF_STREAM = b"\nendstream"


def compress_streams_once(document: Any, pdf: pydyf.PDF) -> None:
    """Compress each stream of the PDF now, once, instead of twice while the file is written.

    With a file identifier (the build asks for one: the hash of the file's content), pydyf turns
    every object into bytes twice, once to write it and once to hash the file, and compresses
    each stream (zlib, level 9) at each turn: a third of the time writing the file takes. Run last
    in WeasyPrint's ``finisher`` hook, when no stream changes any more, this gives each stream its
    compressed content, compressed by pydyf itself (a stream of the same items), with
    ``/FlateDecode`` among its own entries: pydyf then has nothing left to compress. Only public
    attributes of ``pydyf.Stream`` are used (``stream``, ``extra``, ``compress``, ``data``); the
    file is byte-identical (tested), and a stream whose compressed form does not read as expected
    is left to pydyf, so a later pydyf can change the bytes but never break the file.
    """
    for obj in pdf.objects:
        if not isinstance(obj, pydyf.Stream) or not obj.compress or "Filter" in obj.extra:
            continue
        whole = pydyf.Stream(obj.stream, compress=True).data
        header = _COMPRESSED.match(whole)
        if header is None or not whole.endswith(_END_OF_STREAM):
            continue
        body = whole[header.end():-len(_END_OF_STREAM)]
        if len(body) != int(header[1]):
            continue
        obj.stream = [body]
        obj.extra["Filter"] = "/FlateDecode"
        obj.compress = False


def render_pdf(html: str, *, base_url: Path, roots: tuple[Path, ...], edition: str,
               title: str, epoch: int, diag: Diagnostics | None = None,
               page_size: str = "letter", font_config: Any = None,
               printing: PrintSetup | None = None) -> RenderedPDF:
    """Lay out and write one edition; the screen edition's structure is then completed by
    :mod:`report.pdfua`, the print edition's colours separated by :mod:`report.printing` (with
    ``printing``: the printing condition and the theme's inks; FOGRA39 and none by default).

    What the engine logs, resources the fetcher refused and print problems go to ``diag`` (a
    warning each; an engine error as an error; under ``--strict`` every warning is an error),
    named by ``title``; they are also returned in :attr:`RenderedPDF.warnings`, for the cache.
    ``font_config``: a WeasyPrint ``FontConfiguration`` kept by a process that renders many
    documents with the same fonts (the personal reports), so that the fonts are read and
    registered once (same bytes).

    WeasyPrint runs as it is, without patches: it subsets the fonts with HarfBuzz-Subset where the
    machine has it (see :mod:`report.system`), and the only change to its work is done through its
    public ``finisher`` hook (:func:`compress_streams_once`); the finished file is then read and
    completed with pikepdf (:mod:`report.pdfua`, :mod:`report.printing`).
    """
    diag = diag if diag is not None else Diagnostics()
    fetcher = ProjectFetcher(roots)
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    geometry = page_css(page_size, edition)
    options: dict[str, Any] = {
        "pdf_variant": VARIANTS[edition],
        "pdf_identifier": True,  # the file identifier is the hash of the file's content
        "pdf_tags": edition == "screen",
    }
    found: list[str] = []
    try:
        with diag.engine_log("weasyprint", where=title, ignore=(FONTTOOLS_NOTICE,)) as messages:
            if edition == "print" and printing is None:
                printing = print_setup()
            profiles = {"device-cmyk": printing.color_profile()} \
                if printing is not None and edition == "print" else {}
            started = time.perf_counter()
            document = weasyprint.HTML(string=html, base_url=base_url.as_uri() + "/",
                                       url_fetcher=fetcher).render(
                stylesheets=[weasyprint.CSS(string=geometry)], color_profiles=profiles,
                font_config=font_config, **options)
            laid_out = time.perf_counter()
            semantics = pdfua.read_semantics(html, [page.anchors for page in document.pages]) \
                if edition == "screen" else None
            _set_dates(document.metadata, epoch)
            data = document.write_pdf(finisher=compress_streams_once, **options)
            if printing is not None and edition == "print":
                seed = hashlib.sha256(f"{edition}\0{geometry}\0{printing.condition.key}\0{html}"
                                      .encode()).digest()
                finished = finish_print(data, printing,
                                        document_id=str(uuid.UUID(bytes=seed[:16])))
                data = finished.data
                found += finished.problems
            if semantics is not None:
                repaired = pdfua.repair(data, semantics)
                data = repaired.data
                found += repaired.problems
            seconds = (laid_out - started, time.perf_counter() - laid_out)
            if edition == "print":
                found += raster_problems(data, fetcher.served, MIN_DPI)
    except RenderError:
        raise
    except Exception as exc:  # the engine's own failure, with its message
        raise RenderError(f"WeasyPrint failed on {title}: {exc}") from exc
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous
    extra = list(dict.fromkeys([f"resource refused: {r}" for r in fetcher.refused] + found))
    for problem in extra:
        diag.warn(f"{title}: {problem}")
    return RenderedPDF(data, len(document.pages), tuple(messages + extra), seconds)


def _set_dates(metadata: Any, epoch: int) -> None:
    """Creation and modification dates from the configuration, never from the clock.

    The HTML's ``dcterms.created`` holds the configured date; without a modification date,
    WeasyPrint's PDF/X writer would stamp the current time into /Info and XMP.
    """
    if not metadata.created:
        metadata.created = _dt.datetime.fromtimestamp(epoch, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    metadata.modified = metadata.modified or metadata.created
