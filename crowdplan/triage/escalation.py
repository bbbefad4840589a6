"""Overdue suggestions (超期): flagged once, escalated to the department head and the bureau."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from crowdplan.audit.models import record
from crowdplan.auth.models import User
from crowdplan.auth.permissions import Role
from crowdplan.core.models import utcnow
from crowdplan.extensions import db
from crowdplan.mail import absolute_url, send_mail
from crowdplan.suggestions.models import Suggestion, Visibility
from crowdplan.transactions import begin_write
from crowdplan.triage import figures


def list_overdue(now: datetime) -> list[Suggestion]:
    """Open, visible suggestions past their reply deadline that were not escalated yet."""
    query = select(Suggestion).where(
        figures.overdue(now),
        Suggestion.visibility != Visibility.UNCONFIRMED,
        Suggestion.escalated_at.is_(None),
    )
    return list(db.session.scalars(query.order_by(Suggestion.reply_due_at)))


def _recipients(suggestion: Suggestion) -> list[str]:
    """The department's heads and the bureau's administrators."""
    query = select(User.email).where(
        User.is_active.is_(True),
        User.email.is_not(None),
        or_(
            (User.role == Role.DEPT_HEAD.value) & (User.department_id == suggestion.department_id),
            User.role == Role.ADMIN.value,
        ),
    )
    return sorted(set(db.session.scalars(query)))


def escalate_overdue(now: datetime | None = None) -> int:
    """Mark and mail every newly overdue suggestion once (督办); returns how many."""
    now = now or utcnow()
    begin_write(db.session)  # SQLite: the claims below must not fail on a stale read
    escalated = [s for s in list_overdue(now) if _claim(s, now)]
    for suggestion in escalated:
        link = absolute_url("triage.case", suggestion_id=suggestion.id)
        for address in _recipients(suggestion):
            send_mail(
                to=address,
                subject=_("Overdue suggestion #%(id)d", id=suggestion.id),
                body=_("The reply deadline has passed: %(link)s", link=link),
            )
        record("escalated", suggestion, reason="overdue")
    db.session.flush()
    return len(escalated)


def _claim(suggestion: Suggestion, now: datetime) -> bool:
    """Mark the case escalated unless another run already did; True when this run won.

    Two overlapping runs may both list a case: only the one whose conditional UPDATE changes
    the row mails (PostgreSQL re-checks the condition once the other run's row lock is gone).
    """
    claim = (
        update(Suggestion)
        .where(Suggestion.id == suggestion.id, Suggestion.escalated_at.is_(None))
        .values(escalated_at=now)
        .execution_options(synchronize_session=False)
    )
    won = db.session.execute(claim).rowcount == 1
    if won:
        db.session.expire(suggestion, ["escalated_at"])
    return won
