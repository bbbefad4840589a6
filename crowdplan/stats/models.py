"""View counters: one row per object per day, incremented atomically; unique visitors by hash."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from crowdplan.extensions import db
from crowdplan.types import UTCDateTime


class ViewCount(db.Model):
    """Page views of a plan or suggestion on a day (Asia/Shanghai date)."""

    __tablename__ = "view_counts"
    __table_args__ = (
        PrimaryKeyConstraint("object_type", "object_id", "day", name="pk_view_counts"),
    )

    object_type: Mapped[str] = mapped_column(String(12))
    object_id: Mapped[int]
    day: Mapped[date] = mapped_column(Date)
    views: Mapped[int] = mapped_column(default=0)


class UniqueVisitor(db.Model):
    """A visitor seen on an object on a day: a salted, daily-rotated hash, never an address."""

    __tablename__ = "unique_visitors"
    __table_args__ = (
        PrimaryKeyConstraint(
            "object_type", "object_id", "day", "visitor", name="pk_unique_visitors"
        ),
    )

    object_type: Mapped[str] = mapped_column(String(12))
    object_id: Mapped[int]
    day: Mapped[date] = mapped_column(Date)
    visitor: Mapped[str] = mapped_column(String(64))


class CounterBatch(db.Model):
    """A batch of view counts moved from Redis, recorded in the same transaction as its rows.

    A flush that dies after committing but before deleting its Redis batch is retried later;
    this row tells the retry that the counts are already in, so nothing is counted twice.
    """

    __tablename__ = "counter_batches"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)
