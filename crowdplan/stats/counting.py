"""Count page views without a read-then-write: one atomic upsert per view.

Both PostgreSQL and SQLite (3.24+) support INSERT ... ON CONFLICT DO UPDATE, which increments
the day's row inside the database, so concurrent views never overwrite each other.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from crowdplan.core.models import utcnow
from crowdplan.extensions import db
from crowdplan.stats.models import UniqueVisitor, ViewCount

# Self-declared crawlers and tools; browsers never carry these words.
BOT_PATTERN = re.compile(
    r"bot|crawl|spider|slurp|bingpreview|facebookexternalhit|curl|wget|python-requests|httpx|"
    r"go-http-client|java/|libwww|scrapy|headlesschrome",
    re.IGNORECASE,
)


def is_bot(user_agent: str | None) -> bool:
    """A request from a crawler or a script (or with no User-Agent at all)."""
    return not user_agent or bool(BOT_PATTERN.search(user_agent))


def local_day(now: datetime | None = None) -> date:
    """Today in the bureau's time zone: statistics are per local day."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return (now or utcnow()).astimezone(zone).date()


def visitor_hash(cookie: str, day: date) -> str:
    """The cookie salted with the secret and the day: unlinkable across days, no raw id kept."""
    secret = current_app.config["SECRET_KEY"]
    return hashlib.sha256(f"{secret}|{day.isoformat()}|{cookie}".encode()).hexdigest()


def _insert(model):
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def record_view(
    object_type: str, object_id: int, *, visitor: str | None, now: datetime | None = None
) -> None:
    """Count one view, and the visitor once per day; flushes, the caller commits."""
    day = local_day(now)
    count = _insert(ViewCount).values(
        object_type=object_type, object_id=object_id, day=day, views=1
    )
    db.session.execute(
        count.on_conflict_do_update(
            index_elements=["object_type", "object_id", "day"],
            set_={"views": ViewCount.views + 1},
        )
    )
    if visitor:
        seen = _insert(UniqueVisitor).values(
            object_type=object_type,
            object_id=object_id,
            day=day,
            visitor=visitor_hash(visitor, day),
        )
        db.session.execute(seen.on_conflict_do_nothing())


def total_views(object_type: str, object_id: int) -> int:
    """All views of an object."""
    from sqlalchemy import func, select

    query = select(func.coalesce(func.sum(ViewCount.views), 0)).where(
        ViewCount.object_type == object_type, ViewCount.object_id == object_id
    )
    return int(db.session.scalar(query))


def unique_visitors(object_type: str, object_id: int) -> int:
    """Visitor-days of an object (a person counts once per day)."""
    from sqlalchemy import func, select

    query = (
        select(func.count())
        .select_from(UniqueVisitor)
        .where(UniqueVisitor.object_type == object_type, UniqueVisitor.object_id == object_id)
    )
    return int(db.session.scalar(query))
