"""A suggestion's timeline as lines people read: when, who, what, status change, why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from crowdplan.auth.models import User
from crowdplan.core.names import department_label
from crowdplan.extensions import db
from crowdplan.i18n import role_label
from crowdplan.suggestions.models import Suggestion
from crowdplan.suggestions.privacy import mask_personal_data
from crowdplan.triage.labels import event_label, rating_label, status_label
from crowdplan.triage.models import SuggestionEvent

# The reply text is shown in its own section; repeating it in the public timeline adds nothing.
_PUBLIC_WITHOUT_REASON = frozenset({"reply", "note"})


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline; `change` is (from, to) status words, only when it changed."""

    at: datetime
    action: str
    who: str
    what: str
    change: tuple[str, str] | None
    reason: str
    is_internal: bool


def list_timeline(s: Suggestion, *, public: bool) -> list[TimelineEntry]:
    """The suggestion's events, oldest first; the public one has no internal notes or names."""
    query = select(SuggestionEvent).where(SuggestionEvent.suggestion_id == s.id)
    if public:
        query = query.where(SuggestionEvent.is_internal.is_(False))
    events = db.session.scalars(
        query.order_by(SuggestionEvent.created_at, SuggestionEvent.id)
    ).all()
    ids = {e.actor_id for e in events if e.actor_id}
    actors = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    return [_entry(e, actors.get(e.actor_id), s, public) for e in events]


def _entry(e: SuggestionEvent, actor: User | None, s: Suggestion, public: bool) -> TimelineEntry:
    return TimelineEntry(
        at=e.created_at,
        action=e.action,
        who=_who(actor, s, public),
        what=event_label(e.action),
        change=_change(e.from_status, e.to_status),
        reason=_reason(e, public),
        is_internal=e.is_internal,
    )


def _who(actor: User | None, s: Suggestion, public: bool) -> str:
    if actor is None:
        return _("System")
    if actor.id == s.author_id:
        return _("Author")
    # The public sees which office acted, never a member of staff's name or e-mail.
    office = department_label(actor.department_id) or role_label(actor.role)
    return office if public else f"{actor.display_name} ({office})"


def _change(before: str | None, after: str | None) -> tuple[str, str] | None:
    if not after or after == before:
        return None
    return (status_label(before) if before else "", status_label(after))


def _reason(e: SuggestionEvent, public: bool) -> str:
    if not e.reason or (public and e.action in _PUBLIC_WITHOUT_REASON):
        return ""
    if e.action == "rate":
        return rating_label(e.reason)
    return mask_personal_data(e.reason) if public else e.reason
