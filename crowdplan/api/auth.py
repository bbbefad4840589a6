"""Who is calling the API: an API key (X-API-Key, or api_key for Open311) or the session."""

from __future__ import annotations

import hashlib

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from crowdplan.api.keys import authenticate
from crowdplan.api.models import ApiKey
from crowdplan.errors import AppError

HEADER = "X-API-Key"


def raw_key(*, allow_param: bool = False) -> str | None:
    """The key the caller sent, if any; Open311 clients may send it as a parameter."""
    raw = request.headers.get(HEADER)
    if not raw and allow_param:
        raw = request.values.get("api_key")
    return raw or None


def current_key(*, allow_param: bool = False) -> ApiKey | None:
    """The caller's active key; a key that is sent but unknown or revoked is refused (403)."""
    if "api_key" not in g:
        raw = raw_key(allow_param=allow_param)
        key = authenticate(raw) if raw else None
        if raw and key is None:
            raise AppError(_("The API key is not valid."), status=403, code="bad_key")
        g.api_key = key
    return g.api_key


def require_scope(scope: str, *, allow_param: bool = False) -> ApiKey:
    """The caller's key if it carries `scope`; 401 without a key, 403 without the scope."""
    key = current_key(allow_param=allow_param)
    if key is None:
        raise AppError(_("An API key is required."), status=401, code="key_required")
    if not key.has_scope(scope):
        raise AppError(
            _("This API key may not do this (scope %(scope)s needed).", scope=scope),
            status=403,
            code="scope_required",
        )
    return key


def rate_limit_key() -> str:
    """Limit per key when one is sent (hashed, so the limiter storage never holds keys)."""
    raw = raw_key(allow_param=True)
    if raw:
        return "key:" + hashlib.sha256(raw.encode()).hexdigest()[:24]
    return "ip:" + (get_remote_address() or "-")


def rate_limit() -> str:
    """The per-key limit, from API_RATE_LIMIT."""
    return current_app.config["API_RATE_LIMIT"]
