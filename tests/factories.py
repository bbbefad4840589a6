"""Keyword-only factories for test data; they flush, the test commits when it needs to."""

from __future__ import annotations

import json
from pathlib import Path

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box

from crowdplan.auth import operations as accounts
from crowdplan.auth.permissions import Role
from crowdplan.core.models import Area, Department
from crowdplan.extensions import db

DATA = Path(__file__).parent / "data"
PASSWORD = "correct-horse-battery"


def create_department(
    *, code: str = "dept", name: str = "测试科", name_en: str = "Test"
) -> Department:
    """A department."""
    dept = Department(code=code, name=name, name_en=name_en)
    db.session.add(dept)
    db.session.flush()
    return dept


def create_user(
    *,
    email: str = "someone@example.org",
    role: Role = Role.CITIZEN,
    department: Department | None = None,
    password: str = PASSWORD,
    display_name: str = "Someone",
):
    """An account with a known password."""
    return accounts.create_user(
        email=email, password=password, role=role, department=department, display_name=display_name
    )


def create_area(
    *,
    adcode: str = "999999",
    name: str = "测试区",
    bounds=(114.0, 29.0, 114.1, 29.1),
    department=None,
) -> Area:
    """A rectangular area."""
    area = Area(
        adcode=adcode,
        name=name,
        department=department,
        geom=from_shape(MultiPolygon([box(*bounds)]), srid=4326),
    )
    db.session.add(area)
    db.session.flush()
    return area


def feature_collection(*features: dict, crs: str | None = None) -> dict:
    """A FeatureCollection dict, optionally with a named CRS."""
    fc: dict = {"type": "FeatureCollection", "features": list(features)}
    if crs:
        fc["crs"] = {"type": "name", "properties": {"name": crs}}
    return fc


def polygon_feature(coords, **properties) -> dict:
    """A Polygon feature from one ring of (lon, lat) pairs."""
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Polygon", "coordinates": [[list(c) for c in coords]]},
    }


def write_geojson(tmp_path: Path, data, name: str = "areas.geojson") -> Path:
    """Write GeoJSON (a dict, or raw text/bytes for broken files) and return its path."""
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    elif isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def create_topic(*, code: str = "topic", name: str = "测试议题", reply_days: int = 10):
    """A topic."""
    from crowdplan.core.models import Topic

    topic = Topic(code=code, name=name, name_en=code.title(), reply_days=reply_days)
    db.session.add(topic)
    db.session.flush()
    return topic


def create_plan(
    *,
    department: Department,
    title: str = "测试规划",
    opens_at=None,
    closes_at=None,
    results_at=None,
    fingerprint: str = "f" * 64,
):
    """A published plan with one version (public notice and results as given)."""
    from crowdplan.plans.models import Plan, PlanType, PlanVersion

    plan_type = PlanType(code=f"type-{title}", name="控制性详细规划", name_en="Regulatory plan")
    plan = Plan(plan_type=plan_type, department=department)
    version = PlanVersion(
        plan=plan,
        title=title,
        notice_opens_at=opens_at,
        notice_closes_at=closes_at,
        published_at=opens_at,
        results_published_at=results_at,
        fingerprint=fingerprint,
    )
    db.session.add_all([plan_type, plan, version])
    db.session.flush()
    return plan


def create_suggestion(*, topic, lon: float = 114.05, lat: float = 29.05, **fields):
    """A suggestion row exactly as given (no routing, no workflow): for counting tests."""
    from shapely.geometry import Point

    from crowdplan.suggestions.models import Suggestion

    fields.setdefault("stance", "suggest")
    fields.setdefault("text", "测试意见")
    s = Suggestion(topic_id=topic.id, point=from_shape(Point(lon, lat), srid=4326), **fields)
    db.session.add(s)
    db.session.flush()
    return s
