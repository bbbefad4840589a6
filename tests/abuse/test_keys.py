"""API keys: unknown ones refused on every route and counted, not audited; staff-read keys
scoped to departments, never reading unconfirmed posts, each private read audited."""

from __future__ import annotations

import logging
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import func, select

from crowdplan.api import auth as api_auth
from crowdplan.api.keys import create_api_key
from crowdplan.api.models import ApiKey
from crowdplan.audit.models import AuditRecord
from crowdplan.extensions import db
from crowdplan.suggestions.models import Visibility
from tests.conftest import csrf_from
from tests.factories import create_department, create_suggestion, create_topic

BOGUS = {"X-API-Key": "cp_not-a-key-at-all"}
LISTS = (
    "/api/v1/suggestions",
    "/api/v1/plans",
    "/api/v1/topics",
    "/api/v1/suggestions/viewport?bbox=114,29,115,30&zoom=12",
    "/api/v1/stats",
    "/api/v1/open/suggestions.csv",
)


def _audit_rows(app, action: str | None = None) -> int:
    with app.app_context():
        query = select(func.count()).select_from(AuditRecord)
        if action:
            query = query.where(AuditRecord.action == action)
        return db.session.scalar(query)


def test_an_unknown_key_is_refused_on_every_list_counted_and_not_audited(
    app, client, monkeypatch, caplog
):
    counter = api_auth.RefusalCounter(interval_s=0)  # a log line for every refusal
    monkeypatch.setattr(api_auth, "refusals", counter)
    caplog.set_level(logging.WARNING, logger="crowdplan.api.auth")
    for path in LISTS:
        with client.get(path, headers=BOGUS) as r:
            assert r.status_code == 403, path
            assert r.json["error"]["code"] == "bad_key" and r.json["error"]["message"]
    with client.get("/open311/v2/requests.xml", query_string={"api_key": "bogus"}) as r:
        assert r.status_code == 403
        assert ET.fromstring(r.get_data()).find("error").findtext("description")
    assert counter.total == len(LISTS) + 1
    lines = [r.getMessage() for r in caplog.records if "unknown API key" in r.getMessage()]
    assert len(lines) == len(LISTS) + 1 and "/s)" in lines[-1]
    assert _audit_rows(app) == 0


def test_many_bogus_keys_on_a_detail_route_write_no_audit_rows(app, client):
    for i in range(20):
        with client.get("/api/v1/suggestions/1", headers={"X-API-Key": f"cp_bogus{i}"}) as r:
            assert r.status_code == 403
    assert _audit_rows(app) == 0


@pytest.fixture
def two_departments(app):
    """Department A and B, each with a held suggestion carrying contact details; A also has
    an unconfirmed guest post and a published one; a staff-read key limited to A."""
    with app.app_context():
        a, b = create_department(code="a", name="甲科"), create_department(code="b", name="乙科")
        topic = create_topic()
        made = {}
        for name, dept, visibility in (
            ("held_a", a, Visibility.REVIEW),
            ("unconfirmed_a", a, Visibility.UNCONFIRMED),
            ("published_a", a, Visibility.PUBLISHED),
            ("held_b", b, Visibility.REVIEW),
        ):
            s = create_suggestion(
                topic=topic,
                department_id=dept.id,
                visibility=visibility.value,
                contact_phone="13900001111",
                contact_email="guest@example.org",
            )
            made[name] = s.id
        _key, made["key_a"] = create_api_key("研究机构", ["staff-read"], departments=[a.id])
        _key, made["key_all"] = create_api_key("全局", ["staff-read"])
        db.session.commit()
    return made


def _read(client, key: str, suggestion_id: int):
    return client.get(f"/api/v1/suggestions/{suggestion_id}", headers={"X-API-Key": key})


def test_staff_read_key_reads_only_its_departments_and_never_unconfirmed(
    app, client, two_departments
):
    ids, key = two_departments, two_departments["key_a"]
    held = _read(client, key, ids["held_a"])
    assert held.status_code == 200 and held.json["private"]["contact_phone"] == "13900001111"
    assert _read(client, key, ids["unconfirmed_a"]).status_code == 404
    assert _read(client, key, ids["held_b"]).status_code == 404  # another department's
    # A key without departments reads every department, but no unconfirmed post either.
    assert _read(client, ids["key_all"], ids["held_b"]).json["private"]
    assert _read(client, ids["key_all"], ids["unconfirmed_a"]).status_code == 404
    listing = client.get("/api/v1/suggestions", headers={"X-API-Key": key}).json
    assert [s["id"] for s in listing["items"]] == [ids["published_a"]]
    assert "private" not in listing["items"][0]


def test_each_private_read_through_a_key_is_one_audit_record(app, client, two_departments):
    ids = two_departments
    for _ in range(3):
        assert _read(client, ids["key_a"], ids["held_a"]).status_code == 200
    assert _read(client, ids["key_a"], ids["held_b"]).status_code == 404
    with app.app_context():
        rows = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "private_read")
        ).all()
        assert [(r.object_type, r.object_id) for r in rows] == [("suggestions", ids["held_a"])] * 3
        assert all("研究机构" in r.reason and "13900001111" not in r.reason for r in rows)


def test_admin_limits_a_new_key_to_departments(demo, client, auth):
    auth.login_as("admin")
    page = client.get("/staff/api-keys/").get_data(as_text=True)
    first = page.split('name="department" value="')[1].split('"')[0]
    with client.post(
        "/staff/api-keys/",
        data={
            "csrf_token": csrf_from(page),
            "name": "区县接口",
            "scope": ["staff-read"],
            "department": [first],
        },  # fmt: skip
    ) as r:
        assert r.status_code == 200 and "cp_" in r.get_data(as_text=True)
    with demo.app_context():
        key = db.session.scalar(select(ApiKey).where(ApiKey.name == "区县接口"))
        assert [d.id for d in key.departments] == [int(first)]
    with client.post(
        "/staff/api-keys/",
        data={"csrf_token": csrf_from(page), "name": "x", "department": ["999999"]},
    ) as r:
        assert r.status_code == 400
