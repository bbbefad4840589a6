"""Maps as pages show them: this deployment's basemap and the embed with local assets.

Every blueprint's views build maps through here, so no view imports another blueprint's views.
"""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import gettext as _

from crowdplan.geo import maps


def tiles() -> maps.Tiles:
    """The basemap configured for this deployment."""
    cfg = current_app.config
    number = (cfg.get("CROWDPLAN_TILES_REVIEW_NUMBER") or "").strip()
    return maps.tiles_from_config(
        cfg["CROWDPLAN_TILES"],
        tianditu_key=cfg["TIANDITU_KEY"],
        attribution=cfg["CROWDPLAN_TILES_ATTRIBUTION"],
        review=_("Map review no. %(number)s", number=number) if number else "",
    )


def embed_map(m) -> maps.MapEmbed:
    """Render a folium map for a page, with every asset served by this app."""
    return maps.embed(
        m,
        vendor_url=lambda path: url_for(
            "vendor.asset", name=path.split("/", 1)[0], filename=path.split("/", 1)[1]
        ),
    )
