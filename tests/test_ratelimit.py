"""The shared limiter: a clear 429 in the user's language, with Retry-After, on pages and API."""

from __future__ import annotations

import pytest
from flask import Flask

from config import TestingConfig
from crowdplan import create_app
from crowdplan.extensions import limiter
from tests.conftest import csrf_from


@pytest.fixture
def limited_app(tmp_path) -> Flask:
    """An app (no database needed) with one route limited to 2 per minute."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.sqlite'}")

    @app.get("/api/v1/_limited")
    @app.get("/_limited")
    @limiter.limit("2/minute")
    def _limited():
        return "ok"

    return app


@pytest.mark.parametrize(
    ("path", "lang", "expected"),
    [
        ("/_limited", "zh_CN", "请求过于频繁"),
        ("/_limited", "en", "Too many requests"),
        ("/api/v1/_limited", "en", "Too many requests"),
    ],
)
def test_third_request_in_a_minute_is_refused_with_retry_after(limited_app, path, lang, expected):
    client = limited_app.test_client()
    client.set_cookie("lang", lang)
    for _ in range(2):
        with client.get(path) as ok:
            assert ok.status_code == 200
    with client.get(path) as refused:
        assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        body = refused.get_data(as_text=True)
        assert expected in body
        assert "Traceback" not in body
        if path.startswith("/api/"):
            assert refused.json["error"]["code"] == "too_many_requests"


def test_behind_a_proxy_limits_count_the_client_not_the_proxy(tmp_path):
    """With PROXY_COUNT=1 two clients behind nginx get separate limits; without it, one."""
    for proxies, second_client_status in ((1, 200), (0, 429)):
        app = create_app(
            TestingConfig,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.sqlite'}",
            PROXY_COUNT=proxies,
        )

        @app.get("/_limited")
        @limiter.limit("1/minute")
        def _limited():
            return "ok"

        client = app.test_client()
        with client.get("/_limited", headers={"X-Forwarded-For": "203.0.113.1"}) as first:
            assert first.status_code == 200
        with client.get("/_limited", headers={"X-Forwarded-For": "203.0.113.2"}) as second:
            assert second.status_code == second_client_status


def _login_post(client, login: str, ip: str, password: str = "wrong-password-123"):
    page = client.get("/login", environ_base={"REMOTE_ADDR": ip}).get_data(as_text=True)
    data = {"login": login, "password": password, "csrf_token": csrf_from(page)}
    return client.post("/login", data=data, environ_base={"REMOTE_ADDR": ip})


def test_sixth_login_attempt_per_account_is_refused_from_any_address(demo, client):
    statuses = []
    for i in range(6):
        with _login_post(client, "citizen@demo.crowdplan", f"192.0.2.{i + 1}") as r:
            statuses.append(r.status_code)
            last = r
    assert statuses == [400] * 5 + [429]
    assert 0 < int(last.headers["Retry-After"]) <= 60
    # Another account from a fresh address is not affected.
    with _login_post(client, "org@demo.crowdplan", "192.0.2.99", "crowdplan-demo") as other:
        assert other.status_code == 302


def test_sixth_login_attempt_per_address_is_refused_for_any_account(demo, client):
    logins = [f"someone{i}@example.cn" for i in range(5)] + ["citizen@demo.crowdplan"]
    statuses = []
    for login in logins:
        with _login_post(client, login, "198.51.100.7", "crowdplan-demo") as r:
            statuses.append(r.status_code)
            body = r.get_data(as_text=True)
    assert statuses == [400] * 5 + [429]
    assert "请求过于频繁" in body  # the default language's message, not a stack trace


def test_password_reset_requests_are_capped_per_account(demo, client):
    statuses = []
    for i in range(4):
        page = client.get("/password/forgot").get_data(as_text=True)
        data = {"email": "citizen@demo.crowdplan", "csrf_token": csrf_from(page)}
        with client.post(
            "/password/forgot", data=data, environ_base={"REMOTE_ADDR": f"203.0.113.{i}"}
        ) as r:
            statuses.append(r.status_code)
    assert statuses == [302, 302, 302, 429]
