"""Reply deadlines in working days: official holidays, 调休 make-up days, fallback, time zones."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from crowdplan.calendar.source import chinesecalendar_days
from crowdplan.routing import deadlines
from crowdplan.routing.deadlines import (
    add_working_days,
    calendar_covers,
    is_working_day,
    working_days_between,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
_NAME, OFFICIAL = chinesecalendar_days()


@pytest.fixture(autouse=True)
def _official_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests run without a database: the seed source stands in for the seeded table."""
    monkeypatch.setattr(deadlines, "current_calendar", lambda: OFFICIAL)


def local(*args: int) -> datetime:
    """An aware Asia/Shanghai datetime."""
    return datetime(*args, tzinfo=SHANGHAI)


def utc(*args: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


# 2026 Mid-Autumn Festival and National Day, from the State Council's 2026 holiday notice
# (国务院办公厅关于2026年部分节假日安排的通知) as carried by chinesecalendar==1.11.0:
#   Mid-Autumn  (中秋节): Fri 09-25 .. Sun 09-27 off
#   National Day (国庆节): Thu 10-01 .. Wed 10-07 off
#   Make-up working days (调休上班): Sun 09-20 and Sat 10-10
#   Sun 10-11 is an ordinary weekend day off.
# So the working days around it are: 09-20 (Sun), 09-21..24, 09-28..30, 10-08, 10-09,
# 10-10 (Sat), 10-12 onwards. Local midnight in Shanghai is 16:00 UTC the day before.

HOLIDAY_DEADLINES = [
    # (submitted, working days, deadline in UTC)
    pytest.param(local(2026, 9, 30, 10), 1, utc(2026, 10, 8, 16), id="eve-of-holiday-1"),
    pytest.param(
        local(2026, 9, 30, 10), 3, utc(2026, 10, 10, 16), id="eve-of-holiday-3-makeup-sat"
    ),
    pytest.param(local(2026, 9, 30, 10), 4, utc(2026, 10, 12, 16), id="eve-of-holiday-4-skip-sun"),
    pytest.param(local(2026, 10, 3, 9), 1, utc(2026, 10, 8, 16), id="submitted-on-holiday"),
    pytest.param(local(2026, 10, 7, 23, 59), 2, utc(2026, 10, 9, 16), id="last-holiday-day"),
    pytest.param(local(2026, 9, 19, 10), 1, utc(2026, 9, 20, 16), id="sat-before-makeup-sun"),
    pytest.param(local(2026, 9, 20, 10), 1, utc(2026, 9, 21, 16), id="submitted-on-makeup-sun"),
    pytest.param(local(2026, 9, 24, 10), 2, utc(2026, 9, 29, 16), id="over-mid-autumn"),
    pytest.param(local(2026, 9, 24, 10), 5, utc(2026, 10, 9, 16), id="over-both-holidays"),
]


@pytest.mark.parametrize(("start", "days", "expected"), HOLIDAY_DEADLINES)
def test_deadline_over_2026_national_day(start: datetime, days: int, expected: datetime) -> None:
    deadline = add_working_days(start, days)
    assert deadline == expected
    assert deadline.tzinfo is UTC


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 9, 20), True),  # Sunday, make-up working day
        (date(2026, 10, 10), True),  # Saturday, make-up working day
        (date(2026, 10, 11), False),  # ordinary Sunday
        (date(2026, 9, 25), False),  # Friday, Mid-Autumn
        (date(2026, 10, 1), False),  # Thursday, National Day
        (date(2026, 10, 7), False),  # Wednesday, National Day
        (date(2026, 10, 8), True),  # Thursday, first day back
    ],
)
def test_is_working_day_2026(day: date, working: bool) -> None:
    assert is_working_day(day) is working


# March 2026 has no holidays: Fri 03-06, Sat 03-07, Sun 03-08, Mon 03-09.
NORMAL_WEEK_DEADLINES = [
    # (submitted, working days, tz, deadline in UTC)
    pytest.param(
        utc(2026, 3, 6, 15, 30), 1, "Asia/Shanghai", utc(2026, 3, 9, 16), id="fri-2330-local"
    ),
    pytest.param(
        utc(2026, 3, 6, 15, 30), 5, "Asia/Shanghai", utc(2026, 3, 13, 16), id="fri-plus-week"
    ),
    pytest.param(local(2026, 3, 7, 12), 1, "Asia/Shanghai", utc(2026, 3, 9, 16), id="saturday"),
    pytest.param(local(2026, 3, 4, 9), 2, "Asia/Shanghai", utc(2026, 3, 6, 16), id="midweek"),
    # 07:00 Monday in Shanghai is still Sunday in UTC: the local date must drive the count.
    pytest.param(
        local(2026, 3, 9, 7), 1, "Asia/Shanghai", utc(2026, 3, 10, 16), id="mon-morning-local"
    ),
    # 20:00 UTC Friday is Saturday in Shanghai but Friday in UTC; the tz argument must be honoured.
    pytest.param(utc(2026, 3, 6, 20), 1, "UTC", utc(2026, 3, 10), id="tz-utc-fri"),
    pytest.param(utc(2026, 3, 5, 20), 1, "UTC", utc(2026, 3, 7), id="tz-utc-thu"),
    pytest.param(utc(2026, 3, 5, 20), 1, "Asia/Shanghai", utc(2026, 3, 9, 16), id="tz-sh-thu"),
]


@pytest.mark.parametrize(("start", "days", "tz", "expected"), NORMAL_WEEK_DEADLINES)
def test_deadline_in_normal_week(start: datetime, days: int, tz: str, expected: datetime) -> None:
    deadline = add_working_days(start, days, tz=tz)
    assert deadline == expected
    assert deadline.tzinfo is UTC


