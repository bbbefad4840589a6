"""Public participation figures, computed by grouped SQL (no per-row work in Python)."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import and_, func, select

from crowdplan.auth.models import User
from crowdplan.core.models import Area, Department, Topic, utcnow
from crowdplan.dialect import hours_between, local_date, utc_offset_minutes
from crowdplan.extensions import db, redis_client
from crowdplan.plans.models import PlanVersion
from crowdplan.stats.models import UniqueVisitor, ViewCount
from crowdplan.suggestions.models import Suggestion
from crowdplan.triage import figures as measures

log = logging.getLogger(__name__)

MIN_CASES_TO_RANK = 5
DAILY_DAYS = 30  # the daily chart
WEEKLY_WEEKS = 26  # the weekly chart, whole weeks starting on Monday
UNDER_REPRESENTED = 0.5  # share of suggestions below half the share of population


@dataclass
class Figures:
    """Everything /stats shows, also served as JSON."""

    plans_published: int = 0
    plans_in_notice: int = 0
    views: int = 0
    unique_visitors: int = 0
    suggestions: int = 0
    people: int = 0
    organisations: int = 0
    members_represented: int = 0
    replied_pct: float | None = None
    on_time_pct: float | None = None
    adopted: int = 0
    adoption_rate_pct: float | None = None
    satisfaction_pct: float | None = None
    # The counts behind the rates (crowdplan.triage.figures defines each).
    accepted: int = 0
    not_accepted: int = 0
    merged: int = 0
    replied: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    decided: int = 0
    undecided: int = 0
    rated: int = 0
    satisfied: int = 0
    by_topic: list[dict] = field(default_factory=list)
    by_area: list[dict] = field(default_factory=list)
    by_department: list[dict] = field(default_factory=list)
    by_plan: list[dict] = field(default_factory=list)
    daily: list[dict] = field(default_factory=list)
    weekly: list[dict] = field(default_factory=list)


def _public():
    return measures.counted()


def compute(now: datetime | None = None) -> Figures:
    """All public figures at `now`."""
    now = now or utcnow()
    f = Figures()
    _plans(f, now)
    _views(f)
    f.people, f.organisations, f.members_represented = participation()
    _outcomes(f, now)
    f.by_topic = _by_topic()
    f.by_area = _by_area()
    f.by_department = _by_department(now)
    f.by_plan = _by_plan(now)
    f.daily, f.weekly = _over_time(now)
    return f


def _plans(f: Figures, now: datetime) -> None:
    published = select(PlanVersion.plan_id).where(PlanVersion.published_at.is_not(None)).distinct()
    f.plans_published = db.session.scalar(select(func.count()).select_from(published.subquery()))
    closes = func.coalesce(PlanVersion.closed_early_at, PlanVersion.notice_closes_at)
    in_notice = (
        select(PlanVersion.plan_id)
        .where(
            PlanVersion.published_at.is_not(None), PlanVersion.notice_opens_at <= now, closes > now
        )
        .distinct()
    )
    f.plans_in_notice = db.session.scalar(select(func.count()).select_from(in_notice.subquery()))


def _views(f: Figures) -> None:
    f.views = int(
        db.session.scalar(
            select(func.coalesce(func.sum(ViewCount.views), 0)).where(
                ViewCount.object_type == "plan"
            )
        )
    )
    f.unique_visitors = db.session.scalar(
        select(func.count()).select_from(UniqueVisitor).where(UniqueVisitor.object_type == "plan")
    )


def participation(*where) -> tuple[int, int, int]:
    """People, organisations and members represented among the counted opinions matching
    `where` (the headline, or one plan's adoption report)."""
    counted = (_public(), *where)
    authors = (
        select(Suggestion.author_id, User.role)
        .join(User, User.id == Suggestion.author_id)
        .where(*counted)
        .distinct()
        .subquery()
    )
    organisations = db.session.scalar(
        select(func.count()).select_from(authors).where(authors.c.role == "organisation")
    )
    people_accounts = db.session.scalar(
        select(func.count()).select_from(authors).where(authors.c.role != "organisation")
    )
    guests = db.session.scalar(
        select(func.count(func.distinct(Suggestion.contact_email_index))).where(
            *counted, Suggestion.author_id.is_(None)
        )
    )
    per_org = (
        select(func.max(Suggestion.org_members).label("m"))
        .where(*counted, Suggestion.org_members.is_not(None))
        .group_by(Suggestion.author_id)
        .subquery()
    )
    members = int(db.session.scalar(select(func.coalesce(func.sum(per_org.c.m), 0))))
    return people_accounts + guests, organisations, members


def _outcomes(f: Figures, now: datetime) -> None:
    t = measures.tally(now=now)
    f.suggestions, f.accepted = t["counted"], t["accepted"]
    f.merged, f.replied = t["merged"], t["replied"]
    f.not_accepted = t["counted"] - t["accepted"]
    f.on_time, f.late, f.overdue = t["on_time"], t["late"], t["overdue"]
    f.adopted, f.decided, f.undecided = t["adopted"], t["decided"], t["undecided"]
    f.rated, f.satisfied = t["rated"], t["satisfied"]
    for name, value in measures.rates(t).items():
        setattr(f, name, value)


def _by_topic() -> list[dict]:
    # Grouped on suggestions alone, then matched to topics: joining topics to a million
    # suggestions made SQLite loop over the big table once per topic.
    counts = dict(
        db.session.execute(
            select(Suggestion.topic_id, func.count()).where(_public()).group_by(Suggestion.topic_id)
        ).all()
    )
    topics = db.session.scalars(select(Topic).order_by(Topic.sort_order, Topic.id)).all()
    return [
        {
            "code": t.code,
            "name": t.name,
            "name_en": t.name_en,
            "suggestions": int(counts.get(t.id, 0)),
        }
        for t in topics
    ]


def _by_area() -> list[dict]:
    counts = dict(
        db.session.execute(
            select(Suggestion.routing_area_adcode, func.count())
            .where(_public())
            .group_by(Suggestion.routing_area_adcode)
        ).all()
    )
    areas = db.session.scalars(
        select(Area).where(Area.valid_to.is_(None)).order_by(Area.adcode)
    ).all()
    total_pop = sum(a.population or 0 for a in areas)
    total = sum(counts.get(a.adcode, 0) for a in areas)
    rows = []
    for a in areas:
        n = counts.get(a.adcode, 0)
        share_pop = (a.population or 0) / total_pop if total_pop else 0
        share = n / total if total else 0
        rows.append({
            "adcode": a.adcode, "name": a.name, "name_en": a.name_en, "suggestions": n,
            "population": a.population,
            "per_10k": round(n * 10000 / a.population, 2) if a.population else None,
            "under_represented": bool(
                total and share_pop and share < UNDER_REPRESENTED * share_pop
            ),
        })  # fmt: skip
    return rows


def _by_department(now: datetime) -> list[dict]:
    """Cases, replies, on-time rate and median reply time per department, all grouped in SQL.

    The median comes from a histogram of reply times rounded to the hour (a few hundred rows per
    department at most), so no per-case rows are fetched even at a million suggestions.
    """
    # Grouped on suggestions alone (no join: SQLite would loop over them once per department).
    routed = Suggestion.department_id.is_not(None)
    per_department = measures.tally_by(Suggestion.department_id, routed, now=now)
    departments = {d.id: d for d in db.session.scalars(select(Department))}
    hours = func.round(hours_between(Suggestion.replied_at, Suggestion.created_at))
    histogram: dict[int, list[tuple[int, int]]] = {}
    for department_id, bucket, n in db.session.execute(
        select(Suggestion.department_id, hours, func.count())
        .where(_public(), routed, Suggestion.replied_at.is_not(None))
        .group_by(Suggestion.department_id, hours)
        .order_by(Suggestion.department_id, hours)
    ):
        histogram.setdefault(department_id, []).append((int(bucket), int(n)))
    result = []
    for department_id, t in per_department.items():
        d = departments[department_id]
        median_hours = _histogram_median(histogram.get(department_id, []))
        result.append({
            "code": d.code, "name": d.name, "name_en": d.name_en, "cases": t["counted"],
            "replied": t["replied"], "on_time": t["on_time"], "late": t["late"],
            "overdue": t["overdue"], "merged": t["merged"], "adopted": t["adopted"],
            "decided": t["decided"], "rated": t["rated"], "satisfied": t["satisfied"],
            "median_reply_days": None if median_hours is None else round(median_hours / 24, 1),
            **measures.rates(t),
            "ranked": t["counted"] >= MIN_CASES_TO_RANK,
        })  # fmt: skip
    return sorted(result, key=lambda g: (not g["ranked"], -(g["on_time_pct"] or 0), g["code"]))


def _histogram_median(buckets: list[tuple[int, int]]) -> float | None:
    """The median of values given as sorted (value, count) pairs."""
    total = sum(n for _, n in buckets)
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]  # the middle position(s), 0-based
    found: list[int] = []
    seen = 0
    for value, n in buckets:
        while wanted and wanted[0] < seen + n:
            found.append(value)
            wanted.pop(0)
        seen += n
    return sum(found) / 2


