"""Check GeoJSON before it reaches SQL: structure, CRS, coordinate ranges, geometry validity.

Errors name the feature (0-based index as in the file) and the reason, with a stable code for
programs and a translated message for people.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import shapely
from flask_babel import gettext as _
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from crowdplan.inputs import json_depth

# Names that mean plain longitude/latitude on WGS84 (GeoJSON's only CRS since RFC 7946).
WGS84_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "EPSG:4326",
    "CRS84",
}
# CGCS2000 (China Geodetic Coordinate System 2000, EPSG:4490), the datum of Chinese survey data
# and of Tianditu: its ellipsoid and frame differ from WGS84 by centimetres, far below what a
# planning map shows, so its longitude/latitude are stored as they are (as SRID 4326).
CGCS2000_NAMES = {"urn:ogc:def:crs:EPSG::4490", "EPSG:4490"}
ACCEPTED_CRS = WGS84_NAMES | CGCS2000_NAMES
POLYGONAL = ("Polygon", "MultiPolygon")
# A MultiPolygon's coordinates are 4 levels inside a feature, 6 inside the file; properties
# may nest a little. Deeper files are refused before json.loads recurses into them.
MAX_DEPTH = 32
# Positions per file: a 150,000-vertex layer kept a worker busy past its timeout (validity
# checks, the database's own checks, the map). Detailed layers are simplified before upload.
MAX_VERTICES = 50_000


class GeoJSONError(ValueError):
    """The file or one feature is unusable; `index` is None for file-level problems."""

    def __init__(self, code: str, message: str, index: int | None = None):
        where = _("feature %(index)s: ", index=index) if index is not None else ""
        super().__init__(where + message)
        self.code = code
        self.index = index


@dataclass(frozen=True)
class CheckedFeature:
    """A feature that passed every check."""

    index: int
    properties: dict[str, Any]
    geometry: BaseGeometry


def parse_feature_collection(
    raw: bytes | str,
    *,
    allowed_types: tuple[str, ...] = POLYGONAL,
    make_valid: bool = False,
    max_bytes: int | None = None,
    max_vertices: int | None = None,
) -> list[CheckedFeature]:
    """Parse and check a FeatureCollection; raise GeoJSONError at the first problem.

    Web uploads pass max_vertices (MAX_VERTICES); the CLI loads trusted boundary files whole.
    """
    data = _load_json(raw, max_bytes)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GeoJSONError(
            "not_feature_collection", _("The file is not a GeoJSON FeatureCollection.")
        )
    _check_crs(data.get("crs"))
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise GeoJSONError("no_features", _("The file contains no features."))
    if max_vertices is not None:
        _check_vertex_count(features, max_vertices)
    return [_check_feature(i, f, allowed_types, make_valid) for i, f in enumerate(features)]


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Promote a Polygon so every area row has the same geometry type."""
    return MultiPolygon([geom]) if isinstance(geom, Polygon) else geom


def _load_json(raw: bytes | str, max_bytes: int | None) -> Any:
    if max_bytes is not None and len(raw) > max_bytes:
        raise GeoJSONError(
            "too_large",
            _("The file is larger than %(mb).1f MB.", mb=max_bytes / 1024 / 1024),
        )
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise GeoJSONError("not_utf8", _("The file is not UTF-8 text.")) from exc
    if json_depth(raw.encode()) > MAX_DEPTH:
        raise GeoJSONError(
            "too_deep", _("The file nests arrays or objects too deeply for GeoJSON.")
        )
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise GeoJSONError(
            "not_json",
            _(
                "The file is not valid JSON (line %(line)s, column %(col)s).",
                line=exc.lineno,
                col=exc.colno,
            ),
        ) from exc


