"""Official days per year, which years are covered, and the history of the time limits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from crowdplan.core.models import utcnow
from crowdplan.extensions import db
from crowdplan.types import UTCDateTime


class OfficialDay(db.Model):
    """A day the State Council's notice makes a holiday, or a weekend day it makes a working
    day (调休上班). Ordinary weekdays and weekends have no row."""

    __tablename__ = "official_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # holiday | workday
    name: Mapped[str] = mapped_column(String(200))  # the notice or source it comes from
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarYear(db.Model):
    """A year whose official schedule is complete: deadlines in it use the official days;
    a year without this row counts Monday to Friday (the fallback staff are warned about)."""

    __tablename__ = "calendar_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(200))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TimeLimitChange(db.Model):
    """One change of a time limit: a topic's reply or rectification days, or a department's
    reply days (None: the topic's apply)."""

    __tablename__ = "time_limit_changes"
    __table_args__ = (Index("ix_time_limit_changes_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    object_type: Mapped[str] = mapped_column(String(20))  # topic | department
    object_id: Mapped[int]
    field: Mapped[str] = mapped_column(String(20))  # reply_days | rectify_days
    before: Mapped[int | None]
    after: Mapped[int | None]
