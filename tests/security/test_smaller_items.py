"""Issue 14's smaller items: no-store on staff responses, Secure cookies in production,
the page cache ignoring unknown parameters, one password hash per sign-in whether or not the
account exists, a mail budget per recipient, TRUSTED_HOSTS in production."""

from __future__ import annotations

import importlib

import pytest

from crowdplan.plans import pagecache
from tests.suggest_helpers import plan_in_notice, post_suggestion


def test_staff_pages_and_json_are_no_store_and_public_pages_are_not(demo, client, auth):
    with client.get("/plans/") as r:
        assert "no-store" not in r.headers.get("Cache-Control", "")
    auth.login_as("admin")
    for url in ("/staff/", "/staff/inbox/", "/staff/audit/", "/plans/"):
        with client.get(url) as r:
            assert r.status_code == 200, url
            assert r.headers["Cache-Control"] == "no-store", url


def test_api_responses_to_a_key_are_no_store(demo, client):
    from tests.api_helpers import make_key

    key = make_key(demo, "staff-read")
    with client.get("/api/v1/suggestions", headers={"X-API-Key": key}) as r:
        assert r.headers["Cache-Control"] == "no-store"


def test_the_page_cache_ignores_parameters_the_page_does_not_read(demo, client, monkeypatch):
    pagecache.clear()
    plan_id = plan_in_notice(demo)
    calls = []
    real_get = pagecache._pages.get
    monkeypatch.setattr(pagecache._pages, "get", lambda key, build: calls.append(key) or
                        real_get(key, build))  # fmt: skip
    pages = [client.get(f"/plans/{plan_id}?x={n}").get_data(as_text=True) for n in range(3)]
    assert len({key for key in calls}) == 1  # one copy, not one per ?x=
    assert all("x%3D" not in p and "x=0" not in p for p in pages)  # not in the language link
    pagecache.clear()


def test_sign_in_runs_the_hash_for_unknown_and_real_accounts(demo, client, auth, monkeypatch):
    import crowdplan.auth.models as models

    seen = []
    real = models.check_password_hash
    monkeypatch.setattr(models, "check_password_hash", lambda h, p: seen.append(p) or real(h, p))
    assert auth.login("nobody@example.org", "some-password").status_code == 400
    assert auth.login("citizen@demo.crowdplan", "wrong-password").status_code == 400
    assert seen == ["some-password", "wrong-password"]


def test_confirmation_mails_are_limited_per_recipient(demo, app):
    clients = [app.test_client() for _ in range(4)]  # as if from fresh sessions
    statuses = []
    for client in clients:
        with post_suggestion(client, guest_email="victim@example.org") as r:
            statuses.append(r.status_code)
    assert statuses == [202, 202, 202, 429]
    with post_suggestion(clients[0], guest_email="someone-else@example.org") as r:
        assert r.status_code == 202


def test_photos_are_revalidated_on_every_view(demo, client, auth):
    import io

    from PIL import Image
    from sqlalchemy import select

    from crowdplan.extensions import db
    from crowdplan.suggestions.models import SuggestionPhoto

    raw = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 100, 50)).save(raw, "JPEG")
    auth.login_as("citizen")
    with post_suggestion(client, photos=[(raw.getvalue(), "a.jpg")]) as r:
        assert r.status_code == 302
    auth.logout()
    with demo.app_context():
        name = db.session.scalar(select(SuggestionPhoto.name))
    with client.get(f"/suggestions/photos/{name}") as r:
        assert r.status_code == 200
        # The view checks visibility on every request; no copy outlives a hidden suggestion.
        assert r.headers["Cache-Control"] == "public, no-cache"


@pytest.fixture
def production(monkeypatch, tmp_path):
    from cryptography.fernet import Fernet

    monkeypatch.setenv("CROWDPLAN_INSTANCE", str(tmp_path))
    monkeypatch.setenv("CROWDPLAN_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("CROWDPLAN_DATA_KEYS", Fernet.generate_key().decode())
    monkeypatch.setenv("CROWDPLAN_BASE_URL", "https://plan.example.gov.cn")
    import config

    config = importlib.reload(config)
    from crowdplan import create_app

    yield create_app(config.ProductionConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    monkeypatch.undo()
    importlib.reload(config)


def test_production_cookies_are_secure_and_only_trusted_hosts_answer(production):
    client = production.test_client()
    base = "https://plan.example.gov.cn"
    with client.get("/lang/en?next=/", base_url=base) as r:
        cookies = r.headers.getlist("Set-Cookie")
        assert any(c.startswith("lang=") for c in cookies)
        assert all("Secure" in c for c in cookies)
    with production.test_request_context(base_url=base):
        from crowdplan.cookies import first_party_id

        first_party_id("cp_visitor")
        response = production.process_response(production.response_class())
        assert all("Secure" in c for c in response.headers.getlist("Set-Cookie"))
    with client.get("/healthz", base_url="https://evil.example") as r:
        assert r.status_code == 400
    with client.get("/healthz", base_url=base) as r:
        assert r.status_code == 200
