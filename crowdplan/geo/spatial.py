"""The only module that speaks SpatiaLite or PostGIS.

Callers build queries from the expressions here and never write ST_* SQL themselves, so the
same query runs on the embedded default (SQLite + SpatiaLite) and on PostgreSQL + PostGIS.
"""

from __future__ import annotations

import math
import sqlite3

from geoalchemy2.admin.dialects.sqlite import init_spatialite
from sqlalchemy import Integer, and_, cast, event, func, literal, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Float, NullType

SRID = 4326
SPATIALITE_MODULE = "mod_spatialite"
# SRIDs the platform needs: storage (4326), web maps (3857), China's CGCS2000 (4490).
REQUIRED_SRIDS = (4326, 3857, 4490)


class SpatialiteUnavailable(RuntimeError):
    """SQLite cannot load SpatiaLite; the message says how to fix it."""


def load_spatialite(dbapi_conn) -> None:
    """Load the SpatiaLite module into one raw sqlite3 connection, or explain why not."""
    if not hasattr(dbapi_conn, "enable_load_extension"):
        raise SpatialiteUnavailable(
            "This Python's sqlite3 cannot load extensions. Build the virtualenv from Debian's "
            "/usr/bin/python3 (make run does this) or install pysqlite3-binary."
        )
    try:
        dbapi_conn.enable_load_extension(True)
        dbapi_conn.load_extension(SPATIALITE_MODULE)
        dbapi_conn.enable_load_extension(False)
    except sqlite3.OperationalError as exc:
        raise SpatialiteUnavailable(
            f"SpatiaLite could not be loaded ({exc}). Install it: "
            "apt-get install libsqlite3-mod-spatialite"
        ) from exc


def configure_engine(engine: Engine, *, busy_timeout_ms: int = 15000) -> None:
    """Prepare an engine for spatial work; on SQLite load SpatiaLite, WAL and explicit BEGIN."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        load_spatialite(dbapi_conn)
        # Driver-level transactions off: SQLAlchemy emits BEGIN itself (see _on_begin).
        dbapi_conn.isolation_level = None
        dbapi_conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        dbapi_conn.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            dbapi_conn.execute("PRAGMA journal_mode = WAL")
            # WAL + NORMAL can lose the last commits on power loss; acknowledged writes must stay.
            dbapi_conn.execute("PRAGMA synchronous = FULL")
        # One transaction: ~0.1 s instead of ~14 s; full mode includes EPSG 3857 and 4490.
        init_spatialite(dbapi_conn, transaction=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get("crowdplan_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_immediate(session: Session) -> None:
    """Start the session's transaction as a writer; see crowdplan.transactions.begin_write."""
    from crowdplan.transactions import begin_write

    begin_write(session)


def advisory_lock(session: Session, key: int) -> None:
    """Serialise a critical section until the transaction ends (PostgreSQL advisory lock).

    No statement on SQLite: its single writer lock, taken by the caller's first write,
    already serialises writers.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def backend_name(bind) -> str:
    """'spatialite' or 'postgis', for health checks and logs."""
    return "spatialite" if bind.dialect.name == "sqlite" else "postgis"


def spatial_version(session: Session) -> str:
    """The spatial extension's version string."""
    if backend_name(session.get_bind()) == "spatialite":
        return session.execute(text("SELECT spatialite_version()")).scalar_one()
    return session.execute(text("SELECT postgis_lib_version()")).scalar_one()


def missing_srids(session: Session) -> list[int]:
    """Required SRIDs that spatial_ref_sys lacks (empty when all are there)."""
    rows = session.execute(
        text("SELECT srid FROM spatial_ref_sys WHERE srid IN (4326, 3857, 4490)")
    ).scalars()
    return sorted(set(REQUIRED_SRIDS) - set(rows))


# -- expressions ------------------------------------------------------------------------------


class point(ColumnElement):
    """A WGS84 point from longitude and latitude, as a geometry with SRID 4326."""

    inherit_cache = True
    # Declared so SQLAlchemy can cache the compiled SQL (values become bind parameters).
    _traverse_internals = [
        ("lon", InternalTraversal.dp_clauseelement),
        ("lat", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, lon: float, lat: float):
        self.lon = literal(float(lon), Float)
        self.lat = literal(float(lat), Float)


@compiles(point)
def _point_postgis(element, compiler, **kw):
    lon, lat = compiler.process(element.lon, **kw), compiler.process(element.lat, **kw)
    return f"ST_SetSRID(ST_MakePoint({lon}, {lat}), {SRID})"


@compiles(point, "sqlite")
def _point_spatialite(element, compiler, **kw):
    lon, lat = compiler.process(element.lon, **kw), compiler.process(element.lat, **kw)
    return f"MakePoint({lon}, {lat}, {SRID})"


class intersects(ColumnElement):
    """`column` intersects `geom`, answered through the spatial index on both backends.

    PostGIS uses the GiST index by itself. SpatiaLite never consults its R*Tree unless the query
    asks the SpatialIndex virtual table for candidate rowids, so this adds that sub-select.
    With exact=False only bounding boxes are compared: exact for points in a box, and faster.
    """

    inherit_cache = True
    # Not Boolean: SQLite would render "(...) = 1", which hides the rowid lookup from its
    # planner and makes it scan another index instead (measured: 28 ms -> 1.3 ms at 100k).
    type = NullType()
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("geom", InternalTraversal.dp_clauseelement),
        ("exact", InternalTraversal.dp_boolean),
    ]

    def __init__(self, column, geom, *, exact: bool = True):
        self.column = column
        self.geom = geom
        self.exact = exact


