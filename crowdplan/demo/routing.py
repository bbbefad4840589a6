"""Demo routing rules for Xianning (idempotent: only when no rule exists yet)."""

from __future__ import annotations

from sqlalchemy import select

from crowdplan.core.models import Topic
from crowdplan.core.operations import get_department_by_code
from crowdplan.extensions import db
from crowdplan.routing.models import RoutingRule
from crowdplan.routing.operations import save_rule


def seed_routing_rules(rows: list[dict]) -> None:
    """Create the demo rules through save_rule, so they have history like any other change."""
    if db.session.scalar(select(RoutingRule.id).limit(1)) is not None:
        return
    for row in rows:
        topic = None
        if row.get("topic"):
            topic = db.session.scalar(select(Topic).where(Topic.code == row["topic"]))
        save_rule(
            None,
            actor=None,
            priority=row["priority"],
            area_adcode=row.get("area"),
            topic_id=topic.id if topic else None,
            department_id=get_department_by_code(row["department"]).id,
            note=row.get("note"),
        )
