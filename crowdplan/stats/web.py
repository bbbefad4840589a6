"""Counting a page view from a request: first-party visitor cookie, bots skipped."""

from __future__ import annotations

import secrets

from flask import after_this_request, request

from crowdplan.extensions import db
from crowdplan.stats.counting import is_bot, record_view

VISITOR_COOKIE = "cp_visitor"


def count_view(object_type: str, object_id: int) -> None:
    """Record this request as a view of the object (and commit: the page only reads)."""
    if is_bot(request.headers.get("User-Agent")):
        return
    visitor = request.cookies.get(VISITOR_COOKIE)
    if not visitor or len(visitor) > 64:
        visitor = secrets.token_urlsafe(18)

        @after_this_request
        def _remember(response):
            response.set_cookie(
                VISITOR_COOKIE, visitor, max_age=365 * 86400, httponly=True, samesite="Lax"
            )
            return response

    record_view(object_type, object_id, visitor=visitor)
    db.session.commit()
