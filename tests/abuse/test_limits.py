"""Every public route is limited per network address first; a random key buys nothing; the
similar lookup takes its draft in a bounded POST body."""

from __future__ import annotations

import secrets
import time

from flask import url_for

from crowdplan.extensions import db, limiter
from crowdplan.suggestions import similar
from tests.conftest import csrf_from
from tests.factories import create_suggestion, create_topic
from tests.suggest_helpers import CITY_CENTRE, post_similar

# Values for the URL arguments of public rules: not-found ids are fine, a refused request
# still counts against the limit it passed.
ARGUMENTS = {
    "fmt": "json",
    "service_code": "x",
    "service_request_id": "1",
    "token": "x",
    "name": "x",
    "code": "en",
    "filename": "x",
}
SIMILAR = "/api/v1/suggestions/similar"
NOT_LIMITED = {"static", "vendor.asset"}  # files, not pages (see README)


def _public_get_paths(app) -> list[str]:
    """Every GET route outside /staff, its arguments filled: new routes are covered by itself."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_LIMITED:
            continue
        if rule.rule.startswith("/staff"):
            continue
        values = {a: ARGUMENTS.get(a, 1) for a in rule.arguments}
        with app.test_request_context():
            paths.append(url_for(rule.endpoint, **values))
    return sorted(paths)


def test_every_public_get_answers_429_past_its_limit(demo, app, client, tiny_limits):
    paths = _public_get_paths(app)
    assert {"/api/v1/suggestions/viewport", "/api/v1/stats", "/display", "/"} <= set(paths)
    assert "/open311/v2/requests.json" in paths and "/api/v1/open/suggestions.csv" in paths
    wrong = []
    for path in paths:
        with app.app_context():
            limiter.reset()
        statuses = []
        for _ in range(tiny_limits + 1):
            with client.get(path) as response:
                statuses.append(response.status_code)
        if 429 in statuses[:-1] or statuses[-1] != 429:
            wrong.append((path, statuses))
    assert wrong == []
    with app.app_context():
        limiter.reset()
    token = csrf_from(client.get("/report").get_data(as_text=True))
    body = {"lon": CITY_CENTRE[0], "lat": CITY_CENTRE[1], "text": "停车难"}
    statuses = [
        client.post(SIMILAR, json=body, headers={"X-CSRFToken": token}).status_code
        for _ in range(tiny_limits + 1)
    ]
    assert statuses == [200] * tiny_limits + [429]


def test_a_random_key_per_request_is_limited_like_no_key(app, client, tiny_limits):
    for path in ("/api/v1/topics", "/api/v1/suggestions", "/open311/v2/services.json"):
        for key in (lambda: None, lambda: "cp_" + secrets.token_urlsafe(32)):
            with app.app_context():
                limiter.reset()
            statuses = []
            for _ in range(tiny_limits + 1):
                raw = key()
                headers = {"X-API-Key": raw} if raw else {}
                statuses.append(client.get(path, headers=headers).status_code)
            assert 429 not in statuses[:-1] and statuses[-1] == 429, (path, statuses)
    # Per network address: another client is not held back by the first one's requests.
    other = client.get("/api/v1/topics", environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 200


def test_similar_lookup_refuses_text_in_the_address(app, client):
    assert client.get(SIMILAR + "?at=114.3,29.8&text=13812345678").status_code == 405
    refused = post_similar(client, "x", query_string={"text": "13812345678"})
    assert refused.status_code == 400 and refused.json["error"]["message"]
    too_long = post_similar(client, "停" * (similar.MAX_TEXT + 1))
    assert too_long.status_code == 413 and too_long.json["error"]["code"] == "too_long"
    for body in (
        {"lon": "x", "lat": 1},
        {"lon": 1e400, "lat": 1},
        [],
        {"lon": 1, "lat": 2, "text": 3},
    ):
        token = csrf_from(client.get("/report").get_data(as_text=True))
        r = client.post(SIMILAR, json=body, headers={"X-CSRFToken": token})
        assert r.status_code == 400, body


def test_similar_lookup_of_2000_characters_is_cheap(app, client, capsys):
    """A 2,000-character draft against more long nearby texts than are ever read."""
    lon, lat = CITY_CENTRE
    filler = "停车难小区门口道路拥堵希望增加停车位" * 220  # ~4,000 characters each
    with app.app_context():
        topic = create_topic()
        for i in range(similar.MAX_CANDIDATES + 20):
            create_suggestion(topic=topic, lon=lon, lat=lat, text=f"{i} {filler}"[:4000])
        db.session.commit()
    draft = ("我家楼下停车难，道路拥堵，希望增加停车位。电话13812345678" * 60)[: similar.MAX_TEXT]
    post_similar(client, draft)  # warm up: templates, the CSRF page, connections
    token = csrf_from(client.get("/report").get_data(as_text=True))
    started = time.process_time()
    response = client.post(
        SIMILAR,
        json={"lon": lon, "lat": lat, "text": draft},
        headers={"X-CSRFToken": token},
    )
    cpu_ms = (time.process_time() - started) * 1000
    with capsys.disabled():
        print(f"\nsimilar lookup, 2,000 characters, {similar.MAX_CANDIDATES} candidates: "
              f"{cpu_ms:.1f} ms CPU")  # fmt: skip
    assert response.status_code == 200
    assert 1 <= len(response.json["suggestions"]) <= 5
    assert "13812345678" not in response.get_data(as_text=True)
    assert cpu_ms < 100
