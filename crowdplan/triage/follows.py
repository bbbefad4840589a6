"""Following a suggestion or an area: toggled by signed-in users."""

from __future__ import annotations

from sqlalchemy import select

from crowdplan.extensions import db
from crowdplan.triage.models import Follow


def is_following(user, *, suggestion_id: int | None = None, area_adcode: str | None = None) -> bool:
    """Whether `user` follows this suggestion or area."""
    if user is None or not user.is_authenticated:
        return False
    return _find(user.id, suggestion_id, area_adcode) is not None


def toggle_follow(
    user, *, suggestion_id: int | None = None, area_adcode: str | None = None
) -> bool:
    """Follow, or stop following; returns whether the user follows afterwards."""
    existing = _find(user.id, suggestion_id, area_adcode)
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
        return False
    db.session.add(Follow(user_id=user.id, suggestion_id=suggestion_id, area_adcode=area_adcode))
    db.session.flush()
    return True


def _find(user_id: int, suggestion_id: int | None, area_adcode: str | None) -> Follow | None:
    query = select(Follow).where(Follow.user_id == user_id)
    if suggestion_id is not None:
        query = query.where(Follow.suggestion_id == suggestion_id)
    else:
        query = query.where(Follow.area_adcode == area_adcode, Follow.suggestion_id.is_(None))
    return db.session.scalar(query)
