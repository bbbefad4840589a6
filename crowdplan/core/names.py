"""Names of reference rows for pages: areas are stored by adcode, rules and events by id."""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import select

from crowdplan.core.models import Area, Department, Topic
from crowdplan.extensions import db


def _cached(key: str, load) -> dict:
    # One query per kind per request: a page of 50 rows asks for the same few names again.
    if not has_request_context():
        return load()
    cache = g.setdefault("_reference_names", {})
    if key not in cache:
        cache[key] = load()
    return cache[key]


def current_areas_by_adcode() -> dict[str, Area]:
    """Current area rows by adcode (a changed boundary keeps its adcode)."""
    return _cached(
        "areas",
        lambda: {
            a.adcode: a for a in db.session.scalars(select(Area).where(Area.valid_to.is_(None)))
        },
    )


def area_label(adcode: str | None) -> str:
    """The area's name in the page's language; the code itself when no current area has it."""
    if not adcode:
        return ""
    area = current_areas_by_adcode().get(adcode)
    return area.label if area is not None else adcode


def department_label(department_id: int | str | None) -> str:
    """A department's name by id ('#id' when it no longer exists)."""
    if department_id in (None, ""):
        return ""
    departments = _cached(
        "departments", lambda: {d.id: d for d in db.session.scalars(select(Department))}
    )
    try:
        found = departments.get(int(department_id))
    except (TypeError, ValueError):
        return str(department_id)
    return found.label if found is not None else f"#{department_id}"


def topic_label(topic_id: int | None) -> str:
    """A topic's name by id ('#id' when it no longer exists)."""
    if topic_id is None:
        return ""
    topic = _cached("topics", lambda: {t.id: t for t in db.session.scalars(select(Topic))}).get(
        topic_id
    )
    return topic.label if topic is not None else f"#{topic_id}"
