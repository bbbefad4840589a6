"""What every figure means: one table of row predicates, as SQL and as Python.

Every page, export and API that counts cases (/stats, /api/v1/stats, /display, the inbox,
escalation, the adoption report) builds on these, so a case is "late" or "adopted" in exactly
one sense everywhere (FixMyStreet keeps its problem states as one such table).

==========  ==============================================================================
measure     a suggestion row is counted in it when
==========  ==============================================================================
counted     it is a public opinion: visibility published
accepted    counted, and status is not not_accepted (不予受理)
merged      status merged (已合并); it still counts once, as its own opinion, everywhere
replied     replied_at is set
on_time     replied_at < reply_due_at (the stored deadline is the exclusive end of the
            last working day, so a reply at 23:59 of that day is on time)
late        replied at or after the deadline, or still awaiting a reply (no replied_at,
            status not not_accepted/closed) with the deadline passed (reply_due_at < now)
overdue     open (submitted, assigned, in_progress) and reply_due_at < now
adopted     decision adopted (采纳) or partly (部分采纳)
decided     decision is set
undecided   accepted and no decision (未决定)
rated       the author rated the reply (好差评; the latest rating counts)
satisfied   rated 非常满意, 满意 or 基本满意
==========  ==============================================================================

Rates: on-time % = on_time / (on_time + late); replied % = replied / accepted; adoption rate =
adopted / decided; satisfaction % = satisfied / rated. A merged case carries its target's
reply, replied_at, decision and reason (the lifecycle copies them) and keeps its own deadline,
so figures count rows: no joins.
Rows without a deadline are neither on time nor late.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select

from crowdplan.extensions import db
from crowdplan.suggestions.models import Suggestion, Visibility
from crowdplan.triage.workflow import BAD_RATINGS, OPEN, Decision, Rating, Status

OPEN_STATUSES = tuple(s.value for s in OPEN)
ADOPTED_DECISIONS = (Decision.ADOPTED.value, Decision.PARTLY.value)
# Statuses in which nobody owes the author a reply any more.
NO_REPLY_OWED = (Status.NOT_ACCEPTED.value, Status.CLOSED.value)
SATISFIED_RATINGS = tuple(r.value for r in Rating if r not in BAD_RATINGS)


def counted() -> ColumnElement[bool]:
    """A public opinion."""
    return Suggestion.visibility == Visibility.PUBLISHED.value


def accepted() -> ColumnElement[bool]:
    """Counted and not refused (不予受理)."""
    return and_(counted(), Suggestion.status != Status.NOT_ACCEPTED.value)


def merged() -> ColumnElement[bool]:
    """Merged into another case."""
    return Suggestion.status == Status.MERGED.value


def replied() -> ColumnElement[bool]:
    """Answered in public."""
    return Suggestion.replied_at.is_not(None)


def on_time() -> ColumnElement[bool]:
    """Answered before the deadline's exclusive end."""
    return Suggestion.replied_at < Suggestion.reply_due_at


def late(now: datetime) -> ColumnElement[bool]:
    """Answered at or after the deadline, or still owed an answer past it."""
    return or_(
        Suggestion.replied_at >= Suggestion.reply_due_at,
        and_(
            Suggestion.replied_at.is_(None),
            Suggestion.status.not_in(NO_REPLY_OWED),
            Suggestion.reply_due_at < now,
        ),
    )


def overdue(now: datetime) -> ColumnElement[bool]:
    """Open and past its deadline (flagged in the inbox, escalated)."""
    return and_(Suggestion.status.in_(OPEN_STATUSES), Suggestion.reply_due_at < now)


def adopted() -> ColumnElement[bool]:
    """Adopted or partly adopted."""
    return Suggestion.decision.in_(ADOPTED_DECISIONS)


def decided() -> ColumnElement[bool]:
    """An adoption decision was made."""
    return Suggestion.decision.is_not(None)


def undecided() -> ColumnElement[bool]:
    """Accepted and still without a decision."""
    return and_(accepted(), Suggestion.decision.is_(None))


