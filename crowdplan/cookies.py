"""First-party random identifiers in cookies (guest supports, visitor counting)."""

from __future__ import annotations

import secrets

from flask import after_this_request, current_app, request

ONE_YEAR = 365 * 86400


def first_party_id(name: str) -> str:
    """The random id in cookie `name`; a new one is made and set on this response if missing."""
    value = request.cookies.get(name)
    if value and len(value) <= 64:
        return value
    value = secrets.token_urlsafe(24)

    @after_this_request
    def _remember(response):
        # Secure whenever the session cookie is (production): HTTPS only, like the session.
        secure = current_app.config.get("SESSION_COOKIE_SECURE", False)
        response.set_cookie(
            name, value, max_age=ONE_YEAR, httponly=True, samesite="Lax", secure=secure
        )
        return response

    return value
