"""Routing (分办) on both backends: rules as data, explanations, flags for a human check."""

import json
from pathlib import Path

import pytest
from shapely.geometry import shape
from sqlalchemy import select

from crowdplan.core.models import Topic
from crowdplan.core.operations import get_department_by_code
from crowdplan.extensions import db
from crowdplan.routing import engine
from crowdplan.routing.models import RoutingRule, RoutingRuleChange
from crowdplan.routing.operations import save_rule
from crowdplan.triage.operations import reroute
from tests.suggest_helpers import post_suggestion

COUNTIES = Path(__file__).resolve().parents[1] / "geodata" / "xianning_counties.geojson"
INSIDE = {
    "421202": (114.32, 29.84),
    "421221": (113.90, 29.95),
    "421222": (113.80, 29.25),
    "421223": (114.05, 29.25),
    "421224": (114.50, 29.60),
    "421281": (113.93, 29.72),
}
COUNTY_BUREAU = {
    "421221": "jiayu",
    "421222": "tongcheng",
    "421223": "chongyang",
    "421224": "tongshan",
    "421281": "chibi",
}
XIANAN_BY_TOPIC = {
    "rural-landscape": "city-rural",
    "rural-industry": "city-rural",
    "major-projects": "city-build",
    "parking": "city-plan",
    "schools": "city-plan",
    "other": "city-plan",
}
CASES = [
    (adcode, topic, dept) for adcode, dept in COUNTY_BUREAU.items() for topic in XIANAN_BY_TOPIC
]
CASES += [("421202", topic, dept) for topic, dept in XIANAN_BY_TOPIC.items()]


def _topic_id(code: str) -> int:
    return db.session.scalar(select(Topic.id).where(Topic.code == code))


@pytest.mark.parametrize(("adcode", "topic", "expected"), CASES)
def test_each_county_and_topic_goes_to_the_expected_department(
    demo, db_session, adcode, topic, expected
):
    result = engine.route(*INSIDE[adcode], topic_id=_topic_id(topic))
    assert result.department.code == expected
    assert result.area.adcode == adcode
    assert result.rule is not None and result.rule.department.code == expected
    assert result.flags == [] and result.boundary_m > 200


def _near_boundary_point(adcode: str, metres: float = 80):
    features = json.loads(COUNTIES.read_text(encoding="utf-8"))["features"]
    county = next(shape(f["geometry"]) for f in features if f["properties"]["adcode"] == adcode)
    inner = (
        max(county.buffer(-metres / 111_000).geoms, key=lambda g: g.area)
        if county.buffer(-metres / 111_000).geom_type == "MultiPolygon"
        else county.buffer(-metres / 111_000)
    )
    point = inner.exterior.interpolate(0.37, normalized=True)
    return point.x, point.y


@pytest.mark.parametrize("adcode", ["421202", "421281", "421224"])
def test_points_near_a_boundary_are_routed_and_flagged(demo, db_session, adcode):
    lon, lat = _near_boundary_point(adcode)
    result = engine.route(lon, lat, topic_id=_topic_id("parking"))
    assert result.area.adcode == adcode
    assert "near_boundary" in result.flags and result.boundary_m < 200


def test_a_point_in_no_area_goes_to_the_fallback_flagged(demo, db_session):
    result = engine.route(116.0, 31.0, topic_id=_topic_id("parking"))
    assert result.department.code == "city-general" and result.rule is None
    assert result.flags == ["no_area"]


def test_overlapping_areas_are_flagged_and_the_smaller_explains(demo, db_session):
    from tests.factories import create_area

    create_area(adcode="999001", name="高新区", bounds=(114.30, 29.82, 114.34, 29.86))
    result = engine.route(114.32, 29.84, topic_id=_topic_id("parking"))
    assert "several_areas" in result.flags
    assert result.department.code == "city-plan"  # the 咸安区 rule still fires


def test_a_submitted_suggestion_stores_its_explanation_and_deadline(demo, client, auth, app):
    from crowdplan.suggestions.models import Suggestion

    auth.login_as("citizen")
    post_suggestion(client, topic="major-projects")
    with app.app_context():
        row = db.session.scalars(select(Suggestion)).one()
        rule = db.session.get(RoutingRule, row.routing_rule_id)
        assert row.department_id == get_department_by_code("city-build").id
        assert rule.note == "咸安区重大项目：建设工程规划管理科"
        assert row.routing_area_adcode == "421202" and row.routing_boundary_m > 200
        assert row.reply_due_at > row.created_at


def test_rule_changes_keep_history_and_reroute_moves_open_suggestions(demo, client, auth, app):
    from crowdplan.suggestions.models import Suggestion

    auth.login_as("citizen")
    post_suggestion(client, topic="parking")
    with app.app_context():
        rule = db.session.scalar(select(RoutingRule).where(RoutingRule.note.contains("其余议题")))
        save_rule(rule, actor=None, department_id=get_department_by_code("city-general").id)
        db.session.commit()
        changes = db.session.scalars(
            select(RoutingRuleChange)
            .where(RoutingRuleChange.rule_id == rule.id)
            .order_by(RoutingRuleChange.id)
        ).all()
        assert (
            changes[0].before is None
            and changes[-1].before["department_id"] != changes[-1].after["department_id"]
        )
        assert reroute() == 1
        db.session.commit()
        row = db.session.scalars(select(Suggestion)).one()
        assert row.department_id == get_department_by_code("city-general").id
        assert reroute() == 0


def test_reroute_cli_reports_progress_and_moves(demo, client, auth):
    auth.login_as("citizen")
    post_suggestion(client, topic="parking")
    with demo.app_context():
        rule = db.session.scalar(select(RoutingRule).where(RoutingRule.note.contains("其余议题")))
        save_rule(rule, actor=None, is_active=False)
        db.session.commit()
    result = demo.test_cli_runner().invoke(args=["reroute", "--since", "2020-01-01"])
    assert result.exit_code == 0, result.output
    assert "Re-routing" in result.output and "1 suggestions moved" in result.output


def test_a_department_can_override_the_topic_deadline(demo, client, auth, app):
    from datetime import timedelta

    from crowdplan.routing.deadlines import working_days_between
    from crowdplan.suggestions.models import Suggestion

    with app.app_context():
        get_department_by_code("city-plan").reply_days = 3
        db.session.commit()
    auth.login_as("citizen")
    post_suggestion(client, topic="parking")  # the topic says 10 working days
    with app.app_context():
        row = db.session.scalars(select(Suggestion)).one()
        days = working_days_between(row.created_at, row.reply_due_at - timedelta(microseconds=1))
        assert days == 3
