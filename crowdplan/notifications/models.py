"""The mail outbox: one row per message, written in the transaction that caused it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crowdplan.core.models import utcnow
from crowdplan.crypto import EncryptedText
from crowdplan.extensions import db
from crowdplan.types import UTCDateTime


class MailStatus(StrEnum):
    """pending -> sending -> sent; back to pending after a failed try; failed after the last."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    """A message to send. `next_attempt_at`: when a pending row is due, or when the lease of a
    row in `sending` runs out (its sender crashed), so that it is tried again."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Encrypted at rest like every contact detail; the body may carry a sign-in or reset link.
    recipient: Mapped[str] = mapped_column(EncryptedText)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(EncryptedText)
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=MailStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The error class and SMTP code only: the server's text may quote the address.
    last_error: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
