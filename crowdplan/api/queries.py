"""Reads behind the JSON API that the HTML pages do not need."""

from __future__ import annotations

from sqlalchemy import select

from crowdplan.extensions import db
from crowdplan.geo import spatial
from crowdplan.suggestions.models import Suggestion
from crowdplan.suggestions.queries import SuggestionFilters


def list_suggestions(
    filters: SuggestionFilters,
    *,
    status: str = "",
    bbox: tuple[float, float, float, float] | None = None,
    page: int = 1,
    per_page: int = 20,
):
    """A page of published suggestions, newest first, by the map filters, status and box.

    For points, comparing bounding boxes is exact (and cheaper), as in the viewport.
    """
    query = filters.apply(select(Suggestion))
    if status:
        query = query.where(Suggestion.status == status)
    if bbox is not None:
        query = query.where(
            spatial.intersects(Suggestion.point, spatial.envelope(*bbox), exact=False)
        )
    query = query.order_by(Suggestion.created_at.desc(), Suggestion.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
