"""The spatial seam on both backends: point in polygon through the spatial index, SRIDs."""

import pytest
from sqlalchemy import select, text

from crowdplan.core import operations
from crowdplan.core.models import Area
from crowdplan.geo import spatial

# One point well inside each county (checked against the outlines), and the city centre.
INSIDE = [
    ((114.32, 29.84), "咸安区"),
    ((113.90, 29.95), "嘉鱼县"),
    ((113.80, 29.25), "通城县"),
    ((114.05, 29.25), "崇阳县"),
    ((114.50, 29.60), "通山县"),
    ((113.93, 29.72), "赤壁市"),
]
OUTSIDE = [(114.30, 30.59), (116.0, 31.0), (0.0, 0.0)]  # Wuhan, Anhui, the Gulf of Guinea


@pytest.mark.parametrize(("point", "county"), INSIDE)
def test_point_lies_in_its_county(demo, db_session, point, county):
    areas = operations.list_areas_at(*point)
    assert [a.name for a in areas] == [county]


@pytest.mark.parametrize("point", OUTSIDE)
def test_point_outside_the_city_lies_in_no_county(demo, db_session, point):
    assert operations.list_areas_at(*point) == []


def test_closed_boundaries_are_not_current(demo, db_session):
    from crowdplan.core.models import utcnow

    area = db_session.scalar(select(Area).where(Area.name == "咸安区"))
    area.valid_to = utcnow()
    db_session.flush()
    assert operations.list_areas_at(114.32, 29.84) == []


def test_point_in_polygon_query_uses_the_spatial_index(demo, db_session, backend):
    query = select(Area.id).where(spatial.contains_point(Area.geom, 114.32, 29.84))
    sql = str(query.compile(db_session.get_bind(), compile_kwargs={"literal_binds": True}))
    if backend == "spatialite":
        plan = db_session.execute(text(f"EXPLAIN QUERY PLAN {sql}")).all()
        details = " ".join(str(row[-1]) for row in plan)
        assert "SpatialIndex" in details, details
    else:
        db_session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(row[0] for row in db_session.execute(text(f"EXPLAIN {sql}")))
        assert "idx_areas_geom" in plan, plan


def test_required_srids_exist(app, db_session):
    assert spatial.missing_srids(db_session) == []


def test_stored_geometries_have_srid_4326(demo, db_session, backend):
    fn = "SRID" if backend == "spatialite" else "ST_SRID"
    srids = set(db_session.execute(text(f"SELECT DISTINCT {fn}(geom) FROM areas")).scalars())
    assert srids == {4326}
