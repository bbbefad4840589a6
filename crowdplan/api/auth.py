"""Who is calling the API: an API key (X-API-Key, or api_key for Open311) or the session.

Every request to /api and /open311 is counted per network address before anything else, so a
new random key per request buys nothing; a key that is sent but unknown is then refused on
every route (lists included), counted in a log line rather than written to the audit chain.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time

from flask import Blueprint, current_app, g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from crowdplan.api.keys import authenticate
from crowdplan.api.models import ApiKey
from crowdplan.errors import AppError, render_error
from crowdplan.extensions import limiter

log = logging.getLogger(__name__)

HEADER = "X-API-Key"
API_PREFIXES = ("/api/", "/open311/")


def raw_key(*, allow_param: bool = False) -> str | None:
    """The key the caller sent, if any; Open311 clients may send it as a parameter."""
    raw = request.headers.get(HEADER)
    if not raw and allow_param:
        raw = request.values.get("api_key")
    return raw or None


def _sent_key() -> str | None:
    return raw_key(allow_param=request.blueprint == "open311")


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
    """The sent key, hashed, so the limiter storage never holds keys.

    Unknown keys get a count too, but only as many as the per-address limit lets through.
    """
    raw = _sent_key() or ""
    return "key:" + hashlib.sha256(raw.encode()).hexdigest()[:24]


def rate_limit() -> str:
    """The API limit, from API_RATE_LIMIT (per network address, and per key)."""
    return current_app.config["API_RATE_LIMIT"]


def limit_api(bp: Blueprint) -> None:
    """Limit every route of `bp` per network address first, then per key when one is sent."""
    limiter.shared_limit(rate_limit, scope="api-address", key_func=get_remote_address)(bp)
    limiter.shared_limit(
        rate_limit, scope="api-key", key_func=rate_limit_key, exempt_when=lambda: not _sent_key()
    )(bp)


class RefusalCounter:
    """Refused keys in this process: one log line per interval with the count and the rate."""

    def __init__(self, interval_s: float = 60.0):
        self.interval_s = interval_s
        self.total = 0
        self._pending = 0
        self._since = time.monotonic()
        self._lock = threading.Lock()

    def add(self) -> None:
        """Count one refusal; log when the interval has passed (or at the very first)."""
        with self._lock:
            self.total += 1
            self._pending += 1
            elapsed = time.monotonic() - self._since
            if self.total > 1 and elapsed < self.interval_s:
                return
            count, self._pending, self._since = self._pending, 0, time.monotonic()
        log.warning(
            "refused %d request(s) with an unknown API key in %.0f s (%.2f/s), %d since start",
            count, elapsed, count / max(elapsed, 1.0), self.total,
        )  # fmt: skip


refusals = RefusalCounter()


def refuse_unknown_key():
    """Before every API and Open311 view: an unknown or revoked key ends the request."""
    if not request.path.startswith(API_PREFIXES) or not _sent_key():
        return None
    try:
        current_key(allow_param=request.blueprint == "open311")
    except AppError as exc:
        refusals.add()
        if request.blueprint == "open311":
            raise  # answered as an Open311 errors document by that blueprint's handler
        # Answered here, not raised: the app's 403 handler would write one audit row each.
        return render_error(exc.status, exc.message, exc.code)
    return None
