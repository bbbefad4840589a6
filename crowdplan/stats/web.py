"""Counting a page view from a request: first-party visitor cookie, bots skipped."""

from __future__ import annotations

from flask import request

from crowdplan.cookies import first_party_id
from crowdplan.stats.counting import is_bot, record_view

VISITOR_COOKIE = "cp_visitor"


def count_view(object_type: str, object_id: int) -> None:
    """Record this request as a view of the object (in its own transaction)."""
    if is_bot(request.headers.get("User-Agent")):
        return
    record_view(object_type, object_id, visitor=first_party_id(VISITOR_COOKIE))
