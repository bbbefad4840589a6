"""First-party identifiers in cookies (guest supports and flags, visitor counting).

The server mints every id and signs it (HMAC-SHA256 with SECRET_KEY): a value the client made
up, copied from nowhere or edited is not an identity, so it is ignored and a new one issued. A
client can still drop its cookie and get a fresh id on every request; what bounds that is the
rate limit per network (see crowdplan.suggestions.reactions), not the cookie.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import after_this_request, current_app, request
from itsdangerous import BadSignature, Signer

ONE_YEAR = 365 * 86400
MAX_COOKIE = 128


def _signer(name: str) -> Signer:
    # One salt per cookie name: a signed visitor id is not a valid guest id.
    return Signer(
        current_app.config["SECRET_KEY"],
        salt=f"crowdplan.cookie.{name}",
        digest_method=hashlib.sha256,
    )


def read_signed_id(name: str) -> str | None:
    """The id in cookie `name` if this server issued it; None when missing or not signed."""
    value = request.cookies.get(name)
    if not value or len(value) > MAX_COOKIE:
        return None
    try:
        return _signer(name).unsign(value).decode()
    except (BadSignature, UnicodeDecodeError):
        return None


def first_party_id(name: str) -> str:
    """The server-issued id in cookie `name`; a new one is minted, signed and set on this
    response when the cookie is missing, unsigned or forged."""
    value = read_signed_id(name)
    if value is not None:
        return value
    value = secrets.token_urlsafe(24)
    signed = _signer(name).sign(value).decode()

    @after_this_request
    def _remember(response):
        # Secure whenever the session cookie is (production): HTTPS only, like the session.
        secure = current_app.config.get("SESSION_COOKIE_SECURE", False)
        response.set_cookie(
            name, signed, max_age=ONE_YEAR, httponly=True, samesite="Lax", secure=secure
        )
        return response

    return value
