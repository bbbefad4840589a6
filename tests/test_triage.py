"""Triage: inbox scoped to the department, workflow rules, replies, decisions, ratings, mail."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from crowdplan.auth.permissions import Role
from crowdplan.core.operations import get_department_by_code
from crowdplan.extensions import db
from crowdplan.mail import read_outbox
from crowdplan.suggestions.models import Suggestion
from crowdplan.triage.models import SuggestionEvent
from tests.conftest import csrf_from
from tests.factories import PASSWORD, create_user
from tests.suggest_helpers import plan_in_notice, post_suggestion


def _post_as_citizen(client, auth, **kw) -> int:
    auth.login_as("citizen")
    response = post_suggestion(client, **kw)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    auth.logout()
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _act(client, sid: int, action: str, **data):
    token = csrf_from(client.get(f"/staff/inbox/{sid}").get_data(as_text=True))
    return client.post(f"/staff/inbox/{sid}/{action}", data={"csrf_token": token, **data})


def _row(app, sid) -> Suggestion:
    with app.app_context():
        row = db.session.get(Suggestion, sid)
        db.session.expunge(row)
        return row


def test_inbox_shows_my_department_with_deadlines(demo, client, auth):
    sid = _post_as_citizen(client, auth)  # parking in 咸安区 -> 规划编制科
    auth.login_as("planner")
    inbox = client.get("/staff/inbox/").get_data(as_text=True)
    assert f'data-suggestion-id="{sid}"' in inbox
    assert re.search(r'class="deadline">20\d\d-\d\d-\d\d', inbox)


@pytest.fixture
def chibi_planner(demo):
    with demo.app_context():
        create_user(
            email="chibi@example.org", role=Role.PLANNER, department=get_department_by_code("chibi")
        )
        db.session.commit()
    return "chibi@example.org"


def test_other_departments_get_403_everywhere(demo, client, auth, chibi_planner):
    sid = _post_as_citizen(client, auth)
    auth.login(chibi_planner, PASSWORD)
    assert f'data-suggestion-id="{sid}"' not in client.get("/staff/inbox/").get_data(as_text=True)
    assert client.get(f"/staff/inbox/{sid}").status_code == 403
    with demo.app_context():
        own = get_department_by_code("city-plan").id
    assert client.get(f"/staff/inbox/?department={own}").status_code == 403
    token = csrf_from(client.get("/staff/inbox/").get_data(as_text=True))
    for action in ("reply", "close", "status", "transfer", "merge", "note"):
        response = client.post(
            f"/staff/inbox/{sid}/{action}", data={"csrf_token": token, "text": "x"}
        )
        assert response.status_code == 403, action
    with demo.app_context():
        assert (
            db.session.scalars(
                select(SuggestionEvent).where(
                    SuggestionEvent.suggestion_id == sid, SuggestionEvent.actor_id.is_not(None)
                )
            ).all()
            == []
        )


def test_citizens_and_anonymous_cannot_reach_the_inbox(demo, client, auth):
    sid = _post_as_citizen(client, auth)
    assert client.get(f"/staff/inbox/{sid}").status_code == 302
    auth.login_as("citizen")
    assert client.get("/staff/inbox/").status_code == 403
    assert client.get(f"/staff/inbox/{sid}").status_code == 403


def test_reply_decide_and_a_bad_rating_rectifies_once(demo, client, auth, app):
    plan_id = plan_in_notice(demo)
    sid = _post_as_citizen(client, auth, plan_id=plan_id)
    auth.login_as("planner")
    early = _act(client, sid, "close", decision="adopted", reason="好")
    assert early.status_code == 409  # reply before closing
    assert _act(client, sid, "reply", text="感谢建议，已纳入停车场选址比选。").status_code == 302
    no_decision = _act(client, sid, "close", reason="")
    assert no_decision.status_code == 400 and "采纳" in no_decision.get_data(as_text=True)
    assert (
        _act(
            client, sid, "close", decision="partly", reason="增加泊位，出入口另行研究。"
        ).status_code
        == 302
    )
    row = _row(app, sid)
    assert row.status == "closed" and row.decision == "partly"
    auth.logout()
    public = client.get(f"/suggestions/{sid}").get_data(as_text=True)
    assert "感谢建议" in public and "部分采纳" in public and "增加泊位" in public
    auth.login_as("citizen")
    page = client.get(f"/suggestions/{sid}").get_data(as_text=True)
    assert page.count('name="rating"') == 5  # the 好差评 scale
    client.post(
        f"/suggestions/{sid}/rate", data={"csrf_token": csrf_from(page), "rating": "unsatisfied"}
    )
    assert _row(app, sid).status == "in_progress"
    again = client.post(
        f"/suggestions/{sid}/rate", data={"csrf_token": csrf_from(page), "rating": "satisfied"}
    )
    assert again.status_code == 409  # no new reply to rate
    assert _row(app, sid).reopen_count == 1 and _row(app, sid).rating == "unsatisfied"


def test_only_the_author_rates(demo, client, auth):
    sid = _post_as_citizen(client, auth)
    auth.login_as("planner")
    _act(client, sid, "reply", text="答复内容")
    auth.logout()
    auth.login_as("organisation")
    page = client.get(f"/suggestions/{sid}").get_data(as_text=True)
    response = client.post(
        f"/suggestions/{sid}/rate", data={"csrf_token": csrf_from(page), "rating": "satisfied"}
    )
    assert response.status_code == 403


def test_invalid_transitions_and_reasons_are_refused(demo, client, auth, app):
    sid2 = _post_as_citizen(client, auth)
    auth.login_as("planner")
    refused = _act(client, sid2, "status", status="not_accepted", reason="")
    assert refused.status_code == 400 and _row(app, sid2).status == "assigned"
    assert (
        _act(client, sid2, "status", status="not_accepted", reason="不属于规划部门职责").status_code
        == 302
    )
    stuck = _act(client, sid2, "status", status="in_progress")
    assert stuck.status_code == 409 and _row(app, sid2).status == "not_accepted"


def test_transfer_moves_it_logs_and_keeps_the_deadline(demo, client, auth, app):
    sid = _post_as_citizen(client, auth)
    due = _row(app, sid).reply_due_at
    auth.login_as("planner")
    with app.app_context():
        target = get_department_by_code("city-build").id
    assert (
        _act(client, sid, "transfer", department=target, reason="属于建设工程许可").status_code
        == 302
    )
    row = _row(app, sid)
    assert row.department_id == target and row.reply_due_at == due
    assert client.get(f"/staff/inbox/{sid}").status_code == 403  # no longer ours
    timeline = client.get(f"/suggestions/{sid}").get_data(as_text=True)
    assert "建设工程规划管理科" in timeline


def test_merged_duplicates_are_answered_once_and_every_author_told(demo, client, auth, app):
    first = _post_as_citizen(client, auth)
    auth.login_as("organisation")
    second = int(post_suggestion(client).headers["Location"].rsplit("/", 1)[1])
    auth.logout()
    auth.login_as("planner")
    assert _act(client, second, "merge", into=first, reason="重复").status_code == 302
    outbox = Path(app.config["MAIL_OUTBOX"])
    before = len(read_outbox(outbox))
    _act(client, first, "reply", text="统一答复：已研究。")
    mails = read_outbox(outbox)[before:]
    assert sorted(m["To"] for m in mails) == ["citizen@demo.crowdplan", "org@demo.crowdplan"]
    assert _row(app, second).reply_text == "统一答复：已研究。"


def test_internal_notes_never_public(demo, client, auth):
    sid = _post_as_citizen(client, auth)
    auth.login_as("planner")
    _act(client, sid, "note", text="内部：联系了街道办")
    assert "内部：联系了街道办" in client.get(f"/staff/inbox/{sid}").get_data(as_text=True)
    auth.logout()
    assert "联系了街道办" not in client.get(f"/suggestions/{sid}").get_data(as_text=True)


def test_assignment_mails_the_department(demo, client, auth, app):
    outbox = Path(app.config["MAIL_OUTBOX"])
    before = len(read_outbox(outbox))
    _post_as_citizen(client, auth, topic="major-projects")
    mails = read_outbox(outbox)[before:]
    assert [m["To"] for m in mails] == ["city-build@demo.crowdplan"]


def test_overdue_is_escalated_once_to_the_head_and_admins(demo, client, auth, app):
    from datetime import timedelta

    from crowdplan.core.models import utcnow

    sid = _post_as_citizen(client, auth)
    outbox = Path(app.config["MAIL_OUTBOX"])
    with app.app_context():
        row = db.session.get(Suggestion, sid)
        row.reply_due_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    before = len(read_outbox(outbox))
    runner = app.test_cli_runner()
    assert "1 overdue suggestions escalated" in runner.invoke(args=["escalate-overdue"]).output
    assert "0 overdue suggestions escalated" in runner.invoke(args=["escalate-overdue"]).output
    mails = read_outbox(outbox)[before:]
    assert sorted(m["To"] for m in mails) == ["admin@demo.crowdplan", "head@demo.crowdplan"]
    auth.login_as("planner")
    inbox = client.get("/staff/inbox/?overdue=1").get_data(as_text=True)
    assert f'data-suggestion-id="{sid}"' in inbox and 'class="overdue"' in inbox


def test_bulk_steps_apply_each_and_refuse_each(demo, client, auth, app):
    plan_id = plan_in_notice(demo)
    plain = _post_as_citizen(client, auth)
    on_plan = _post_as_citizen(client, auth, plan_id=plan_id)
    auth.login_as("planner")
    token = csrf_from(client.get("/staff/inbox/").get_data(as_text=True))
    client.post(
        "/staff/inbox/bulk",
        data={"csrf_token": token, "action": "in_progress", "ids": [plain, on_plan]},
    )
    assert _row(app, plain).status == _row(app, on_plan).status == "in_progress"
    for sid in (plain, on_plan):
        _act(client, sid, "reply", text="答复")
    response = client.post(
        "/staff/inbox/bulk",
        data={"csrf_token": token, "action": "close", "ids": [plain, on_plan]},
        follow_redirects=True,
    )
    assert _row(app, plain).status == "closed"  # no decision needed off a plan
    assert _row(app, on_plan).status == "replied"  # refused on its own: decision required
    assert f"#{on_plan}" in response.get_data(as_text=True)


def test_bulk_on_another_departments_case_is_403(demo, client, auth, chibi_planner, app):
    sid = _post_as_citizen(client, auth)
    auth.login(chibi_planner, PASSWORD)
    token = csrf_from(client.get("/staff/inbox/").get_data(as_text=True))
    response = client.post(
        "/staff/inbox/bulk", data={"csrf_token": token, "action": "in_progress", "ids": [sid]}
    )
    assert response.status_code == 403 and _row(app, sid).status == "assigned"


def test_followers_of_a_suggestion_and_of_its_area_are_told(demo, client, auth, app):
    sid = _post_as_citizen(client, auth)
    auth.login_as("organisation")
    page = client.get(f"/suggestions/{sid}").get_data(as_text=True)
    client.post(f"/suggestions/{sid}/follow", data={"csrf_token": csrf_from(page)})
    auth.logout()
    with app.app_context():
        create_user(email="neighbour@example.org")
        db.session.commit()
    auth.login("neighbour@example.org", PASSWORD)
    page = client.get("/suggestions?area=421202").get_data(as_text=True)
    client.post("/areas/421202/follow", data={"csrf_token": csrf_from(page)})
    auth.logout()
    outbox = Path(app.config["MAIL_OUTBOX"])
    before = len(read_outbox(outbox))
    auth.login_as("planner")
    _act(client, sid, "reply", text="已答复")
    told = sorted(m["To"] for m in read_outbox(outbox)[before:])
    assert told == ["citizen@demo.crowdplan", "neighbour@example.org", "org@demo.crowdplan"]
