"""Who is told about a case, and what: messages are queued with the change (sent after commit).

Every message names the case, its department and its deadline as people read it (the last
working day), and links the page.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select

from crowdplan import dates
from crowdplan.auth.models import User
from crowdplan.auth.permissions import Role
from crowdplan.core.models import utcnow
from crowdplan.extensions import db
from crowdplan.labels import rating_label
from crowdplan.mail import absolute_url, send_mail
from crowdplan.suggestions.models import Suggestion
from crowdplan.triage import figures
from crowdplan.triage.models import Follow


def _author_address(s: Suggestion) -> str | None:
    if s.author_id is not None:
        user = db.session.get(User, s.author_id)
        if user is not None and user.email:
            return user.email
    return s.contact_email


def author(s: Suggestion, subject: str) -> None:
    """Tell the author and the followers (of the suggestion or its area), linking the page."""
    addresses = set(_follower_addresses(s))
    address = _author_address(s)
    if address:
        addresses.add(address)
    link = absolute_url("suggestions.detail", suggestion_id=s.merged_into_id or s.id)
    for to in sorted(addresses):
        send_mail(to=to, subject=subject, body=_("See the details: %(link)s", link=link))


def _follower_addresses(s: Suggestion) -> list[str]:
    conditions = [Follow.suggestion_id == s.id]
    if s.routing_area_adcode:
        conditions.append(Follow.area_adcode == s.routing_area_adcode)
    query = (
        select(User.email)
        .join(Follow, Follow.user_id == User.id)
        .where(or_(*conditions), User.is_active.is_(True), User.email.is_not(None))
    )
    return list(db.session.scalars(query))


def _heads(department_id: int | None) -> list[str]:
    query = select(User.email).where(
        User.is_active.is_(True),
        User.email.is_not(None),
        User.role == Role.DEPT_HEAD.value,
        User.department_id == department_id,
    )
    return sorted(set(db.session.scalars(query)))


def _case_body(s: Suggestion, opening: str) -> str:
    due = dates.iso_day(dates.last_day(s.reply_due_at)) or "-"
    lines = [
        opening,
        "",
        _("Suggestion #%(id)d", id=s.id),
        _("Department: %(name)s", name=s.department.label if s.department else "-"),
        _("Reply due by: %(date)s", date=due),
        "",
        absolute_url("triage.case", suggestion_id=s.id),
    ]
    return "\n".join(lines)


def _tell_department(s: Suggestion, subject: str, opening: str, *, heads: bool) -> None:
    addresses = []
    if s.department is not None and s.department.email:
        addresses.append(s.department.email)
    if heads:
        addresses.extend(_heads(s.department_id))
    body = _case_body(s, opening)
    for to in sorted(set(addresses)):
        send_mail(to=to, subject=subject, body=body)


def department_assigned(s: Suggestion) -> None:
    """Tell the department it has a new suggestion to answer."""
    _tell_department(
        s,
        _("New suggestion to answer"),
        _("A suggestion was assigned to your department."),
        heads=False,
    )


def department_transferred(s: Suggestion, *, reason: str) -> None:
    """Tell the receiving department (and its head when the case is already overdue)."""
    overdue = figures.is_overdue(s, utcnow())
    _tell_department(
        s,
        _("Suggestion #%(id)d transferred to your department", id=s.id),
        _("A suggestion was transferred to your department: %(reason)s", reason=reason),
        heads=overdue,
    )


def department_rated_badly(s: Suggestion, *, rectifying: bool) -> None:
    """Tell the department and its head of a bad rating (差评): rectification opened (with the
    new deadline), or, after the one rectification, a further bad rating."""
    if rectifying:
        subject = _("Suggestion #%(id)d: rectification after a bad rating", id=s.id)
        opening = _(
            "The author rated the reply %(rating)s. The case is open again for rectification.",
            rating=rating_label(s.rating),
        )
    else:
        subject = _("Suggestion #%(id)d rated badly again", id=s.id)
        opening = _(
            "The author rated the rectified reply %(rating)s.", rating=rating_label(s.rating)
        )
    _tell_department(s, subject, opening, heads=True)
