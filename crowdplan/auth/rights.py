"""A person's rights over their data (PIPL 个人信息保护法 Art. 45, 47): a copy, and deletion.

Operations flush; the caller commits.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, select

from crowdplan.api.serialize import iso
from crowdplan.audit.models import record
from crowdplan.auth.consent import notice_version
from crowdplan.auth.models import User
from crowdplan.core.models import utcnow
from crowdplan.dates import iso_day, last_day
from crowdplan.errors import AppError
from crowdplan.extensions import db
from crowdplan.retention import erase_contacts
from crowdplan.suggestions.models import Flag, Suggestion, Support
from crowdplan.suggestions.queries import lonlat
from crowdplan.triage.models import Follow


def export_user_data(user: User, *, now: datetime | None = None) -> dict:
    """Everything the platform holds about `user`, as JSON-ready data; audited."""
    now = now or utcnow()
    authored = list(
        db.session.scalars(
            select(Suggestion).where(Suggestion.author_id == user.id).order_by(Suggestion.id)
        )
    )
    data = {
        "exported_at": iso(now),
        "privacy_notice_version": notice_version(),
        "account": _account(user),
        "suggestions": [_suggestion(s) for s in authored],
        "supports": _rows(Support, user, "suggestion_id", "created_at"),
        "follows": _rows(Follow, user, "suggestion_id", "area_adcode", "created_at"),
        "flags": _rows(Flag, user, "suggestion_id", "reason", "created_at"),
        "ratings": [
            {"suggestion_id": s.id, "rating": s.rating, "rated_at": iso(s.rated_at)}
            for s in authored
            if s.rating
        ],
    }
    record("data_exported", user, actor=user)
    return data


def _account(user: User) -> dict:
    return {
        "id": user.id,
        "display_name": user.display_name,
        "email": user.email,
        "phone": user.phone,
        "role": user.role,
        "created_at": iso(user.created_at),
        "last_login_at": iso(user.last_login_at),
        "consent_version": user.consent_version,
        "consent_at": iso(user.consent_at),
    }


def _suggestion(s: Suggestion) -> dict:
    lon, lat = lonlat(s)
    return {
        "id": s.id,
        "created_at": iso(s.created_at),
        "topic": s.topic.code,
        "stance": s.stance,
        "text": s.text,
        "lon": lon,
        "lat": lat,
        "is_approximate": s.is_approximate,
        "place_label": s.place_label,
        "display_name": s.display_name,
        "contact_phone": s.contact_phone,
        "contact_email": s.contact_email,
        "org_name": s.org_name,
        "org_members": s.org_members,
        "plan_id": s.plan_id,
        "photos": [p.name for p in s.photos],
        "visibility": s.visibility,
        "status": s.status,
        "reply_last_day": iso_day(last_day(s.reply_due_at)),
        "reply_text": s.reply_text,
        "replied_at": iso(s.replied_at),
        "decision": s.decision,
        "decision_reason": s.decision_reason,
        "closed_at": iso(s.closed_at),
        "support_count": s.support_count,
    }


def _rows(model, user: User, *columns: str) -> list[dict]:
    rows = db.session.scalars(select(model).where(model.user_id == user.id).order_by(model.id))
    return [
        {c: iso(v) if isinstance(v := getattr(r, c), datetime) else v for c in columns}
        for r in rows
    ]


def delete_account(user: User, *, password: str, now: datetime | None = None) -> int:
    """Delete a citizen's or organisation's account, confirmed with its password.

    The row stays, without personal data, because audit records, supports and reports point at
    it (one support per account still holds). Contact details are erased, here and on the
    person's suggestions, which stay public records without author or name. Every session
    ends. Returns how many suggestions were made anonymous.
    """
    if user.is_staff:
        raise AppError(
            _("Staff accounts are closed by an administrator."), status=403, code="staff_account"
        )
    if not user.check_password(password):
        record("account_delete_failed", user, actor=user, reason="wrong_password")
        raise AppError(_("The password is wrong."), status=403, code="wrong_password")
    now = now or utcnow()
    ids = list(db.session.scalars(select(Suggestion.id).where(Suggestion.author_id == user.id)))
    erase_contacts(ids, now)
    for s in db.session.scalars(select(Suggestion).where(Suggestion.id.in_(ids))):
        s.author_id, s.display_name = None, None
    db.session.execute(delete(Follow).where(Follow.user_id == user.id))
    _empty_account(user, now)
    record("account_deleted", user, actor=user, reason=f"{len(ids)} suggestions made anonymous")
    db.session.flush()
    return len(ids)


def _empty_account(user: User, now: datetime) -> None:
    user.email = user.phone = None  # the listeners clear the blind indexes too
    user.display_name = f"#{user.id}"  # what the audit log shows for it: no name
    user.last_login_at = None
    user.is_active = False
    user.deleted_at = now
    user.set_password(secrets.token_urlsafe(32))  # nobody knows it; ends every session too