@compiles(intersects)
def _intersects_postgis(element, compiler, **kw):
    column, geom = compiler.process(element.column, **kw), compiler.process(element.geom, **kw)
    if not element.exact:
        return f"({column} && {geom})"
    return f"ST_Intersects({column}, {geom})"


@compiles(intersects, "sqlite")
def _intersects_spatialite(element, compiler, **kw):
    table, name = element.column.table, element.column.name
    column, geom = compiler.process(element.column, **kw), compiler.process(element.geom, **kw)
    rowid = compiler.process(table.c.id, **kw) if "id" in table.c else f"{table.name}.rowid"
    candidates = (
        "SELECT rowid FROM SpatialIndex WHERE "
        f"f_table_name = '{table.name}' AND f_geometry_column = '{name}' AND search_frame = {geom}"
    )
    if not element.exact:
        return f"({rowid} IN ({candidates}))"
    return f"({rowid} IN ({candidates}) AND ST_Intersects({column}, {geom}) = 1)"


def contains_point(column, lon: float, lat: float) -> ColumnElement:
    """`column` (a polygon column) contains the WGS84 point, through the spatial index."""
    return intersects(column, point(lon, lat))


class envelope(ColumnElement):
    """The rectangle (min_lon, min_lat, max_lon, max_lat) as a geometry with SRID 4326."""

    inherit_cache = True
    _traverse_internals = [("corners", InternalTraversal.dp_clauseelement_list)]

    def __init__(self, min_lon: float, min_lat: float, max_lon: float, max_lat: float):
        self.corners = [literal(float(v), Float) for v in (min_lon, min_lat, max_lon, max_lat)]


@compiles(envelope)
def _envelope_postgis(element, compiler, **kw):
    corners = ", ".join(compiler.process(c, **kw) for c in element.corners)
    return f"ST_MakeEnvelope({corners}, {SRID})"


@compiles(envelope, "sqlite")
def _envelope_spatialite(element, compiler, **kw):
    corners = ", ".join(compiler.process(c, **kw) for c in element.corners)
    return f"BuildMbr({corners}, {SRID})"


class distance_m(ColumnElement):
    """Distance in metres between two WGS84 geometries (on the sphere / ellipsoid)."""

    inherit_cache = True
    type = Float()
    _traverse_internals = [
        ("a", InternalTraversal.dp_clauseelement),
        ("b", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, a, b):
        self.a, self.b = a, b


@compiles(distance_m)
def _distance_postgis(element, compiler, **kw):
    a, b = compiler.process(element.a, **kw), compiler.process(element.b, **kw)
    return f"ST_DistanceSphere({a}, {b})"


@compiles(distance_m, "sqlite")
def _distance_spatialite(element, compiler, **kw):
    a, b = compiler.process(element.a, **kw), compiler.process(element.b, **kw)
    return f"ST_Distance({a}, {b}, 1)"


def lon_of(column) -> ColumnElement:
    """Longitude of a point column."""
    return func.ST_X(column)


def lat_of(column) -> ColumnElement:
    """Latitude of a point column."""
    return func.ST_Y(column)


def box_around(lon: float, lat: float, metres: float) -> tuple[float, float, float, float]:
    """A lon/lat rectangle that contains the circle of `metres` around the point."""
    dlat = metres / 111_320
    dlon = metres / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def within_m(column, lon: float, lat: float, metres: float) -> ColumnElement:
    """`column` lies within `metres` of the point: spatial-index box first, then exact distance."""
    return and_(
        intersects(column, envelope(*box_around(lon, lat, metres))),
        distance_m(column, point(lon, lat)) <= metres,
    )


def grid_cell(column, cell_degrees: float) -> tuple[ColumnElement, ColumnElement]:
    """Integer grid cell (column, row) of a point for clustering; shifted so truncation floors."""
    size = literal(float(cell_degrees), Float)
    col = cast((lon_of(column) + 180.0) / size, Integer)
    row = cast((lat_of(column) + 90.0) / size, Integer)
    return col, row


class boundary_distance_m(ColumnElement):
    """Distance in metres from a point to the boundary (outline) of a polygon column."""

    inherit_cache = True
    type = Float()
    _traverse_internals = [
        ("polygon", InternalTraversal.dp_clauseelement),
        ("geom", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, polygon, geom):
        self.polygon, self.geom = polygon, geom


@compiles(boundary_distance_m)
def _boundary_distance_postgis(element, compiler, **kw):
    poly, geom = compiler.process(element.polygon, **kw), compiler.process(element.geom, **kw)
    return f"ST_DistanceSphere(ST_Boundary({poly}), {geom})"


@compiles(boundary_distance_m, "sqlite")
def _boundary_distance_spatialite(element, compiler, **kw):
    poly, geom = compiler.process(element.polygon, **kw), compiler.process(element.geom, **kw)
    return f"ST_Distance(ST_Boundary({poly}), {geom}, 1)"
