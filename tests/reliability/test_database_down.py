"""PostgreSQL stops under a running site: 503 with a clear message, then back by itself.

The database here is a private PostgreSQL cluster (the shared one serves the rest of the
suite), really stopped with pg_ctl and started again; the site is gunicorn with the production
settings, and the same worker processes must serve again once the database is back.
"""

from __future__ import annotations

import json
import time

from tests.reliability.servers import Gunicorn, PrivatePostgres, app_env, flask, get


def test_pages_and_api_answer_503_while_postgresql_is_down_and_recover(tmp_path):
    pg = PrivatePostgres().init()
    pg.start()
    server = None
    try:
        url = pg.create_database("crowdplan")
        env = app_env(tmp_path / "instance", DATABASE_URL=url, STATS_CACHE_SECONDS="0")
        flask(env, "db", "upgrade")
        flask(env, "seed-demo")
        server = Gunicorn(env, tmp_path)
        pages = ("/plans/", "/stats", "/api/v1/stats")
        for path in pages:
            assert get(server.base + path)[0] == 200, path
        workers = server.workers()
        assert len(workers) == 2

        pg.stop()
        started = time.monotonic()
        status, body, headers = get(server.base + "/plans/")
        assert status == 503
        assert "服务暂时不可用" in body and "Traceback" not in body
        assert headers.get("Retry-After") == "5"
        status, body, _ = get(server.base + "/api/v1/stats")
        assert status == 503
        assert json.loads(body)["error"]["code"] == "database_unavailable"
        assert get(server.base + "/readyz")[0] == 503
        assert time.monotonic() - started < 20  # refused fast, no hanging workers

        pg.start()
        deadline = time.monotonic() + 30
        while get(server.base + "/plans/")[0] != 200:
            assert time.monotonic() < deadline, "the site did not recover"
            time.sleep(0.5)
        for _ in range(4):  # both workers, whichever gets the request
            for path in pages:
                assert get(server.base + path)[0] == 200, path
        assert server.workers() == workers  # recovered in place, not restarted
    finally:
        if server is not None:
            server.stop()
        pg.destroy()
