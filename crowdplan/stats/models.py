"""View counters: one row per object per day, incremented atomically; unique visitors by hash."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from crowdplan.extensions import db


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
