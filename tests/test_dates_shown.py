"""Every surface shows the dates people read: the notice's two days as entered, and a reply
deadline as its last working day on the official calendar (stored instants are exclusive)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from crowdplan.auth.operations import get_user_by_login
from crowdplan.extensions import db
from crowdplan.suggestions.models import Suggestion
from crowdplan.suggestions.operations import SuggestionInput
from crowdplan.triage.operations import submit
from tests.suggest_helpers import CITY_CENTRE
from tests.test_plans_staff import _new_plan, _post

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _citizen():
    return get_user_by_login("citizen@demo.crowdplan")


def _submit(now: datetime, plan_id: int | None = None) -> int:
    data = SuggestionInput(
        lon=CITY_CENTRE[0],
        lat=CITY_CENTRE[1],
        topic_code="parking",
        stance="suggest",
        text="这里需要更多停车位，晚上经常找不到车位。",
        plan_id=plan_id,
    )
    suggestion, _token = submit(data, author=_citizen(), now=now)
    db.session.commit()
    return suggestion.id


def _text(element_class: str, html: str) -> str:
    found = re.search(rf'class="{element_class}">([^<]*)<', html)
    assert found, element_class
    return found.group(1).strip()


def test_a_notice_entered_12_02_to_12_31_shows_those_days(demo, client, auth, app):
    year = datetime.now(SHANGHAI).year + 1  # in the future, so the form accepts it
    first, last = date(year, 12, 2), date(year, 12, 31)
    auth.login_as("planner")
    plan_id = _new_plan(client, app)
    edit = f"/staff/plans/{plan_id}"
    window = {"opens_on": first.isoformat(), "closes_on": last.isoformat()}
    assert _post(client, f"{edit}/publish", window, page=edit).status_code == 302
    for page in (f"/plans/{plan_id}", edit):
        html = client.get(page).get_data(as_text=True)
        assert _text("notice-first-day", html) == first.isoformat(), page
        assert _text("notice-last-day", html) == last.isoformat(), page
        assert f"{year + 1}-01-01" not in html, page
    body = client.get(f"/api/v1/plans/{plan_id}").get_json()
    assert (body["notice_first_day"], body["notice_last_day"]) == (str(first), str(last))
    assert body["notice_opens_at"] == f"{year}-12-01T16:00:00+00:00"
    assert body["notice_closes_at"] == f"{year}-12-31T16:00:00+00:00"
    with app.app_context():
        during = datetime(year, 12, 10, 10, tzinfo=SHANGHAI)
        sid = _submit(during, plan_id)
    request = client.get(f"/open311/v2/requests/{sid}.json").get_json()[0]
    assert request["notice_start_datetime"] == f"{year}-12-02T00:00:00+08:00"
    assert request["notice_end_datetime"] == f"{year}-12-31T23:59:59+08:00"


def _nth_day_after(day: date, n: int, is_workday) -> date:
    # Independent of the app: walk the calendar, the submission day not counted.
    while n:
        day += timedelta(days=1)
        n -= bool(is_workday(day))
    return day


def test_a_deadline_shows_its_last_working_day_everywhere(demo, client, auth, app):
    # Monday before 2026's National Day: 10-01..10-07 off, Saturday 10-10 a make-up working day.
    created = datetime(2026, 9, 28, 10, tzinfo=SHANGHAI)
    with app.app_context():
        sid = _submit(created)
        s = db.session.get(Suggestion, sid)
        days = s.department.reply_days or s.topic.reply_days
    due = _nth_day_after(created.date(), days, chinese_calendar.is_workday)
    assert due != _nth_day_after(created.date(), days, lambda d: d.weekday() < 5)
    html = client.get(f"/suggestions/{sid}").get_data(as_text=True)
    assert _text("deadline", html) == due.isoformat()
    request = client.get(f"/open311/v2/requests/{sid}.json").get_json()[0]
    assert request["expected_datetime"] == f"{due.isoformat()}T23:59:59+08:00"
    assert f"{due.month}月{due.day}日前" in request["service_notice"]
    assert client.get(f"/api/v1/suggestions/{sid}").get_json()["reply_due_date"] == str(due)
    auth.login_as("admin")
    assert _text("deadline", client.get(f"/staff/inbox/{sid}").get_data(as_text=True)) == str(due)
    inbox = client.get("/staff/inbox/").get_data(as_text=True)
    row = inbox.split(f'data-suggestion-id="{sid}"', 1)[1].split("</tr>", 1)[0]
    assert _text("deadline", row) == due.isoformat()
