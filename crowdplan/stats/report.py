"""The adoption report of a plan (意见采纳情况及理由) and anonymised open data.

Public output never carries contact details or author identity, and text is masked (PIPL).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from crowdplan.core.models import Area, Topic
from crowdplan.extensions import db
from crowdplan.suggestions.models import Suggestion, Visibility
from crowdplan.suggestions.privacy import mask_personal_data
from crowdplan.suggestions.queries import SuggestionFilters, lonlat

FIELDS = [
    "id", "date", "topic", "topic_name", "stance", "status", "decision", "decision_reason",
    "area", "area_name", "plan_id", "supports", "text", "lon", "lat",
]  # fmt: skip


@dataclass
class ReportRow:
    """One suggestion as the public report shows it."""

    values: dict


def _rows(query) -> list[dict]:
    topics = {t.id: t for t in db.session.scalars(select(Topic))}
    areas = {a.adcode: a for a in db.session.scalars(select(Area).where(Area.valid_to.is_(None)))}
    rows = []
    for s in db.session.scalars(query):
        lon, lat = lonlat(s)
        area = areas.get(s.routing_area_adcode or "")
        rows.append(
            {
                "id": s.id,
                "date": s.created_at.date().isoformat(),
                "topic": topics[s.topic_id].code,
                "topic_name": topics[s.topic_id].name,
                "stance": s.stance,
                "status": s.status,
                # None, not "": a column keeps one type, so GIS tools read it cleanly.
                "decision": s.decision,
                "decision_reason": mask_personal_data(s.decision_reason or "") or None,
                "area": s.routing_area_adcode,
                "area_name": area.name if area else None,
                "plan_id": s.plan_id,
                "supports": s.support_count,
                "text": mask_personal_data(s.text),
                "lon": round(lon, 6),
                "lat": round(lat, 6),
            }
        )
    return rows


def plan_report(plan_id: int) -> list[dict]:
    """Every published suggestion on the plan, grouped by topic then area."""
    query = (
        select(Suggestion)
        .where(Suggestion.plan_id == plan_id, Suggestion.visibility == Visibility.PUBLISHED)
        .order_by(Suggestion.topic_id, Suggestion.routing_area_adcode, Suggestion.id)
    )
    return _rows(query)


def open_data(filters: SuggestionFilters, *, limit: int = 50_000) -> list[dict]:
    """Published suggestions matching the filters, anonymised."""
    query = filters.apply(select(Suggestion)).order_by(Suggestion.id).limit(limit)
    return _rows(query)


def decision_counts(rows: list[dict]) -> Counter:
    """How many suggestions got each decision (empty: not decided yet)."""
    return Counter(row["decision"] or "" for row in rows)


def as_csv(rows: list[dict]) -> str:
    """UTF-8 CSV with a BOM, so Excel on Chinese Windows opens it correctly."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def as_geojson(rows: list[dict]) -> dict:
    """A FeatureCollection of points (WGS84) with the same properties as the CSV."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
                "properties": {k: v for k, v in row.items() if k not in ("lon", "lat")},
            }
            for row in rows
        ],
    }
