"""Open311 documents in JSON or XML, shaped as the GeoReport v2 examples."""

from __future__ import annotations

import json
from datetime import datetime
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from flask import Response, current_app

MIMETYPES = {"json": "application/json", "xml": "text/xml"}


class Open311Error(Exception):
    """A refusal rendered as the spec's errors document."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def w3c(value: datetime | None) -> str | None:
    """W3C date-time with the bureau's offset, e.g. 2026-11-30T08:15:30+08:00."""
    if value is None:
        return None
    tz = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return value.astimezone(tz).replace(microsecond=0).isoformat()


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value, item_tag: str) -> None:
    """Dicts become child elements, lists repeat `item_tag`, None an empty element."""
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child, _ITEM_TAGS.get(key, key[:-1]))
    elif isinstance(value, list):
        for child in value:
            _fill(ET.SubElement(element, item_tag), child, item_tag)
    elif value is not None:
        element.text = _text(value)


# The element that repeats inside each list-valued field, as in the spec's examples.
_ITEM_TAGS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def to_xml(root: str, value, item_tag: str) -> bytes:
    """An XML document with the declaration and UTF-8, as the spec requires."""
    element = ET.Element(root)
    _fill(element, value, item_tag)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def respond(fmt: str, value, *, root: str, item_tag: str, status: int = 200) -> Response:
    """The same data as JSON or as XML (`root` and `item_tag` name the XML elements)."""
    body = to_xml(root, value, item_tag) if fmt == "xml" else json.dumps(value, ensure_ascii=False)
    return Response(body, status=status, mimetype=MIMETYPES[fmt], content_type=None)


def error_response(fmt: str, error: Open311Error) -> Response:
    """[{"code": 400, "description": "..."}] or <errors><error><code>…"""
    items = [{"code": error.status, "description": error.description}]
    return respond(fmt, items, root="errors", item_tag="error", status=error.status)
