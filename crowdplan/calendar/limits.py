"""Time limits as data (限时办结): reply days per topic, overridden per department, and the
rectification days per topic; each change keeps a history row and an audit record.

A changed limit applies to cases opened (or reopened) after it: a running case keeps the limit
it was given, which is also what a calendar recompute keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from crowdplan.audit.models import record
from crowdplan.auth.models import User
from crowdplan.calendar.models import TimeLimitChange
from crowdplan.core.models import Department, Topic
from crowdplan.core.names import department_label, topic_label
from crowdplan.errors import AppError
from crowdplan.extensions import db

MIN_DAYS, MAX_DAYS = 1, 120


def _check(days: int | None, *, optional: bool = False) -> None:
    if days is None and optional:
        return
    if days is None or not MIN_DAYS <= days <= MAX_DAYS:
        raise AppError(
            _("Enter %(min)d to %(max)d working days.", min=MIN_DAYS, max=MAX_DAYS),
            code="bad_limit",
        )


def _set(obj, object_type: str, field: str, after: int | None, actor) -> bool:
    before = getattr(obj, field)
    if before == after:
        return False
    setattr(obj, field, after)
    db.session.add(
        TimeLimitChange(
            changed_by_id=getattr(actor, "id", None),
            object_type=object_type,
            object_id=obj.id,
            field=field,
            before=before,
            after=after,
        )
    )
    record(
        f"limit_{field}",
        obj,
        actor=actor,
        from_state="" if before is None else str(before),
        to_state="" if after is None else str(after),
    )
    return True


def set_topic_limits(topic: Topic, *, reply_days: int, rectify_days: int, actor) -> int:
    """A topic's reply and rectification days; returns how many of them changed."""
    _check(reply_days)
    _check(rectify_days)
    changed = _set(topic, "topic", "reply_days", reply_days, actor)
    changed += _set(topic, "topic", "rectify_days", rectify_days, actor)
    db.session.flush()
    return changed


def set_department_limit(department: Department, *, reply_days: int | None, actor) -> int:
    """A department's reply days; None: its cases use their topic's."""
    _check(reply_days, optional=True)
    changed = _set(department, "department", "reply_days", reply_days, actor)
    db.session.flush()
    return changed


@dataclass(frozen=True)
class LimitChangeView:
    """One change in words: when, who, of what, which limit, before and after."""

    changed_at: datetime
    author: str
    subject: str
    limit: str
    before: str
    after: str


def _limit_word(field: str) -> str:
    return {
        "reply_days": _("Reply days"),
        "rectify_days": _("Rectification days"),
    }.get(field, field)


def _days_word(object_type: str, days: int | None) -> str:
    if days is None:
        return _("the topic's") if object_type == "department" else "—"
    return _("%(n)d working days", n=days)


def list_history(limit: int = 100) -> list[LimitChangeView]:
    """The newest changes of every limit, in words."""
    changes = db.session.scalars(
        select(TimeLimitChange).order_by(TimeLimitChange.id.desc()).limit(limit)
    ).all()
    ids = {c.changed_by_id for c in changes if c.changed_by_id}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    views = []
    for c in changes:
        user = users.get(c.changed_by_id)
        if c.object_type == "topic":
            subject = _("Topic %(name)s", name=topic_label(c.object_id))
        else:
            subject = _("Department %(name)s", name=department_label(c.object_id))
        views.append(
            LimitChangeView(
                changed_at=c.changed_at,
                author=(user.display_name or user.email or f"#{user.id}") if user else _("System"),
                subject=subject,
                limit=_limit_word(c.field),
                before=_days_word(c.object_type, c.before),
                after=_days_word(c.object_type, c.after),
            )
        )
    return views
