"""JSON for the suggestion map: the viewport layer and nearby similar suggestions.

Limited like the rest of /api/v1 (crowdplan/api/auth.py); the similar lookup more tightly.
"""

from __future__ import annotations

import math

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import gettext as _

from crowdplan.api.auth import limit_api
from crowdplan.errors import AppError
from crowdplan.extensions import limiter
from crowdplan.inputs import ascii_int
from crowdplan.suggestions import queries
from crowdplan.suggestions import similar as similar_lookup

bp = Blueprint("suggestions_api", __name__, url_prefix="/api/v1/suggestions")
limit_api(bp)
MAX_BODY = 16 * 1024  # a 2,000-character draft in JSON, with room for escapes


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


def _similar_limit() -> str:
    return current_app.config["SIMILAR_RATE_LIMIT"]


def _similar_request() -> tuple[float, float, str]:
    """lon, lat and text from the JSON body; the draft never travels in the URL (access logs)."""
    if request.args.get("text") is not None:
        raise AppError(_("Send the text in the request body, not in the address."))
    if (request.content_length or 0) > MAX_BODY:
        raise AppError(_("The text is too long."), status=413, code="too_long")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise AppError(_("Expected a JSON object."), code="bad_body")
    lon, lat = body.get("lon"), body.get("lat")
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in (lon, lat)) or not (
        -180 <= lon <= 180 and -90 <= lat <= 90
    ):
        raise AppError(_("The position is not valid."), code="bad_parameter")
    text = body.get("text", "")
    if not isinstance(text, str):
        raise AppError(_("Expected a JSON object."), code="bad_body")
    if len(text) > similar_lookup.MAX_TEXT:
        raise AppError(_("The text is too long."), status=413, code="too_long")
    return float(lon), float(lat), text


@bp.post("/similar")
@limiter.limit(_similar_limit, override_defaults=False)  # on top of the API's limits
def similar():
    """Published suggestions near lon,lat whose text resembles `text` (a JSON body)."""
    rows = similar_lookup.list_similar(*_similar_request())
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
