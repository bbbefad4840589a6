"""Map builders: basemap choices, local assets only, outlines with labels."""

import folium
import pytest
from folium.plugins import Fullscreen, MarkerCluster

from crowdplan.geo import maps


def _vendor(path: str) -> str:
    return f"/vendor/{path}"


def test_tile_choices():
    assert maps.tiles_from_config("none").urls == ()
    assert "openstreetmap" in maps.tiles_from_config("osm").urls[0]
    tdt = maps.tiles_from_config("tianditu", tianditu_key="KEY")
    assert len(tdt.urls) == 2 and all(u.endswith("tk=KEY") for u in tdt.urls)
    own = maps.tiles_from_config("http://tiles.intranet/{z}/{x}/{y}.png", attribution="GIS")
    assert own.urls == ("http://tiles.intranet/{z}/{x}/{y}.png",) and own.attribution == "GIS"
    with pytest.raises(ValueError, match="CROWDPLAN_TILES"):
        maps.tiles_from_config("amap")


def test_embed_uses_only_local_assets():
    m = maps.base_map(maps.tiles_from_config("none"))
    MarkerCluster().add_to(m)
    embed = maps.embed(m, vendor_url=_vendor)
    assert embed.scripts == [
        "/vendor/leaflet/leaflet.js",
        "/vendor/markercluster/leaflet.markercluster.js",
    ]
    assert "/vendor/leaflet/leaflet.css" in embed.stylesheets
    assert all(u.startswith("/vendor/") for u in embed.scripts + embed.stylesheets)
    assert "L.map(" in embed.script and embed.map_id in embed.html


def test_embed_refuses_an_asset_we_do_not_ship():
    m = maps.base_map(maps.tiles_from_config("none"))
    Fullscreen().add_to(m)
    with pytest.raises(maps.UnvendoredAsset):
        maps.embed(m, vendor_url=_vendor)


def test_tile_layer_only_when_configured():
    osm = maps.embed(maps.base_map(maps.tiles_from_config("osm")), vendor_url=_vendor)
    none = maps.embed(maps.base_map(maps.tiles_from_config("none")), vendor_url=_vendor)
    assert "tile.openstreetmap.org" in osm.script
    assert "L.tileLayer" not in none.script


def test_outlines_and_escaped_labels():
    m = maps.base_map(maps.Tiles())
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    maps.add_area_outlines(
        m, [{"name": "<b>区</b>", "geometry": square, "label_point": (0.5, 0.3)}]
    )
    script = maps.embed(m, vendor_url=_vendor).script
    # The label's HTML escapes the name, and folium JSON-escapes it into the script.
    assert "\\u0026lt;b\\u0026gt;\\u533a" in script and "<b>" not in script
    assert isinstance(m, folium.Map)


def test_points_are_drawn_above_areas():
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    point = {"type": "Point", "coordinates": [0.5, 0.2]}
    layers = [
        {"name": "points", "style": {}, "geojson": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": point}]}},
        {"name": "areas", "style": {}, "geojson": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": square}]}},
    ]  # fmt: skip
    m = maps.base_map(maps.Tiles())
    maps.add_plan_layers(m, layers)
    script = maps.embed(m, vendor_url=_vendor).script
    assert script.index('"Polygon"') < script.index('"Point"')
