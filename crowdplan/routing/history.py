"""A routing rule's history in words: who changed it, when, and each changed field before/after.

`RoutingRuleChange` keeps snapshots of ids and codes (`RoutingRule.snapshot()`); an
administrator reads topic, area, plan and department names, and yes/no for "active".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from crowdplan.auth.models import User
from crowdplan.core.names import area_label, department_label, topic_label
from crowdplan.extensions import db
from crowdplan.plans.models import Plan
from crowdplan.routing.models import RoutingRuleChange


@dataclass(frozen=True)
class FieldChange:
    """One field of a rule: its label, and its value before and after, as words."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class RuleChangeView:
    """One save of a rule; `is_new` when it created the rule (then `fields` are its values)."""

    changed_at: datetime
    author: str
    is_new: bool
    fields: list[FieldChange]


def plan_title(plan_id: int | None) -> str:
    """The plan's current title by id ('#id' when it no longer exists)."""
    if plan_id is None:
        return ""
    plan = db.session.get(Plan, plan_id)
    return plan.latest.title if plan is not None else f"#{plan_id}"


def _or_any(name: Callable[[object], str]) -> Callable[[object], str]:
    return lambda value: name(value) if value not in (None, "") else _("Any")


def _fields() -> list[tuple[str, str, Callable[[object], str]]]:
    # Called per request: the labels are in the page's language.
    return [
        ("priority", _("Priority (lower first)"), lambda v: "" if v is None else str(v)),
        ("topic_id", _("Topic"), _or_any(topic_label)),
        ("area_adcode", _("Area"), _or_any(area_label)),
        ("plan_id", _("Plan"), _or_any(plan_title)),
        ("department_id", _("Department"), department_label),
        ("is_active", _("Active"), lambda v: _("Yes") if v else _("No")),
        ("note", _("Note"), lambda v: v or "—"),
    ]


def describe(change: RoutingRuleChange, author: User | None) -> RuleChangeView:
    """One history row in words: only the fields that changed (all of them for a new rule)."""
    before, after = change.before or {}, change.after or {}
    fields = [
        FieldChange(label, show(before.get(key)) if change.before else "", show(after.get(key)))
        for key, label, show in _fields()
        if change.before is None or before.get(key) != after.get(key)
    ]
    return RuleChangeView(
        changed_at=change.changed_at,
        author=_author(author),
        is_new=change.before is None,
        fields=fields,
    )


def _author(user: User | None) -> str:
    if user is None:
        return _("System")
    return user.display_name or user.email or f"#{user.id}"


def list_history(rule_id: int) -> list[RuleChangeView]:
    """A rule's changes, newest first, in words."""
    changes: Sequence[RoutingRuleChange] = db.session.scalars(
        select(RoutingRuleChange)
        .where(RoutingRuleChange.rule_id == rule_id)
        .order_by(RoutingRuleChange.id.desc())
    ).all()
    ids = {c.changed_by_id for c in changes if c.changed_by_id}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    return [describe(c, users.get(c.changed_by_id)) for c in changes]
