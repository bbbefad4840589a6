"""Where official days come from: a file of the State Council's notice, or chinesecalendar.

The file has one `YYYY-MM-DD,holiday` or `YYYY-MM-DD,workday` a line (blank lines and lines
starting with # are skipped); weekends need no line. Every line is checked before anything is
stored, and every error is reported with its line number, so a file loads whole or not at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from crowdplan.routing.deadlines import HOLIDAY, WORKDAY, StaticCalendar

KINDS = (HOLIDAY, WORKDAY)
MIN_YEAR, MAX_YEAR = 2000, 2100
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class CalendarFileError(ValueError):
    """A file that cannot be loaded; `errors` are (line number, message) pairs."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        super().__init__("; ".join(f"line {n}: {m}" for n, m in errors))
        self.errors = errors


@dataclass(frozen=True)
class ParsedDays:
    """The days of a file, by year (every year it names is replaced whole)."""

    days: dict[date, str]

    @property
    def years(self) -> list[int]:
        return sorted({d.year for d in self.days})


def check_day(day: date, kind: str) -> str | None:
    """Why (day, kind) cannot be an official day, or None."""
    if kind not in KINDS:
        return f"kind must be holiday or workday, not {kind!r}"
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        return f"year {day.year} is outside {MIN_YEAR}-{MAX_YEAR}"
    # A make-up working day (调休上班) is by definition a Saturday or Sunday; a weekday marked
    # "workday" is a typo that would silently change nothing, so it is refused.
    if kind == WORKDAY and day.weekday() < 5:
        return f"{day} is a {day:%A}: a make-up working day falls on a weekend"
    return None


def parse_days(text: str) -> ParsedDays:
    """All days of a file, or CalendarFileError with every bad line."""
    days: dict[date, str] = {}
    errors: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 2 or not _DAY.fullmatch(parts[0]):
            errors.append((number, f"expected YYYY-MM-DD,holiday or YYYY-MM-DD,workday: {line!r}"))
            continue
        try:
            day = date.fromisoformat(parts[0])
        except ValueError:
            errors.append((number, f"no such date: {parts[0]}"))
            continue
        problem = check_day(day, parts[1].lower())
        if problem:
            errors.append((number, problem))
        elif day in days:
            errors.append((number, f"{day} is listed twice"))
        else:
            days[day] = parts[1].lower()
    if not errors and not days:
        errors.append((0, "the file lists no days"))
    if errors:
        raise CalendarFileError(errors)
    return ParsedDays(days)


def chinesecalendar_days() -> tuple[str, StaticCalendar]:
    """The seed source: the notices chinesecalendar carries, and its name with the version."""
    import chinese_calendar
    from chinese_calendar import constants

    days = {d: HOLIDAY for d in constants.holidays}
    days.update({d: WORKDAY for d in constants.workdays})
    years = frozenset(d.year for d in days)
    return f"chinesecalendar {chinese_calendar.__version__}", StaticCalendar(days, years)
