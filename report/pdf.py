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
  300 dpi.

Reproducibility: the dates come from the configuration (never the clock), fonts are subset with
``SOURCE_DATE_EPOCH`` set to it, the file identifier is a hash of the content, and the XMP document id
that WeasyPrint's PDF/X writer draws at random is replaced by one derived from the input.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import io
import mimetypes
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pydyf
import weasyprint
from fontTools import subset as _ft_subset
from weasyprint.images import RasterImage
from weasyprint.pdf import fonts as _wp_fonts
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import pdfua
from .cache import Cache
from .cache import key as cache_key
from .config import PAGE_SIZES
from .diagnostics import Diagnostics
from .errors import RenderError
from .printing import PrintSetup, print_setup
from .printing import finish as finish_print

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


def page_css(page_size: str, edition: str) -> str:
    """The page geometry, a stylesheet given to the engine beside the edition's own.

    ``@page`` descriptors cannot read custom properties, so the trim size is written here, and the
    stylesheets size full-page elements with ``--page-width``, ``--page-height`` and ``--bleed`` (0 on
    screen). For print, the engine's bleed area also holds the crop and registration marks
    (:mod:`report.printing` draws them in its outer part): it is made wider than the real bleed so
    that the marks stand clear of it, and :func:`report.printing.finish` sets the PDF's BleedBox
    back to the real bleed.
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


@contextlib.contextmanager
def _patched(owner: Any, name: str, value: Any) -> Any:
    """Set ``owner.name`` to ``value`` for the body, and put the original back after, whatever
    happens (what ``unittest.mock.patch.object`` does, without its 25 ms of imports in each
    process)."""
    original = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, original)


@contextlib.contextmanager
def _drop_tables_before_subsetting() -> Any:
    """Make fontTools drop the tables it is told to drop *before* it reads the font's layout.

    When the machine has no HarfBuzz-Subset, WeasyPrint subsets the embedded fonts with fontTools
    and drops their ``GSUB`` and ``GPOS`` tables (the PDF needs only outlines). fontTools ≥ 4.60
    opens every subsetting with ``_compact_layout_tables``, which decompiles ``GSUB``, ``GPOS`` and
    ``GDEF`` in full, and only then deletes the dropped ones: for Inter's and Charis SIL's large
    kerning tables that is 3 to 4 s of an edition's 5 s of writing, spent on data thrown away.

    Deleting the dropped tables first, exactly as ``Subsetter._prune_pre_subset`` would (including
    a legacy ``kern`` table hidden by ``GPOS``), gives byte-identical fonts (a test checks it).
    The patch is in place only while one edition is written.
    """
    original = _ft_subset.Subsetter.subset

    def subset(self: Any, font: Any) -> None:
        drop = {tag.strip() for tag in self.options.drop_tables}
        hidden_kern = "kern" in font and "GPOS" in font and not self.options.legacy_kern
        for tag in list(font.keys()):
            if tag.strip() in drop or (tag == "kern" and hidden_kern):
                del font[tag]
        original(self, font)

    with _patched(_ft_subset.Subsetter, "subset", subset):
        yield


@contextlib.contextmanager
def _serialise_streams_once() -> Any:
    """Make pydyf serialise and compress each stream of the PDF once, not twice.

    With a file identifier (which the build asks for: it is the hash of the file's content),
    ``pydyf.PDF.write`` converts every object to bytes to write it, then again to hash the file,
    and ``Stream.data`` rebuilds and compresses (zlib level 9) the stream at each call: half of
    the 1.15 s of CPU that writing the French screen edition's file took. While ``write`` runs,
    and only then (before it, WeasyPrint and the print edition's finishing still change the
    streams), each stream's bytes are kept from their first use. Nothing changes a stream inside
    ``write``, so the file is byte-identical (a test checks it); the patch is in place only while
    one edition is written.
    """
    original_data, original_write = pydyf.Stream.data, pydyf.PDF.write
    writing: dict[int, tuple[pydyf.Stream, bytes]] | None = None

    def data(self: pydyf.Stream) -> bytes:
        if writing is None:
            return original_data.fget(self)
        kept = writing.get(id(self))  # the stream is kept too: its id cannot be reused meanwhile
        if kept is None:
            kept = writing[id(self)] = (self, original_data.fget(self))
        return kept[1]

    def write(self: pydyf.PDF, *args: Any, **kwargs: Any) -> Any:
        nonlocal writing
        writing = {}
        try:
            return original_write(self, *args, **kwargs)
        finally:
            writing = None

    with _patched(pydyf.Stream, "data", property(data)), \
            _patched(pydyf.PDF, "write", write):
        yield


@contextlib.contextmanager
def _reuse_subset_fonts(cache: Cache) -> Any:
    """Take each embedded font's subset from ``cache`` when the same font was subset to the same
    glyphs before, and store the ones made now.

    Subsetting with fontTools is about a second of each edition's writing, and its result depends
    only on the font file, the glyphs the edition uses, the hinting and notdef settings and the
    date in ``SOURCE_DATE_EPOCH``, all of which are in the key (with the dependencies' versions).
    A paragraph edited between two builds rarely brings a glyph the edition did not use already,
    and an edition's print and screen versions use the same glyphs: both then reuse the subsets.
    Only fontTools subsetting is cached (WeasyPrint prefers HarfBuzz-Subset when the machine has
    it, and that is fast). The patch is in place only while one edition is written.
    """
    original = _wp_fonts.Font._fonttools_subset

    def subset(self: Any, to_unicode: dict[int, str], hinting: bool) -> None:
        name = cache_key("font-subset", hashlib.sha256(self.file_content).hexdigest(),
                         str(self.index), ",".join(map(str, sorted(to_unicode))), str(hinting),
                         str(bool(self.missing)), os.environ.get("SOURCE_DATE_EPOCH", ""))
        cached = cache.get("font-subsets", name)
        if cached is not None:
            self.file_content = cached
            return
        original(self, to_unicode, hinting)
        cache.put("font-subsets", name, self.file_content)

    with _patched(_wp_fonts.Font, "_fonttools_subset", subset):
        yield


def render_pdf(html: str, *, base_url: Path, roots: tuple[Path, ...], edition: str,
               title: str, epoch: int, diag: Diagnostics | None = None,
               page_size: str = "letter", cache: Cache | None = None,
               font_config: Any = None, printing: PrintSetup | None = None) -> RenderedPDF:
    """Lay out and write one edition; the screen edition's structure is then completed by
    :mod:`report.pdfua`, the print edition's colours separated by :mod:`report.printing` (with
    ``printing``: the printing condition and the theme's inks; FOGRA39 and none by default).

    What the engine logs, resources the fetcher refused and print problems go to ``diag`` (a
    warning each; an engine error as an error; under ``--strict`` every warning is an error),
    named by ``title``; they are also returned in :attr:`RenderedPDF.warnings`, for the cache.
    ``cache``: where font subsets are reused from and kept (:func:`_reuse_subset_fonts`); without
    it, every font is subset anew, as WeasyPrint alone would. ``font_config``: a WeasyPrint
    ``FontConfiguration`` kept by a process that renders many documents with the same fonts
    (the personal reports), so that the fonts are read and registered once (same bytes).
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
        with diag.engine_log("weasyprint", where=title, ignore=("HarfBuzz-Subset",)) as messages:
            if edition == "print" and printing is None:
                printing = print_setup()
            profiles = {"device-cmyk": printing.color_profile()} if printing is not None \
                and edition == "print" else {}
            started = time.perf_counter()
            document = weasyprint.HTML(string=html, base_url=base_url.as_uri() + "/",
                                       url_fetcher=fetcher).render(
                stylesheets=[weasyprint.CSS(string=geometry)], color_profiles=profiles,
                font_config=font_config, **options)
            laid_out = time.perf_counter()
            semantics = pdfua.read_semantics(html, [page.anchors for page in document.pages]) \
                if edition == "screen" else None
            _set_dates(document.metadata, epoch)
            if edition == "print":
                found = _raster_problems(document)
            with _drop_tables_before_subsetting(), _serialise_streams_once(), (
                    _reuse_subset_fonts(cache) if cache is not None and cache.enabled
                    else contextlib.nullcontext()):
                data = document.write_pdf(**options)
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


def _raster_problems(document: Any) -> list[str]:
    """Raster images of the print edition drawn at less than :data:`MIN_DPI` or not in CMYK/grey."""
    problems = []
    for number, page in enumerate(document.pages, 1):
        stack = [page._page_box]  # the laid-out boxes: WeasyPrint has no public API for them
        while stack:
            box = stack.pop()
            stack.extend(getattr(box, "children", ()))
            image = getattr(box, "replacement", None)
            if not isinstance(image, RasterImage) or not box.width or not box.height:
                continue
            dpi = min(image.width / box.width, image.height / box.height) * 96  # CSS px = 1/96 in
            name = box.element.get("src", "?") if box.element is not None else "?"
            if dpi < MIN_DPI:
                problems.append(f"page {number}: raster image {name} prints at {dpi:.0f} dpi "
                                f"(at least {MIN_DPI} needed)")
            if image.mode not in ("1", "L", "LA", "CMYK"):
                problems.append(f"page {number}: raster image {name} is {image.mode}, not CMYK")
    return problems
