"""Date arithmetic that SQLite and PostgreSQL spell differently (spatial SQL lives in geo/).

Timestamps are stored as naive UTC on both backends (see types.UTCDateTime). Statistics group by
the bureau's local day; China has no daylight saving, so a fixed offset in minutes is exact.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Date, Float


def utc_offset_minutes(zone_name: str, at: datetime) -> int:
    """The zone's offset from UTC at an instant, in whole minutes (480 for Asia/Shanghai)."""
    offset = at.astimezone(ZoneInfo(zone_name)).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0


class local_date(ColumnElement):
    """The calendar date of a UTC timestamp column shifted by a fixed offset."""

    inherit_cache = True
    type = Date()
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("minutes", InternalTraversal.dp_plain_obj),
    ]

    def __init__(self, column, minutes: int):
        self.column = column
        self.minutes = int(minutes)


@compiles(local_date)
def _local_date_postgresql(element, compiler, **kw):
    column = compiler.process(element.column, **kw)
    return f"CAST(({column} + INTERVAL '{element.minutes} minutes') AS DATE)"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element, compiler, **kw):
    column = compiler.process(element.column, **kw)
    return f"date({column}, '{element.minutes:+d} minutes')"


class hours_between(ColumnElement):
    """`later - earlier` in hours, as a float."""

    inherit_cache = True
    type = Float()
    _traverse_internals = [
        ("later", InternalTraversal.dp_clauseelement),
        ("earlier", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, later, earlier):
        self.later = later
        self.earlier = earlier


@compiles(hours_between)
def _hours_between_postgresql(element, compiler, **kw):
    later, earlier = compiler.process(element.later, **kw), compiler.process(element.earlier, **kw)
    return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 3600.0)"


@compiles(hours_between, "sqlite")
def _hours_between_sqlite(element, compiler, **kw):
    later, earlier = compiler.process(element.later, **kw), compiler.process(element.earlier, **kw)
    return f"((julianday({later}) - julianday({earlier})) * 24.0)"