def _by_plan(now: datetime) -> list[dict]:
    """Every published plan: its stage, views, visitors, suggestions, replies and adoptions."""
    latest = (
        select(PlanVersion.plan_id, func.max(PlanVersion.number).label("number"))
        .where(PlanVersion.published_at.is_not(None))
        .group_by(PlanVersion.plan_id)
        .subquery()
    )
    versions = db.session.scalars(
        select(PlanVersion)
        .join(
            latest,
            and_(PlanVersion.plan_id == latest.c.plan_id, PlanVersion.number == latest.c.number),
        )
        .order_by(PlanVersion.plan_id)
    ).all()
    per_plan = measures.tally_by(Suggestion.plan_id, Suggestion.plan_id.is_not(None), now=now)
    views = dict(
        db.session.execute(
            select(ViewCount.object_id, func.sum(ViewCount.views))
            .where(ViewCount.object_type == "plan")
            .group_by(ViewCount.object_id)
        ).all()
    )
    visitors = dict(
        db.session.execute(
            select(UniqueVisitor.object_id, func.count())
            .where(UniqueVisitor.object_type == "plan")
            .group_by(UniqueVisitor.object_id)
        ).all()
    )
    rows = []
    empty = dict.fromkeys(measures.measures(now), 0)
    for v in versions:
        t = per_plan.get(v.plan_id, empty)
        rows.append({
            "id": v.plan_id, "title": v.title, "stage": v.stage(now).value,
            "views": int(views.get(v.plan_id, 0)),
            "unique_visitors": int(visitors.get(v.plan_id, 0)),
            "suggestions": t["counted"], "replied": t["replied"], "adopted": t["adopted"],
            "not_accepted": t["counted"] - t["accepted"], "merged": t["merged"],
            "on_time": t["on_time"], "late": t["late"], "overdue": t["overdue"],
            "decided": t["decided"], "undecided": t["undecided"], **measures.rates(t),
        })  # fmt: skip
    return rows


