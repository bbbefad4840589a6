"""Public participation figures, computed by grouped SQL (no per-row work in Python)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

from sqlalchemy import and_, case, func, select

from crowdplan.auth.models import User
from crowdplan.core.models import Area, Department, Topic, utcnow
from crowdplan.extensions import db
from crowdplan.plans.models import PlanVersion
from crowdplan.stats.models import UniqueVisitor, ViewCount
from crowdplan.suggestions.models import Suggestion, Visibility

MIN_CASES_TO_RANK = 5
UNDER_REPRESENTED = 0.5  # share of suggestions below half the share of population


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


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
    by_topic: list[dict] = field(default_factory=list)
    by_area: list[dict] = field(default_factory=list)
    by_department: list[dict] = field(default_factory=list)


def _public():
    return Suggestion.visibility == Visibility.PUBLISHED


def compute(now: datetime | None = None) -> Figures:
    """All public figures at `now`."""
    now = now or utcnow()
    f = Figures()
    _plans(f, now)
    _views(f)
    _participation(f)
    _outcomes(f)
    f.by_topic = _by_topic()
    f.by_area = _by_area()
    f.by_department = _by_department()
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


def _participation(f: Figures) -> None:
    f.suggestions = db.session.scalar(select(func.count()).select_from(Suggestion).where(_public()))
    authors = (
        select(Suggestion.author_id, User.role)
        .join(User, User.id == Suggestion.author_id)
        .where(_public())
        .distinct()
        .subquery()
    )
    f.organisations = db.session.scalar(
        select(func.count()).select_from(authors).where(authors.c.role == "organisation")
    )
    people_accounts = db.session.scalar(
        select(func.count()).select_from(authors).where(authors.c.role != "organisation")
    )
    guests = db.session.scalar(
        select(func.count(func.distinct(Suggestion.contact_email_index))).where(
            _public(), Suggestion.author_id.is_(None)
        )
    )
    f.people = people_accounts + guests
    per_org = (
        select(func.max(Suggestion.org_members).label("m"))
        .where(_public(), Suggestion.org_members.is_not(None))
        .group_by(Suggestion.author_id)
        .subquery()
    )
    f.members_represented = int(db.session.scalar(select(func.coalesce(func.sum(per_org.c.m), 0))))


def _outcomes(f: Figures) -> None:
    row = db.session.execute(
        select(
            func.count(),
            func.count(Suggestion.replied_at),
            func.sum(case((Suggestion.replied_at <= Suggestion.reply_due_at, 1), else_=0)),
            func.sum(case((Suggestion.decision.in_(["adopted", "partly"]), 1), else_=0)),
            func.count(Suggestion.decision),
            func.sum(case((Suggestion.rating.in_(["satisfied", "basic"]), 1), else_=0)),
            func.count(Suggestion.rating),
        ).where(_public(), Suggestion.status != "merged")
    ).one()
    total, replied, on_time, adopted, decided, satisfied, rated = (int(v or 0) for v in row)
    f.replied_pct = _pct(replied, total)
    f.on_time_pct = _pct(on_time, replied)
    f.adopted, f.adoption_rate_pct = adopted, _pct(adopted, decided)
    f.satisfaction_pct = _pct(satisfied, rated)


def _by_topic() -> list[dict]:
    query = (
        select(Topic.code, Topic.name, Topic.name_en, func.count(Suggestion.id))
        .join(Suggestion, and_(Suggestion.topic_id == Topic.id, _public()), isouter=True)
        .group_by(Topic.id, Topic.code, Topic.name, Topic.name_en, Topic.sort_order)
        .order_by(Topic.sort_order)
    )
    return [
        {"code": c, "name": n, "name_en": e, "suggestions": int(k)}
        for c, n, e, k in db.session.execute(query)
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


def _by_department() -> list[dict]:
    rows = db.session.execute(
        select(
            Department.code,
            Department.name,
            Department.name_en,
            Suggestion.created_at,
            Suggestion.replied_at,
            Suggestion.reply_due_at,
        ).join(
            Suggestion,
            and_(
                Suggestion.department_id == Department.id, _public(), Suggestion.status != "merged"
            ),
        )
    ).all()
    grouped: dict[str, dict] = {}
    for code, name, name_en, created, replied, due in rows:
        g = grouped.setdefault(
            code,
            {
                "code": code,
                "name": name,
                "name_en": name_en,
                "cases": 0,
                "replied": 0,
                "on_time": 0,
                "_days": [],
            },
        )
        g["cases"] += 1
        if replied is not None:
            g["replied"] += 1
            g["on_time"] += int(due is not None and replied <= due)
            g["_days"].append((replied - created).total_seconds() / 86400)
    result = []
    for g in grouped.values():
        days = g.pop("_days")
        g["median_reply_days"] = round(median(days), 1) if days else None
        g["on_time_pct"] = _pct(g["on_time"], g["replied"])
        g["ranked"] = g["cases"] >= MIN_CASES_TO_RANK
        result.append(g)
    return sorted(result, key=lambda g: (not g["ranked"], -(g["on_time_pct"] or 0), g["code"]))