def rated() -> ColumnElement[bool]:
    """The author rated the reply."""
    return Suggestion.rating.is_not(None)


def satisfied() -> ColumnElement[bool]:
    """Rated 非常满意, 满意 or 基本满意."""
    return Suggestion.rating.in_(SATISFIED_RATINGS)


def measures(now: datetime) -> dict[str, ColumnElement[bool]]:
    """Every measure's SQL predicate at `now`, by name."""
    return {
        "counted": counted(),
        "accepted": accepted(),
        "merged": merged(),
        "replied": replied(),
        "on_time": on_time(),
        "late": late(now),
        "overdue": overdue(now),
        "adopted": adopted(),
        "decided": decided(),
        "undecided": undecided(),
        "rated": rated(),
        "satisfied": satisfied(),
    }


# The same table in Python, for one loaded row (the inbox's highlighting, the case page).
def is_overdue(s: Suggestion, now: datetime) -> bool:
    """overdue() for one row."""
    return s.status in OPEN_STATUSES and s.reply_due_at is not None and s.reply_due_at < now


def _is_late(s: Suggestion, now: datetime) -> bool:
    if s.reply_due_at is None:
        return False
    if s.replied_at is not None:
        return s.replied_at >= s.reply_due_at
    return s.status not in NO_REPLY_OWED and s.reply_due_at < now


def _is_counted(s: Suggestion) -> bool:
    return s.visibility == Visibility.PUBLISHED.value


def _is_accepted(s: Suggestion) -> bool:
    return _is_counted(s) and s.status != Status.NOT_ACCEPTED.value


ROW_TESTS: dict[str, Callable[[Suggestion, datetime], bool]] = {
    "counted": lambda s, now: _is_counted(s),
    "accepted": lambda s, now: _is_accepted(s),
    "merged": lambda s, now: s.status == Status.MERGED.value,
    "replied": lambda s, now: s.replied_at is not None,
    "on_time": lambda s, now: (
        s.replied_at is not None and s.reply_due_at is not None and s.replied_at < s.reply_due_at
    ),
    "late": _is_late,
    "overdue": is_overdue,
    "adopted": lambda s, now: s.decision in ADOPTED_DECISIONS,
    "decided": lambda s, now: s.decision is not None,
    "undecided": lambda s, now: _is_accepted(s) and s.decision is None,
    "rated": lambda s, now: s.rating is not None,
    "satisfied": lambda s, now: s.rating in SATISFIED_RATINGS,
}


def _count(condition: ColumnElement[bool]):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def tally_columns(now: datetime) -> list:
    """One labelled count per measure, for a select() (grouped or not)."""
    return [_count(expr).label(name) for name, expr in measures(now).items()]


def tally(*where, now: datetime) -> dict[str, int]:
    """Every measure counted over the counted rows matching `where`."""
    query = select(*tally_columns(now)).select_from(Suggestion).where(counted(), *where)
    return {k: int(v) for k, v in db.session.execute(query).one()._mapping.items()}


def tally_by(column, *where, now: datetime) -> dict:
    """tally() per value of `column` (one grouped query)."""
    query = (
        select(column, *tally_columns(now))
        .select_from(Suggestion)
        .where(counted(), *where)
        .group_by(column)
    )
    result = {}
    for row in db.session.execute(query):
        values = row._mapping
        result[row[0]] = {name: int(values[name]) for name in measures(now)}
    return result


def pct(part: int, whole: int) -> float | None:
    """A percentage to one decimal, None when there is nothing to divide by."""
    return round(100.0 * part / whole, 1) if whole else None


def rates(t: dict[str, int]) -> dict[str, float | None]:
    """The four published rates from a tally."""
    return {
        "on_time_pct": pct(t["on_time"], t["on_time"] + t["late"]),
        "replied_pct": pct(t["replied"], t["accepted"]),
        "adoption_rate_pct": pct(t["adopted"], t["decided"]),
        "satisfaction_pct": pct(t["satisfied"], t["rated"]),
    }