def _over_time(now: datetime) -> tuple[list[dict], list[dict]]:
    """Suggestions, replies and plan views per local day and per week (Monday to Sunday).

    One grouped query per series over the last WEEKLY_WEEKS weeks, read through the created_at
    and replied_at indexes; days without activity are filled with zeros.
    """
    zone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    minutes = utc_offset_minutes(zone, now)
    today = (now + timedelta(minutes=minutes)).date()
    first_week = today - timedelta(days=today.weekday() + 7 * (WEEKLY_WEEKS - 1))
    since = datetime.combine(first_week, datetime.min.time(), tzinfo=now.tzinfo) - timedelta(
        minutes=minutes
    )

    def per_day(column, *where) -> dict[date, int]:
        day = local_date(column, minutes)
        query = select(day, func.count()).where(column >= since, *where).group_by(day)
        return {_as_date(d): int(n) for d, n in db.session.execute(query)}

    series = {
        "suggestions": per_day(Suggestion.created_at, _public()),
        "replies": per_day(Suggestion.replied_at, _public()),
        "views": {
            _as_date(d): int(n)
            for d, n in db.session.execute(
                select(ViewCount.day, func.sum(ViewCount.views))
                .where(ViewCount.object_type == "plan", ViewCount.day >= first_week)
                .group_by(ViewCount.day)
            )
        },
    }
    days = [first_week + timedelta(days=i) for i in range((today - first_week).days + 1)]
    daily_all = [
        {"day": d.isoformat(), **{k: v.get(d, 0) for k, v in series.items()}} for d in days
    ]
    weekly = []
    for start in range(0, len(days), 7):
        week = daily_all[start : start + 7]
        weekly.append({"week": week[0]["day"], **{k: sum(d[k] for d in week) for k in series}})
    return daily_all[-DAILY_DAYS:], weekly


