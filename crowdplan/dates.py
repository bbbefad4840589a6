"""Dates as people and the law read them, in the bureau's time zone.

Instants are stored in UTC. A reply deadline and a notice window's end are stored as the
exclusive instant that ends their last day (local midnight after it): "on time" and "open" are
then plain `<` comparisons in SQL. People read those as the last day itself, both notice days
inclusive, so every page, e-mail, export and API shows them through the functions here and
never formats the stored instant directly (that printed the day after).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TZ = "Asia/Shanghai"
_ONE_DAY = timedelta(days=1)


def bureau_zone() -> ZoneInfo:
    """The bureau's time zone (config BABEL_DEFAULT_TIMEZONE)."""
    name = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else DEFAULT_TZ
    return ZoneInfo(name)


def _aware(moment: datetime) -> datetime:
    # Naive values come only from old rows or tests; they are UTC by the storage convention.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def local_date(moment: datetime | None) -> date | None:
    """The calendar date of an instant in the bureau's time zone."""
    if moment is None:
        return None
    return _aware(moment).astimezone(bureau_zone()).date()


def last_day(end_exclusive: datetime | None) -> date | None:
    """The last day covered by a period that ends (exclusively) at `end_exclusive`."""
    if end_exclusive is None:
        return None
    return (_aware(end_exclusive).astimezone(bureau_zone()) - timedelta(microseconds=1)).date()


def start_of_day(day: date) -> datetime:
    """The UTC instant at which `day` begins in the bureau's time zone."""
    return datetime.combine(day, time(0), tzinfo=bureau_zone()).astimezone(UTC)


def end_of_day_exclusive(day: date) -> datetime:
    """The UTC instant at which `day` ends (local midnight after it): what we store."""
    return start_of_day(day + _ONE_DAY)


def end_of_day_local(day: date) -> datetime:
    """23:59:59 of `day` with the bureau's offset, for interfaces that want an instant to show
    (Open311 expected_datetime): it reads as that day everywhere."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=bureau_zone())


def iso_day(day: date | None) -> str | None:
    """YYYY-MM-DD or None."""
    return day.isoformat() if day else None
