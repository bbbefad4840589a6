"""Reads for the public plan pages: filtered lists, map data, the notice countdown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import markdown
import nh3
from geoalchemy2.shape import to_shape
from markupsafe import Markup
from shapely import unary_union
from shapely.geometry import mapping
from sqlalchemy import and_, func, or_, select

from crowdplan import dates
from crowdplan.core.models import Area, utcnow
from crowdplan.extensions import db
from crowdplan.plans.models import Document, Plan, PlanType, PlanVersion, Stage, plan_areas

SUMMARY_TAGS = {
    "p",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "blockquote",
    "br",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


@dataclass
class PlanFilters:
    """The list filters, all carried in the URL."""

    plan_type: str = ""
    stage: str = ""
    area: str = ""
    q: str = ""

    @classmethod
    def from_args(cls, args) -> PlanFilters:
        """Read filters from request args, ignoring unknown values."""
        stage = args.get("status", "")
        return cls(
            plan_type=args.get("type", "")[:40],
            stage=stage if stage in {s.value for s in Stage} - {Stage.DRAFT.value} else "",
            area=args.get("area", "")[:12],
            q=args.get("q", "").strip()[:100],
        )

    def as_args(self) -> dict[str, str]:
        """Non-empty filters for building URLs (pagination keeps them)."""
        pairs = {"type": self.plan_type, "status": self.stage, "area": self.area, "q": self.q}
        return {k: v for k, v in pairs.items() if v}


def _public_versions(now: datetime):
    """Per plan, the number of the version the public sees (Plan.version_at in SQL): the one
    in notice now, else the newest published."""
    published = PlanVersion.published_at.is_not(None)
    newest = (
        select(PlanVersion.plan_id, func.max(PlanVersion.number).label("number"))
        .where(published)
        .group_by(PlanVersion.plan_id)
        .subquery()
    )
    in_notice = (
        select(PlanVersion.plan_id, func.max(PlanVersion.number).label("number"))
        .where(published, _stage_condition(Stage.NOTICE, now))
        .group_by(PlanVersion.plan_id)
        .subquery()
    )
    return (
        select(newest.c.plan_id, func.coalesce(in_notice.c.number, newest.c.number).label("number"))
        .outerjoin(in_notice, in_notice.c.plan_id == newest.c.plan_id)
        .subquery()
    )


def _stage_condition(stage: str, now: datetime):
    closes = func.coalesce(PlanVersion.closed_early_at, PlanVersion.notice_closes_at)
    no_results = or_(
        PlanVersion.results_published_at.is_(None), PlanVersion.results_published_at > now
    )
    return {
        Stage.SCHEDULED: and_(PlanVersion.notice_opens_at > now, no_results),
        Stage.NOTICE: and_(PlanVersion.notice_opens_at <= now, closes > now, no_results),
        Stage.CLOSED: and_(closes <= now, no_results),
        Stage.RESULTS: PlanVersion.results_published_at <= now,
    }[Stage(stage)]


def list_public_plans(filters: PlanFilters, *, page: int = 1, per_page: int = 20):
    """A page of public versions (newest published per plan), newest notice first."""
    now = utcnow()
    latest = _public_versions(now)
    query = (
        select(PlanVersion)
        .join(
            latest,
            and_(latest.c.plan_id == PlanVersion.plan_id, latest.c.number == PlanVersion.number),
        )
        .join(Plan, Plan.id == PlanVersion.plan_id)
        .order_by(PlanVersion.notice_opens_at.desc(), PlanVersion.id.desc())
    )
    if filters.plan_type:
        query = query.join(PlanType, PlanType.id == Plan.plan_type_id).where(
            PlanType.code == filters.plan_type
        )
    if filters.stage:
        query = query.where(_stage_condition(filters.stage, now))
    if filters.area:
        covered = (
            select(plan_areas.c.plan_id)
            .join(Area, Area.id == plan_areas.c.area_id)
            .where(Area.adcode == filters.area)
        )
        query = query.where(Plan.id.in_(covered))
    if filters.q:
        query = query.where(
            func.lower(PlanVersion.title).contains(filters.q.lower(), autoescape=True)
        )
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)


def list_plan_types_for_filter() -> list[PlanType]:
    """Plan types for the filter menu."""
    return list(db.session.scalars(select(PlanType).order_by(PlanType.sort_order)))


def layers_for_map(version: PlanVersion) -> list[dict]:
    """Plain layer dicts (name, style, GeoJSON) for geo.maps."""
    result = []
    for layer in version.layers:
        features = [
            {"type": "Feature", "properties": f.properties, "geometry": mapping(to_shape(f.geom))}
            for f in layer.features
        ]
        keys = list(layer.features[0].properties)[:2] if layer.features else []
        result.append(
            {
                "name": layer.name,
                "style": layer.style,
                "geojson": {"type": "FeatureCollection", "features": features},
                "tooltip_fields": [k for k in ("name", "parcel") if k in keys] or keys[:1],
            }
        )
    return result


def version_bounds(version: PlanVersion) -> tuple[float, float, float, float] | None:
    """The extent of a version's features, else of the plan's areas."""
    shapes = [to_shape(f.geom) for layer in version.layers for f in layer.features]
    shapes = shapes or [to_shape(a.geom) for a in version.plan.areas]
    return unary_union(shapes).bounds if shapes else None


def plan_extents(versions: list[PlanVersion]) -> dict:
    """Each listed plan's extent as a rectangle, titled, for the list page map."""
    features = []
    for version in versions:
        bounds = version_bounds(version)
        if bounds:
            from shapely.geometry import box

            features.append(
                {
                    "type": "Feature",
                    "properties": {"title": version.title},
                    "geometry": mapping(box(*bounds).buffer(0.002)),
                }
            )
    return {"type": "FeatureCollection", "features": features}


def days_left(version: PlanVersion, now: datetime) -> int | None:
    """Days of notice remaining (公示期剩余 N 天), today and the last day included; None outside
    the notice."""
    if version.stage(now) is not Stage.NOTICE:
        return None
    return (dates.last_day(version.closes_at()) - dates.local_date(now)).days + 1


def render_summary(text: str) -> Markup:
    """Markdown to HTML, sanitised with nh3 so no script or event handler survives."""
    html = markdown.markdown(text or "", extensions=["tables"])
    return Markup(nh3.clean(html, tags=SUMMARY_TAGS, attributes={"a": {"href", "title"}}))


def get_public_document(plan: Plan, doc_id: int) -> Document | None:
    """A document of one of the plan's published versions."""
    doc = db.session.get(Document, doc_id)
    if doc is None or doc.version.plan_id != plan.id or not doc.version.is_frozen:
        return None
    return doc
