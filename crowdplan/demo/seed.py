"""Load the demo city from xianning.toml and geodata/ (idempotent: safe to run again)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from sqlalchemy import select

from crowdplan.auth import operations as accounts
from crowdplan.auth.permissions import Role
from crowdplan.calendar.operations import seed as seed_calendar
from crowdplan.core import operations as core
from crowdplan.core.models import Department, Topic
from crowdplan.demo.plans import seed_plan_types, seed_plans
from crowdplan.demo.routing import seed_routing_rules
from crowdplan.demo.suggestions import seed_suggestions
from crowdplan.extensions import db
from crowdplan.geo import spatial
from crowdplan.geo.validate import parse_feature_collection

DEMO_FILE = Path(__file__).with_name("xianning.toml")
GEODATA = Path(__file__).resolve().parents[2] / "geodata"


def load_demo_data(path: Path = DEMO_FILE) -> dict:
    """The parsed demo file."""
    with path.open("rb") as fh:
        return tomllib.load(fh)


def seed_demo(path: Path = DEMO_FILE, *, with_suggestions: bool = True) -> dict[str, int]:
    """Upsert departments, topics, areas, users, plans (and suggestions); return the counts."""
    data = load_demo_data(path)
    spatial.begin_immediate(db.session)
    _seed_departments(data["departments"])
    _seed_topics(data["topics"])
    _seed_areas(data)
    _seed_users(data["users"], data["demo_password"])
    seed_routing_rules(data.get("routing_rules", []))
    seed_plan_types(data["plan_types"])
    seed_plans(data["plans"], GEODATA)
    _seed_reply_templates(data.get("reply_templates", []))
    seed_calendar()  # the official days chinesecalendar covers, before any deadline is set
    if with_suggestions:
        seed_suggestions(data.get("suggestions", []))
    db.session.flush()
    return {
        "departments": len(data["departments"]),
        "topics": len(data["topics"]),
        "areas": len(data["areas"]),
        "users": len(data["users"]),
        "plans": len(data["plans"]),
        "suggestions": len(data.get("suggestions", [])),
    }


def _seed_departments(rows: list[dict]) -> None:
    for row in rows:
        dept = core.get_department_by_code(row["code"]) or Department(code=row["code"])
        dept.name, dept.name_en = row["name"], row.get("name_en")
        dept.email = row.get("email")
        dept.is_fallback = bool(row.get("is_fallback"))
        db.session.add(dept)
    db.session.flush()
    for row in rows:
        if row.get("parent"):
            core.get_department_by_code(row["code"]).parent = core.get_department_by_code(
                row["parent"]
            )


def _seed_topics(rows: list[dict]) -> None:
    for order, row in enumerate(rows):
        topic = db.session.scalar(select(Topic).where(Topic.code == row["code"])) or Topic(
            code=row["code"]
        )
        topic.name, topic.name_en = row["name"], row.get("name_en")
        topic.description = row.get("description")
        topic.reply_days = row["reply_days"]
        topic.sort_order = order
        db.session.add(topic)


def _seed_areas(data: dict) -> None:
    extra = {row["adcode"]: row for row in data["areas"]}
    raw = (GEODATA / data["boundaries"]).read_bytes()
    features = parse_feature_collection(raw)
    for feature in features:
        feature.properties.update(extra.get(str(feature.properties.get("adcode")), {}))
    core.load_areas(
        features, department_for=lambda p: core.get_department_by_code(p.get("department", ""))
    )


def _seed_users(rows: list[dict], password: str) -> None:
    for row in rows:
        if accounts.get_user_by_login(row["email"]) is not None:
            continue
        department = (
            core.get_department_by_code(row["department"]) if row.get("department") else None
        )
        accounts.create_user(
            email=row["email"],
            display_name=row["display_name"],
            password=password,
            role=Role(row["role"]),
            department=department,
        )


def _seed_reply_templates(rows: list[dict]) -> None:
    from crowdplan.triage.models import ReplyTemplate

    for row in rows:
        if not db.session.scalar(select(ReplyTemplate).where(ReplyTemplate.title == row["title"])):
            db.session.add(ReplyTemplate(title=row["title"], body=row["body"]))
