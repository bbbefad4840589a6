"""Checks on a plan document before it is stored: a PDF by content, by name, and inert."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from flask_babel import gettext as _

from crowdplan.errors import AppError

# PDF actions that run something (scripts, launching programs) or carry other files, and markup a
# browser would render if it ever sniffed the bytes. Names inside compressed object streams are
# not seen here; downloads are attachments with nosniff in any case, so this is a second wall.
_ACTIVE_PDF = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|RichMedia)(?![A-Za-z])")
_MARKUP = re.compile(rb"<(?:script|html|body|iframe|!doctype)[\s/>]", re.IGNORECASE)


def check_document(filename: str, data: bytes) -> None:
    """Refuse (415) what is not a plain PDF named .pdf."""
    if not data.startswith(b"%PDF-"):
        raise AppError(_("Only PDF documents can be attached."), status=415, code="not_pdf")
    if PurePosixPath(filename or "document.pdf").suffix.lower() != ".pdf":
        raise AppError(
            _("The file is a PDF but its name does not end in .pdf."),
            status=415,
            code="pdf_name",
        )
    if _ACTIVE_PDF.search(data) or _MARKUP.search(data):
        raise AppError(
            _("PDF documents with scripts, attached files or web pages inside are not accepted."),
            status=415,
            code="pdf_active",
        )
