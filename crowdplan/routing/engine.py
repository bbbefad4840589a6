"""Decide the responsible department for a point, a topic and a plan, and say why.

Rules are rows (routing_rules); nothing here knows a topic or a county by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import defer

from crowdplan.core.models import Area, Department
from crowdplan.extensions import db
from crowdplan.geo import spatial
from crowdplan.routing.models import RoutingRule

DEFAULT_BOUNDARY_M = 200.0


@dataclass
class Route:
    """Where a suggestion goes and the explanation stored with it."""

    department: Department
    rule: RoutingRule | None
    area: Area | None
    boundary_m: float | None
    flags: list[str] = field(default_factory=list)

    @property
    def needs_check(self) -> bool:
        """A human should confirm this routing."""
        return bool(self.flags)


def containing_areas(lon: float, lat: float) -> list[tuple[Area, float]]:
    """Current areas containing the point, with the point's distance to each outline, smallest
    area first (a development zone before the district around it)."""
    here = spatial.point(lon, lat)
    query = (
        select(Area, spatial.boundary_distance_m(Area.geom, here))
        .options(defer(Area.geom))  # outlines are large; the database measures them
        .where(Area.valid_to.is_(None), spatial.contains_point(Area.geom, lon, lat))
        .order_by(func.ST_Area(Area.geom), Area.adcode)
    )
    return [(area, float(distance)) for area, distance in db.session.execute(query)]


def active_rules() -> list[RoutingRule]:
    """Active rules, first match first."""
    query = select(RoutingRule).where(RoutingRule.is_active.is_(True))
    return list(db.session.scalars(query.order_by(RoutingRule.priority, RoutingRule.id)))


def fallback_department() -> Department:
    """The department that takes what no rule matches."""
    dept = db.session.scalar(select(Department).where(Department.is_fallback.is_(True)))
    if dept is None:
        raise RuntimeError("No fallback department: mark one with is_fallback (seed-demo does).")
    return dept


def route(lon: float, lat: float, *, topic_id: int, plan_id: int | None = None) -> Route:
    """The first matching active rule's department, else the fallback; flags for humans."""
    found = containing_areas(lon, lat)
    adcodes = {area.adcode for area, _distance in found}
    threshold = current_app.config.get("ROUTING_BOUNDARY_M", DEFAULT_BOUNDARY_M)
    flags = []
    if not found:
        flags.append("no_area")
    if len(found) > 1:
        flags.append("several_areas")
    for rule in active_rules():
        if _matches(rule, topic_id, plan_id, adcodes):
            area, distance = _explaining_area(rule, found)
            if distance is not None and distance < threshold:
                flags.append("near_boundary")
            return Route(rule.department, rule, area, distance, flags)
    area, distance = found[0] if found else (None, None)
    if distance is not None and distance < threshold:
        flags.append("near_boundary")
    return Route(fallback_department(), None, area, distance, flags)


def _matches(rule: RoutingRule, topic_id: int, plan_id: int | None, adcodes: set[str]) -> bool:
    return (
        (rule.topic_id is None or rule.topic_id == topic_id)
        and (rule.plan_id is None or rule.plan_id == plan_id)
        and (rule.area_adcode is None or rule.area_adcode in adcodes)
    )


def _explaining_area(rule: RoutingRule, found: list[tuple[Area, float]]):
    """The area the rule matched on, or the most specific one the point lies in."""
    for area, distance in found:
        if rule.area_adcode is None or area.adcode == rule.area_adcode:
            return area, distance
    return None, None
