"""One append-only table of audit records for every feature, chained by hashes.

Each record stores the hash of the previous record and its own hash over that previous hash
and its canonical content, so changing, deleting or reordering a stored record breaks the chain
at that record (`flask --app crowdplan verify-audit`). Appends are serialised (an advisory lock
on PostgreSQL, SQLite's single writer), so concurrent requests never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from sqlalchemy import ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from crowdplan.core.models import utcnow
from crowdplan.extensions import db
from crowdplan.geo import spatial
from crowdplan.types import UTCDateTime

GENESIS = "0" * 64
# Any fixed number: the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK = 0x61756474


class AuditRecord(db.Model):
    """A state change or staff action; never updated or deleted by the application."""

    __tablename__ = "audit_records"
    __table_args__ = (Index("ix_audit_records_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]  # None: no such row (a sign-in with an unknown login)
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def canonical(self) -> bytes:
        """The record's content as stable bytes (what its hash covers)."""
        return canonical(self)

    def compute_hash(self) -> str:
        """sha256(previous hash + canonical record)."""
        return chain_hash(self.prev_hash, self.canonical())


CHAINED_FIELDS = (
    "id",
    "created_at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "from_state",
    "to_state",
    "reason",
)


def canonical(row) -> bytes:
    """Stable bytes for a record or a row with the same attribute names (migrations use rows)."""
    values = [getattr(row, name) for name in CHAINED_FIELDS]
    values[1] = values[1].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()


def chain_hash(prev_hash: str, content: bytes) -> str:
    """One link of the chain: sha256(previous hash + canonical record)."""
    return hashlib.sha256(prev_hash.encode("ascii") + content).hexdigest()


def record(
    action: str,
    obj,
    *,
    actor=None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    object_type: str | None = None,
) -> AuditRecord:
    """Append an audit record for `obj` (or for `object_type` when there is no row).

    It flushes within the caller's transaction; the chain stays locked until that commits.
    """
    entry = AuditRecord(
        created_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type or obj.__tablename__,
        object_id=getattr(obj, "id", None),
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        prev_hash="",
        hash="",
    )
    spatial.advisory_lock(db.session, _CHAIN_LOCK)
    db.session.add(entry)
    # The insert gives the id and, on SQLite, the write lock: the newest earlier record read
    # next is the true predecessor, whichever request committed last.
    db.session.flush()
    previous = db.session.scalar(
        select(AuditRecord.hash)
        .where(AuditRecord.id < entry.id)
        .order_by(AuditRecord.id.desc())
        .limit(1)
    )
    entry.prev_hash = previous or GENESIS
    entry.hash = entry.compute_hash()
    db.session.flush()
    return entry


def first_broken_record(batch: int = 1000) -> int | None:
    """The id of the first record whose link or content does not match, or None if all do."""
    expected_prev, last_id = GENESIS, 0
    while True:
        # Keyset pages: memory stays flat on a long log and no server-side cursor is left open.
        rows = db.session.scalars(
            select(AuditRecord)
            .where(AuditRecord.id > last_id)
            .order_by(AuditRecord.id)
            .limit(batch)
        ).all()
        if not rows:
            return None
        for entry in rows:
            if entry.prev_hash != expected_prev or entry.hash != entry.compute_hash():
                return entry.id
            expected_prev, last_id = entry.hash, entry.id
        db.session.expunge_all()
