"""Admin pages for routing rules: edit with history, try a point, admins only."""

import re

import pytest
from sqlalchemy import select

from crowdplan.core.models import Topic
from crowdplan.core.operations import get_department_by_code
from crowdplan.extensions import db
from crowdplan.routing.models import RoutingRule, RoutingRuleChange
from tests.conftest import csrf_from


@pytest.mark.parametrize("role", ["citizen", "planner", "dept_head"])
def test_only_admins_manage_rules(demo, client, auth, role):
    auth.login_as(role)
    assert client.get("/staff/routing/").status_code == 403
    assert client.get("/staff/routing/new").status_code == 403


def test_where_would_this_go(demo, client, auth):
    auth.login_as("admin")
    with demo.app_context():
        topic = db.session.scalar(select(Topic.id).where(Topic.code == "major-projects"))
    page = client.get(f"/staff/routing/?lon=114.32&lat=29.84&topic_id={topic}").get_data(
        as_text=True
    )
    result = re.search(r'class="route-result">(.*?)</p>', page, re.S).group(1)
    assert "建设工程规划管理科" in result and "咸安区" in result
    outside = client.get(f"/staff/routing/?lon=116&lat=31&topic_id={topic}").get_data(as_text=True)
    assert "综合科" in re.search(r'class="route-result">(.*?)</p>', outside, re.S).group(1)


def test_editing_a_rule_keeps_history(demo, client, auth):
    auth.login_as("admin")
    with demo.app_context():
        rule = db.session.scalar(select(RoutingRule).where(RoutingRule.area_adcode == "421281"))
        rule_id, target = rule.id, get_department_by_code("city-general").id
    page = client.get(f"/staff/routing/{rule_id}").get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(page),
        "priority": "5",
        "topic_id": "",
        "area_adcode": "421281",
        "plan_id": "",
        "department_id": str(target),
        "is_active": "y",
        "note": "改由综合科",
    }
    assert client.post(f"/staff/routing/{rule_id}", data=data).status_code == 302
    with demo.app_context():
        rule = db.session.get(RoutingRule, rule_id)
        assert rule.priority == 5 and rule.department_id == target and rule.topic_id is None
        last = db.session.scalars(
            select(RoutingRuleChange)
            .where(RoutingRuleChange.rule_id == rule_id)
            .order_by(RoutingRuleChange.id.desc())
        ).first()
        assert (
            last.before["priority"] == 10
            and last.after["priority"] == 5
            and last.changed_by_id is not None
        )
    assert "改由综合科" in client.get(f"/staff/routing/{rule_id}").get_data(as_text=True)


def test_a_new_rule_can_be_added(demo, client, auth):
    auth.login_as("admin")
    with demo.app_context():
        topic = db.session.scalar(select(Topic.id).where(Topic.code == "schools"))
        dept = get_department_by_code("city-rural").id
    page = client.get("/staff/routing/new").get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(page),
        "priority": "15",
        "topic_id": str(topic),
        "area_adcode": "421202",
        "plan_id": "",
        "department_id": str(dept),
        "is_active": "y",
        "note": "学校",
    }
    assert client.post("/staff/routing/new", data=data).status_code == 302
    tried = client.get(f"/staff/routing/?lon=114.32&lat=29.84&topic_id={topic}").get_data(
        as_text=True
    )
    assert "村镇规划科" in re.search(r'class="route-result">(.*?)</p>', tried, re.S).group(1)
