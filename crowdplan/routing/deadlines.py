"""Reply deadlines in working days on China's official calendar (holidays and 调休 make-up days).

The official calendar is data (`crowdplan.calendar`): the bureau imports the State Council's
notice for each year, and the `chinesecalendar` package only seeds the years it covers. A year
without official data falls back to Monday-Friday; that is logged once per year here and shown
to staff as a warning (`crowdplan.calendar.operations.uncovered_days`).

Deadlines are instants: the local midnight that ends the N-th working day, in UTC.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from flask import has_app_context

log = logging.getLogger(__name__)

DEFAULT_TZ = "Asia/Shanghai"
HOLIDAY, WORKDAY = "holiday", "workday"

# Years for which the weekends-only fallback has already been logged; a warning per call would
# flood the log, since every deadline computation probes each day it walks over.
_fallback_logged_years: set[int] = set()

_ONE_DAY = timedelta(days=1)


class Calendar(Protocol):
    """Official days: which years are covered, and the holiday/workday of a day (else None)."""

    def covers(self, year: int) -> bool: ...

    def kind(self, day: date) -> str | None: ...


class StaticCalendar:
    """A calendar held in memory (tests, the seed source); `days` maps a date to its kind."""

    def __init__(self, days: Mapping[date, str], years: set[int] | frozenset[int]) -> None:
        self.days, self.years = days, years

    def covers(self, year: int) -> bool:
        return year in self.years

    def kind(self, day: date) -> str | None:
        return self.days.get(day)


NO_CALENDAR = StaticCalendar({}, frozenset())


def current_calendar() -> Calendar:
    """The official calendar in the database (outside an app: none, weekends only)."""
    if not has_app_context():
        return NO_CALENDAR
    from crowdplan.calendar.store import DatabaseCalendar

    return DatabaseCalendar()


def calendar_covers(year: int, *, calendar: Calendar | None = None) -> bool:
    """Whether the official working-day calendar has data for `year`."""
    return (calendar or current_calendar()).covers(year)


def is_working_day(day: date, *, calendar: Calendar | None = None) -> bool:
    """Official working day when the calendar covers the year, else Monday to Friday."""
    calendar = calendar or current_calendar()
    if calendar.covers(day.year):
        kind = calendar.kind(day)
        return kind == WORKDAY if kind else day.weekday() < 5
    if day.year not in _fallback_logged_years:
        _fallback_logged_years.add(day.year)
        log.warning(
            "No official working-day calendar for %d (import the State Council's notice: "
            "flask --app crowdplan calendar import); using weekends-only (Monday-Friday) "
            "working days for %d",
            day.year,
            day.year,
        )
    return day.weekday() < 5


def _local_date(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar date of an aware instant in `zone`."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got naive {moment!r}")
    return moment.astimezone(zone).date()


def add_working_days(
    start: datetime, days: int, *, tz: str = DEFAULT_TZ, calendar: Calendar | None = None
) -> datetime:
    """Deadline (aware UTC) = local midnight after the `days`-th working day after `start`."""
    # Counting starts on the working day after start's local date, so a suggestion submitted on
    # a Saturday or a holiday effectively starts on the next working day. We return the start of
    # the following local day rather than 23:59:59.999999: it is exact, and "on time" is then
    # simply `reply < deadline`.
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    calendar = calendar or current_calendar()
    zone = ZoneInfo(tz)
    day = _local_date(start, zone)
    counted = 0
    while counted < days:
        day += _ONE_DAY
        if is_working_day(day, calendar=calendar):
            counted += 1
    return datetime.combine(day + _ONE_DAY, time(0), tzinfo=zone).astimezone(UTC)


def working_days_between(
    start: datetime, end: datetime, *, tz: str = DEFAULT_TZ, calendar: Calendar | None = None
) -> int:
    """Working days after start's local date up to and including end's local date (0 if none)."""
    # For on-time statistics compare the reply with the stored deadline, not this count with N:
    # a reply on the weekend right after the deadline still counts only N working days.
    calendar = calendar or current_calendar()
    zone = ZoneInfo(tz)
    first = _local_date(start, zone)
    last = _local_date(end, zone)
    if end <= start:
        return 0
    count = 0
    day = first + _ONE_DAY
    while day <= last:
        if is_working_day(day, calendar=calendar):
            count += 1
        day += _ONE_DAY
    return count
