"""The official calendar as `routing.deadlines` reads it: from the database, a year at a time."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crowdplan.calendar.models import CalendarYear, OfficialDay
from crowdplan.extensions import db


def year_bounds(year: int) -> tuple[date, date]:
    """First day of `year` and first day of the next (exclusive)."""
    return date(year, 1, 1), date(year + 1, 1, 1)


def covered_years() -> set[int]:
    """Years whose official schedule is in the database."""
    return set(db.session.scalars(select(CalendarYear.year)))


class DatabaseCalendar:
    """Reads coverage once and each year's days when first asked: a deadline walks a few weeks,
    so one computation costs two or three small queries; recomputing every open case reuses
    one instance."""

    def __init__(self) -> None:
        self._years: set[int] | None = None
        self._days: dict[int, dict[date, str]] = {}

    def covers(self, year: int) -> bool:
        if self._years is None:
            self._years = covered_years()
        return year in self._years

    def kind(self, day: date) -> str | None:
        if day.year not in self._days:
            first, after = year_bounds(day.year)
            rows = db.session.execute(
                select(OfficialDay.day, OfficialDay.kind).where(
                    OfficialDay.day >= first, OfficialDay.day < after
                )
            )
            self._days[day.year] = {d: k for d, k in rows}
        return self._days[day.year].get(day)
