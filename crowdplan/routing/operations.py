"""Routing operations: route a suggestion, change rules (with history), re-route open ones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from crowdplan.audit.models import record
from crowdplan.core.models import Department, utcnow
from crowdplan.extensions import db
from crowdplan.routing.deadlines import add_working_days
from crowdplan.routing.engine import Route, route
from crowdplan.routing.models import RoutingRule, RoutingRuleChange
from crowdplan.suggestions.models import Suggestion

RULE_FIELDS = (
    "priority",
    "topic_id",
    "area_adcode",
    "plan_id",
    "department_id",
    "is_active",
    "note",
)


def reply_days(suggestion: Suggestion, department: Department) -> int:
    """Working days to reply: the department's override, else the topic's."""
    return department.reply_days or suggestion.topic.reply_days


def apply_route(suggestion: Suggestion, *, now: datetime | None = None) -> Route:
    """Route a suggestion: department, explanation, flags and reply deadline."""
    now = now or utcnow()
    lon, lat = _lonlat(suggestion)
    result = route(lon, lat, topic_id=suggestion.topic_id, plan_id=suggestion.plan_id)
    suggestion.department_id = result.department.id
    suggestion.routing_rule_id = result.rule.id if result.rule else None
    suggestion.routing_area_adcode = result.area.adcode if result.area else None
    suggestion.routing_boundary_m = (
        round(result.boundary_m, 1) if result.boundary_m is not None else None
    )
    suggestion.routing_flags = ",".join(result.flags) or None
    suggestion.routed_at = now
    if suggestion.status in (None, "submitted", "assigned"):
        # A flagged routing waits for a human (待受理); a clear one is assigned at once (已分办).
        suggestion.status = "submitted" if result.flags else "assigned"
    tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    suggestion.reply_due_at = add_working_days(
        now, reply_days(suggestion, result.department), tz=tz
    )
    return result


def _lonlat(suggestion: Suggestion) -> tuple[float, float]:
    from geoalchemy2.shape import to_shape

    point = to_shape(suggestion.point)
    return point.x, point.y


def save_rule(rule: RoutingRule | None, *, actor, **fields) -> RoutingRule:
    """Create or change a rule, recording who changed what (before and after)."""
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise ValueError(f"unknown rule fields: {sorted(unknown)}")
    before = rule.snapshot() if rule is not None else None
    rule = rule or RoutingRule()
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.updated_at = utcnow()
    db.session.add(rule)
    db.session.flush()
    db.session.add(
        RoutingRuleChange(
            rule_id=rule.id,
            changed_by_id=getattr(actor, "id", None),
            before=before,
            after=rule.snapshot(),
        )
    )
    record("routing_rule_saved", rule, actor=actor)
    return rule


def reroute(
    *, since: datetime | None = None, progress: Callable[[int], None] = lambda _n: None
) -> int:
    """Apply the current rules to routed suggestions (since a date); returns how many moved."""
    open_states = ("submitted", "assigned", "in_progress")
    query = select(Suggestion).where(
        Suggestion.routed_at.is_not(None), Suggestion.status.in_(open_states)
    )
    if since is not None:
        query = query.where(Suggestion.created_at >= since)
    moved = 0
    for suggestion in db.session.scalars(query.order_by(Suggestion.id)):
        before = suggestion.department_id
        result = route(
            *_lonlat(suggestion), topic_id=suggestion.topic_id, plan_id=suggestion.plan_id
        )
        if result.department.id != before:
            apply_route(suggestion)
            record(
                "rerouted",
                suggestion,
                from_state=str(before),
                to_state=str(result.department.id),
                reason=f"rule {suggestion.routing_rule_id}",
            )
            moved += 1
        progress(1)
    db.session.flush()
    return moved
