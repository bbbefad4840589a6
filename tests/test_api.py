"""The JSON API: plans, suggestions (filters, detail, create), reference data, one error format,
the OpenAPI document matching the routes, the docs page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crowdplan.api.openapi import document
from crowdplan.extensions import db
from crowdplan.plans.models import Plan
from crowdplan.suggestions.models import Suggestion
from tests.api_helpers import count_suggestions, make_key
from tests.conftest import csrf_from
from tests.suggest_helpers import CITY_CENTRE, plan_in_notice

NEW = {
    "lon": CITY_CENTRE[0],
    "lat": CITY_CENTRE[1],
    "topic": "parking",
    "stance": "suggest",
    "text": "人民广场周边晚上停车难，建议错时开放机关停车场。",
    "contact_phone": "13900001111",
}


def _get(client, path, **kw):
    with client.get(path, **kw) as r:
        return r.status_code, r.json


def test_plan_list_and_detail_with_view_count(demo, client):
    plan_id = plan_in_notice(demo)
    with client.get(f"/plans/{plan_id}") as page:  # one counted view
        assert page.status_code == 200
    status, body = _get(client, "/api/v1/plans")
    assert status == 200 and body["total"] >= 1 and body["page"] == 1
    listed = {p["id"]: p for p in body["items"]}
    assert listed[plan_id]["views"] == 1 and listed[plan_id]["stage"] == "notice"
    status, body = _get(client, "/api/v1/plans", query_string={"status": "notice"})
    assert {p["stage"] for p in body["items"]} == {"notice"}
    status, detail = _get(client, f"/api/v1/plans/{plan_id}")
    assert status == 200 and detail["views"] == 1 and detail["layers"]
    assert detail["notice_opens_at"] < detail["notice_closes_at"]
    status, layers = _get(client, f"/api/v1/plans/{plan_id}/layers")
    assert layers["type"] == "FeatureCollection" and layers["features"]
    with demo.app_context():
        version = db.session.get(Plan, plan_id).public_version
        expected = sum(len(layer.features) for layer in version.layers)
        names = {layer.name for layer in version.layers}
    assert len(layers["features"]) == expected
    assert {f["layer"] for f in layers["features"]} == names


def test_unknown_plan_and_bad_paging_use_the_error_format(demo, client):
    status, body = _get(client, "/api/v1/plans/999999")
    assert status == 404 and body["error"]["code"] == "no_plan"
    status, body = _get(client, "/api/v1/plans", query_string={"per_page": "1000"})
    assert status == 400 and set(body["error"]) == {"status", "code", "message"}
    status, body = _get(client, "/api/v1/nothing-here")
    assert status == 404 and body["error"]["status"] == 404


def test_error_messages_follow_the_callers_language(demo, client):
    _, en = _get(
        client,
        "/api/v1/suggestions",
        query_string={"bbox": "x"},
        headers={"Accept-Language": "en-GB,en;q=0.9"},
    )
    _, zh = _get(client, "/api/v1/suggestions", query_string={"bbox": "x"})
    assert en["error"]["message"] == "The bounding box is not valid."
    assert zh["error"]["message"] != en["error"]["message"]
    assert re.search(r"[\u4e00-\u9fff]", zh["error"]["message"])


def test_suggestion_filters_and_pagination(demo_full, client):
    app = demo_full
    with app.app_context():
        rows = db.session.scalars(
            select(Suggestion).where(Suggestion.visibility == "published")
        ).all()
        by_topic = {}
        for s in rows:
            by_topic.setdefault(s.topic.code, set()).add(s.id)
        replied = {s.id for s in rows if s.status == "replied"}
        plan_ids = {s.plan_id for s in rows if s.plan_id}
    status, body = _get(client, "/api/v1/suggestions", query_string={"per_page": 2})
    assert body["total"] == len(rows) and len(body["items"]) == min(2, len(rows))
    assert body["pages"] == -(-len(rows) // 2)
    topic, ids = sorted(by_topic.items())[0]
    _, body = _get(client, "/api/v1/suggestions", query_string={"topic": topic, "per_page": 100})
    assert {s["id"] for s in body["items"]} == ids
    _, body = _get(
        client, "/api/v1/suggestions", query_string={"status": "replied", "per_page": 100}
    )
    assert {s["id"] for s in body["items"]} == replied
    for plan_id in plan_ids:
        _, body = _get(client, "/api/v1/suggestions", query_string={"plan": plan_id})
        assert body["items"] and {s["plan_id"] for s in body["items"]} == {plan_id}
    # a box around the city centre holds only the suggestions inside it
    box = (
        CITY_CENTRE[0] - 0.05,
        CITY_CENTRE[1] - 0.05,
        CITY_CENTRE[0] + 0.05,
        CITY_CENTRE[1] + 0.05,
    )
    _, body = _get(
        client,
        "/api/v1/suggestions",
        query_string={"bbox": ",".join(map(str, box)), "per_page": 100},
    )
    _, everything = _get(client, "/api/v1/suggestions", query_string={"per_page": 100})
    inside = {
        s["id"]
        for s in everything["items"]
        if box[0] <= s["lon"] <= box[2] and box[1] <= s["lat"] <= box[3]
    }
    assert {s["id"] for s in body["items"]} == inside
    assert 0 < len(inside) < len(everything["items"])
    status, body = _get(client, "/api/v1/suggestions", query_string={"status": "nope"})
    assert status == 400


def test_create_with_submit_key_is_a_trusted_channel(demo, client):
    key = make_key(demo, "submit")
    with client.post("/api/v1/suggestions", json=NEW, headers={"X-API-Key": key}) as r:
        assert r.status_code == 201, r.get_data(as_text=True)
        body = r.json
    assert body["visibility"] == "published" and body["department"]["code"]
    assert body["reply_due_at"] and "13900001111" not in str(body)
    with demo.app_context():
        s = db.session.get(Suggestion, body["id"])
        assert s.contact_phone == "13900001111" and s.confirm_token_hash is None
    status, detail = _get(client, f"/api/v1/suggestions/{body['id']}")
    assert status == 200 and "private" not in detail and "13900001111" not in str(detail)


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"lon": "114.3"}, 400, "bad_field"),
        ({"text": "短"}, 400, "bad_text"),
        ({"topic": "nope"}, 400, "bad_topic"),
        ({"lon": 116.4, "lat": 39.9}, 422, "outside_city"),
        ({"plan_id": 999999}, 404, "no_plan"),
        ({"contact_email": "not-an-address"}, 400, "bad_field"),
        ({"stance": "maybe"}, 400, "bad_stance"),
    ],
)
def test_create_refusals_store_nothing(demo, client, change, status, code):
    key = make_key(demo, "submit")
    before = count_suggestions(demo)
    with client.post(
        "/api/v1/suggestions", json={**NEW, **change}, headers={"X-API-Key": key}
    ) as r:
        assert r.status_code == status and r.json["error"]["code"] == code
    assert count_suggestions(demo) == before


def test_create_needs_a_key_with_scope_or_a_session_with_csrf(demo, client, auth):
    with client.post("/api/v1/suggestions", json=NEW) as r:
        assert r.status_code == 400 and r.json["error"]["code"] == "csrf"
    read_only = make_key(demo, "staff-read")
    with client.post("/api/v1/suggestions", json=NEW, headers={"X-API-Key": read_only}) as r:
        assert r.status_code == 403 and r.json["error"]["code"] == "scope_required"
    with client.post("/api/v1/suggestions", json=NEW, headers={"X-API-Key": "cp_bogus"}) as r:
        assert r.status_code == 403 and r.json["error"]["code"] == "bad_key"
    auth.login_as("citizen")
    with client.post("/api/v1/suggestions", json=NEW) as r:  # session without the token
        assert r.status_code == 400 and r.json["error"]["code"] == "csrf"
    token = csrf_from(client.get("/report").get_data(as_text=True))
    with client.post("/api/v1/suggestions", json=NEW, headers={"X-CSRFToken": token}) as r:
        assert r.status_code == 201
    assert count_suggestions(demo) == 1


def test_staff_read_key_sees_private_details(demo, client):
    key = make_key(demo, "submit", "staff-read")
    with client.post("/api/v1/suggestions", json=NEW, headers={"X-API-Key": key}) as r:
        sid = r.json["id"]
    status, body = _get(client, f"/api/v1/suggestions/{sid}", headers={"X-API-Key": key})
    assert body["private"]["contact_phone"] == "13900001111"
    assert body["private"]["routing_area"]


def test_reference_data(demo, client):
    _, topics = _get(client, "/api/v1/topics")
    _, areas = _get(client, "/api/v1/areas")
    _, departments = _get(client, "/api/v1/departments")
    assert "parking" in {t["code"] for t in topics["items"]}
    assert len(areas["items"]) == 6 and all(a["adcode"] for a in areas["items"])
    assert "city-plan" in {d["code"] for d in departments["items"]}
    assert all("email" not in d for d in departments["items"])


def _documented_paths(rule) -> list[str]:
    """The OpenAPI path(s) of a Flask rule; an any(...) converter stands for each value."""
    path = re.sub(r"<(?:int:|string:)?(\w+)>", r"{\1}", rule.rule)
    match = re.search(r"<any\(([^)]*)\):\w+>", path)
    if not match:
        return [path]
    return [path.replace(match.group(0), v.strip()) for v in match.group(1).split(",")]


def test_openapi_document_matches_the_routes(app):
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/v1/", "/open311/")):
            for path in _documented_paths(rule):
                served |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(p, m) for p, item in document()["paths"].items() for m in item}
    assert served - documented == set(), "routes missing from the OpenAPI document"
    assert documented - served == set(), "documented operations that do not exist"
    assert len(served) >= 25


def test_openapi_json_and_docs_page(demo, client):
    status, spec = _get(client, "/api/v1/openapi.json")
    assert status == 200 and spec["openapi"].startswith("3.1")
    with client.get("/api/v1/docs", headers={"Accept-Language": "en"}) as r:
        html = r.get_data(as_text=True)
        csp = r.headers["Content-Security-Policy"]
    assert r.status_code == 200 and "script-src 'self' 'nonce-" in csp
    for path in spec["paths"]:
        assert path in html
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', html)
