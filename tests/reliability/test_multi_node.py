"""Two gunicorn instances on different ports, one database and one Redis: what one writes the
other serves, and rate limits and view counts are shared and exact; on both backends."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
import uuid

import sqlalchemy as sa

from tests.conftest import REDIS_URL
from tests.reliability.servers import (
    BIN,
    ROOT,
    Gunicorn,
    get,
    post_json,
    prepared_site,
    suggestion_body,
)

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36"


def _view(base: str, path: str, cookie: str | None) -> tuple[int, str | None]:
    """One page view; returns the status and the visitor cookie the server signed, if it set one
    (visitor ids are issued by the server: a made-up value would be ignored)."""
    headers = {"User-Agent": BROWSER}
    if cookie:
        headers["Cookie"] = f"cp_visitor={cookie}"
    request = urllib.request.Request(base + path, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as r:
        r.read()
        issued = None
        for value in r.headers.get_all("Set-Cookie") or []:
            if value.startswith("cp_visitor="):
                issued = value.split(";", 1)[0].split("=", 1)[1]
        return r.status, issued


def _sign_in(base: str, login: str) -> int:
    """One sign-in attempt with a wrong password through the real form (a new session).

    Production cookies are Secure and these servers speak plain HTTP on loopback, so the
    session cookie is carried by hand rather than by a cookie jar that would drop it.
    """
    import urllib.error
    import urllib.parse

    with urllib.request.urlopen(f"{base}/login", timeout=30) as r:
        page = r.read().decode()
        cookie = r.headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = {"login": login, "password": "not-the-password-1", "csrf_token": token}
    request = urllib.request.Request(
        f"{base}/login", data=urllib.parse.urlencode(form).encode(), method="POST",
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        with e:
            return e.code


def test_two_nodes_share_data_limits_and_counts(site_database, tmp_path):
    prefix = f"crowdplan-multinode-{uuid.uuid4().hex[:8]}"
    env, key = prepared_site(
        site_database,
        tmp_path,
        REDIS_URL=REDIS_URL,
        REDIS_KEY_PREFIX=prefix,
        RATELIMIT_KEY_PREFIX=prefix,
        API_RATE_LIMIT="12/minute",
        COUNTER_FLUSH_SECONDS="0.5",
    )
    a = Gunicorn(env, tmp_path, workers=2)
    b = Gunicorn(env, tmp_path, workers=2)
    try:
        # Written through A, served by B.
        status, body = post_json(f"{a.base}/api/v1/suggestions", suggestion_body(1, 1),
                                 {"X-API-Key": key})  # fmt: skip
        assert status == 201, body
        status, page, _ = get(f"{b.base}/api/v1/suggestions/{body['id']}")
        assert status == 200 and json.loads(page)["text"] == suggestion_body(1, 1)["text"]

        plan = json.loads(get(f"{a.base}/api/v1/plans")[1])["items"][0]["id"]

        # One limit of 12 per minute across both nodes, per address and per key: the post and the
        # two reads above count against this address, so 9 more pass, then 429.
        statuses = []
        for n in range(2, 16):
            node = a if n % 2 else b
            s, _ = post_json(f"{node.base}/api/v1/suggestions", suggestion_body(1, n),
                             {"X-API-Key": key})  # fmt: skip
            statuses.append(s)
        assert statuses == [201] * 9 + [429] * 5

        # One sign-in limit for an account across both nodes: the 6th attempt is refused.
        attempts = [
            _sign_in(a.base if n % 2 else b.base, "citizen@demo.crowdplan") for n in range(6)
        ]
        assert attempts == [400] * 5 + [429]

        # Views through both nodes with 7 different visitors add up exactly.
        cookies: list[str] = []
        for n in range(40):
            known = cookies[n % 7] if len(cookies) == 7 else None
            status, issued = _view(a.base if n % 2 else b.base, f"/plans/{plan}", known)
            assert status == 200
            if known is None:
                assert issued, "the first view of a visitor gets a signed cookie"
                cookies.append(issued)
        flushed = subprocess.run(
            [str(BIN / "flask"), "--app", "crowdplan", "flush-counters"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert flushed.returncode == 0, flushed.stderr
        engine = sa.create_engine(site_database)
        try:
            with engine.connect() as conn:
                where = "WHERE object_type = 'plan' AND object_id = :p"
                views = conn.execute(
                    sa.text(f"SELECT SUM(views) FROM view_counts {where}"), {"p": plan}
                ).scalar()
                visitors = conn.execute(
                    sa.text(f"SELECT COUNT(*) FROM unique_visitors {where}"), {"p": plan}
                ).scalar()
        finally:
            engine.dispose()
        assert views == 40 and visitors == 7
    finally:
        a.stop()
        b.stop()
