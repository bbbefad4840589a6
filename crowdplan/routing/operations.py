"""Routing rule operations: create and change rules, keeping who changed what.

Applying a route to a case (and re-routing open cases) is the case lifecycle's
(`crowdplan.triage.operations`); the engine only answers where a point should go.
"""

from __future__ import annotations

from crowdplan.audit.models import record
from crowdplan.core.models import utcnow
from crowdplan.extensions import db
from crowdplan.routing.models import RoutingRule, RoutingRuleChange

RULE_FIELDS = (
    "priority",
    "topic_id",
    "area_adcode",
    "plan_id",
    "department_id",
    "is_active",
    "note",
)


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
