"""The case lifecycle's rules: who is told, what moves the deadline, what each status allows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from sqlalchemy import select

from crowdplan import dates
from crowdplan.auth.operations import get_user_by_login
from crowdplan.auth.permissions import Role
from crowdplan.core.operations import get_department_by_code
from crowdplan.errors import AppError
from crowdplan.extensions import db
from crowdplan.mail import read_outbox
from crowdplan.routing.models import RoutingRule
from crowdplan.suggestions.models import Suggestion
from crowdplan.suggestions.operations import SuggestionInput
from crowdplan.triage import operations as lifecycle
from crowdplan.triage.models import SuggestionEvent
from tests.conftest import csrf_from
from tests.factories import create_user
from tests.suggest_helpers import CITY_CENTRE, plan_in_notice


def _submit(app, *, plan=False, now=None) -> int:
    with app.app_context():
        data = SuggestionInput(
            lon=CITY_CENTRE[0],
            lat=CITY_CENTRE[1],
            topic_code="parking",
            stance="suggest",
            text="这里需要更多停车位，晚上经常找不到车位。",
            plan_id=plan_in_notice(app) if plan else None,
        )
        citizen = get_user_by_login("citizen@demo.crowdplan")
        s, _token = lifecycle.submit(data, author=citizen, now=now)
        db.session.commit()
        return s.id


def _outbox_since(app, count: int):
    return read_outbox(Path(app.config["MAIL_OUTBOX"]))[count:]


def _mail_count(app) -> int:
    return len(read_outbox(Path(app.config["MAIL_OUTBOX"])))


def _nth_working_day(start: date, n: int) -> date:
    """Independent of the app: walk the official calendar."""
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if chinese_calendar.is_workday(day):
            counted += 1
    return day


def _act(client, sid: int, action: str, **data):
    token = csrf_from(client.get(f"/staff/inbox/{sid}").get_data(as_text=True))
    return client.post(f"/staff/inbox/{sid}/{action}", data={"csrf_token": token, **data})


def test_transfer_mails_the_receiving_department_and_keeps_the_deadline(demo, client, auth):
    sid = _submit(demo)
    with demo.app_context():
        before = db.session.get(Suggestion, sid).reply_due_at
        chibi = get_department_by_code("chibi")
        chibi_id, chibi_mail = chibi.id, chibi.email
    sent = _mail_count(demo)
    auth.login_as("planner")
    response = _act(client, sid, "transfer", department=chibi_id, reason="位于赤壁市辖区")
    assert response.status_code == 302
    recipients = [m["To"] for m in _outbox_since(demo, sent)]
    assert chibi_mail in recipients
    assert "city-plan@demo.crowdplan" not in recipients  # not the sender's section
    with demo.app_context():
        s = db.session.get(Suggestion, sid)
        assert s.department_id == chibi_id and s.reply_due_at == before
    body = _outbox_since(demo, sent)[0].get_content()
    assert dates.last_day(before).isoformat() in body  # the last day, as people read it


def test_transfer_of_an_overdue_case_also_tells_the_receiving_head(demo):
    long_ago = datetime.now(UTC) - timedelta(days=60)
    with demo.app_context():
        chibi = get_department_by_code("chibi")
        create_user(email="chibi-head@example.org", role=Role.DEPT_HEAD, department=chibi)
        db.session.commit()
    sid = _submit(demo, now=long_ago)
    sent = _mail_count(demo)
    with demo.app_context():
        s = db.session.get(Suggestion, sid)
        planner = get_user_by_login("planner@demo.crowdplan")
        lifecycle.transfer(
            s, actor=planner, department=get_department_by_code("chibi"), reason="辖区"
        )
        db.session.commit()
    assert {"chibi@demo.crowdplan", "chibi-head@example.org"} <= {
        m["To"] for m in _outbox_since(demo, sent)
    }


def test_a_bad_rating_opens_rectification_on_the_official_calendar_and_tells_dept_and_head(
    demo,
):
    sid = _submit(demo, plan=True)
    rated_at = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)  # before National Day week
    with demo.app_context():
        s = db.session.get(Suggestion, sid)
        planner = get_user_by_login("planner@demo.crowdplan")
        citizen = get_user_by_login("citizen@demo.crowdplan")
        lifecycle.reply(s, actor=planner, text="已研究。")
        lifecycle.close(s, actor=planner, decision="partly", reason="部分可行")
        db.session.commit()
        sent = _mail_count(demo)
        lifecycle.rate(s, user=citizen, rating="very_unsatisfied", now=rated_at)
        db.session.commit()
        s = db.session.get(Suggestion, sid)
        assert (s.status, s.decision, s.decision_reason, s.replied_at, s.rating) == (
            "in_progress",
            None,
            None,
            None,
            "very_unsatisfied",
        )
        expected = _nth_working_day(date(2026, 9, 28), 5)
        # 9-29, 9-30, then the National Day week off, 10-8, 10-9 and Saturday 10-10 (调休).
        assert expected == date(2026, 10, 10)
        assert dates.last_day(s.reply_due_at) == expected
        actions = db.session.scalars(
            select(SuggestionEvent.action)
            .where(SuggestionEvent.suggestion_id == sid)
            .order_by(SuggestionEvent.id)
        ).all()
        assert actions[-2:] == ["rate", "rectify"]
    mails = _outbox_since(demo, sent)
    assert {"city-plan@demo.crowdplan", "head@demo.crowdplan"} <= {m["To"] for m in mails}
    assert "2026-10-10" in mails[0].get_content()  # the new deadline's last working day


def test_merge_needs_an_open_target_on_the_same_plan_and_a_reason(demo):
    on_plan, other_on_plan, off_plan = (
        _submit(demo, plan=True),
        _submit(demo, plan=True),
        _submit(demo),
    )
    with demo.app_context():
        planner = get_user_by_login("planner@demo.crowdplan")
        s, target, elsewhere = (
            db.session.get(Suggestion, i) for i in (on_plan, other_on_plan, off_plan)
        )
        with pytest.raises(AppError) as no_reason:
            lifecycle.merge(s, into=target, actor=planner, reason=" ")
        assert no_reason.value.code == "reason_required"
        with pytest.raises(AppError) as no_target:
            lifecycle.merge(s, into=None, actor=planner, reason="重复")
        assert no_target.value.code == "bad_merge"
        with pytest.raises(AppError) as other_plan:
            lifecycle.merge(s, into=elsewhere, actor=planner, reason="重复")
        assert other_plan.value.code == "bad_merge"
        db.session.rollback()
        lifecycle.merge(s, into=target, actor=planner, reason="同一地块")
        lifecycle.reply(target, actor=planner, text="将增设泊位。")
        lifecycle.close(target, actor=planner, decision="adopted", reason="纳入规划")
        db.session.commit()
        s = db.session.get(Suggestion, on_plan)
        assert (s.status, s.merged_into_id, s.decision, s.reply_text) == (
            "merged",
            other_on_plan,
            "adopted",
            "将增设泊位。",
        )
        closed = db.session.get(Suggestion, other_on_plan)
        with pytest.raises(AppError):  # a closed case takes no more duplicates
            lifecycle.merge(
                db.session.get(Suggestion, off_plan), into=closed, actor=planner, reason="x"
            )


def test_a_not_accepted_case_offers_only_what_the_workflow_allows(demo, client, auth):
    sid = _submit(demo)
    auth.login_as("planner")
    assert (
        _act(client, sid, "status", status="not_accepted", reason="与规划无关").status_code == 302
    )
    page = client.get(f"/staff/inbox/{sid}").get_data(as_text=True)
    for action in ("reply", "close", "merge", "transfer"):
        assert f"/{sid}/{action}" not in page
    assert f"/{sid}/note" in page
    assert _act(client, sid, "reply", text="迟到的答复").status_code == 409


def test_reroute_keeps_deadlines_and_logs_each_move(demo):
    sid = _submit(demo)
    with demo.app_context():
        s = db.session.get(Suggestion, sid)
        before_department, before_due = s.department_id, s.reply_due_at
        # The rule that sent it here is switched off.
        db.session.get(RoutingRule, s.routing_rule_id).is_active = False
        db.session.commit()
        assert lifecycle.reroute() == 1
        db.session.commit()
        s = db.session.get(Suggestion, sid)
        assert s.department_id != before_department and s.reply_due_at == before_due
        actions = db.session.scalars(
            select(SuggestionEvent.action).where(SuggestionEvent.suggestion_id == sid)
        ).all()
        assert actions == ["routed", "reroute"]
