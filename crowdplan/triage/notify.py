"""E-mails about a suggestion: to its author on changes, to the department on assignment."""

from __future__ import annotations

from flask_babel import gettext as _

from crowdplan.auth.models import User
from crowdplan.extensions import db
from crowdplan.mail import absolute_url, send_mail
from crowdplan.suggestions.models import Suggestion


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
    from sqlalchemy import or_, select

    from crowdplan.triage.models import Follow

    conditions = [Follow.suggestion_id == s.id]
    if s.routing_area_adcode:
        conditions.append(Follow.area_adcode == s.routing_area_adcode)
    query = (
        select(User.email)
        .join(Follow, Follow.user_id == User.id)
        .where(or_(*conditions), User.is_active.is_(True), User.email.is_not(None))
    )
    return list(db.session.scalars(query))


def department(s: Suggestion) -> None:
    """Tell the department it has a new suggestion to answer."""
    if s.department is not None and s.department.email:
        link = absolute_url("triage.case", suggestion_id=s.id)
        body = _("A suggestion was assigned to your department: %(link)s", link=link)
        send_mail(to=s.department.email, subject=_("New suggestion to answer"), body=body)