def _as_date(value) -> date:
    # SQLite's date() returns text, PostgreSQL a date.
    return value if isinstance(value, date) else date.fromisoformat(value)


def public_figures(now: datetime | None = None) -> dict:
    """compute() as a dict, recomputed at most every STATS_CACHE_SECONDS, never on a request
    once a copy exists.

    At a million suggestions compute() reads every row (seconds; see bench/stats.py), so
    requests read a cached copy: in Redis when configured (shared by all workers), else in this
    process. When the copy goes stale the request still gets it at once, and one background
    thread (one per deployment, by a Redis lock) recomputes it. Only the very first request
    after a deployment computes in line; `flask refresh-stats` warms the cache beforehand.
    """
    ttl = current_app.config["STATS_CACHE_SECONDS"]
    if ttl <= 0:
        return _fresh(now)
    store = _store()
    try:
        cached, fresh = store.read()
    except RedisError:
        log.warning("Redis unavailable; statistics cached in this process only")
        store = _LOCAL
        cached, fresh = store.read()
    if cached is not None:
        if not fresh and store.claim(ttl):
            _refresh_in_background(current_app._get_current_object(), store, ttl)
        return cached
    data = _fresh(now)
    store.write(data, ttl)
    return data


def refresh_figures() -> dict:
    """Recompute the cached figures now (the refresh-stats command; deploys, cron)."""
    data = _fresh(None)
    _store().write(data, max(current_app.config["STATS_CACHE_SECONDS"], 0))
    return data


class _LocalStore:
    """This process's copy."""

    def __init__(self):
        self.entry: tuple[float, dict] | None = None
        self.lock = threading.Lock()

    def read(self) -> tuple[dict | None, bool]:
        entry = self.entry
        return (entry[1], entry[0] > time.monotonic()) if entry else (None, False)

    def claim(self, ttl: float) -> bool:
        return self.lock.acquire(blocking=False)

    def release(self) -> None:
        if self.lock.locked():
            self.lock.release()

    def write(self, data: dict, ttl: float) -> None:
        self.entry = (time.monotonic() + ttl, data)


class _RedisStore:
    """One copy for every worker; kept well past freshness so readers never wait."""

    def __init__(self, redis, prefix: str):
        self.redis = redis
        self.key = f"{prefix}:stats:figures"

    def read(self) -> tuple[dict | None, bool]:
        raw = self.redis.get(self.key)
        if not raw:
            return None, False
        entry = json.loads(raw)
        return entry["figures"], entry["fresh_until"] > time.time()

    def claim(self, ttl: float) -> bool:
        # Expires by itself, so a worker killed mid-computation cannot block refreshes for long.
        return bool(self.redis.set(f"{self.key}:lock", "1", nx=True, px=int(max(ttl, 60) * 1000)))

    def release(self) -> None:
        self.redis.delete(f"{self.key}:lock")

    def write(self, data: dict, ttl: float) -> None:
        entry = {"fresh_until": time.time() + ttl, "figures": data}
        self.redis.set(self.key, json.dumps(entry), px=int(max(ttl, 1) * 10 * 1000))


_LOCAL = _LocalStore()
_refreshing: list[threading.Thread] = []  # the latest background refresh (tests join it)


def _store():
    redis = redis_client()
    if redis is None:
        return _LOCAL
    return _RedisStore(redis, current_app.config["REDIS_KEY_PREFIX"])


def _refresh_in_background(app, store, ttl: float) -> None:
    def run() -> None:
        try:
            with app.app_context():
                store.write(_fresh(None), ttl)
                db.session.remove()
        except Exception:  # noqa: BLE001 - readers keep the stale copy; the next one retries
            log.exception("refreshing the statistics failed")
        finally:
            try:
                store.release()
            except RedisError:
                log.warning("could not release the statistics lock; it expires by itself")

    thread = threading.Thread(target=run, name="refresh-stats", daemon=True)
    _refreshing[:] = [thread]
    thread.start()


def _fresh(now: datetime | None) -> dict:
    data = asdict(compute(now))
    data["generated_at"] = (now or utcnow()).isoformat()
    return data
