"""好差评 end to end: five levels, rectification on the official calendar, the follow-up call
(回访) recorded by staff and seen by the rater alone, and the satisfaction figure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from crowdplan import dates
from crowdplan.auth.operations import get_user_by_login
from crowdplan.extensions import db
from crowdplan.mail import read_outbox
from crowdplan.suggestions.models import Suggestion
from crowdplan.suggestions.operations import SuggestionInput
from crowdplan.triage import operations as lifecycle
from crowdplan.triage.models import RatingCallback
from tests.conftest import csrf_from
from tests.suggest_helpers import CITY_CENTRE

# Wednesday 2026-04-29, 10:00 in Xianning: 劳动节 (05-01..05-05) lies inside the five days.
RATED_AT = datetime(2026, 4, 29, 2, 0, tzinfo=UTC)
NOTE = "已电话联系提出人，说明停车场出入口调整方案，提出人表示认可。"


def _answered_case(app, *, text: str = "这里需要更多停车位，晚上经常找不到车位。") -> int:
    """A case of the demo citizen's in 规划编制科, answered by the planner."""
    with app.app_context():
        lon, lat = CITY_CENTRE
        data = SuggestionInput(lon=lon, lat=lat, topic_code="parking", stance="suggest", text=text)
        citizen = get_user_by_login("citizen@demo.crowdplan")
        s, _token = lifecycle.submit(data, author=citizen)
        lifecycle.reply(s, actor=get_user_by_login("planner@demo.crowdplan"), text="已研究。")
        db.session.commit()
        return s.id


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _rate(client, sid: int, rating: str):
    token = csrf_from(_page(client, f"/suggestions/{sid}"))
    return client.post(f"/suggestions/{sid}/rate", data={"csrf_token": token, "rating": rating})


def test_bad_rating_rectifies_on_the_calendar_and_the_callback_reaches_the_rater(
    demo, client, auth, monkeypatch
):
    sid = _answered_case(demo)
    sent = len(read_outbox(Path(demo.config["MAIL_OUTBOX"])))
    auth.login_as("citizen")
    form = _page(client, f"/suggestions/{sid}")
    for level in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert f"> {level}</label>" in form
    monkeypatch.setattr(lifecycle, "utcnow", lambda: RATED_AT)
    assert _rate(client, sid, "unsatisfied").status_code == 302

    # 4-30, then the May Day holiday, 5-6, 5-7, 5-8 and Saturday 5-9 (调休 working day).
    with demo.app_context():
        s = db.session.get(Suggestion, sid)
        assert (s.status, s.replied_at, s.reopen_count) == ("in_progress", None, 1)
        assert dates.last_day(s.reply_due_at) == date(2026, 5, 9)
        (cb,) = db.session.scalars(select(RatingCallback).filter_by(suggestion_id=sid))
        assert (cb.rating, cb.due_at, cb.done_at) == ("unsatisfied", s.reply_due_at, None)
        cb_id = cb.id
    mails = read_outbox(Path(demo.config["MAIL_OUTBOX"]))[sent:]
    assert {m["To"] for m in mails} == {"city-plan@demo.crowdplan", "head@demo.crowdplan"}
    assert all("2026-05-09" in m.get_content() for m in mails)
    mine = _page(client, f"/suggestions/{sid}")
    assert "2026-05-09" in mine and 'class="rate-form"' not in mine  # owed a call, no reply yet
    auth.logout()

    auth.login_as("planner")
    assert f'data-callback-id="{cb_id}"' in _page(client, "/staff/inbox/callbacks")
    token = csrf_from(_page(client, f"/staff/inbox/{sid}"))
    data = {"csrf_token": token, "callback_id": str(cb_id), "outcome": "explained", "note": NOTE}
    assert client.post(f"/staff/inbox/{sid}/callback", data=data).status_code == 302
    assert client.post(f"/staff/inbox/{sid}/callback", data=data).status_code == 409  # once
    assert f'data-callback-id="{cb_id}"' not in _page(client, "/staff/inbox/callbacks")
    auth.logout()

    assert NOTE not in _page(client, f"/suggestions/{sid}")  # the public never sees the call
    auth.login_as("citizen")
    mine = _page(client, f"/suggestions/{sid}")
    assert NOTE in mine and "已沟通解释" in mine


def test_rectification_is_once_and_the_new_reply_is_rated_again(demo, client, auth):
    sid = _answered_case(demo)
    auth.login_as("citizen")
    assert _rate(client, sid, "very_unsatisfied").status_code == 302
    assert _rate(client, sid, "satisfied").status_code == 409  # nothing new to rate
    with demo.app_context():
        s = db.session.get(Suggestion, sid)
        lifecycle.reply(s, actor=get_user_by_login("planner@demo.crowdplan"), text="已整改。")
        db.session.commit()
    assert _rate(client, sid, "unsatisfied").status_code == 302
    with demo.app_context():
        s = db.session.get(Suggestion, sid)
        assert (s.status, s.rating, s.reopen_count) == ("replied", "unsatisfied", 1)
        owed = db.session.scalars(
            select(RatingCallback.rating).where(RatingCallback.suggestion_id == sid)
        ).all()
        assert sorted(owed) == ["unsatisfied", "very_unsatisfied"]  # a call for each 差评


def test_satisfaction_is_the_good_three_of_the_rated_city_wide_and_per_department(
    demo, client, auth
):
    # The demo's own rated cases are part of the figure: read the counts before and after.
    before = client.get("/api/v1/stats").json
    ratings = ["very_satisfied", "satisfied", "basic", "unsatisfied", "very_unsatisfied"]
    ids = [_answered_case(demo, text=f"第{n}条关于停车位的建议。") for n in range(len(ratings))]
    auth.login_as("citizen")
    for sid, rating in zip(ids, ratings, strict=True):
        assert _rate(client, sid, rating).status_code == 302
    auth.logout()
    stats = client.get("/api/v1/stats").json
    rated, good = before["rated"] + 5, before["satisfied"] + 3
    assert (stats["rated"], stats["satisfied"]) == (rated, good)
    assert stats["satisfaction_pct"] == round(100.0 * good / rated, 1)
    (dept,) = [d for d in stats["by_department"] if d["code"] == "city-plan"]
    dept_before = {"rated": 0, "satisfied": 0}
    dept_before.update(*[d for d in before["by_department"] if d["code"] == "city-plan"])
    assert dept["rated"] == dept_before["rated"] + 5
    pct = round(100.0 * (dept_before["satisfied"] + 3) / dept["rated"], 1)
    assert dept["satisfaction_pct"] == pct
    page = _page(client, "/stats")
    assert f'data-kpi="satisfaction_pct"><span class="kpi-value">{stats["satisfaction_pct"]}%<' in (
        page
    )
    assert f'<td class="satisfaction">{pct}</td>' in page
    display = _page(client, "/display")
    assert f'data-kpi="satisfaction_pct"><span class="kpi-value">{stats["satisfaction_pct"]}%' in (
        display
    )
