"""API keys: stored hashed, printed once by the CLI, created and revoked by admins, scoped,
rate limited per key."""

from __future__ import annotations

import hashlib
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select

from config import TestingConfig
from crowdplan import create_app
from crowdplan.api.models import ApiKey
from crowdplan.audit.models import AuditRecord
from crowdplan.extensions import db
from tests.api_helpers import make_key
from tests.conftest import csrf_from


def test_cli_prints_the_key_once_and_stores_only_its_hash(demo):
    runner = demo.test_cli_runner()
    result = runner.invoke(
        args=["create-api-key", "--name", "12345热线", "--scope", "submit", "--scope", "staff-read"]
    )
    assert result.exit_code == 0, result.output
    raw = result.stdout.strip().splitlines()[0]
    assert raw.startswith("cp_") and len(raw) >= 40
    with demo.app_context():
        key = db.session.scalar(select(ApiKey))
        assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert raw.startswith(key.prefix) and len(key.prefix) < 16
        assert key.scope_list == ["submit", "staff-read"]
        stored = [str(v) for v in (key.name, key.prefix, key.key_hash, key.scopes)]
        assert all(raw not in value for value in stored)
    bad = runner.invoke(args=["create-api-key", "--name", "x", "--scope", "root"])
    assert bad.exit_code != 0


def test_admin_creates_shows_once_and_revokes(demo, client, auth):
    auth.login_as("admin")
    page = client.get("/staff/api-keys/").get_data(as_text=True)
    with client.post(
        "/staff/api-keys/",
        data={"csrf_token": csrf_from(page), "name": "研究机构", "scope": ["staff-read"]},
    ) as r:
        html = r.get_data(as_text=True)
    raw = html.split('<code id="new-key">')[1].split("</code>")[0]
    assert raw.startswith("cp_")
    listing = client.get("/staff/api-keys/").get_data(as_text=True)
    assert raw not in listing and raw[:11] in listing
    with client.get("/api/v1/suggestions/1", headers={"X-API-Key": raw}) as r:
        assert r.status_code == 404  # the key works (no such suggestion)
    with demo.app_context():
        key_id = db.session.scalar(select(ApiKey.id))
    with client.post(
        f"/staff/api-keys/{key_id}/revoke", data={"csrf_token": csrf_from(listing)}
    ) as r:
        assert r.status_code == 302
    with client.get("/api/v1/suggestions/1", headers={"X-API-Key": raw}) as r:
        assert r.status_code == 403 and r.json["error"]["code"] == "bad_key"
    with demo.app_context():
        actions = db.session.scalars(
            select(AuditRecord.action)
            .where(AuditRecord.object_type == "api_keys")
            .order_by(AuditRecord.id)
        ).all()
    assert actions == ["api_key_created", "api_key_revoked"]


@pytest.mark.parametrize("role", ["planner", "dept_head", "citizen"])
def test_only_admins_manage_keys(demo, client, auth, role):
    auth.login_as(role)
    with client.get("/staff/api-keys/") as r:
        assert r.status_code == 403


@pytest.fixture
def limited(database_url, tmp_path):
    """The app with a small per-key limit, on the session's database."""
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        API_RATE_LIMIT="3/minute",
        UPLOAD_FOLDER=str(tmp_path),
        MAIL_OUTBOX=str(tmp_path / "outbox"),
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def test_keys_are_rate_limited_per_address_and_each_on_its_own(app, limited):
    first, second = make_key(app, name="a"), make_key(app, name="b")
    client = limited.test_client()
    for _ in range(3):
        with client.get("/api/v1/topics", headers={"X-API-Key": first}) as r:
            assert r.status_code == 200
    with client.get("/api/v1/topics", headers={"X-API-Key": first}) as r:
        assert r.status_code == 429 and r.json["error"]["code"] == "too_many_requests"
    with client.get("/open311/v2/services.xml", query_string={"api_key": first}) as r:
        assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
        error = ET.fromstring(r.get_data()).find("error")
        assert error.findtext("code") == "429" and error.findtext("description")
    elsewhere = {"REMOTE_ADDR": "198.51.100.7"}
    with client.get("/api/v1/topics", headers={"X-API-Key": second}, environ_base=elsewhere) as r:
        assert r.status_code == 200
    # Per key as well as per address: the spent key is refused from a fresh address too.
    with client.get("/api/v1/topics", headers={"X-API-Key": first}, environ_base=elsewhere) as r:
        assert r.status_code == 429
