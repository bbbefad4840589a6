"""Whole plan pages for anonymous visitors: rendered once a minute per page and language, and
personalised per response by swapping in four values (CSP nonce, CSRF token, the form's signed
timestamp and the view count).

Rendering the page (map, legend, form with every topic and place) was most of its cost; a cached
copy turns a plan page into a few string replacements. Signed-in visitors and responses that
carry a flashed message are always rendered afresh.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from urllib.parse import urlencode

from flask import g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from crowdplan.i18n import current_language
from crowdplan.memo import Memo

TTL_SECONDS = 60  # how stale a cached page may be (replies, decisions, countdown)
NONCE, CSRF, STARTED, VIEWS = "\x00nonce\x00", "\x00csrf\x00", "\x00started\x00", "\x00views\x00"

_pages: Memo[str] = Memo(size=512)


def cacheable() -> bool:
    """Only what every anonymous visitor of this URL would see alike."""
    return (
        request.method == "GET" and not current_user.is_authenticated and "_flashes" not in session
    )


def page(
    key: Hashable,
    render: Callable[[], str],
    *,
    views: int,
    started: str,
    params: tuple[str, ...] = ("version",),
) -> str:
    """The page for this request: from the cache, or rendered now and cached.

    `started` is this response's signed form timestamp; the render must use g.form_started.
    The copy is keyed on the path and the query parameters the page reads (`params`), never
    the raw query string: `?x=random` would miss the cache and store one more copy each time.
    The cached page's own links (the language switch) see only those parameters too, so one
    visitor's query text never shows in another's page.
    """
    token = generate_csrf()  # this visitor's token (also sets it in their session)
    used = tuple((name, request.args[name]) for name in params if name in request.args)
    full_key = (key, request.path, used, current_language(), int(time.time() // TTL_SECONDS))

    def build() -> str:
        g.form_started = started
        g.canonical_path = request.path + (f"?{urlencode(used)}" if used else "")
        html = render()
        return (
            html.replace(g.csp_nonce, NONCE)
            .replace(token, CSRF)
            .replace(started, STARTED)
            .replace(f'class="views">{views}<', f'class="views">{VIEWS}<')
        )

    template = _pages.get(full_key, build)
    return (
        template.replace(NONCE, g.csp_nonce)
        .replace(CSRF, token)
        .replace(STARTED, started)
        .replace(VIEWS, str(views))
    )


def clear() -> None:
    """Forget every cached page (tests)."""
    _pages.clear()
