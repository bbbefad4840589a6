"""Bad input never ends in a 500: a NUL character (PostgreSQL text cannot store one) in a form
field, a query string or a path is refused with 400 and stores nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from crowdplan.extensions import db
from crowdplan.suggestions.models import Suggestion
from tests.suggest_helpers import post_suggestion


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Suggestion))


def test_nul_in_a_form_field_is_refused(demo, client, auth):
    auth.login_as("citizen")
    before = _count(demo)
    with post_suggestion(client, text="停车\x00位不够，需要增加。") as response:
        assert response.status_code == 400
        assert "不允许" in response.get_data(as_text=True)
    assert _count(demo) == before
    with post_suggestion(client, text="停车位不够，需要增加。") as response:
        assert response.status_code == 302  # control: the same form without it is accepted
    assert _count(demo) == before + 1


def test_nul_in_a_query_or_path_is_refused(demo, client):
    for url in ("/suggestions?q=%00", "/plans/?q=a%00b", "/suggestions/confirm/x%00y"):
        with client.get(url) as response:
            assert response.status_code == 400, url
    with client.get("/suggestions?q=ok") as response:
        assert response.status_code == 200


def test_nul_in_a_json_body_is_refused_and_nothing_stored(demo, client):
    from tests.api_helpers import count_suggestions, make_key

    key = make_key(demo, "submit")
    before = count_suggestions(demo)
    body = {"lon": 114.3226, "lat": 29.8412, "topic": "parking", "stance": "suggest",
            "text": "停车\x00位不够，晚上很难找到车位。"}  # fmt: skip
    with client.post("/api/v1/suggestions", json=body, headers={"X-API-Key": key}) as r:
        assert r.status_code == 400 and r.json["error"]["code"] == "nul_character"
    assert count_suggestions(demo) == before
