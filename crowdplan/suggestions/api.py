"""JSON for the suggestion map: the viewport layer and nearby similar suggestions."""

from __future__ import annotations

import math

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _

from crowdplan.errors import AppError
from crowdplan.inputs import ascii_int
from crowdplan.suggestions import queries

bp = Blueprint("suggestions_api", __name__, url_prefix="/api/v1/suggestions")


def _floats(raw: str, n: int) -> list[float]:
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        values = []
    if len(values) != n or not all(math.isfinite(v) for v in values):
        raise AppError(_("Expected %(n)d comma-separated numbers.", n=n), code="bad_parameter")
    return values


@bp.get("/viewport")
def viewport():
    """Clusters or points inside bbox=min_lon,min_lat,max_lon,max_lat at zoom=Z."""
    min_lon, min_lat, max_lon, max_lat = _floats(request.args.get("bbox", ""), 4)
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        raise AppError(_("The bounding box is not valid."), code="bad_bbox")
    zoom = ascii_int(request.args.get("zoom"), low=0, high=22)
    if zoom is None:
        raise AppError(_("zoom must be a whole number from 0 to 22."), code="bad_zoom")
    filters = queries.SuggestionFilters.from_args(request.args)
    data = queries.viewport((min_lon, min_lat, max_lon, max_lat), zoom, filters)
    return jsonify(data)


@bp.get("/similar")
def similar():
    """Published suggestions near lon,lat whose text resembles `text`."""
    lon, lat = _floats(request.args.get("at", ""), 2)
    text = request.args.get("text", "")[:2000]
    rows = queries.nearby_similar(lon, lat, text)
    return jsonify(
        suggestions=[
            {
                "id": s.id,
                "text": queries.public_text(s)[:200],
                "supports": s.support_count,
                "url": url_for("suggestions.detail", suggestion_id=s.id),
                "support_url": url_for("suggestions.support", suggestion_id=s.id),
                "similarity": round(score, 2),
            }
            for s, score in rows
        ]
    )
