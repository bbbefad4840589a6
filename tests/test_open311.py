"""Open311 GeoReport v2: every endpoint in JSON and XML against the shapes of the spec's
examples; the trusted intake channel end to end; the spec's error documents."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select

from crowdplan.extensions import db
from crowdplan.mail import read_outbox
from crowdplan.suggestions.models import BlockedWord, Suggestion
from tests.api_helpers import count_suggestions, make_key
from tests.conftest import csrf_from
from tests.suggest_helpers import CITY_CENTRE, plan_in_notice, post_suggestion

# Field order of the spec's examples (wiki.open311.org/GeoReport_v2).
DISCOVERY = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT = ["specification", "url", "changeset", "type", "formats"]
SERVICE = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
DEFINITION = ["service_code", "attributes"]
ATTRIBUTE = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
REQUEST = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
EXTENSIONS = [
    "plan_id",
    "plan_title",
    "notice_start_datetime",
    "notice_end_datetime",
    "decision",
    "decision_reason",
]
CREATED = ["service_request_id", "service_notice", "account_id"]
ERROR = ["code", "description"]
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")


def get_both(client, path: str, **params):
    """The JSON and the parsed XML of one resource."""
    with client.get(f"{path}.json", query_string=params) as r:
        assert r.status_code == 200, r.get_data(as_text=True)
        assert r.mimetype == "application/json"
        data = r.json
    with client.get(f"{path}.xml", query_string=params) as r:
        assert r.status_code == 200
        assert r.mimetype == "text/xml"
        raw = r.get_data()
    assert raw.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return data, ET.fromstring(raw)


def children(element: ET.Element) -> list[str]:
    return [c.tag for c in element]


def xml_value(element: ET.Element) -> str:
    return element.text or ""


def same_scalars(obj: dict, element: ET.Element) -> None:
    """Every scalar in the JSON object appears with the same text in the XML element."""
    for key, value in obj.items():
        if isinstance(value, list | dict):
            continue
        text = xml_value(element.find(key))
        expected = "" if value is None else ("true" if value is True else str(value))
        expected = "false" if value is False else expected
        assert text == expected, key


def post_request(client, key: str | None, fmt: str = "json", **fields):
    data = {
        "service_code": "parking",
        "lat": str(CITY_CENTRE[1]),
        "long": str(CITY_CENTRE[0]),
        "description": "12345 热线转来：人民广场附近晚上停车难，希望增加停车位。",
        "email": "caller@example.org",
        "phone": "13812345678",
        "first_name": "张",
        "last_name": "三",
    }
    if key is not None:
        data["api_key"] = key
    data.update(fields)
    return client.post(f"/open311/v2/requests.{fmt}", data=data)


@pytest.fixture
def submit_key(demo):
    return make_key(demo, "submit")


def test_discovery_json_and_xml(demo, client):
    data, root = get_both(client, "/open311/discovery")
    assert list(data) == DISCOVERY and root.tag == "discovery"
    assert children(root) == DISCOVERY
    endpoint = data["endpoints"][0]
    assert list(endpoint) == ENDPOINT
    assert endpoint["url"].endswith("/open311/v2/")
    assert W3C.match(data["changeset"])
    xml_endpoint = root.find("endpoints/endpoint")
    assert children(xml_endpoint) == ENDPOINT
    assert [f.text for f in xml_endpoint.findall("formats/format")] == endpoint["formats"]
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}


def test_services_are_the_active_topics(demo, client):
    data, root = get_both(client, "/open311/v2/services")
    with client.get("/api/v1/topics") as r:
        topics = [t["code"] for t in r.json["items"]]
        names = {t["code"]: t["name"] for t in r.json["items"]}
    assert [s["service_code"] for s in data] == topics and len(topics) >= 8
    assert root.tag == "services"
    assert children(root) == ["service"] * len(data)
    for obj, element in zip(data, root, strict=True):
        assert list(obj) == SERVICE and children(element) == SERVICE
        assert obj["metadata"] is True and obj["type"] == "realtime"
        assert obj["keywords"].split(", ")[0] == names[obj["service_code"]]  # Chinese first
        same_scalars(obj, element)


def test_service_definition_has_stance_and_plan(demo, client):
    data, root = get_both(client, "/open311/v2/services/parking")
    assert list(data) == DEFINITION and root.tag == "service_definition"
    assert children(root) == DEFINITION
    assert [a["code"] for a in data["attributes"]] == ["stance", "plan"]
    xml_attributes = root.findall("attributes/attribute")
    for obj, element in zip(data["attributes"], xml_attributes, strict=True):
        assert list(obj) == ATTRIBUTE and children(element) == ATTRIBUTE
        assert obj["datatype"] == "singlevaluelist"
        keys = [v.findtext("key") for v in element.findall("values/value")]
        assert keys == [v["key"] for v in obj["values"]]
    assert [v["key"] for v in data["attributes"][0]["values"]] == ["support", "oppose", "suggest"]
    assert str(plan_in_notice(demo)) in [v["key"] for v in data["attributes"][1]["values"]]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_creates_a_routed_published_request_without_confirmation(
    demo, client, submit_key, fmt
):
    with post_request(client, submit_key, fmt) as r:
        assert r.status_code == 201, r.get_data(as_text=True)
        if fmt == "json":
            created = r.json
            assert [list(c) for c in created] == [CREATED]
            sid = int(created[0]["service_request_id"])
            notice = created[0]["service_notice"]
        else:
            root = ET.fromstring(r.get_data())
            assert root.tag == "service_requests" and children(root) == ["request"]
            assert children(root[0]) == CREATED
            sid = int(root[0].findtext("service_request_id"))
            notice = root[0].findtext("service_notice")
    with demo.app_context():
        s = db.session.get(Suggestion, sid)
        assert s.visibility == "published" and s.confirm_token_hash is None
        assert s.department is not None and s.reply_due_at is not None
        assert s.contact_phone == "13812345678" and s.contact_email == "caller@example.org"
        assert s.author_id is None and s.display_name is None
        assert s.department.name in notice
    data, root = get_both(client, f"/open311/v2/requests/{sid}")
    text = ET.tostring(root, encoding="unicode")
    assert "13812345678" not in text and "caller@example.org" not in text
    assert "13812345678" not in str(data) and "张" not in str(data)


def test_request_json_and_xml_have_the_spec_fields(demo, client, submit_key):
    with post_request(client, submit_key) as r:
        sid = r.json[0]["service_request_id"]
    data, root = get_both(client, f"/open311/v2/requests/{sid}")
    assert root.tag == "service_requests" and children(root) == ["request"]
    [obj] = data
    assert list(obj) == REQUEST + EXTENSIONS
    assert children(root[0]) == REQUEST + EXTENSIONS
    same_scalars(obj, root[0])
    assert obj["status"] == "open" and obj["service_code"] == "parking"
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C.match(obj[field]), field
        assert obj[field].endswith("+08:00")
    assert abs(obj["lat"] - CITY_CENTRE[1]) < 1e-9 and abs(obj["long"] - CITY_CENTRE[0]) < 1e-9
    with demo.app_context():
        s = db.session.get(Suggestion, int(sid))
        assert obj["agency_responsible"] == s.department.name
        due = datetime.fromisoformat(obj["expected_datetime"])
        # The last second of the deadline's last day: one second before the stored end.
        assert due.time().isoformat() == "23:59:59" and due + timedelta(seconds=1) == s.reply_due_at


def test_posted_request_reaches_the_inbox_and_shows_reply_and_decision(
    demo, client, auth, submit_key
):
    plan_id = plan_in_notice(demo)
    with post_request(client, submit_key, **{"attribute[plan]": str(plan_id)}) as r:
        sid = int(r.json[0]["service_request_id"])
    # The same point and topic from the web form goes to the same department.
    auth.login_as("citizen")
    with post_suggestion(client, plan_id=plan_id) as web:
        web_id = int(web.headers["Location"].rsplit("/", 1)[1])
    auth.logout()
    with demo.app_context():
        api_row, web_row = db.session.get(Suggestion, sid), db.session.get(Suggestion, web_id)
        assert api_row.department_id == web_row.department_id
        assert api_row.routing_rule_id == web_row.routing_rule_id
    auth.login_as("planner")
    inbox = client.get("/staff/inbox/").get_data(as_text=True)
    assert f'data-suggestion-id="{sid}"' in inbox
    case = client.get(f"/staff/inbox/{sid}").get_data(as_text=True)
    assert "13812345678" in case  # staff see the caller's contact details
    for action, data in (
        ("reply", {"text": "已安排在人民广场东侧增设临时停车位。"}),
        ("close", {"decision": "adopted", "reason": "纳入停车场专项规划近期建设。"}),
    ):
        token = csrf_from(client.get(f"/staff/inbox/{sid}").get_data(as_text=True))
        with client.post(f"/staff/inbox/{sid}/{action}", data={"csrf_token": token, **data}) as r:
            assert r.status_code == 302, action
    auth.logout()
    data, root = get_both(client, f"/open311/v2/requests/{sid}")
    [obj] = data
    assert obj["status"] == "closed"
    assert obj["status_notes"] == "已安排在人民广场东侧增设临时停车位。"
    assert obj["decision"] == "adopted"
    assert obj["decision_reason"] == "纳入停车场专项规划近期建设。"
    assert obj["plan_id"] == plan_id and obj["plan_title"]
    assert W3C.match(obj["notice_end_datetime"])
    assert root[0].findtext("status") == "closed"
    assert root[0].findtext("decision") == "adopted"
    updated = datetime.fromisoformat(obj["updated_datetime"])
    # W3C datetimes have whole seconds: the reply may land in the same second as the request.
    assert updated >= datetime.fromisoformat(obj["requested_datetime"])
    with client.get("/open311/v2/requests.json", query_string={"status": "closed"}) as r:
        assert sid in [int(x["service_request_id"]) for x in r.json]
    with client.get("/open311/v2/requests.json", query_string={"status": "open"}) as r:
        assert sid not in [int(x["service_request_id"]) for x in r.json]


def _error(response, fmt: str, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    if fmt == "json":
        body = response.json
        assert isinstance(body, list) and [list(e) for e in body] == [ERROR]
        assert body[0]["code"] == status
        return body[0]["description"]
    root = ET.fromstring(response.get_data())
    assert root.tag == "errors" and children(root) == ["error"] and children(root[0]) == ERROR
    assert root[0].findtext("code") == str(status)
    return root[0].findtext("description")


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("bad_key", 403),
        ("no_key", 403),
        ("read_only_key", 403),
        ("unknown_service", 404),
        ("no_location", 400),
        ("long_description", 400),
        ("html_description", 400),
        ("outside_city", 400),
        ("no_description", 400),
        ("over_web_form_limit", 400),
        ("bad_email", 400),
        ("bad_stance", 400),
    ],
)
def test_refusals_are_spec_error_documents_and_store_nothing(
    demo, client, submit_key, fmt, case, status
):
    key, fields = submit_key, {}
    if case == "bad_key":
        key = "cp_" + "x" * 43
    elif case == "no_key":
        key = None
    elif case == "read_only_key":
        key = make_key(demo, "staff-read")
    elif case == "unknown_service":
        fields = {"service_code": "no-such-service"}
    elif case == "no_location":
        fields = {"lat": "", "long": ""}
    elif case == "long_description":
        fields = {"description": "停车难" * 1334}  # 4,002 characters
    elif case == "html_description":
        fields = {"description": "停车难<script>alert(1)</script>"}
    elif case == "outside_city":
        fields = {"lat": "39.9", "long": "116.4"}
    elif case == "no_description":
        fields = {"description": ""}
    elif case == "over_web_form_limit":  # within Open311's 4,000 but over the web form's 2,000
        fields = {"description": "停车难" * 700}
    elif case == "bad_email":
        fields = {"email": "not-an-address"}
    elif case == "bad_stance":
        fields = {"attribute[stance]": "maybe"}
    before = count_suggestions(demo)
    with post_request(client, key, fmt, **fields) as r:
        description = _error(r, fmt, status)
    assert description
    assert count_suggestions(demo) == before


def test_errors_are_in_the_callers_language(demo, client):
    headers = {"Accept-Language": "en"}
    with client.get("/open311/v2/services/nope.json", headers=headers) as r:
        assert "Unknown service_code" in _error(r, "json", 404)
    with client.get("/open311/v2/services/nope.json") as r:
        assert "Unknown service_code" not in _error(r, "json", 404)


def test_address_string_names_a_known_place(demo, client, submit_key):
    with post_request(client, submit_key, lat="", long="", address_string="咸安区") as r:
        assert r.status_code == 201, r.get_data(as_text=True)
        sid = r.json[0]["service_request_id"]
    [obj] = get_both(client, f"/open311/v2/requests/{sid}")[0]
    assert obj["address"] == "咸安区"
    with post_request(client, submit_key, lat="", long="", address_string="火星") as r:
        _error(r, "json", 400)


def test_get_requests_filters_and_limits(demo_full, client):
    app = demo_full
    with app.app_context():
        public = db.session.scalars(
            select(Suggestion).where(Suggestion.visibility == "published")
        ).all()
        ids = sorted(s.id for s in public)
        hidden = db.session.scalar(
            select(Suggestion.id).where(Suggestion.visibility != "published")
        )
        codes = {s.topic.code for s in public}
    assert ids
    data, root = get_both(client, "/open311/v2/requests")
    assert sorted(int(r["service_request_id"]) for r in data) == ids
    assert children(root) == ["request"] * len(data)
    for obj, element in zip(data, root, strict=True):
        assert children(element) == REQUEST + EXTENSIONS
        same_scalars(obj, element)
    # service_request_id overrides everything else
    pick = f"{ids[0]},{ids[-1]}"
    with client.get(
        "/open311/v2/requests.json",
        query_string={"service_request_id": pick, "start_date": "2000-01-01T00:00:00Z"},
    ) as r:
        assert sorted(int(x["service_request_id"]) for x in r.json) == [ids[0], ids[-1]]
    code = sorted(codes)[0]
    with client.get("/open311/v2/requests.json", query_string={"service_code": code}) as r:
        assert r.json and {x["service_code"] for x in r.json} == {code}
    statuses = {}
    for status in ("open", "closed"):
        with client.get("/open311/v2/requests.json", query_string={"status": status}) as r:
            statuses[status] = {x["service_request_id"] for x in r.json}
            assert {x["status"] for x in r.json} <= {status}
    assert statuses["open"] | statuses["closed"] == {str(i) for i in ids}
    old = datetime.now(UTC) - timedelta(days=400)
    window = {"start_date": old.isoformat(), "end_date": (old + timedelta(days=30)).isoformat()}
    with client.get("/open311/v2/requests.json", query_string=window) as r:
        assert r.json == []
    if hidden is not None:
        with client.get(f"/open311/v2/requests/{hidden}.json") as r:
            _error(r, "json", 404)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, 400),
        ({"start_date": "yesterday"}, 400),
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, 400),
        ({"status": "pending"}, 400),
        ({"service_request_id": "1,abc"}, 400),
        ({"service_code": "no-such-service"}, 404),
    ],
)
def test_bad_query_parameters(demo, client, fmt, params, status):
    with client.get(f"/open311/v2/requests.{fmt}", query_string=params) as r:
        assert _error(r, fmt, status)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_request_and_service_are_404_documents(demo, client, fmt):
    for path in (
        "/open311/v2/requests/999999",
        "/open311/v2/requests/abc",
        "/open311/v2/services/x",
    ):
        with client.get(f"{path}.{fmt}") as r:
            assert _error(r, fmt, 404)


def test_posted_request_is_moderated_like_the_web_form(demo, client, submit_key):
    with demo.app_context():
        db.session.add(BlockedWord(word="违禁词"))
        db.session.commit()
    with post_request(client, submit_key, description="停车场旁边有违禁词广告牌，请处理。") as r:
        assert r.status_code == 201
        sid = r.json[0]["service_request_id"]
    with demo.app_context():
        s = db.session.get(Suggestion, int(sid))
        assert s.visibility == "review" and s.review_reason == "blocked_words"
    with client.get(f"/open311/v2/requests/{sid}.json") as r:
        _error(r, "json", 404)  # held for a moderator, like a web suggestion


def test_department_is_told_at_once(demo, client, submit_key):
    outbox = Path(demo.config["MAIL_OUTBOX"])
    before = len(read_outbox(outbox))
    with post_request(client, submit_key) as r:
        sid = int(r.json[0]["service_request_id"])
    with demo.app_context():
        address = db.session.get(Suggestion, sid).department.email
    new = read_outbox(outbox)[before:]
    assert address and [m["To"] for m in new] == [address]
    assert f"/staff/inbox/{sid}" in new[0].get_content()
