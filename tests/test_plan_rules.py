"""Plan rules: results wait for every decision; a new version takes over the notice only when
its own window opens, and each opinion stays on the version it was made on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crowdplan import dates
from crowdplan.core.models import utcnow
from crowdplan.core.operations import get_department_by_code
from crowdplan.extensions import db
from crowdplan.plans import operations as plans
from crowdplan.plans.models import Plan, PlanType, Stage
from crowdplan.suggestions.models import Suggestion, Visibility
from crowdplan.triage import operations as lifecycle
from crowdplan.triage.results import UndecidedOpinions
from tests.conftest import csrf_from
from tests.test_dates_shown import _submit


def _published_plan(opens, closes, *, now) -> Plan:
    kind = db.session.scalar(select(PlanType).where(PlanType.code == "regulatory"))
    department = get_department_by_code("city-plan")
    plan = plans.create_plan(actor=None, plan_type=kind, department=department, title="规则测试")
    plans.publish(plan.latest, opens_at=opens, closes_at=closes, actor=None, now=now)
    db.session.commit()
    return plan


def test_results_are_refused_while_accepted_opinions_are_undecided(demo, client, auth, app):
    t0 = utcnow() - timedelta(days=60)  # the notice is over by the real clock
    with app.app_context():
        plan = _published_plan(t0, t0 + timedelta(days=30), now=t0)
        plan_id = plan.id
        ids = [_submit(t0 + timedelta(days=1, minutes=i), plan_id) for i in range(5)]
        rows = [db.session.get(Suggestion, i) for i in ids]
        open_case, merged, decided, refused, hidden = rows
        decided.status, decided.decision, decided.decision_reason = "closed", "adopted", "好"
        refused.status = "not_accepted"
        hidden.visibility = Visibility.HIDDEN
        merged.status, merged.merged_into_id = "merged", open_case.id  # target undecided
        db.session.commit()
        with pytest.raises(UndecidedOpinions) as info:
            lifecycle.publish_results(plan.latest, actor=None)
        assert [o.id for o in info.value.opinions] == [open_case.id, merged.id]
        assert info.value.status == 409
        db.session.rollback()
    case_id, merged_id, decided_id = ids[0], ids[1], ids[2]
    auth.login_as("planner")
    edit = f"/staff/plans/{plan_id}"
    token = csrf_from(client.get(edit).get_data(as_text=True))
    response = client.post(f"{edit}/results", data={"csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "2 条已受理的意见尚未作出采纳决定" in html
    for sid in (case_id, merged_id):
        assert f'href="/staff/inbox/{sid}">#{sid}</a>' in html
    assert f"已合并至 #{case_id}" in html
    assert f'href="/staff/inbox/{decided_id}"' not in html
    with app.app_context():
        for sid in (case_id, merged_id):
            db.session.get(Suggestion, sid).decision = "partly"
        db.session.commit()
    token = csrf_from(client.get(edit).get_data(as_text=True))
    assert client.post(f"{edit}/results", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(Plan, plan_id).latest.stage(utcnow()) is Stage.RESULTS


def test_a_new_version_takes_over_the_notice_when_its_own_opens(demo, client, auth, app):
    with app.app_context():
        today = dates.local_date(utcnow())
        first_day, last_day = today - timedelta(days=5), today + timedelta(days=34)
        opens, closes = dates.start_of_day(first_day), dates.end_of_day_exclusive(last_day)
        plan = _published_plan(opens, closes, now=opens)
        plan_id, first_id = plan.id, plan.latest.id
        plans.new_version(plan, actor=None)
        db.session.commit()
    auth.login_as("planner")
    # Before publishing: the form says the running notice goes on, with its two dates.
    html = client.get(f"/staff/plans/{plan_id}").get_data(as_text=True)
    assert f"第 1 版正在公示（{first_day} 至 {last_day}）" in html
    new_opens = dates.start_of_day(today + timedelta(days=2))
    with app.app_context():
        plan = db.session.get(Plan, plan_id)
        second = plan.latest
        plans.publish(
            second, opens_at=new_opens, closes_at=new_opens + timedelta(days=30), actor=None
        )
        second_id = second.id
        db.session.commit()
    staff = client.get(f"/staff/plans/{plan_id}").get_data(as_text=True)
    assert f"第 1 版继续公示，直至本版于 {today + timedelta(days=2)} 开始公示" in staff
    public = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert 'data-version="1"' in public and 'class="suggestion-form"' in public
    with app.app_context():
        before = _submit(utcnow(), plan_id)  # the old notice is still open
        after = _submit(new_opens + timedelta(hours=1), plan_id)
        assert db.session.get(Suggestion, before).plan_version_id == first_id
        assert db.session.get(Suggestion, after).plan_version_id == second_id
        plan = db.session.get(Plan, plan_id)
        first = plan.versions[0]
        assert first.stage(new_opens - timedelta(seconds=1)) is Stage.NOTICE
        assert first.stage(new_opens) is Stage.CLOSED
        assert plan.version_at(new_opens).id == second_id
