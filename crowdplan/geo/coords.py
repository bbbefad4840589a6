"""Coordinates from Chinese map services, brought to WGS84 before anything stores them.

Amap (高德), Tencent and WeChat give GCJ-02 ("Mars coordinates"), Baidu gives BD-09: both are
WGS84 shifted by a published but deliberately irregular offset of a few hundred metres. Stored
points are always WGS84 (CGCS2000, EPSG:4490, is the same at map scale and needs no change).
The conversion is prcoords' (public domain), iterated to about a millimetre.
"""

from __future__ import annotations

import prcoords

WGS84 = "wgs84"
# What an API client may declare; cgcs2000 is accepted as WGS84 (they differ by centimetres).
COORD_SYSTEMS = ("wgs84", "cgcs2000", "gcj02", "bd09")


class UnknownCoordSystem(ValueError):
    """A coord_system that is none of COORD_SYSTEMS."""


def to_wgs84(lon: float, lat: float, system: str | None) -> tuple[float, float]:
    """(lon, lat) in `system` (default WGS84) as WGS84 (lon, lat)."""
    system = (system or WGS84).strip().lower()
    if system not in COORD_SYSTEMS:
        raise UnknownCoordSystem(system)
    if system == "bd09":
        # Baidu adds its own rotation on top of GCJ-02, everywhere it draws.
        lat, lon = prcoords.bd_gcj_bored((lat, lon))
        system = "gcj02"
    if system == "gcj02" and _in_china(lat, lon):
        # Outside China the services give plain WGS84; prcoords would only warn and pass it on.
        lat, lon = prcoords.gcj_wgs_bored((lat, lon), False)
    return float(lon), float(lat)


def from_wgs84(lon: float, lat: float, system: str) -> tuple[float, float]:
    """The inverse of to_wgs84 (for tests and for showing a point on a GCJ-02 map)."""
    if system in ("gcj02", "bd09") and _in_china(lat, lon):
        lat, lon = prcoords.wgs_gcj((lat, lon), False)
    if system == "bd09":
        lat, lon = prcoords.gcj_bd((lat, lon))
    return float(lon), float(lat)


def _in_china(lat: float, lon: float) -> bool:
    return prcoords.sanity_in_china_p(prcoords.Coords(lat, lon))