def _check_vertex_count(features: list, limit: int) -> None:
    """Count positions in every feature, stopping as soon as there are more than `limit`."""
    count = 0
    stack = [f.get("geometry", {}).get("coordinates") for f in features if isinstance(f, dict)
             and isinstance(f.get("geometry"), dict)]  # fmt: skip
    while stack:
        item = stack.pop()
        if not isinstance(item, list) or not item:
            continue
        if not isinstance(item[0], list):
            count += 1
            if count > limit:
                raise GeoJSONError(
                    "too_many_vertices",
                    _("The file has more than %(limit)s vertices; please simplify it first.",
                      limit=format(limit, ",")),
                )  # fmt: skip
        else:
            stack.extend(item)


def _check_crs(crs: Any) -> None:
    if crs is None:
        return
    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
    if name not in ACCEPTED_CRS:
        raise GeoJSONError(
            "bad_crs",
            _(
                "Coordinates must be longitude/latitude on WGS84 (EPSG:4326) or CGCS2000 "
                "(EPSG:4490), not %(crs)s; projected data (e.g. a Gauss-Kruger zone) must be "
                "converted first.",
                crs=name,
            ),
        )


def _check_feature(index: int, feature: Any, allowed: tuple[str, ...], make_valid: bool):
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise GeoJSONError("not_feature", _("This is not a GeoJSON Feature."), index)
    geometry = feature.get("geometry")
    gtype = geometry.get("type") if isinstance(geometry, dict) else None
    if gtype not in allowed:
        raise GeoJSONError(
            "bad_geometry_type",
            _(
                "Geometry type %(got)s is not allowed here (allowed: %(allowed)s).",
                got=gtype,
                allowed=", ".join(allowed),
            ),
            index,
        )
    _check_coordinates(index, geometry.get("coordinates"))
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException) as exc:
        raise GeoJSONError("bad_coordinates", _("The coordinates are malformed."), index) from exc
    geom = _ensure_valid(index, geom, make_valid)
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        raise GeoJSONError("bad_properties", _("Properties must be an object."), index)
    return CheckedFeature(index, properties, geom)


def _check_coordinates(index: int, coords: Any) -> None:
    """Walk nested coordinate arrays: numbers only, finite, inside lon/lat ranges."""
    stack = [coords]
    seen = 0
    while stack:
        item = stack.pop()
        if isinstance(item, list) and item and all(_is_number(v) for v in item):
            _check_position(index, item)
            seen += 1
        elif isinstance(item, list) and item:
            stack.extend(item)
        else:
            raise GeoJSONError("bad_coordinates", _("The coordinates are malformed."), index)
    if not seen:
        raise GeoJSONError("bad_coordinates", _("The coordinates are malformed."), index)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_position(index: int, position: list) -> None:
    if len(position) < 2 or not all(math.isfinite(v) for v in position):
        raise GeoJSONError("bad_coordinates", _("The coordinates are malformed."), index)
    lon, lat = position[0], position[1]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise GeoJSONError(
            "out_of_range",
            _(
                "Coordinate (%(lon)s, %(lat)s) is outside longitude -180..180 / latitude -90..90.",
                lon=lon,
                lat=lat,
            ),
            index,
        )


def _ensure_valid(index: int, geom: BaseGeometry, make_valid: bool) -> BaseGeometry:
    if geom.is_empty:
        raise GeoJSONError("empty_geometry", _("The geometry is empty."), index)
    if geom.is_valid:
        return geom
    reason = shapely.is_valid_reason(geom)
    if not make_valid:
        raise GeoJSONError(
            "invalid_geometry", _("The geometry is invalid: %(reason)s.", reason=reason), index
        )
    repaired = shapely.make_valid(geom)
    if geom.geom_type in POLYGONAL:
        polys = [
            g
            for g in getattr(repaired, "geoms", [repaired])
            if isinstance(g, (Polygon, MultiPolygon))
        ]
        repaired = shapely.union_all(polys) if polys else repaired
    if repaired.is_empty or repaired.geom_type not in (geom.geom_type, "MultiPolygon", "Polygon"):
        raise GeoJSONError(
            "invalid_geometry",
            _("The geometry is invalid and cannot be repaired: %(reason)s.", reason=reason),
            index,
        )
    return repaired
