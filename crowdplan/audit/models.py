"""One append-only table of audit records for every feature."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crowdplan.core.models import utcnow
from crowdplan.extensions import db
from crowdplan.types import UTCDateTime


class AuditRecord(db.Model):
    """A state change or staff action; never updated or deleted by the application."""

    __tablename__ = "audit_records"
    __table_args__ = (Index("ix_audit_records_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int]
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)


def record(
    action: str,
    obj,
    *,
    actor=None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
) -> AuditRecord:
    """Append an audit record for `obj` (flushes with the caller's transaction)."""
    entry = AuditRecord(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__tablename__,
        object_id=obj.id,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
    )
    db.session.add(entry)
    return entry
