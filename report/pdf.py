"""Stage 7, PDF: lay out the HTML with WeasyPrint and write the PDF bytes of one edition.

Input: the report's HTML for one language and edition, the folders the engine may read (templates,
styles, fonts, theme), the edition's settings, and whether warnings are fatal (``--strict``).
Output: a :class:`RenderedPDF` (the PDF bytes and the page count). Nothing is written to disk here.

Safety: the engine reads resources only through :class:`ProjectFetcher`, which serves regular files
inside the project's own asset folders, no larger than a limit, and refuses everything else (the
network, ``file:///etc/passwd``, ``../`` escapes, devices such as ``/dev/urandom``).

Editions: ``screen`` is tagged PDF/UA-1 in RGB; ``print`` is PDF/X-4 with 3 mm bleed and crop marks
(``styles/print.css``). Reproducibility: the creation date comes from the configuration, fonts are
subset with ``SOURCE_DATE_EPOCH`` set to it, and the PDF identifier is derived from the content.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .errors import RenderError

MAX_RESOURCE_BYTES = 20 * 1024 * 1024
VARIANTS = {"screen": "pdf/ua-1", "print": "pdf/x-4"}


@dataclass(frozen=True)
class RenderedPDF:
    data: bytes
    pages: int
    warnings: tuple[str, ...] = ()


class ProjectFetcher(URLFetcher):
    """A URL fetcher that reads only regular files inside the allowed folders."""

    def __init__(self, roots: tuple[Path, ...], max_bytes: int = MAX_RESOURCE_BYTES) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.roots = tuple(root.resolve() for root in roots)
        self.max_bytes = max_bytes
        self.refused: list[str] = []

    def _refuse(self, url: str, why: str) -> ValueError:
        self.refused.append(f"{url} ({why})")
        return ValueError(f"refused {url}: {why}")

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise self._refuse(url, "only the project's own files may be read")
        path = Path(unquote(parts.path))
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise self._refuse(url, "no such file") from None
        if not any(real == root or root in real.parents for root in self.roots):
            raise self._refuse(url, "outside the project's asset folders")
        if not real.is_file():
            raise self._refuse(url, "not a regular file")
        size = real.stat().st_size
        if size > self.max_bytes:
            raise self._refuse(url, f"larger than {self.max_bytes // (1024 * 1024)} MB")
        mime = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
        if real.suffix.lower() == ".otf":
            mime = "font/otf"
        return URLFetcherResponse(real.as_uri(), body=real.read_bytes(),
                                  headers={"Content-Type": mime})


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        # The machine's lack of HarfBuzz-Subset is not a problem of the document: fontTools subsets
        # the fonts instead (and honours SOURCE_DATE_EPOCH, which keeps the output reproducible).
        if "HarfBuzz-Subset" not in message:
            self.messages.append(message)


def render_pdf(html: str, *, base_url: Path, roots: tuple[Path, ...], edition: str,
               title: str, epoch: int, strict: bool = False) -> RenderedPDF:
    """Lay out and write one edition. Under ``strict``, any engine warning fails the build."""
    fetcher = ProjectFetcher(roots)
    collector = _Collector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        document = weasyprint.HTML(string=html, base_url=base_url.as_uri() + "/",
                                   url_fetcher=fetcher).render()
        identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode()
        options = {
            "pdf_variant": VARIANTS[edition],
            "pdf_identifier": identifier,
            "pdf_tags": edition == "screen",
        }
        data = document.write_pdf(**options)
    except RenderError:
        raise
    except Exception as exc:  # the engine's own failure, with its message
        raise RenderError(f"WeasyPrint failed on {title}: {exc}") from exc
    finally:
        logger.removeHandler(collector)
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous
    problems = tuple(dict.fromkeys(
        [f"resource refused: {r}" for r in fetcher.refused] + collector.messages))
    if strict and problems:
        raise RenderError(
            f"{title}: " + "; ".join(problems),
            hint="fix the resource or the CSS, or build without --strict to see the PDF",
        )
    return RenderedPDF(data, len(document.pages), problems)
