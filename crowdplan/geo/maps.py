"""Folium map builders from plain data (no database access), and embedding in Jinja pages.

Folium links its JavaScript and CSS from CDNs; `embed` swaps every link for a file the app
serves itself (see crowdplan/vendor.py) and refuses a map that needs an asset we do not ship,
so a page can never reach out to the internet by accident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import folium
from branca.element import CssLink, JavascriptLink
from markupsafe import escape

# folium asset name -> path under /vendor/ (None: not needed, dropped).
LOCAL_ASSETS: dict[str, str | None] = {
    "leaflet": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "jquery": None,
    "bootstrap": None,
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers": None,
    "awesome_markers_css": None,
    "awesome_markers_font_css": None,
    "awesome_rotate_css": None,
    "markerclusterjs": "markercluster/leaflet.markercluster.js",
    "markerclustercss": "markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "markercluster/MarkerCluster.Default.css",
    "leaflet-heat.js": "folium/leaflet_heat.min.js",
}

XIANNING_CENTRE = (29.84, 114.32)

# branca renders each element's output a second time as a Jinja template (MacroElement wraps it
# in Element(text)), so a "{{", "{%" or "{#" in any string handed to folium - a layer name, a
# feature property, a plan title - would be evaluated on the server: template injection, and
# through Jinja's globals, code execution. Every such string goes through `inert` first: a
# zero-width space after the brace keeps the text as it reads but breaks the delimiter.
_JINJA_START = re.compile(r"\{(?=[{%#])")
ZWSP = "\u200b"


def inert(value: Any) -> Any:
    """`value` (a string, or dicts and lists of them, keys included) with no Jinja delimiter."""
    if isinstance(value, str):
        return _JINJA_START.sub("{" + ZWSP, value)
    if isinstance(value, dict):
        return {inert(k): inert(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(inert(v) for v in value)
    return value  # lat, lon: the demo city's centre


class UnvendoredAsset(ValueError):
    """A folium element wants a script or stylesheet that the app does not serve locally."""


@dataclass(frozen=True)
class Tiles:
    """A basemap: URL template(s) and attribution; no URL means outlines only (offline)."""

    urls: tuple[str, ...] = ()
    attribution: str = ""
    subdomains: str = "abc"


def tiles_from_config(
    name: str, *, tianditu_key: str = "", attribution: str = "", review: str = ""
) -> Tiles:
    """Resolve CROWDPLAN_TILES: osm, tianditu, none, or a URL template of your own server.

    `review` is the basemap's 审图号 as people read it ("审图号：GS(2024)0000号"): a map published
    in China shows it, so it joins the attribution (as text: Leaflet shows attributions as HTML).
    """
    tiles = _tiles(name, tianditu_key, attribution)
    if review and tiles.urls:
        shown = " · ".join(a for a in (tiles.attribution, str(escape(inert(review)))) if a)
        tiles = Tiles(tiles.urls, shown, tiles.subdomains)
    return tiles


def _tiles(name: str, tianditu_key: str, attribution: str) -> Tiles:
    if name == "none" or not name:
        return Tiles()
    if name == "osm":
        return Tiles(
            ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",),
            "&copy; OpenStreetMap contributors",
        )
    if name == "tianditu":
        # CGCS2000 matches WGS84 at map scale, so overlays need no shift (unlike GCJ-02 maps).
        base = "https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        query = "&LAYER=%s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}"
        query += "&TILEROW={y}&TILECOL={x}&tk=" + tianditu_key
        urls = tuple(base % layer + query % layer for layer in ("vec", "cva"))
        return Tiles(urls, "&copy; 天地图 Tianditu", subdomains="01234567")
    if "{z}" in name and "{x}" in name and "{y}" in name:
        return Tiles((name,), attribution)
    raise ValueError(f"CROWDPLAN_TILES must be osm, tianditu, none or a tile URL, not {name!r}")


def base_map(tiles: Tiles, *, location=XIANNING_CENTRE, zoom: int = 9) -> folium.Map:
    """An empty map with the configured basemap (or none)."""
    m = folium.Map(location=list(location), zoom_start=zoom, tiles=None, control_scale=True)
    for i, url in enumerate(tiles.urls):
        folium.TileLayer(
            url,
            attr=tiles.attribution or " ",
            name=f"basemap-{i}",
            subdomains=tiles.subdomains,
            control=False,
            max_zoom=18,
        ).add_to(m)
    return m


def add_area_outlines(m: folium.Map, areas: list[dict[str, Any]], *, labels: bool = True) -> None:
    """County outlines with name labels; `areas` are dicts with name, geometry, label_point."""
    if not areas:
        return
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": a["name"]}, "geometry": a["geometry"]}
            for a in areas
        ],
    }
    collection, tips = _with_tooltip_text(inert(collection), ["name"])
    folium.GeoJson(
        collection,
        name="areas",
        control=False,
        style_function=lambda _f: {
            "color": "#1d4e89",
            "weight": 2,
            "fillOpacity": 0.04,
            "className": "area-outline",
        },
        highlight_function=lambda _f: {"weight": 3, "fillOpacity": 0.12},
        tooltip=folium.GeoJsonTooltip(fields=tips, labels=False),
    ).add_to(m)
    if labels:
        for a in areas:
            lon, lat = a["label_point"]
            folium.Marker(
                [lat, lon],
                icon=folium.DivIcon(html=_label_html(a["name"]), class_name="area-label"),
                interactive=False,
            ).add_to(m)


def fit_to(m: folium.Map, bounds: tuple[float, float, float, float] | None) -> None:
    """Fit the view to (min_lon, min_lat, max_lon, max_lat) when known."""
    if bounds:
        min_lon, min_lat, max_lon, max_lat = bounds
        m.fit_bounds([[min_lat, min_lon], [max_lat, max_lon]], padding=(24, 24))


def _label_html(name: str) -> str:
    return f'<span class="area-label-text">{escape(inert(name))}</span>'


TIP_PREFIX = "tip:"


def _with_tooltip_text(collection: dict, fields: list[str]) -> tuple[dict, list[str]]:
    """A copy of `collection` whose features carry HTML-escaped copies of `fields`, and the
    names of those copies. Folium's GeoJsonTooltip builds its table with innerHTML, so a value
    such as a layer property or a plan title must arrive as text; the originals stay as they
    are for styling (style_for compares them with the layer's classes)."""
    features = []
    for feature in collection.get("features", []):
        props = dict(feature.get("properties") or {})
        for name in fields:
            value = props.get(name)
            props[TIP_PREFIX + name] = "" if value is None else str(escape(str(value)))
        features.append({**feature, "properties": props})
    return {**collection, "features": features}, [TIP_PREFIX + name for name in fields]


@dataclass
class MapEmbed:
    """What a Jinja page needs to show a folium map inline (not in an iframe)."""

    html: str
    script: str
    scripts: list[str] = field(default_factory=list)
    stylesheets: list[str] = field(default_factory=list)
    map_id: str = ""


def embed(m: folium.Map, *, vendor_url) -> MapEmbed:
    """Render `m` for embedding; `vendor_url(path)` gives the local URL of a vendored file."""
    root = m.get_root()
    root.render()
    scripts: list[str] = []
    stylesheets: list[str] = []
    for name, element in _asset_links(root):
        if name not in LOCAL_ASSETS:
            raise UnvendoredAsset(f"folium asset {name!r} ({element.url}) is not served locally")
        path = LOCAL_ASSETS[name]
        if path is None:
            continue
        target = scripts if isinstance(element, JavascriptLink) else stylesheets
        if vendor_url(path) not in target:
            target.append(vendor_url(path))
    return MapEmbed(
        html=root.html.render(),
        script=root.script.render(),
        scripts=scripts,
        stylesheets=stylesheets,
        map_id=m.get_name(),
    )


def _asset_links(root):
    for name, element in root.header._children.items():
        if isinstance(element, (JavascriptLink, CssLink)):
            yield name, element


def style_for(style: dict, properties: dict) -> dict:
    """Colour and legend label of one feature under a layer's style rule."""
    if "property" in style:
        value = str(properties.get(style["property"], ""))
        cls = style.get("classes", {}).get(value) or style.get("default") or {}
        return {"color": cls.get("color", "#3388ff"), "label": cls.get("label", value)}
    return {"color": style.get("color", "#3388ff"), "label": style.get("label", "")}


def legend_entries(style: dict) -> list[dict]:
    """(colour, label) pairs to show beside the map for a layer."""
    if "property" in style:
        entries = [{"color": c["color"], "label": c["label"]} for c in style["classes"].values()]
        if style.get("default"):
            entries.append(dict(style["default"]))
        return entries
    return [{"color": style.get("color", "#3388ff"), "label": style.get("label", "")}]


def _drawing_order(layer: dict) -> int:
    kinds = {f["geometry"]["type"] for f in layer["geojson"]["features"]}
    if kinds & {"Point", "MultiPoint"}:
        return 2
    return 1 if kinds & {"LineString", "MultiLineString"} else 0


def add_plan_layers(m: folium.Map, layers: list[dict[str, Any]]) -> None:
    """Plan layers, each switchable; dicts have name, style and a GeoJSON FeatureCollection.

    Points are drawn as circle markers so each feature is one element on the map. Areas are
    drawn first and points last, so a service-radius polygon never hides the facility in it.
    """
    for layer in sorted(layers, key=_drawing_order):
        style = inert(layer["style"])  # class keys compared with the inert properties
        opacity = style.get("fill_opacity", 0.55)

        def _style(feature, style=style, opacity=opacity):
            colour = style_for(style, feature["properties"])["color"]
            return {
                "color": colour,
                "fillColor": colour,
                "weight": 1.5,
                "fillOpacity": opacity,
                "className": "plan-feature",
            }

        # Leaflet's layer control shows a layer's name with innerHTML: give it text.
        name = str(escape(inert(layer["name"])))
        group = folium.FeatureGroup(name=name, show=True)
        geojson, fields = _with_tooltip_text(
            inert(layer["geojson"]), [inert(k) for k in layer.get("tooltip_fields", []) if k]
        )
        folium.GeoJson(
            geojson,
            name=name,
            style_function=_style,
            marker=folium.CircleMarker(radius=7, weight=2, fill=True),
            tooltip=folium.GeoJsonTooltip(fields=fields, labels=False) if fields else None,
        ).add_to(group)
        group.add_to(m)
    if layers:
        folium.LayerControl(collapsed=False).add_to(m)


STANCE_COLOURS = {"support": "#2e7d32", "oppose": "#c62828", "suggest": "#1565c0"}


def add_pin(m: folium.Map, lon: float, lat: float, *, stance: str = "suggest") -> None:
    """One suggestion's place, coloured by stance."""
    colour = STANCE_COLOURS.get(stance, "#555555")
    folium.CircleMarker(
        [lat, lon], radius=9, color="#ffffff", weight=2, fill=True, fill_color=colour,
        fill_opacity=0.95, class_name="suggestion-pin",
    ).add_to(m)  # fmt: skip


def add_case_pins(m: folium.Map, cases: list[dict[str, Any]]) -> None:
    """Staff map of a list of suggestions: dicts with lon, lat, label, url, overdue."""
    for case in cases:
        colour = "#c62828" if case.get("overdue") else "#1d4e89"
        folium.CircleMarker(
            [case["lat"], case["lon"]], radius=7, color="#ffffff", weight=2, fill=True,
            fill_color=colour, fill_opacity=0.9, class_name="case-pin",
            tooltip=folium.Tooltip(_label_html(case["label"])),
        ).add_to(m)  # fmt: skip


CHOROPLETH = ["#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d"]  # ColorBrewer PuBu


def add_choropleth(m: folium.Map, areas: list[dict[str, Any]], values: list[float]) -> None:
    """Areas shaded by value (five classes of equal width), with the value in the tooltip."""
    if not areas:
        return  # folium refuses a tooltip over an empty collection (a city with no areas yet)
    top = max(values) if values else 0
    features = []
    for area, value in zip(areas, values, strict=True):
        level = min(int(value / top * len(CHOROPLETH)), len(CHOROPLETH) - 1) if top else 0
        features.append(
            {
                "type": "Feature",
                "geometry": area["geometry"],
                "properties": {"name": area["name"], "value": value, "fill": CHOROPLETH[level]},
            }
        )
    collection, tips = _with_tooltip_text(
        inert({"type": "FeatureCollection", "features": features}), ["name", "value"]
    )
    folium.GeoJson(
        collection,
        name="choropleth",
        control=False,
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "color": "#1d4e89",
            "weight": 1,
            "fillOpacity": 0.75,
            "className": "choropleth-area",
        },
        tooltip=folium.GeoJsonTooltip(fields=tips, labels=False),
    ).add_to(m)


def add_heat(m: folium.Map, points: list[tuple[float, float]]) -> None:
    """A heatmap of (lon, lat) points (folium's heat plugin, served locally)."""
    from folium.plugins import HeatMap

    if points:
        HeatMap([[lat, lon] for lon, lat in points], radius=18, blur=22).add_to(m)
