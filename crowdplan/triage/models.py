"""The timeline of a suggestion (public and internal) and reply templates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crowdplan.core.models import utcnow
from crowdplan.extensions import db
from crowdplan.types import UTCDateTime


class SuggestionEvent(db.Model):
    """A step in a suggestion's life: who, when, from, to, why; public unless internal."""

    __tablename__ = "suggestion_events"
    __table_args__ = (Index("ix_suggestion_events_suggestion", "suggestion_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    is_internal: Mapped[bool] = mapped_column(default=False)  # internal notes: staff only


class ReplyTemplate(db.Model):
    """Reusable reply text (data, per department or shared)."""

    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    title: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)


class Follow(db.Model):
    """A signed-in user follows a suggestion or an area (by adcode) and is told of changes."""

    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("user_id", "suggestion_id", name="uq_follows_user_suggestion"),
        UniqueConstraint("user_id", "area_adcode", name="uq_follows_user_area"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestions.id", ondelete="CASCADE")
    )
    area_adcode: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
