"""GeoJSON checks on their own: codes and feature indexes for each kind of problem."""

import json

import pytest
from shapely.geometry import MultiPolygon

from crowdplan.geo.validate import GeoJSONError, as_multipolygon, parse_feature_collection
from tests.factories import feature_collection, polygon_feature

SQUARE = [(114.0, 29.0), (114.1, 29.0), (114.1, 29.1), (114.0, 29.1), (114.0, 29.0)]


@pytest.fixture(autouse=True)
def _app_context():
    from config import TestingConfig
    from crowdplan import create_app

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    with app.test_request_context():
        yield


def _raises(raw, code, index=None, **kw):
    with pytest.raises(GeoJSONError) as info:
        parse_feature_collection(raw, **kw)
    assert info.value.code == code
    assert info.value.index == index
    return info.value


def test_valid_collection_with_crs84_name():
    fc = feature_collection(polygon_feature(SQUARE, a=1), crs="urn:ogc:def:crs:OGC:1.3:CRS84")
    [feature] = parse_feature_collection(json.dumps(fc))
    assert feature.properties == {"a": 1}
    assert isinstance(as_multipolygon(feature.geometry), MultiPolygon)


@pytest.mark.parametrize("name", ["urn:ogc:def:crs:EPSG::4490", "EPSG:4490"])
def test_cgcs2000_is_accepted_as_wgs84(name):
    fc = feature_collection(polygon_feature(SQUARE, a=1), crs=name)
    [feature] = parse_feature_collection(json.dumps(fc))
    assert feature.geometry.equals(as_multipolygon(feature.geometry).geoms[0])
    assert list(feature.geometry.exterior.coords) == SQUARE  # no shift: same at map scale
    # A projected CGCS2000 zone (3-degree Gauss-Kruger, CM 114E) is still refused.
    error = _raises(
        json.dumps(feature_collection(polygon_feature(SQUARE), crs="EPSG:4547")), "bad_crs"
    )
    assert "EPSG:4490" in str(error)


def test_file_level_errors():
    _raises(b"\xff\xfe\x00", "not_utf8")
    _raises("{", "not_json")
    _raises("[]", "not_feature_collection")
    _raises(json.dumps(feature_collection()), "no_features")
    _raises(json.dumps(feature_collection(polygon_feature(SQUARE), crs="EPSG:3857")), "bad_crs")
    _raises(b"x" * 20, "too_large", max_bytes=10)


def test_feature_level_errors_name_the_index():
    ok = polygon_feature(SQUARE)
    point = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Point", "coordinates": [1, 2]},
    }
    _raises(json.dumps(feature_collection(ok, point)), "bad_geometry_type", 1)
    _raises(json.dumps(feature_collection(ok, ok, {"type": "Nope"})), "not_feature", 2)
    far = polygon_feature([(x, y + 80) for x, y in SQUARE])
    _raises(json.dumps(feature_collection(far)), "out_of_range", 0)
    text = json.dumps(feature_collection(ok, polygon_feature([("a", 1), (2, 2), (3, 1)])))
    _raises(text, "bad_coordinates", 1)
    inf = json.dumps(feature_collection(polygon_feature([(1e400, 1), (2, 2), (3, 1), (1e400, 1)])))
    _raises(inf, "bad_coordinates", 0)
    short = polygon_feature([(114, 29), (114.1, 29), (114, 29)])
    _raises(json.dumps(feature_collection(short)), "invalid_geometry", 0)


def test_invalid_geometry_reason_and_repair():
    bowtie = [(114.0, 29.0), (114.1, 29.1), (114.1, 29.0), (114.0, 29.1), (114.0, 29.0)]
    fc = json.dumps(feature_collection(polygon_feature(bowtie)))
    error = _raises(fc, "invalid_geometry", 0)
    assert "Self-intersection" in str(error)
    [repaired] = parse_feature_collection(fc, make_valid=True)
    assert repaired.geometry.is_valid
    assert repaired.geometry.area == pytest.approx(0.005, rel=1e-6)
