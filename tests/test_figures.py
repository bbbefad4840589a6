"""One set of figures: a small world whose every surface (/api/v1/stats, /stats, /display, the
inbox, the adoption report and its CSV) agrees with counts made here from the raw rows."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pypdf
import pytest
from sqlalchemy import select, text

from crowdplan.auth.permissions import Role
from crowdplan.extensions import db
from crowdplan.suggestions.models import Suggestion
from crowdplan.triage import figures
from crowdplan.triage.models import SuggestionEvent
from tests.factories import (
    PASSWORD,
    create_area,
    create_department,
    create_plan,
    create_suggestion,
    create_topic,
    create_user,
)

PLANNER = "planner@figures.test"
DAY = timedelta(days=1)


@pytest.fixture
def world(app):
    """An open overdue case, a reply exactly at the deadline (late), an on-time reply, a merged
    pair with a decision, a not-accepted case, and a hidden overdue case that is not counted."""
    now = datetime.now(UTC)
    with app.app_context():
        dept = create_department(code="fig", name="图表科")
        create_user(email=PLANNER, role=Role.PLANNER, department=dept)
        create_area(adcode="429999", name="测试区", department=dept)
        topic = create_topic(code="parks", name="康娱场地")
        plan = create_plan(
            department=dept,
            title="咸宁市测试片区控制性详细规划",
            # Entered as 12-02..12-31 (Beijing): stored as 12-01 16:00 UTC and the exclusive
            # end, 2026-12-31 16:00 UTC.
            opens_at=datetime(2025, 12, 1, 16, tzinfo=UTC),
            closes_at=datetime(2025, 12, 31, 16, tzinfo=UTC),
            results_at=now - DAY,
        )
        common = dict(
            topic=topic, department_id=dept.id, plan_id=plan.id, routing_area_adcode="429999"
        )
        done = dict(status="closed", closed_at=now - DAY, reply_text="已研究")
        ids = {}
        ids["open_overdue"] = create_suggestion(
            **common, status="in_progress", reply_due_at=now - 2 * DAY
        ).id
        due = now - 5 * DAY
        ids["late"] = create_suggestion(
            **common,
            **done,
            reply_due_at=due,
            replied_at=due,
            decision="not_adopted",
            decision_reason="与上位规划冲突",
            rating="very_unsatisfied",
        ).id
        ids["on_time"] = create_suggestion(
            **common,
            **done,
            reply_due_at=now - DAY,
            replied_at=now - 3 * DAY,
            decision="adopted",
            decision_reason="增加口袋公园",
            rating="very_satisfied",
            # 17:30 UTC is already the next day in Beijing.
            created_at=datetime(2026, 3, 1, 17, 30, tzinfo=UTC),
            text="请联系 13812345678 增加口袋公园",
        ).id
        target = create_suggestion(
            **common,
            **done,
            reply_due_at=now - DAY,
            replied_at=now - 2 * DAY,
            decision="partly",
            decision_reason="保留部分场地",
            rating="basic",
        )
        ids["target"] = target.id
        # The lifecycle copies the target's answer onto the merged case; its own deadline stays.
        ids["merged"] = create_suggestion(
            **common,
            status="merged",
            merged_into_id=target.id,
            reply_due_at=now + DAY,
            reply_text=target.reply_text,
            replied_at=target.replied_at,
            decision=target.decision,
            decision_reason=target.decision_reason,
            closed_at=target.closed_at,
        ).id
        refused = create_suggestion(
            **common, status="not_accepted", reply_due_at=now - DAY, closed_at=now - DAY
        )
        ids["not_accepted"] = refused.id
        db.session.add(
            SuggestionEvent(
                suggestion_id=refused.id,
                action="status",
                to_status="not_accepted",
                reason="不属于规划事项",
            )
        )
        ids["hidden"] = create_suggestion(
            **common,
            status="assigned",
            reply_due_at=now - DAY,
            visibility="hidden",
            rating="satisfied",  # not a public opinion: in no figure
        ).id
        plan_id = plan.id
        db.session.commit()
    return {"ids": ids, "plan_id": plan_id, "department": "fig", "now": now}


def _expected(now: datetime) -> dict:
    """The figures counted from raw rows, independently of crowdplan.triage.figures."""
    rows = db.session.execute(
        text(
            "SELECT visibility, status, replied_at, reply_due_at, decision, rating FROM suggestions"
        )
    ).all()

    def utc(v):
        v = datetime.fromisoformat(v) if isinstance(v, str) else v
        return v.replace(tzinfo=UTC)

    c = Counter()
    for visibility, status, replied, due, decision, rating in rows:
        if visibility != "published":
            continue
        c["counted"] += 1
        c["accepted"] += status != "not_accepted"
        c["merged"] += status == "merged"
        c["replied"] += replied is not None
        if due is not None and replied is not None:
            c["on_time" if utc(replied) < utc(due) else "late"] += 1
        elif due is not None and status not in ("not_accepted", "closed") and utc(due) < now:
            c["late"] += 1
        c["overdue"] += bool(
            status in ("submitted", "assigned", "in_progress") and due and utc(due) < now
        )
        c["adopted"] += decision in ("adopted", "partly")
        c["decided"] += decision is not None
        c["undecided"] += status != "not_accepted" and decision is None
        c["rated"] += rating is not None
        c["satisfied"] += rating in ("very_satisfied", "satisfied", "basic")
    return {k: c[k] for k in figures.measures(now)}


def test_every_surface_agrees_with_the_raw_rows(world, app, client, auth):
    with app.app_context():
        expected = _expected(world["now"])
    # The world as designed: the open overdue case is late, the reply at the deadline is late.
    assert expected == {
        "counted": 6, "accepted": 5, "merged": 1, "replied": 4, "on_time": 3, "late": 2,
        "overdue": 1, "adopted": 3, "decided": 4, "undecided": 1, "rated": 3, "satisfied": 2,
    }  # fmt: skip
    rates = figures.rates(expected)
    assert rates == {
        "on_time_pct": 60.0, "replied_pct": 80.0, "adoption_rate_pct": 75.0,
        "satisfaction_pct": 66.7,
    }  # fmt: skip

    data = client.get("/api/v1/stats").json
    assert data["suggestions"] == expected["counted"]
    for key in ("accepted", "merged", "replied", "on_time", "late", "overdue", "adopted", "rated"):
        assert data[key] == expected[key], key
    assert {k: data[k] for k in rates} == rates
    (dept,) = [d for d in data["by_department"] if d["code"] == world["department"]]
    (plan,) = [p for p in data["by_plan"] if p["id"] == world["plan_id"]]
    for group in (dept, plan):
        assert group["replied"] == expected["replied"] and group["adopted"] == expected["adopted"]
        assert {k: group[k] for k in rates} == rates
    assert dept["cases"] == plan["suggestions"] == expected["counted"]
    assert dept["late"] == plan["late"] == expected["late"]

    for page in ("/stats", "/display"):
        html = client.get(page).get_data(as_text=True)
        for key in (
            "suggestions", "adopted", "on_time_pct", "replied_pct", "adoption_rate_pct",
            "satisfaction_pct",
        ):  # fmt: skip
            value = data[key]
            shown = f"{value}%" if key.endswith("_pct") else str(value)
            assert f'data-kpi="{key}"><span class="kpi-value">{shown}<' in html, (page, key)

    report = client.get(f"/plans/{world['plan_id']}/report").get_data(as_text=True)
    assert 'data-count="received">6<' in report and 'data-count="merged">1<' in report
    assert 'data-count="not_accepted">1<' in report and 'data-decision="undecided">1<' in report
    assert 'data-decision="adopted">1<' in report and 'data-decision="partly">2<' in report
    assert report.count("data-suggestion-id=") == expected["counted"]

    body = client.get(f"/plans/{world['plan_id']}/report.csv").data.decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(body)))
    assert len(table) == expected["counted"]
    assert len({r["id"] for r in table}) == len(table)  # each merged opinion exactly once
    words = Counter(r["decision_name"] for r in table)
    assert words == {"部分采纳": 2, "采纳": 1, "不采纳": 1, "不予受理": 1, "未决定": 1}
    assert sum(r["decision"] in ("adopted", "partly") for r in table) == expected["adopted"]

    assert auth.login(PLANNER, PASSWORD).status_code == 302
    inbox = client.get("/staff/inbox/?status=all").get_data(as_text=True)
    for key in ("counted", "overdue", "late"):
        assert f'data-count="{key}">{expected[key]}<' in inbox, key
    assert f'data-count="on_time_pct">{rates["on_time_pct"]}%<' in inbox
    highlighted = set(map(int, re.findall(r'class="overdue" data-suggestion-id="(\d+)"', inbox)))
    # The hidden case is overdue too (staff see it), but no public figure counts it.
    assert highlighted == {world["ids"]["open_overdue"], world["ids"]["hidden"]}


def test_sql_and_python_definitions_agree_on_every_row(world, app):
    now = world["now"]
    with app.app_context():
        rows = db.session.scalars(select(Suggestion)).all()
        for name, expression in figures.measures(now).items():
            in_sql = set(db.session.scalars(select(Suggestion.id).where(expression)))
            in_python = {s.id for s in rows if figures.ROW_TESTS[name](s, now)}
            assert in_sql == in_python, name
        overdue = {s.id for s in db.session.scalars(select(Suggestion).where(figures.overdue(now)))}
        from crowdplan.triage.escalation import list_overdue

        assert {s.id for s in list_overdue(now)} == overdue


def test_the_report_reads_as_a_document_for_the_approving_body(world, client):
    url = f"/plans/{world['plan_id']}/report"
    html = client.get(url).get_data(as_text=True)
    assert "None" not in html
    for words in (
        "咸宁市自然资源和规划局",
        "咸宁市测试片区控制性详细规划",
        "控制性详细规划",
        "f" * 64,
        "2025-12-02 – 2025-12-31",
        f"已合并至 #{world['ids']['target']}",
        "不属于规划事项",  # the reason for not accepting
        "138****5678",
        "康娱场地",
        "测试区",
    ):
        assert words in html, words
    assert "13812345678" not in html
    assert 'class="date">2026-03-02<' in html  # the Beijing date, not the UTC one

    body = client.get(f"{url}.csv").data.decode("utf-8-sig")
    assert "None" not in body
    on_time = next(r for r in csv.DictReader(io.StringIO(body)) if r["text"].startswith("请联系"))
    assert on_time["date"] == "2026-03-02" and on_time["stance_name"] == "建议"
    assert on_time["decision"] == "adopted" and on_time["decision_name"] == "采纳"
    features = client.get(f"{url}.geojson").json["features"]
    merged = next(f["properties"] for f in features if f["properties"]["status"] == "merged")
    assert merged["merged_into"] == world["ids"]["target"]
    assert merged["status_name"] == "已合并" and merged["decision_name"] == "部分采纳"


def test_the_report_as_pdf_has_the_title_and_page_numbers(world, client):
    response = client.get(f"/plans/{world['plan_id']}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    pages = pypdf.PdfReader(io.BytesIO(response.data)).pages
    texts = [page.extract_text() for page in pages]
    assert "咸宁市测试片区控制性详细规划" in texts[0]
    assert "意见采纳情况及理由" in texts[0]
    for number, page_text in enumerate(texts, start=1):
        assert f"{number} / {len(pages)}" in page_text
    assert "登录" not in "".join(texts)  # no navigation in print
