"""Concurrent writers through gunicorn: every acknowledged suggestion is stored, even when
workers or the whole server are killed with SIGKILL mid-load; on SpatiaLite and on PostGIS.

CI runs 64 writers x CROWDPLAN_RELIABILITY_PER_WRITER (default 25) suggestions per backend;
bench/reliability.py runs the full 64 x 250 = 16,000.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import sqlalchemy as sa

from tests.reliability.harness import hammer, lost
from tests.reliability.servers import (
    Gunicorn,
    app_env,
    get,
    post_json,
    prepared_site,
    suggestion_body,
)

WRITERS = 64
PER_WRITER = int(os.environ.get("CROWDPLAN_RELIABILITY_PER_WRITER", "25"))
UNLIMITED = {"API_RATE_LIMIT": "1000000/minute"}


def _writer(base: str, key: str):
    def write(w: int, n: int):
        status, body = post_json(
            f"{base}/api/v1/suggestions", suggestion_body(w, n), {"X-API-Key": key}
        )
        return status, (body or {}).get("id") if status == 201 else None

    return write


def _stored_ids(database_url: str) -> set[int]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return set(conn.execute(sa.text("SELECT id FROM suggestions")).scalars())
    finally:
        engine.dispose()


def test_64_concurrent_writers_lose_nothing(site_database, tmp_path):
    env, key = prepared_site(site_database, tmp_path, **UNLIMITED)
    seeded = _stored_ids(site_database)
    server = Gunicorn(env, tmp_path, workers=2)
    try:
        outcome = hammer(_writer(server.base, key), WRITERS, PER_WRITER)
    finally:
        server.stop()
    assert outcome.connection_errors == 0
    assert outcome.server_errors == 0, outcome.statuses
    assert outcome.statuses == {201: WRITERS * PER_WRITER}
    stored = _stored_ids(site_database) - seeded
    assert set(outcome.acked) == stored
    assert lost(len(outcome.acked), len(stored)) == 0


def test_kill_9_of_a_worker_and_of_the_server_loses_no_acknowledged_suggestion(
    site_database, tmp_path
):
    env, key = prepared_site(site_database, tmp_path, **UNLIMITED)
    server = Gunicorn(env, tmp_path, workers=2)
    stop = threading.Event()
    result = {}

    def load():
        result["outcome"] = hammer(_writer(server.base, key), 16, 10_000, stop=stop)

    writers = threading.Thread(target=load)
    writers.start()
    try:
        time.sleep(2.0)
        victim = sorted(server.workers())[0]
        os.kill(victim, signal.SIGKILL)  # one worker dies mid-request; the master replaces it
        time.sleep(2.0)
        server.kill_all()  # then the whole server
        time.sleep(0.5)
    finally:
        stop.set()
        writers.join(timeout=120)
        server.stop()
    outcome = result["outcome"]
    assert len(outcome.acked) > 50, "the load ran before the kills"
    assert outcome.server_errors == 0, outcome.statuses
    assert outcome.connection_errors > 0, "the kills interrupted requests"

    restarted = Gunicorn(env, tmp_path, workers=2)
    try:
        stored = _stored_ids(site_database)
        missing = set(outcome.acked) - stored
        assert not missing, f"{len(missing)} acknowledged suggestions lost"
        for sid in outcome.acked[-20:]:  # served again by the new server
            status, body, _ = get(f"{restarted.base}/api/v1/suggestions/{sid}")
            assert status == 200 and json.loads(body)["id"] == sid
    finally:
        restarted.stop()


def test_the_harness_catches_a_naive_read_then_write_counter(tmp_path):
    """The same harness against a counter that reads then writes: it must report losses."""
    env = app_env(tmp_path / "instance", NAIVE_DB=str(tmp_path / "naive.sqlite"))
    server = Gunicorn(env, tmp_path, workers=2, app_spec="tests.reliability.naive_app:create_app()")
    try:

        def write(_w: int, _n: int):
            status, body = post_json(f"{server.base}/count", {})
            return status, (body or {}).get("id")

        outcome = hammer(write, WRITERS, 10)
        stored = json.loads(get(f"{server.base}/value")[1])["n"]
    finally:
        server.stop()
    assert outcome.statuses == {201: WRITERS * 10}
    assert lost(len(outcome.acked), stored) > 0, "the naive counter lost nothing?"