def test_deadline_is_local_midnight() -> None:
    deadline = add_working_days(utc(2026, 3, 6, 15, 30), 1).astimezone(SHANGHAI)
    assert (deadline.date(), deadline.time()) == (date(2026, 3, 10), time(0))


BETWEEN = [
    # (start, end, working days after start's local date up to end's local date)
    pytest.param(local(2026, 9, 30, 10), local(2026, 10, 7, 23), 0, id="whole-holiday"),
    pytest.param(local(2026, 9, 30, 10), local(2026, 10, 8, 9), 1, id="first-day-back"),
    pytest.param(local(2026, 9, 30, 10), local(2026, 10, 10, 18), 3, id="to-makeup-sat"),
    pytest.param(local(2026, 9, 30, 10), local(2026, 10, 11, 18), 3, id="to-sun-off"),
    pytest.param(local(2026, 9, 24, 10), local(2026, 10, 12, 9), 7, id="over-both-holidays"),
    pytest.param(local(2026, 9, 19, 10), local(2026, 9, 21, 9), 2, id="makeup-sun"),
    pytest.param(local(2026, 3, 6, 9), local(2026, 3, 6, 18), 0, id="same-local-day"),
    # 2026-03-06 15:30 UTC is Friday 23:30 in Shanghai; 16:30 UTC is already Saturday there.
    pytest.param(utc(2026, 3, 5, 15, 30), utc(2026, 3, 6, 15, 30), 1, id="utc-fri-2330-local"),
    pytest.param(local(2026, 10, 8, 9), local(2026, 9, 30, 10), 0, id="end-before-start"),
    pytest.param(local(2026, 10, 8, 9), local(2026, 10, 8, 9), 0, id="end-equals-start"),
]


@pytest.mark.parametrize(("start", "end", "expected"), BETWEEN)
def test_working_days_between(start: datetime, end: datetime, expected: int) -> None:
    assert working_days_between(start, end) == expected


@pytest.mark.parametrize("days", [1, 2, 3, 4, 5, 8])
def test_between_agrees_with_deadline(days: int) -> None:
    start = local(2026, 9, 30, 10)
    deadline = add_working_days(start, days)
    assert working_days_between(start, deadline - timedelta(microseconds=1)) == days


@pytest.mark.parametrize(
    ("year", "covered"), [(2003, False), (2004, True), (2026, True), (2099, False)]
)
def test_calendar_covers(year: int, covered: bool) -> None:
    assert calendar_covers(year) is covered


class _Collect(logging.Handler):
    """Keeps every record it is handed."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def fallback_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[logging.LogRecord]]:
    """Records from the deadlines logger, with its remembered fallback years cleared."""
    # Not caplog: the suite may run with -p no:logging.
    monkeypatch.setattr(deadlines, "_fallback_logged_years", set())
    logger = logging.getLogger("crowdplan.routing.deadlines")
    handler = _Collect()
    old_level = logger.level
    logger.setLevel(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


# 2099-01-01 is a Thursday: a real New Year's Day, but the fallback only knows weekends.
FALLBACK_DAYS = [
    (date(2099, 1, 1), True),
    (date(2099, 1, 2), True),
    (date(2099, 1, 3), False),
    (date(2099, 1, 4), False),
    (date(2099, 1, 5), True),
]


def test_fallback_is_monday_to_friday_and_logs_once(
    fallback_log: list[logging.LogRecord],
) -> None:
    assert [is_working_day(day) for day, _ in FALLBACK_DAYS] == [w for _, w in FALLBACK_DAYS]
    # Fri 2099-01-02 + 1 working day -> Mon 01-05 -> local midnight 01-06 = 01-05 16:00 UTC.
    assert add_working_days(local(2099, 1, 2, 10), 1) == utc(2099, 1, 5, 16)
    assert working_days_between(local(2099, 1, 1, 10), local(2099, 1, 12, 10)) == 7
    assert len(fallback_log) == 1
    record = fallback_log[0]
    assert record.levelno == logging.WARNING
    assert "2099" in record.getMessage()
    assert "weekends-only" in record.getMessage()


def test_fallback_logs_each_uncovered_year(fallback_log: list[logging.LogRecord]) -> None:
    # Fri 2099-12-25 + 5 working days crosses into 2100 (Fri 2100-01-01 is the 5th).
    assert add_working_days(local(2099, 12, 25, 10), 5) == utc(2100, 1, 1, 16)
    is_working_day(date(2100, 6, 1))
    messages = [r.getMessage() for r in fallback_log]
    assert len(messages) == 2
    assert "2099" in messages[0]
    assert "2100" in messages[1]


def test_covered_years_log_nothing(fallback_log: list[logging.LogRecord]) -> None:
    add_working_days(local(2026, 9, 30, 10), 8)
    assert fallback_log == []


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: add_working_days(datetime(2026, 3, 6, 10), 1), id="naive-start"),
        pytest.param(lambda: add_working_days(local(2026, 3, 6, 10), 0), id="zero-days"),
        pytest.param(lambda: add_working_days(local(2026, 3, 6, 10), -2), id="negative-days"),
        pytest.param(
            lambda: working_days_between(datetime(2026, 3, 6), local(2026, 3, 9)),
            id="between-naive-start",
        ),
        pytest.param(
            lambda: working_days_between(local(2026, 3, 6), datetime(2026, 3, 9)),
            id="between-naive-end",
        ),
    ],
)
def test_invalid_input_raises(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        call()
