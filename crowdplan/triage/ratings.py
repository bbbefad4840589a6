"""好差评 reads: who may rate now, who is owed a follow-up call (回访), the callback lists.

Ratings and callbacks are written by the lifecycle (`crowdplan.triage.operations.rate` and
`record_callback`); this module only reads.
"""

from __future__ import annotations

from sqlalchemy import select

from crowdplan.extensions import db
from crowdplan.suggestions.models import Suggestion
from crowdplan.triage.models import RatingCallback
from crowdplan.triage.workflow import allows


def can_rate(s: Suggestion) -> bool:
    """Answered, and this reply not rated yet: one rating per reply (a rectified case's new
    reply can be rated again)."""
    if not allows("rate", s.status):
        return False
    return s.rated_at is None or (s.replied_at is not None and s.rated_at < s.replied_at)


def is_real_name(s: Suggestion) -> bool:
    """A rater staff can call back: a signed-in author, or one who left contact details."""
    return s.author_id is not None or bool(s.contact_phone or s.contact_email)


def list_callbacks(s: Suggestion) -> list[RatingCallback]:
    """The case's callbacks, oldest first."""
    query = select(RatingCallback).where(RatingCallback.suggestion_id == s.id)
    return list(db.session.scalars(query.order_by(RatingCallback.created_at, RatingCallback.id)))


def list_open_callbacks(department_ids: list[int], *, limit: int = 200) -> list[RatingCallback]:
    """Callbacks not yet made for cases of these departments, soonest due first."""
    query = (
        select(RatingCallback)
        .join(Suggestion, Suggestion.id == RatingCallback.suggestion_id)
        .where(RatingCallback.done_at.is_(None), Suggestion.department_id.in_(department_ids))
        .order_by(RatingCallback.due_at, RatingCallback.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def get_callback(s: Suggestion, callback_id: int | None) -> RatingCallback | None:
    """One of the case's callbacks, or None (another case's id is None too)."""
    cb = db.session.get(RatingCallback, callback_id) if callback_id else None
    return cb if cb is not None and cb.suggestion_id == s.id else None
