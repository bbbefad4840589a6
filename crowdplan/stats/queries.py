"""Reads for the lobby screen: where people speak up, and the latest answers."""

from __future__ import annotations

from sqlalchemy import select

from crowdplan.extensions import db
from crowdplan.suggestions.models import Suggestion, Visibility
from crowdplan.suggestions.public import public_view
from crowdplan.suggestions.queries import lonlat

HEAT_POINTS = 5000  # the newest suggestions; enough for the heatmap's shape at city scale


def _published():
    return select(Suggestion).where(Suggestion.visibility == Visibility.PUBLISHED)


def heat_points(limit: int = HEAT_POINTS) -> list[tuple[float, float]]:
    """(lon, lat) of the newest published suggestions."""
    query = _published().order_by(Suggestion.id.desc()).limit(limit)
    return [lonlat(s) for s in db.session.scalars(query)]


def latest_replies(limit: int = 6) -> list[dict]:
    """The newest public replies, personal data masked, shortened for a screen."""
    query = (
        _published()
        .where(Suggestion.replied_at.is_not(None))
        .order_by(Suggestion.replied_at.desc())
        .limit(limit)
    )
    # Masked first, then shortened: a cut never leaves half a number unmasked.
    views = [(s, public_view(s)) for s in db.session.scalars(query)]
    return [
        {"id": s.id, "text": v.text[:60], "reply": (v.reply or "")[:80], "decision": s.decision}
        for s, v in views
    ]
