"""`flask load-areas`: names the bad feature, never half-loads, is idempotent by adcode."""

import json

import pytest
from sqlalchemy import func, select

from crowdplan.core.models import Area
from crowdplan.extensions import db
from tests.factories import feature_collection, polygon_feature, write_geojson

SQUARE = [(114.0, 29.0), (114.1, 29.0), (114.1, 29.1), (114.0, 29.1), (114.0, 29.0)]
BOWTIE = [(114.0, 29.0), (114.1, 29.1), (114.1, 29.0), (114.0, 29.1), (114.0, 29.0)]


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Area))


def _run(app, path, *args):
    return app.test_cli_runner().invoke(args=["load-areas", str(path), *args])


def _good(n: int = 2) -> dict:
    return feature_collection(
        *[
            polygon_feature([(x + i, y) for x, y in SQUARE], adcode=f"42{i:04d}", name=f"区{i}")
            for i in range(n)
        ]
    )


def test_loads_a_valid_file_and_is_idempotent(app, tmp_path):
    path = write_geojson(tmp_path, _good(3))
    first = _run(app, path)
    assert first.exit_code == 0, first.output
    assert "3 created" in first.output
    again = _run(app, path)
    assert again.exit_code == 0, again.output
    assert "0 created, 0 replaced, 3 unchanged" in again.output
    assert _count(app) == 3


def test_a_changed_outline_closes_the_old_row(app, tmp_path):
    _run(app, write_geojson(tmp_path, _good(1)))
    moved = [(x + 0.01, y) for x, y in SQUARE]
    fc = feature_collection(polygon_feature(moved, adcode="420000", name="区0"))
    result = _run(app, write_geojson(tmp_path, fc, "moved.geojson"))
    assert "1 replaced" in result.output, result.output
    with app.app_context():
        rows = db.session.scalars(select(Area).order_by(Area.id)).all()
        assert [r.valid_to is None for r in rows] == [False, True]
        assert rows[0].valid_to == rows[1].valid_from


BROKEN = {
    "bad_json": ('{"type": "FeatureCollection", "features": [', None),
    "not_utf8": ("名字".encode("gb18030") + b'{"type":"FeatureCollection"}', None),
    "wrong_type": (
        feature_collection(
            polygon_feature(SQUARE, adcode="1", name="a"),
            {
                "type": "Feature",
                "properties": {"adcode": "2", "name": "b"},
                "geometry": {"type": "LineString", "coordinates": [[114, 29], [114.1, 29.1]]},
            },
        ),
        1,
    ),
    "wrong_crs": (
        feature_collection(
            polygon_feature(SQUARE, adcode="1", name="a"), crs="urn:ogc:def:crs:EPSG::3857"
        ),
        None,
    ),
    "self_intersection": (
        feature_collection(
            polygon_feature(SQUARE, adcode="1", name="a"),
            polygon_feature([(x + 1, y) for x, y in SQUARE], adcode="2", name="b"),
            polygon_feature(BOWTIE, adcode="3", name="c"),
        ),
        2,
    ),
    "out_of_range": (
        feature_collection(polygon_feature([(x * 2, y) for x, y in SQUARE], adcode="1", name="a")),
        0,
    ),
    "nan": (
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        '"geometry":{"type":"Polygon","coordinates":[[[NaN,1],[2,2],[3,1],[NaN,1]]]}}]}',
        0,
    ),
    "missing_adcode": (feature_collection(polygon_feature(SQUARE, name="a")), 0),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_file_fails_naming_the_feature_and_loads_nothing(app, tmp_path, case):
    data, index = BROKEN[case]
    _run(app, write_geojson(tmp_path, _good(1), "before.geojson"))
    before = _count(app)
    result = _run(app, write_geojson(tmp_path, data))
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    if index is not None:
        assert f"{index}" in result.output.split(":", 2)[-1], result.output
    assert _count(app) == before


def test_make_valid_repairs_a_self_intersection(app, tmp_path):
    fc = feature_collection(polygon_feature(BOWTIE, adcode="1", name="a"))
    result = _run(app, write_geojson(tmp_path, fc), "--make-valid")
    assert result.exit_code == 0, result.output
    assert _count(app) == 1


def test_a_large_file_reports_progress(app, tmp_path):
    path = write_geojson(tmp_path, _good(40))
    result = _run(app, path)
    assert result.exit_code == 0, result.output
    assert "Loading areas" in result.output
    assert json.loads(path.read_text())["features"][39]["properties"]["adcode"] == "420039"
    assert _count(app) == 40
