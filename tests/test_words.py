"""Staff and public pages speak words, not codes: timeline, area names, rule history, audit."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from crowdplan.audit.models import record
from crowdplan.core.operations import get_department_by_code
from crowdplan.extensions import db
from crowdplan.routing.models import RoutingRule
from crowdplan.suggestions.models import Suggestion
from tests.conftest import csrf_from
from tests.suggest_helpers import post_suggestion

CODE = re.compile(r"^[a-z]+(_[a-z]+)+$")  # suggestion_transfer, auto_hidden, review_all ...


def _timeline(html: str) -> list[str]:
    block = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S).group(1)
    return [
        unescape(re.sub(r"<[^>]+>", "", li)).strip() for li in re.findall(r"<li.*?</li>", block)
    ]


def _no_repeat(lines: list[str]) -> None:
    for line in lines:
        assert not re.search(r"(\S+) → \1(\s|:|$)", line), line


def _routed_then_transferred(client, auth, app) -> int:
    auth.login_as("citizen")
    sid = int(post_suggestion(client).headers["Location"].rsplit("/", 1)[1])  # 咸安区 -> 规划编制科
    auth.logout()
    auth.login_as("planner")
    with app.app_context():
        target = get_department_by_code("city-build").id
    page = client.get(f"/staff/inbox/{sid}").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "department": target, "reason": "属于建设工程许可"}
    assert client.post(f"/staff/inbox/{sid}/transfer", data=data).status_code == 302
    auth.logout()
    return sid


def test_timeline_and_area_in_words_on_the_public_and_the_case_page(demo, client, auth, app):
    sid = _routed_then_transferred(client, auth, app)
    public = client.get(f"/suggestions/{sid}").get_data(as_text=True)
    lines = _timeline(public)
    _no_repeat(lines)
    assert '<span class="area">咸安区</span>' in public
    routed, transferred = lines[0], lines[-1]
    assert "系统 · 分办" in routed and "转办" in transferred and "属于建设工程许可" in transferred
    assert "规划编制科 · 转办" in transferred  # who: the office, never the planner's name
    assert "李工" not in public and "planner@demo" not in public
    client.set_cookie("lang", "en")
    english = _timeline(client.get(f"/suggestions/{sid}").get_data(as_text=True))
    # The first entry names the status the case starts in (待受理 or 已分办) and where it went.
    assert english[0].endswith("System · Routed to a department · Assigned: Plan Making Section")
    assert "Plan Making Section → Construction Permits Section: 属于建设工程许可" in english[-1]
    client.delete_cookie("lang")
    auth.login_as("admin")
    case = client.get(f"/staff/inbox/{sid}").get_data(as_text=True)
    staff_lines = _timeline(case)
    _no_repeat(staff_lines)
    assert "规划编制科 李工" in staff_lines[-1]  # staff see who it was
    assert "咸安区" in case and "421202" in case  # the code only as secondary detail
    inbox = client.get("/staff/inbox/?status=all").get_data(as_text=True)
    assert '<td class="area">咸安区</td>' in inbox


def test_rule_history_shows_who_and_each_change_in_words(demo, client, auth):
    auth.login_as("admin")
    with demo.app_context():
        rule = db.session.scalar(select(RoutingRule).where(RoutingRule.area_adcode == "421281"))
        rule_id, old_dept = rule.id, rule.department.name
        target = get_department_by_code("city-general")
        target_id, new_dept = target.id, target.name
    page = client.get(f"/staff/routing/{rule_id}").get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(page),
        "priority": "5",
        "topic_id": "",
        "area_adcode": "421281",
        "plan_id": "",
        "department_id": str(target_id),
        "is_active": "y",
        "note": "",
    }
    assert client.post(f"/staff/routing/{rule_id}", data=data).status_code == 302
    page = client.get(f"/staff/routing/{rule_id}").get_data(as_text=True)
    change = re.search(r'<li class="rule-change">(.*?)</ul></li>', page, re.S).group(1)
    text = unescape(re.sub(r"<[^>]+>", "", change))
    assert "市局管理员" in text  # the author, by name
    assert f"所属部门: {old_dept} → {new_dept}" in text
    assert "优先级（数字小者优先）: 10 → 5" in text
    assert "department_id" not in text and "{" not in text and "421281" not in text
    rules = client.get("/staff/routing/").get_data(as_text=True)
    row = re.search(rf'<tr data-rule-id="{rule_id}">(.*?)</tr>', rules, re.S).group(1)
    assert "赤壁市" in row


def _audit_cells(html: str) -> list[str]:
    body = re.search(r'<table class="audit-log">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)
    return [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells]


def test_audit_and_moderation_actions_are_translated(demo, client, auth, app):
    auth.login_as("citizen")
    sid = int(post_suggestion(client).headers["Location"].rsplit("/", 1)[1])
    auth.logout()
    with app.app_context():
        s = db.session.get(Suggestion, sid)
        s.visibility, s.review_reason = "review", "blocked_words"
        record("suggestion_transfer", s, from_state="assigned", to_state="assigned", reason="x")
        record("auto_hidden", s, from_state="published", to_state="review", reason="flags")
        record("moderation_approve", s, from_state="review", to_state="published")
        record("some_future_step", None, object_type="suggestions")
        db.session.commit()
    auth.login_as("admin")
    page = client.get("/staff/audit/").get_data(as_text=True)
    cells = _audit_cells(page)
    assert [c for c in cells if CODE.match(c) or c in ("review", "published", "flags")] == []
    for words in ("意见：转办", "因被举报转入审核", "审核：通过", "待审核", "已公开", "被读者举报"):
        assert words in cells, words
    assert "Some future step" in cells  # unknown actions still read as words
    moderation = client.get("/staff/moderation/").get_data(as_text=True)
    assert "含有屏蔽词" in moderation and "blocked_words" not in moderation
    client.set_cookie("lang", "en")
    english = _audit_cells(client.get("/staff/audit/").get_data(as_text=True))
    assert "Suggestion: Transferred to another department" in english
    assert "Moderation: approved" in english and "Reported by readers" in english
