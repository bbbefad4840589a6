"""The map of a plan version, shared by the public and the planner pages.

A published version never changes, so its rendered map is cached per (version, language,
basemap): folium's rendering is most of a plan page's cost.
"""

from __future__ import annotations

from crowdplan.core import operations as core
from crowdplan.geo import maps
from crowdplan.geo.pages import embed_map, tiles
from crowdplan.i18n import current_language
from crowdplan.memo import Memo
from crowdplan.plans import queries
from crowdplan.plans.models import PlanVersion

_cache: Memo[tuple] = Memo(size=256)


def version_map(version: PlanVersion) -> tuple[maps.MapEmbed, list]:
    """(map embed, legend) for a version; from the cache when the version is frozen."""
    if not version.is_frozen:
        return _build(version)
    key = (version.id, version.fingerprint, current_language(), tiles())
    return _cache.get(key, lambda: _build(version))


def _build(version: PlanVersion) -> tuple[maps.MapEmbed, list]:
    layers = queries.layers_for_map(version)
    m = maps.base_map(tiles())
    maps.add_area_outlines(m, core.areas_for_map(version.plan.areas), labels=False)
    maps.add_plan_layers(m, layers)
    maps.fit_to(m, queries.version_bounds(version))
    legend = [(layer["name"], maps.legend_entries(layer["style"])) for layer in layers]
    return embed_map(m), legend
