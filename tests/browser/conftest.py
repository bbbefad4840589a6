"""Browser harness: the app on a loopback port, Debian's Chromium driven headless by Playwright.

Every request to a non-loopback host is aborted and recorded, and every console error or
uncaught page error is recorded; a test fails if either list is not empty at its end.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CROWDPLAN_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _buffered(app):
    """Read each response fully and close it before sending: a browser that navigates away
    mid-download must not leave an open file behind (the dev server would not close it, and
    pytest turns the ResourceWarning into a failure of whichever test runs then)."""

    def wrapper(environ, start_response):
        environ.pop("wsgi.file_wrapper", None)
        result = app(environ, start_response)
        try:
            return [b"".join(result)]
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    return wrapper


@pytest.fixture(scope="session")
def live_server(app):
    """Serve the app (threaded WSGI server) on a free loopback port."""
    server = make_server("127.0.0.1", 0, _buffered(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium from Debian (never a downloaded browser build)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class PageWatch:
    """What a page did that a test must not allow."""

    external_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture
def page_watch() -> PageWatch:
    """The external requests and console errors seen by `page`."""
    return PageWatch()


@pytest.fixture
def page(browser, live_server, page_watch):
    """A fresh browser context and page; fails the test on external requests or console errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")

    def _route(route):
        host = urlsplit(route.request.url).hostname or ""
        if host in LOOPBACK or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            page_watch.external_requests.append(route.request.url)
            route.abort()

    context.route("**/*", _route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and page_watch.console_errors.append(m.text))
    page.on("pageerror", lambda e: page_watch.console_errors.append(str(e)))
    page.set_default_timeout(15000)
    yield page
    context.close()
    assert page_watch.external_requests == [], "page reached outside loopback"
    assert page_watch.console_errors == [], "console errors"


def login(page, live_server: str, email: str, password: str = "crowdplan-demo") -> None:
    """Sign in through the real form (the demo accounts share one password)."""
    page.goto(f"{live_server}/login")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit] >> nth=-1")
    page.wait_for_url(f"{live_server}/")
