"""The slow parts of /stats and /display (folium maps, pygal charts), rendered once per
version of the figures, language and basemap rather than once per request."""

from __future__ import annotations

from crowdplan.core import operations as core
from crowdplan.geo import maps
from crowdplan.geo.pages import embed_map, tiles
from crowdplan.i18n import current_language
from crowdplan.memo import Memo
from crowdplan.stats import charts, queries

_parts: Memo[dict] = Memo(size=16)


def _key(kind: str, figures: dict) -> tuple:
    return (kind, figures["generated_at"], current_language(), tiles())


def stats_parts(figures: dict) -> dict:
    """The choropleth of suggestions per 10,000 residents and the two charts."""

    def build() -> dict:
        per_10k = {row["adcode"]: row["per_10k"] or 0 for row in figures["by_area"]}
        areas = core.list_current_areas()
        m = maps.base_map(tiles())
        maps.add_choropleth(m, core.areas_for_map(areas), [per_10k[a.adcode] for a in areas])
        maps.fit_to(m, core.bounds_of(areas))
        return {
            "city_map": embed_map(m),
            "daily_chart": charts.daily(figures["daily"]),
            "weekly_chart": charts.weekly(figures["weekly"]),
            "views_chart": charts.views(figures["daily"]),
        }

    return _parts.get(_key("stats", figures), build)


def display_parts(figures: dict) -> dict:
    """The lobby screen's heatmap and latest replies (as fresh as the figures)."""

    def build() -> dict:
        areas = core.list_current_areas()
        m = maps.base_map(tiles())
        maps.add_area_outlines(m, core.areas_for_map(areas))
        maps.add_heat(m, queries.heat_points())
        maps.fit_to(m, core.bounds_of(areas))
        return {"heat_map": embed_map(m), "replies": queries.latest_replies()}

    return _parts.get(_key("display", figures), build)
