"""A suggestion's timeline as lines people read: when, who, what, status change, why."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from crowdplan.auth.models import User
from crowdplan.core.names import department_label
from crowdplan.extensions import db
from crowdplan.i18n import role_label
from crowdplan.labels import callback_outcome_label, event_label, rating_label, status_label
from crowdplan.suggestions.models import Suggestion
from crowdplan.suggestions.public import public as public_text
from crowdplan.triage.models import SuggestionEvent

# The reply text is shown in its own section; repeating it in the public timeline adds nothing.
_PUBLIC_WITHOUT_REASON = frozenset({"reply", "note"})
_OLD_TRANSFER_PREFIX = re.compile(r"^[^:→\n]+ → [^:→\n]+: ")


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline; `change` is (from, to) status words and `moved` (from, to)
    department names, each only when it changed."""

    at: datetime
    action: str
    who: str
    what: str
    change: tuple[str, str] | None
    moved: tuple[str, str] | None
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
    entries, department_id = [], None
    for e in events:
        moved = None
        if department_id and e.department_id and e.department_id != department_id:
            moved = (department_label(department_id), department_label(e.department_id))
        entries.append(_entry(e, actors.get(e.actor_id), s, public, moved))
        department_id = e.department_id or department_id
    return entries


def _entry(
    e: SuggestionEvent,
    actor: User | None,
    s: Suggestion,
    public: bool,
    moved: tuple[str, str] | None,
) -> TimelineEntry:
    return TimelineEntry(
        at=e.created_at,
        action=e.action,
        who=_who(actor, s, public),
        what=event_label(e.action),
        change=_change(e.from_status, e.to_status),
        moved=moved,
        reason=_reason(e, public, moved),
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


def _reason(e: SuggestionEvent, public: bool, moved: tuple[str, str] | None) -> str:
    if not e.reason or (public and e.action in _PUBLIC_WITHOUT_REASON):
        return ""
    if e.action == "rate":
        return rating_label(e.reason)
    if e.action == "callback":
        return callback_outcome_label(e.reason)
    if e.action == "routed" and e.department_id:
        return department_label(e.department_id)  # stored in the router's language
    reason = e.reason
    if moved:
        # Transfers written before the lifecycle rewrite begin "old → new: " (in the language of
        # whoever transferred it); `moved` already says that in the reader's language.
        reason = _OLD_TRANSFER_PREFIX.sub("", reason, count=1)
    return (public_text(reason) or "") if public else reason
