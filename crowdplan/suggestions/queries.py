"""Reads of public suggestions: filtered lists and the map viewport (similar ones: similar.py)."""

from __future__ import annotations

from dataclasses import dataclass

from geoalchemy2.shape import to_shape
from sqlalchemy import case, func, select

from crowdplan.core.models import Area, Topic
from crowdplan.extensions import db
from crowdplan.geo import spatial
from crowdplan.inputs import ascii_int
from crowdplan.suggestions.models import Stance, Suggestion, Visibility
from crowdplan.suggestions.public import public_view

MAX_MARKERS = 2000
POINTS_FROM_ZOOM = 15
CELL_PIXELS = 64  # a cluster per 64-pixel square of the screen


@dataclass
class SuggestionFilters:
    """List and map filters, all carried in the URL."""

    topic: str = ""
    stance: str = ""
    area: str = ""
    plan: int | None = None

    @classmethod
    def from_args(cls, args) -> SuggestionFilters:
        """Read filters from request args, ignoring values that are not ours."""
        stance = args.get("stance", "")
        plan = ascii_int(args.get("plan"))
        return cls(
            topic=args.get("topic", "")[:40],
            stance=stance if stance in {s.value for s in Stance} else "",
            area=args.get("area", "")[:12],
            plan=plan,  # None unless ASCII digits within an INTEGER id
        )

    def as_args(self) -> dict:
        """Non-empty filters, for links that keep them."""
        pairs = {"topic": self.topic, "stance": self.stance, "area": self.area, "plan": self.plan}
        return {k: v for k, v in pairs.items() if v}

    def apply(self, query):
        """Restrict a query over Suggestion to published rows matching the filters."""
        query = query.where(Suggestion.visibility == Visibility.PUBLISHED)
        if self.topic:
            query = query.where(
                Suggestion.topic_id.in_(select(Topic.id).where(Topic.code == self.topic))
            )
        if self.stance:
            query = query.where(Suggestion.stance == self.stance)
        if self.plan:
            query = query.where(Suggestion.plan_id == self.plan)
        if self.area:
            area = db.session.scalar(
                select(Area).where(Area.adcode == self.area, Area.valid_to.is_(None))
            )
            if area is None:
                return query.where(False)
            query = query.where(
                spatial.intersects(
                    Suggestion.point, select(Area.geom).where(Area.id == area.id).scalar_subquery()
                )
            )
        return query


def list_public(filters: SuggestionFilters, *, page: int = 1, per_page: int = 20):
    """A page of published suggestions, newest first."""
    query = filters.apply(select(Suggestion)).order_by(
        Suggestion.created_at.desc(), Suggestion.id.desc()
    )
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)


def get_public(suggestion_id: int) -> Suggestion | None:
    """A published suggestion, or None."""
    suggestion = db.session.get(Suggestion, suggestion_id)
    return suggestion if suggestion is not None and suggestion.is_public else None


def public_text(suggestion: Suggestion) -> str:
    """The text as the public may see it: personal data masked."""
    return public_view(suggestion).text


def public_name(suggestion: Suggestion) -> str | None:
    """The chosen display name, masked too (people type phone numbers into names)."""
    return public_view(suggestion).name


def lonlat(suggestion: Suggestion) -> tuple[float, float]:
    """(lon, lat) of a suggestion's point."""
    shape = to_shape(suggestion.point)
    return shape.x, shape.y


def viewport(
    bbox: tuple[float, float, float, float], zoom: int, filters: SuggestionFilters
) -> dict:
    """GeoJSON for the visible map: grid clusters at low zoom or when dense, else points."""
    # Points in a box: comparing bounding boxes is exact, and cheaper.
    in_view = spatial.intersects(Suggestion.point, spatial.envelope(*bbox), exact=False)
    if zoom >= POINTS_FROM_ZOOM:
        query = filters.apply(
            select(
                Suggestion.id,
                Suggestion.stance,
                spatial.lon_of(Suggestion.point),
                spatial.lat_of(Suggestion.point),
            ).where(in_view)
        ).limit(MAX_MARKERS + 1)
        rows = db.session.execute(query).all()
        if len(rows) <= MAX_MARKERS:
            return _points(rows)
    return _clusters(bbox, zoom, filters, in_view)


def _points(rows) -> dict:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"id": sid, "stance": stance},
        }
        for sid, stance, lon, lat in rows
    ]
    return {"type": "FeatureCollection", "kind": "points", "features": features}


def _clusters(bbox, zoom: int, filters: SuggestionFilters, in_view) -> dict:
    cell = 360.0 / (2**zoom) / (256 / CELL_PIXELS)
    col, row = spatial.grid_cell(Suggestion.point, cell)
    counts = {s.value: func.sum(case((Suggestion.stance == s.value, 1), else_=0)) for s in Stance}
    query = (
        filters.apply(
            select(
                func.count().label("n"),
                func.min(Suggestion.id),
                func.avg(spatial.lon_of(Suggestion.point)),
                func.avg(spatial.lat_of(Suggestion.point)),
                *counts.values(),
            ).where(in_view)
        )
        .group_by(col, row)
        .limit(MAX_MARKERS)
    )
    features = []
    for n, first_id, lon, lat, *by_stance in db.session.execute(query):
        stances = dict(zip(counts, (int(v or 0) for v in by_stance), strict=True))
        properties = {"count": int(n), "stances": stances}
        if n == 1:  # a lone suggestion is drawn as itself, with its stance and link
            properties.update(id=first_id, stance=max(stances, key=stances.get))
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "kind": "clusters", "features": features}
