"""GCJ-02 and BD-09 coordinates: converted to WGS84 against published pairs, and stored as WGS84
when the JSON API or Open311 POST declares them."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select

from crowdplan.extensions import db
from crowdplan.geo.coords import UnknownCoordSystem, from_wgs84, to_wgs84
from crowdplan.geo.spatial import lat_of, lon_of
from crowdplan.suggestions.models import Suggestion
from tests.api_helpers import count_suggestions, make_key
from tests.suggest_helpers import CITY_CENTRE
from tests.test_open311 import post_request

# (lon, lat) pairs published with the algorithm's implementations: WGS84 -> GCJ-02 from
# eviltransform's test fixtures (Shanghai, Shenzhen, Beijing) and from Amap's own coordinate
# conversion API example (coordsys=gps); BD-09 -> GCJ-02 from coordtransform's README.
WGS_GCJ = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
    ((116.481499, 39.990475), (116.487585177952, 39.991754014757)),
]
BD_GCJ = [((116.404, 39.915), (116.39762729119315, 39.90865673957631))]
TOLERANCE_M = 3.0


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance between two (lon, lat) points, haversine, metres."""
    (lon1, lat1), (lon2, lat2) = map(lambda p: (math.radians(p[0]), math.radians(p[1])), (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def test_gcj02_and_bd09_published_pairs_and_round_trips():
    for wgs, gcj in WGS_GCJ:
        assert metres(to_wgs84(*gcj, "gcj02"), wgs) < TOLERANCE_M
        assert metres(from_wgs84(*wgs, "gcj02"), gcj) < TOLERANCE_M
    for bd, gcj in BD_GCJ:
        # BD-09 is GCJ-02 rotated again: its WGS84 is the GCJ-02 pair's WGS84.
        assert metres(to_wgs84(*bd, "bd09"), to_wgs84(*gcj, "gcj02")) < TOLERANCE_M
    for system in ("gcj02", "bd09"):
        here = CITY_CENTRE
        shifted = from_wgs84(*here, system)
        assert 100 < metres(shifted, here) < 1500  # the shift is real, a few hundred metres
        assert metres(to_wgs84(*shifted, system), here) < 0.01


def test_wgs84_is_the_default_and_unknown_systems_are_refused():
    assert to_wgs84(114.3, 29.8, None) == (114.3, 29.8)
    assert to_wgs84(114.3, 29.8, "WGS84") == to_wgs84(114.3, 29.8, "cgcs2000") == (114.3, 29.8)
    assert to_wgs84(2.35, 48.85, "gcj02") == (2.35, 48.85)  # no shift outside China
    with pytest.raises(UnknownCoordSystem):
        to_wgs84(114.3, 29.8, "epsg:3857")


def _stored_point(app, suggestion_id: int) -> tuple[float, float]:
    """The point as the database holds it (SRID 4326), read back with ST_X/ST_Y."""
    with app.app_context():
        query = select(
            lon_of(Suggestion.point), lat_of(Suggestion.point), func.ST_SRID(Suggestion.point)
        )
        lon, lat, srid = db.session.execute(query.where(Suggestion.id == suggestion_id)).one()
        assert srid == 4326
        return lon, lat


def test_api_post_converts_gcj02_and_bd09_and_refuses_others(demo, client):
    key = {"X-API-Key": make_key(demo, "submit")}
    body = {
        "topic": "parking",
        "stance": "suggest",
        "text": "人民广场周边晚上停车难，建议增加车位。",
    }
    for system in ("gcj02", "bd09"):
        lon, lat = from_wgs84(*CITY_CENTRE, system)
        sent = {**body, "lon": lon, "lat": lat, "coord_system": system}
        with client.post("/api/v1/suggestions", json=sent, headers=key) as r:
            assert r.status_code == 201, r.get_data(as_text=True)
            assert metres((r.json["lon"], r.json["lat"]), CITY_CENTRE) < 1
            assert metres(_stored_point(demo, r.json["id"]), CITY_CENTRE) < 1
    before = count_suggestions(demo)
    sent = {**body, "lon": CITY_CENTRE[0], "lat": CITY_CENTRE[1], "coord_system": "mars"}
    with client.post("/api/v1/suggestions", json=sent, headers=key) as r:
        assert r.status_code == 400 and r.json["error"]["code"] == "bad_coord_system"
        assert "gcj02" in r.json["error"]["message"]
    assert count_suggestions(demo) == before


def test_open311_post_converts_gcj02_and_refuses_unknown_systems(demo, client):
    key = make_key(demo, "submit")
    lon, lat = from_wgs84(*CITY_CENTRE, "gcj02")
    with post_request(client, key, lat=str(lat), long=str(lon), coord_system="gcj02") as r:
        assert r.status_code == 201, r.get_data(as_text=True)
        request_id = int(r.json[0]["service_request_id"])
    assert metres(_stored_point(demo, request_id), CITY_CENTRE) < 1
    before = count_suggestions(demo)
    with post_request(client, key, coord_system="baidu") as r:
        assert r.status_code == 400 and "bd09" in r.json[0]["description"]
    assert count_suggestions(demo) == before
