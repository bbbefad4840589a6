"""Reads and writes of reference data: areas, departments, topics."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import mapping
from sqlalchemy import select

from crowdplan.core.models import Area, Department, Topic, utcnow
from crowdplan.extensions import db
from crowdplan.geo import spatial
from crowdplan.geo.validate import CheckedFeature, as_multipolygon


def list_current_areas() -> list[Area]:
    """Areas whose boundary is in force now, by adcode."""
    return list(
        db.session.scalars(select(Area).where(Area.valid_to.is_(None)).order_by(Area.adcode))
    )


def list_areas_at(lon: float, lat: float) -> list[Area]:
    """Current areas containing the point (through the spatial index)."""
    query = (
        select(Area)
        .where(Area.valid_to.is_(None), spatial.contains_point(Area.geom, lon, lat))
        .order_by(Area.adcode)
    )
    return list(db.session.scalars(query))


def list_departments() -> list[Department]:
    """All departments by code."""
    return list(db.session.scalars(select(Department).order_by(Department.code)))


def get_department_by_code(code: str) -> Department | None:
    """The department with this code, or None."""
    return db.session.scalar(select(Department).where(Department.code == code))


def list_topics(active_only: bool = True) -> list[Topic]:
    """Topics in display order."""
    query = select(Topic).order_by(Topic.sort_order, Topic.code)
    if active_only:
        query = query.where(Topic.is_active.is_(True))
    return list(db.session.scalars(query))


def areas_for_map(areas: Iterable[Area], *, tolerance: float = 0.0005) -> list[dict]:
    """Plain dicts for geo.maps: localised name, simplified GeoJSON geometry, label point."""
    result = []
    for area in areas:
        shape = to_shape(area.geom)
        # ~50 m simplification keeps outlines crisp at city zoom and the page small.
        simple = shape.simplify(tolerance, preserve_topology=True)
        point = shape.representative_point()
        result.append(
            {"name": area.label, "geometry": mapping(simple), "label_point": (point.x, point.y)}
        )
    return result


def bounds_of(areas: Iterable[Area]) -> tuple[float, float, float, float] | None:
    """(min_lon, min_lat, max_lon, max_lat) around the areas, or None when there are none."""
    boxes = [to_shape(a.geom).bounds for a in areas]
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


@dataclass
class LoadReport:
    """What load_areas did, for the CLI to print."""

    created: int = 0
    replaced: int = 0
    unchanged: int = 0


def load_areas(
    features: list[CheckedFeature],
    *,
    department_for: Callable[[dict], Department | None] = lambda _p: None,
    progress: Callable[[int], None] = lambda _n: None,
) -> LoadReport:
    """Upsert areas by adcode; a changed outline closes the old row (valid_to) and adds a new one.

    Flushes only: the caller commits once, so a failure leaves nothing half-loaded.
    """
    spatial.begin_immediate(db.session)
    report = LoadReport()
    now = utcnow()
    for feature in features:
        props = feature.properties
        adcode = str(props["adcode"])
        geom = as_multipolygon(feature.geometry)
        current = db.session.scalar(
            select(Area).where(Area.adcode == adcode, Area.valid_to.is_(None))
        )
        if current is not None and to_shape(current.geom).equals_exact(geom, 1e-9):
            _update_attributes(current, props, department_for)
            report.unchanged += 1
        else:
            if current is not None:
                current.valid_to = now
                report.replaced += 1
            else:
                report.created += 1
            area = Area(adcode=adcode, valid_from=now, geom=from_shape(geom, srid=spatial.SRID))
            _update_attributes(area, props, department_for)
            db.session.add(area)
        progress(1)
    db.session.flush()
    return report


def _update_attributes(area: Area, props: dict, department_for) -> None:
    area.name = str(props.get("name") or props["adcode"])
    area.name_en = props.get("name_en") or area.name_en
    area.kind = props.get("kind") or area.kind or "county"
    if props.get("population") is not None:
        area.population = int(props["population"])
    department = department_for(props)
    if department is not None:
        area.department = department
