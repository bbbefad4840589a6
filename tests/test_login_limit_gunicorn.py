"""Done-when: the 6th login within a minute is a 429 with two gunicorn workers sharing Redis.

A real gunicorn (2 sync workers) serves a migrated and seeded SpatiaLite file on a free loopback
port; rate-limit counts live in Redis under a key prefix of this test's own. Each sign-in uses a
new HTTP session (its own connection), so consecutive attempts may land on either worker; the
access log names the worker (pid) of every request, so the test can tell they shared the work.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REDIS_DB = 9
STARTUP_S = 90


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Redis is required in CI but unavailable: {reason}", pytrace=False)
    pytest.skip(f"Redis unavailable ({reason})")


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    """The machine's Redis on 6379, or a private redis-server on a free port when there is none."""
    url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
        yield url
        return
    except redis.RedisError as exc:
        server = shutil.which("redis-server")
        if server is None:
            _redis_unavailable(str(exc))
    port = _free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/{REDIS_DB}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis.from_url(url, socket_timeout=1).ping()
                break
            except redis.RedisError:
                if time.monotonic() > deadline:
                    _redis_unavailable("redis-server did not start")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(
        args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=STARTUP_S
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.fixture
def gunicorn(tmp_path, redis_url) -> Iterator[tuple[str, Path, redis.Redis, str]]:
    """A running 2-worker gunicorn on a migrated, seeded SpatiaLite file; yields its base URL."""
    prefix = f"crowdplan-test-{uuid.uuid4().hex[:12]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "RATELIMIT_"))}
    env.update(
        CROWDPLAN_ENV="development",
        CROWDPLAN_INSTANCE=str(tmp_path / "instance"),
        REDIS_URL=redis_url,
        RATELIMIT_KEY_PREFIX=prefix,
        MAIL_OUTBOX=str(tmp_path / "outbox"),
        CROWDPLAN_TILES="none",
    )
    env.pop("SECRET_KEY", None)
    env.pop("CROWDPLAN_DATA_KEYS", None)
    flask = [str(BIN / "flask"), "--app", "crowdplan"]
    _run([*flask, "db", "upgrade"], env)
    _run([*flask, "seed-demo"], env)
    port = _free_port()
    access_log = tmp_path / "access.log"
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            "%(p)s %(m)s %(U)s %(s)s",
            "crowdplan:create_app()",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    store = redis.Redis.from_url(redis_url)
    try:
        _wait_for_both_workers(base, access_log, server)
        yield base, access_log, store, prefix
    finally:
        server.terminate()
        server.wait(timeout=30)
        for key in store.scan_iter(match=f"*{prefix}/*"):
            store.delete(key)
        store.close()


def _worker_pids(access_log: Path, method: str | None = None, path: str = "") -> set[str]:
    pids = set()
    for line in access_log.read_text().splitlines():
        pid, verb, url, _status = line.split()
        if (method is None or verb == method) and url.startswith(path):
            pids.add(pid.strip("<>"))
    return pids


def _wait_for_both_workers(base: str, access_log: Path, server: subprocess.Popen) -> None:
    """Until /healthz answers and the access log shows two worker pids (both booted)."""
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited during start-up"
        try:
            # Concurrent requests: a busy worker leaves the next connection to the other one.
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda _: requests.get(f"{base}/healthz", timeout=5), range(16)))
            if access_log.exists() and len(_worker_pids(access_log)) >= 2:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    pytest.fail("gunicorn did not start two answering workers in time")


def _sign_in(base: str, login: str, password: str) -> requests.Response:
    with requests.Session() as session:  # a new connection and session for every attempt
        page = session.get(f"{base}/login", timeout=10)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        return session.post(
            f"{base}/login",
            data={"login": login, "password": password, "csrf_token": token},
            allow_redirects=False,
            timeout=10,
        )


def test_sixth_login_within_a_minute_is_429_across_two_workers(gunicorn):
    base, access_log, store, prefix = gunicorn
    responses = [_sign_in(base, "citizen@demo.crowdplan", "crowdplan-demo") for _ in range(6)]
    statuses = [r.status_code for r in responses]
    assert statuses == [302] * 5 + [429], statuses
    refused = responses[-1]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "请求过于频繁" in refused.text and "Traceback" not in refused.text
    # The counts are in Redis under this test's prefix, not in a worker's memory.
    keys = [k.decode() for k in store.scan_iter(match=f"*{prefix}/*")]
    assert keys, "no rate-limit keys in Redis: the workers did not share one count"
    assert not any("citizen@" in k for k in keys)  # the account key is a blind index
    # Both workers served this run (the sign-ins themselves land wherever the kernel puts them).
    assert len(_worker_pids(access_log)) == 2
    served_logins = _worker_pids(access_log, path="/login")
    print(f"/login served by worker pids {sorted(served_logins)}")
