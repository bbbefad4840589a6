"""Changing the official calendar: seed, import a notice, add or correct a day, cover a year.

Every change is audited and then asks the lifecycle to recompute the deadlines of the cases
still running (`triage.operations.recompute_deadlines`): their limits are read before the
change and laid on the calendar after it. Operations flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select

from crowdplan import dates
from crowdplan.audit.models import record
from crowdplan.calendar.models import CalendarYear, OfficialDay
from crowdplan.calendar.source import KINDS, ParsedDays, check_day, chinesecalendar_days
from crowdplan.calendar.store import covered_years, year_bounds
from crowdplan.core.models import utcnow
from crowdplan.errors import AppError
from crowdplan.extensions import db
from crowdplan.triage import operations as lifecycle

ORDINARY = "ordinary"  # the admin page's "no official row": weekday works, weekend is off
WARNING_DAYS = 90  # staff are warned when official data ends within this many days


@dataclass(frozen=True)
class Change:
    """What a calendar change did: the years it wrote and the deadlines that moved."""

    years: list[int]
    moved: int


def _recomputing(change: Callable[[], list[int]], *, actor, reason: str) -> Change:
    limits = lifecycle.deadline_limits()
    years = change()
    db.session.flush()
    return Change(years, lifecycle.recompute_deadlines(limits, actor=actor, reason=reason))


def _replace_year(year: int, days: dict[date, str], *, name: str, actor) -> None:
    first, after = year_bounds(year)
    db.session.execute(delete(OfficialDay).where(OfficialDay.day >= first, OfficialDay.day < after))
    now, actor_id = utcnow(), getattr(actor, "id", None)
    rows = [
        {"day": d, "kind": k, "name": name, "changed_by_id": actor_id, "changed_at": now}
        for d, k in sorted(days.items())
        if d.year == year
    ]
    if rows:
        db.session.execute(insert(OfficialDay), rows)
    covered = _cover(year, name=name, actor=actor)
    holidays = sum(1 for r in rows if r["kind"] == "holiday")
    record(
        "calendar_year_imported",
        covered,
        actor=actor,
        to_state=str(year),
        reason=f"{name}: {holidays} holiday(s), {len(rows) - holidays} make-up working day(s)",
    )


def _cover(year: int, *, name: str, actor) -> CalendarYear:
    row = db.session.scalar(select(CalendarYear).where(CalendarYear.year == year))
    row = row or CalendarYear(year=year)
    row.name, row.changed_by_id, row.changed_at = name, getattr(actor, "id", None), utcnow()
    db.session.add(row)
    db.session.flush()
    return row


def import_days(parsed: ParsedDays, *, name: str, actor=None) -> Change:
    """Load a checked file: each year it names is replaced whole and counts as covered."""
    name = _name(name)

    def change() -> list[int]:
        for year in parsed.years:
            _replace_year(year, parsed.days, name=name, actor=actor)
        return parsed.years

    return _recomputing(change, actor=actor, reason=name)


def seed(*, actor=None) -> Change:
    """Add the years chinesecalendar covers that are not in the database yet. A year already
    there (seeded, imported or corrected by hand) is never overwritten."""
    name, source = chinesecalendar_days()
    missing = sorted(source.years - covered_years())

    def change() -> list[int]:
        for year in missing:
            _replace_year(year, source.days, name=name, actor=actor)
        return missing

    if not missing:
        return Change([], 0)
    return _recomputing(change, actor=actor, reason=name)


def set_day(day: date, kind: str, *, name: str, actor) -> Change:
    """Add or correct one day on the admin page; `ordinary` removes the official row."""
    name = _name(name)
    if kind not in (ORDINARY, *KINDS):
        raise AppError(_("Choose holiday, make-up working day or ordinary day."), code="bad_day")
    if kind != ORDINARY and check_day(day, kind):
        raise AppError(
            _("A make-up working day falls on a Saturday or Sunday (from 2000 to 2100)."),
            code="bad_day",
        )

    def change() -> list[int]:
        row = db.session.scalar(select(OfficialDay).where(OfficialDay.day == day))
        before = row.kind if row else ORDINARY
        if kind == ORDINARY:
            if row is not None:
                db.session.delete(row)
        else:
            row = row or OfficialDay(day=day)
            row.kind, row.name = kind, name
            row.changed_by_id, row.changed_at = getattr(actor, "id", None), utcnow()
            db.session.add(row)
        db.session.flush()
        record(
            "calendar_day_set",
            row,
            actor=actor,
            object_type="official_days",
            from_state=before,
            to_state=kind,
            reason=f"{day}: {name}",
        )
        return [day.year]

    return _recomputing(change, actor=actor, reason=name)


def cover_year(year: int, *, name: str, actor) -> Change:
    """Declare a year's official days complete (entered by hand): deadlines then use them."""
    name = _name(name)
    if not 2000 <= year <= 2100:
        raise AppError(_("Choose a year from 2000 to 2100."), code="bad_year")

    def change() -> list[int]:
        row = _cover(year, name=name, actor=actor)
        record("calendar_year_covered", row, actor=actor, to_state=str(year), reason=name)
        return [year]

    return _recomputing(change, actor=actor, reason=name)


def _name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise AppError(_("Name the notice or source."), code="name_required")
    return name[:200]


def uncovered_from(today: date | None = None, *, horizon: int = WARNING_DAYS) -> date | None:
    """The first day within the next `horizon` days whose year has no official data, or None:
    from that day deadlines count Monday to Friday only."""
    today = today or dates.local_date(utcnow())
    years = covered_years()
    last = today + timedelta(days=horizon)
    for year in range(today.year, last.year + 1):
        if year not in years:
            return max(today, date(year, 1, 1))
    return None


def year_days(year: int) -> list[OfficialDay]:
    """The official days of a year, in order."""
    first, after = year_bounds(year)
    query = select(OfficialDay).where(OfficialDay.day >= first, OfficialDay.day < after)
    return list(db.session.scalars(query.order_by(OfficialDay.day)))


def year_coverage(year: int) -> CalendarYear | None:
    """The coverage row of a year, if it is covered."""
    return db.session.scalar(select(CalendarYear).where(CalendarYear.year == year))
