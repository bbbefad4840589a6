"""Pages as PDF: WeasyPrint renders the printable HTML offline (fonts embedded, no network)."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import current_app
from PIL import ImageFile
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.security import safe_join

# Importing WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES, which would make the
# photo upload check accept truncated files. The report embeds no uploaded images: switch it off.
ImageFile.LOAD_TRUNCATED_IMAGES = False

# Relative links in the page resolve against this; only its /static/ files are ever read.
BASE_URL = "http://report.invalid/"
_STATIC = BASE_URL + "static/"


class StaticFiles(URLFetcher):
    """Serves the app's static files from disk and refuses every other URL: a report never
    reaches the network (intranets are often offline) and a URL in a text cannot make it."""

    def fetch(self, url, headers=None):
        path = safe_join(current_app.static_folder, url.removeprefix(_STATIC).split("?")[0])
        if not url.startswith(_STATIC) or path is None or not Path(path).is_file():
            raise ValueError(f"not a static file: {url}")  # WeasyPrint skips the resource
        mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, Path(path).read_bytes(), {"Content-Type": mime})


def render_pdf(html: str) -> bytes:
    """The page as an A4 PDF (sizes and page numbers come from its print stylesheet)."""
    return HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFiles()).write_pdf()
