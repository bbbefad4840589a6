"""Inputs that used to end in a 500 are now a 4xx with a message in the user's language."""

from __future__ import annotations

import json

import pytest

from crowdplan.geo.validate import GeoJSONError, parse_feature_collection
from crowdplan.inputs import ascii_int, json_depth

ZH = {"Accept-Language": "zh-CN"}


def _refused(response, *words: str, status=400):
    body = response.get_data(as_text=True)
    assert response.status_code == status, (response.request.path, body[:300])
    assert all(w in body for w in words), body[:500]
    return body


def test_ascii_digits_only_and_within_range():
    assert ascii_int("42") == 42 and ascii_int("2147483647") == 2**31 - 1
    for raw in (
        "¹",
        "١",
        "٣٤",
        "𝟏",
        " 1",
        "1_0",
        "+1",
        "-1",
        "0",
        "2147483648",
        "9" * 30,
        "",
        None,
    ):
        assert ascii_int(raw) is None, raw


def test_superscript_and_arabic_indic_ids_are_not_ids(demo, client):
    for url in ("/open311/v2/requests.json?service_request_id=%C2%B9",
                "/open311/v2/requests.json?service_request_id=%D9%A1"):  # fmt: skip
        _refused(client.get(url), "service_request_id")
    for url in ("/open311/v2/requests/%C2%B9.json", "/open311/v2/requests/%D9%A1.json"):
        _refused(client.get(url), "service_request_id", status=404)
    _refused(client.get("/api/v1/suggestions?page=%D9%A1"), "page")
    _refused(client.get("/report?plan=%D9%A1", headers=ZH), "无效")


def test_open311_dates_out_of_range(demo, client):
    for query in ("start_date=9999-12-31", "end_date=0001-01-01", "start_date=0001-01-01",
                  "end_date=9999-12-31T23:59:59%2B14:00"):  # fmt: skip
        _refused(client.get(f"/open311/v2/requests.json?{query}"), "_date")
        _refused(client.get(f"/open311/v2/requests.xml?{query}"), "_date")


def test_huge_page_numbers_and_ids(demo, client):
    huge = "99999999999999999999"
    for url in ("/suggestions?page=1e20", f"/suggestions?page={huge}", f"/plans/?page={huge}",
                f"/report?plan={huge}"):  # fmt: skip
        _refused(client.get(url, headers=ZH), "无效")
    _refused(client.get("/api/v1/suggestions?page=1e20"), "page")


def test_staff_audit_and_inbox_filters_with_huge_values(demo, client, auth):
    auth.login_as("admin")
    for query in ("object_id=99999999999999999999", "actor=99999999999999999999",
                  "page=99999999999999999999", "since=9999-12-31", "until=9999-12-31",
                  "until=0001-01-01"):  # fmt: skip
        _refused(client.get(f"/staff/audit/?{query}", headers=ZH), "无效")
    for query in ("department=99999999999999999999", "plan=99999999999999999999",
                  "page=99999999999999999999", "department=%C2%B9"):  # fmt: skip
        _refused(client.get(f"/staff/inbox/?{query}", headers=ZH), "无效")


def test_deep_json_to_any_url_is_refused_before_parsing(demo, client):
    deep = "[" * 5000 + "]" * 5000
    for url in ("/", "/api/v1/suggestions", "/open311/v2/requests.json", "/no/such/page"):
        response = client.post(url, data=deep, content_type="application/json")
        assert response.status_code == 400, url
        assert response.status_code != 500
    with client.post("/api/v1/suggestions", data=deep, content_type="application/json") as r:
        assert r.json["error"]["code"] == "json_too_deep"
    assert json_depth(b'{"a": "[[[[[[", "b": [[1], {"c": []}]}') == 4
    assert json_depth(b'["\\"[[["]') == 1


def test_a_lone_surrogate_is_refused(demo, client):
    from tests.api_helpers import make_key

    key = make_key(demo, "submit")
    body = '{"lon": 114.3, "lat": 29.8, "topic": "parking", "stance": "suggest", "text": "\\ud800"}'
    with client.post("/api/v1/suggestions", data=body, content_type="application/json",
                     headers={"X-API-Key": key}) as r:  # fmt: skip
        assert r.status_code == 400 and r.json["error"]["code"] == "nul_character"


def test_a_content_length_with_no_body(demo, client):
    form = "application/x-www-form-urlencoded"
    for url, ctype in (("/api/v1/suggestions", "application/json"),
                       ("/open311/v2/requests.json", form), ("/login", form)):  # fmt: skip
        environ = {"CONTENT_LENGTH": "100", "CONTENT_TYPE": ctype}
        with client.post(url, data=b"", environ_overrides=environ) as r:
            assert 400 <= r.status_code < 500, (url, r.status_code)


def test_a_bad_next_with_a_newline_is_no_500(client):
    for target in ("/%0A", "/%0D%0ALocation:%20http://evil", "/%09/evil"):
        with client.get(f"/lang/en?next={target}") as r:
            assert r.status_code == 302 and r.headers["Location"] == "/"


def _collection(geometry):
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {}, "geometry": geometry}]}  # fmt: skip


def test_geojson_nested_5000_deep_and_too_many_vertices(app):
    deep = '{"type": "FeatureCollection", "features": ' + "[" * 5000 + "]" * 5000 + "}"
    with app.test_request_context(), pytest.raises(GeoJSONError) as exc:
        parse_feature_collection(deep)
    assert exc.value.code == "too_deep"
    ring = [[114 + i * 1e-5, 29.0] for i in range(60_000)] + [[114, 29.1], [114, 29.0]]
    raw = json.dumps(_collection({"type": "LineString", "coordinates": ring}))
    with app.test_request_context(), pytest.raises(GeoJSONError) as exc:
        parse_feature_collection(raw, allowed_types=("LineString",), max_vertices=50_000)
    assert exc.value.code == "too_many_vertices"
