"""The timeline of a suggestion (public and internal) and reply templates."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crowdplan.core.models import utcnow
from crowdplan.extensions import db
from crowdplan.types import UTCDateTime

if TYPE_CHECKING:
    from crowdplan.suggestions.models import Suggestion


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


class RatingCallback(db.Model):
    """A follow-up call (回访) owed to a real-name author after a bad rating: due by the
    rectification deadline, done when staff record its outcome (shown to the author only)."""

    __tablename__ = "rating_callbacks"
    __table_args__ = (Index("ix_rating_callbacks_open", "done_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    rating: Mapped[str] = mapped_column(String(16))  # the rating that asked for it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # exclusive end, like reply_due_at
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))  # workflow.CallbackOutcome
    note: Mapped[str | None] = mapped_column(Text)

    suggestion: Mapped[Suggestion] = relationship()
