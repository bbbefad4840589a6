"""The smallest WSGI app: the baseline that plan_page.py measures crowdplan against."""

from __future__ import annotations

from collections.abc import Callable, Iterable

BODY = b"hello"
HEADERS = [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))]


def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
    """Answer every request with 200 and b"hello", touching nothing else."""
    start_response("200 OK", HEADERS)
    return [BODY]
