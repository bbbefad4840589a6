"""Count page views without a read-then-write.

Without Redis: one atomic upsert per view. Both PostgreSQL and SQLite (3.24+) support INSERT ...
ON CONFLICT DO UPDATE, which increments the day's row inside the database, so concurrent views
never overwrite each other.

With REDIS_URL: a view is an HINCRBY on a pending hash and an SADD of the visitor hash (exact,
unlike HyperLogLog), and every COUNTER_FLUSH_SECONDS one worker moves the counts to the database.
Moving is crash-safe: the pending keys are RENAMEd to a batch (atomic; new views go to fresh
keys), the batch is written to the database together with a CounterBatch row in one
transaction, and only then deleted from Redis. A flush that dies at any point leaves a batch that
the next flush finds and finishes; the CounterBatch row stops it from being counted twice.
Redis must persist (AOF) for counts not yet flushed to survive a Redis restart.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from redis.exceptions import RedisError, ResponseError
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from crowdplan.core.models import utcnow
from crowdplan.extensions import db, redis_client
from crowdplan.stats.models import CounterBatch, UniqueVisitor, ViewCount

log = logging.getLogger(__name__)

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
    dialect = db.engine.dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def record_view(
    object_type: str, object_id: int, *, visitor: str | None, now: datetime | None = None
) -> bool:
    """Count one view, and the visitor once per day.

    Returns True when the count was committed to the database, False when Redis took it. If
    Redis fails, the view goes to the database instead: never lost.
    """
    day = local_day(now)
    redis = redis_client()
    if redis is not None:
        try:
            _record_in_redis(redis, object_type, object_id, day, visitor)
        except RedisError:
            log.warning("Redis unavailable; counting the view in the database")
        else:
            try:
                maybe_flush(redis)
            except (RedisError, SQLAlchemyError):
                # The counts stay in Redis as a batch; the next flush finishes it.
                log.exception("flushing view counts failed; will retry")
            return False
    _record_in_db(object_type, object_id, day, visitor)
    return True


def _record_in_db(object_type: str, object_id: int, day: date, visitor: str | None) -> None:
    # Its own short write transaction (BEGIN IMMEDIATE on SQLite): the page's read transaction
    # must not turn into a writer halfway, which SQLite refuses when another worker has
    # committed meanwhile.
    with Session(db.engine) as session:
        session.connection(execution_options={"crowdplan_immediate": True})
        session.execute(_add_views(object_type, object_id, day, 1))
        if visitor:
            seen = _insert(UniqueVisitor).values(
                object_type=object_type,
                object_id=object_id,
                day=day,
                visitor=visitor_hash(visitor, day),
            )
            session.execute(seen.on_conflict_do_nothing())
        session.commit()


def _keys() -> dict[str, str]:
    prefix = current_app.config["REDIS_KEY_PREFIX"]
    return {
        "views": f"{prefix}:views:pending",
        "visitors": f"{prefix}:visitors:pending",
        "batch": f"{prefix}:counts:batch:",
        "lock": f"{prefix}:counts:flush-lock",
    }


def _record_in_redis(redis, object_type: str, object_id: int, day: date, visitor) -> None:
    keys = _keys()
    field = f"{object_type}|{object_id}|{day.isoformat()}"
    pipe = redis.pipeline(transaction=False)
    pipe.hincrby(keys["views"], field, 1)
    if visitor:
        pipe.sadd(keys["visitors"], f"{field}|{visitor_hash(visitor, day)}")
    pipe.execute()


def maybe_flush(redis) -> None:
    """Flush if no worker has in the last COUNTER_FLUSH_SECONDS (one wins the lock)."""
    interval = current_app.config["COUNTER_FLUSH_SECONDS"]
    if redis.set(_keys()["lock"], "1", nx=True, px=max(1, int(interval * 1000))):
        flush_counters(redis)


def flush_counters(redis=None) -> int:
    """Move every pending and half-finished batch of counts into the database; views moved."""
    redis = redis or redis_client()
    if redis is None:
        return 0
    keys = _keys()
    for kind in ("views", "visitors"):
        batch = f"{keys['batch']}{kind}:{uuid.uuid4().hex}"
        # No pending key means nothing was counted since the last flush.
        with contextlib.suppress(ResponseError):
            redis.rename(keys[kind], batch)
    moved = 0
    for batch in sorted(k.decode() for k in redis.scan_iter(match=f"{keys['batch']}*")):
        # Its own session: a flush inside a page request must not commit or expire the page's.
        with Session(db.engine) as session:
            moved += _apply_batch(redis, session, batch)
    return moved


def _apply_batch(redis, session: Session, batch: str) -> int:
    """Write one batch to the database exactly once, then forget it in Redis."""
    moved = 0
    if ":views:" in batch:
        counts = {k.decode(): int(v) for k, v in redis.hgetall(batch).items()}
        try:
            session.add(CounterBatch(id=batch.rsplit(":", 1)[1], applied_at=utcnow()))
            session.flush()
        except IntegrityError:  # applied by an earlier flush that died before DEL
            session.rollback()
            redis.delete(batch)
            return 0
        for field, n in counts.items():
            object_type, object_id, day = field.split("|")
            session.execute(_add_views(object_type, int(object_id), date.fromisoformat(day), n))
            moved += n
    else:
        rows = []
        for member in redis.smembers(batch):
            object_type, object_id, day, visitor = member.decode().split("|")
            rows.append({
                "object_type": object_type, "object_id": int(object_id),
                "day": date.fromisoformat(day), "visitor": visitor,
            })  # fmt: skip
        if rows:  # idempotent: a visitor-day already stored is skipped
            session.execute(_insert(UniqueVisitor).values(rows).on_conflict_do_nothing())
    session.commit()
    redis.delete(batch)
    return moved


def _add_views(object_type: str, object_id: int, day: date, n: int):
    """The statement adding n views to a day's row (creating it if needed)."""
    count = _insert(ViewCount).values(
        object_type=object_type, object_id=object_id, day=day, views=n
    )
    return count.on_conflict_do_update(
        index_elements=["object_type", "object_id", "day"],
        set_={"views": ViewCount.views + n},
    )


def total_views(object_type: str, object_id: int) -> int:
    """All views of an object (read afresh: on SQLite the page's own read transaction began
    before this request's view was committed)."""
    query = select(func.coalesce(func.sum(ViewCount.views), 0)).where(
        ViewCount.object_type == object_type, ViewCount.object_id == object_id
    )
    with Session(db.engine) as session:
        return int(session.scalar(query))


def unique_visitors(object_type: str, object_id: int) -> int:
    """Visitor-days of an object (a person counts once per day)."""
    query = (
        select(func.count())
        .select_from(UniqueVisitor)
        .where(UniqueVisitor.object_type == object_type, UniqueVisitor.object_id == object_id)
    )
    with Session(db.engine) as session:
        return int(session.scalar(query))
