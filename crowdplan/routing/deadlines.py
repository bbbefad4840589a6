"""Reply deadlines in working days on China's official calendar (holidays and 调休 make-up days).

The official calendar comes from the `chinesecalendar` package, which carries the State
Council's yearly holiday notices. A year it does not cover yet (the next year's notice is
usually published in November) falls back to Monday-Friday, and that fallback is logged once
per year so an operator knows to upgrade the pinned package.

Deadlines are instants: the local midnight that ends the N-th working day, in UTC.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)

DEFAULT_TZ = "Asia/Shanghai"

# Years for which the weekends-only fallback has already been logged; a warning per call would
# flood the log, since every deadline computation probes each day it walks over.
_fallback_logged_years: set[int] = set()

_ONE_DAY = timedelta(days=1)


@cache
def calendar_covers(year: int) -> bool:
    """Whether the official working-day calendar has data for `year`."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def is_working_day(day: date) -> bool:
    """Official working day when the calendar covers the year, else Monday to Friday."""
    if calendar_covers(day.year):
        return chinese_calendar.is_workday(day)
    if day.year not in _fallback_logged_years:
        _fallback_logged_years.add(day.year)
        log.warning(
            "No official working-day calendar for %d (chinesecalendar does not cover it); "
            "using weekends-only (Monday-Friday) working days for %d",
            day.year,
            day.year,
        )
    return day.weekday() < 5


def _local_date(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar date of an aware instant in `zone`."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got naive {moment!r}")
    return moment.astimezone(zone).date()


def add_working_days(start: datetime, days: int, *, tz: str = DEFAULT_TZ) -> datetime:
    """Deadline (aware UTC) = local midnight after the `days`-th working day after `start`."""
    # Counting starts on the working day after start's local date, so a suggestion submitted on
    # a Saturday or a holiday effectively starts on the next working day. We return the start of
    # the following local day rather than 23:59:59.999999: it is exact, and "on time" is then
    # simply `reply < deadline`.
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    zone = ZoneInfo(tz)
    day = _local_date(start, zone)
    counted = 0
    while counted < days:
        day += _ONE_DAY
        if is_working_day(day):
            counted += 1
    return datetime.combine(day + _ONE_DAY, time(0), tzinfo=zone).astimezone(UTC)


def working_days_between(start: datetime, end: datetime, *, tz: str = DEFAULT_TZ) -> int:
    """Working days after start's local date up to and including end's local date (0 if none)."""
    # For on-time statistics compare the reply with the stored deadline, not this count with N:
    # a reply on the weekend right after the deadline still counts only N working days.
    zone = ZoneInfo(tz)
    first = _local_date(start, zone)
    last = _local_date(end, zone)
    if end <= start:
        return 0
    count = 0
    day = first + _ONE_DAY
    while day <= last:
        if is_working_day(day):
            count += 1
        day += _ONE_DAY
    return count
