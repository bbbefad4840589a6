"""Open311 reads and the trusted-channel submission, in GeoReport v2 terms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from crowdplan import dates
from crowdplan.core.models import Topic, utcnow
from crowdplan.core.operations import list_topics
from crowdplan.extensions import db
from crowdplan.inputs import MAX_YEAR, MIN_YEAR, ascii_int
from crowdplan.open311.render import Open311Error, w3c
from crowdplan.plans.models import Plan, PlanVersion
from crowdplan.plans.queries import PlanFilters, list_public_plans
from crowdplan.suggestions.models import Stance, Suggestion, Visibility
from crowdplan.suggestions.public import public_view
from crowdplan.suggestions.queries import lonlat
from crowdplan.triage.workflow import FINAL

MAX_DESCRIPTION = 4000  # the GeoReport v2 limit
MAX_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
HTML = re.compile(r"<\s*[a-zA-Z!/?]")


def get_service(code: str) -> Topic:
    """The active topic behind a service code; 404 when unknown."""
    topic = db.session.scalar(select(Topic).where(Topic.code == code, Topic.is_active.is_(True)))
    if topic is None:
        raise Open311Error(404, _("Unknown service_code: %(code)s", code=code[:40]))
    return topic


def service(topic: Topic) -> dict:
    """A topic as an Open311 service; every service has attributes (stance, plan)."""
    return {
        "service_code": topic.code,
        "service_name": topic.label,
        "description": topic.description or topic.label,
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(dict.fromkeys(filter(None, (topic.name, topic.name_en)))),
        "group": _("Planning suggestions"),
    }


def list_services() -> list[dict]:
    """All active topics as services."""
    return [service(t) for t in list_topics()]


def service_definition(topic: Topic) -> dict:
    """The attributes a request of this service may carry: stance, and the plan it is about."""
    open_plans = list_public_plans(PlanFilters(stage="notice"), page=1, per_page=100).items
    stance_names = {"support": _("Support"), "oppose": _("Oppose"), "suggest": _("Suggest")}
    return {
        "service_code": topic.code,
        "attributes": [
            _attribute(
                "stance", 1, _("Your stance"), [(s.value, stance_names[s.value]) for s in Stance]
            ),
            _attribute(
                "plan",
                2,
                _("The plan in public notice this is about (optional)"),
                [(str(v.plan_id), v.title) for v in open_plans],
            ),
        ],
    }


def _attribute(code: str, order: int, description: str, values) -> dict:
    return {
        "variable": True,
        "code": code,
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": None,
        "order": order,
        "description": description,
        "values": [{"key": key, "name": name} for key, name in values],
    }


def open311_status(s: Suggestion) -> str:
    """open or closed: closed once the case is finished (办结, not accepted, merged)."""
    return "closed" if s.status in FINAL else "open"


def request_dict(s: Suggestion) -> dict:
    """A public suggestion as a GeoReport v2 request, plus plan and decision extensions."""
    lon, lat = lonlat(s)
    plan = db.session.get(Plan, s.plan_id) if s.plan_id else None
    # The version the opinion was made on: a later version has its own window.
    version = db.session.get(PlanVersion, s.plan_version_id) if s.plan_version_id else None
    version = version or (plan.public_version if plan else None)
    updated = max(t for t in (s.created_at, s.routed_at, s.replied_at, s.closed_at) if t)
    photo = s.photos[0].name if s.photos else None
    words = public_view(s)
    return {
        "service_request_id": str(s.id),
        "status": open311_status(s),
        "status_notes": words.reply,
        "service_name": s.topic.label,
        "service_code": s.topic.code,
        "description": words.text,
        "agency_responsible": s.department.label if s.department else None,
        "service_notice": service_notice(s),
        "requested_datetime": w3c(s.created_at),
        "updated_datetime": w3c(updated),
        "expected_datetime": w3c(_end_of_last_day(s.reply_due_at)),
        "address": words.place_label or _area_name(s),
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": url_for("suggestions.photo", name=photo, _external=True) if photo else None,
        "plan_id": s.plan_id,
        "plan_title": version.title if version else None,
        "notice_start_datetime": w3c(version.notice_opens_at) if version else None,
        "notice_end_datetime": w3c(_end_of_last_day(version.closes_at())) if version else None,
        "decision": s.decision,
        "decision_reason": words.decision_reason,
    }


def _area_name(s: Suggestion) -> str | None:
    from crowdplan.core.models import Area

    if not s.routing_area_adcode:
        return None
    area = db.session.scalar(
        select(Area).where(Area.adcode == s.routing_area_adcode, Area.valid_to.is_(None))
    )
    return area.label if area else None


def _end_of_last_day(end_exclusive: datetime | None) -> datetime | None:
    # Stored ends are the midnight after the last day; callers read 23:59:59 of the last day
    # (with the bureau's offset), which is that day in any time zone they convert it to.
    day = dates.last_day(end_exclusive)
    return dates.end_of_day_local(day) if day else None


def service_notice(s: Suggestion) -> str | None:
    """Who answers and by when (the reply deadline's last day in the bureau's calendar)."""
    if s.department is None or s.reply_due_at is None:
        return None
    return _(
        "%(department)s will reply by %(date)s.",
        department=s.department.label,
        date=format_date(dates.last_day(s.reply_due_at), "long"),
    )


@dataclass
class RequestQuery:
    """GET requests parameters, checked."""

    ids: list[int] | None
    topic_ids: list[int] | None
    start: datetime
    end: datetime
    statuses: set[str]


def _parse_datetime(raw: str, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise Open311Error(400, _("%(name)s is not a W3C date-time.", name=name)) from None
    if value.tzinfo is None:  # the spec asks for an offset; read a bare time as the bureau's
        value = value.replace(tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    # 9999-12-31 or 0001-01-01 would overflow the 90-day window arithmetic below (a 500).
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise Open311Error(
            400, _("%(name)s must be between %(low)s and %(high)s.", name=name,
                   low=MIN_YEAR, high=MAX_YEAR)
        )  # fmt: skip
    return value


def parse_request_query(args) -> RequestQuery:
    """Read service_request_id, service_code, start_date, end_date and status."""
    ids = None
    if args.get("service_request_id"):
        parts = [p.strip() for p in args["service_request_id"].split(",") if p.strip()]
        if not parts or not all(ascii_int(p) for p in parts):
            raise Open311Error(400, _("service_request_id must be numbers, comma-separated."))
        ids = [int(p) for p in parts]
    topic_ids = None
    if args.get("service_code"):
        codes = [c.strip() for c in args["service_code"].split(",") if c.strip()]
        topic_ids = [get_service(code).id for code in codes]
    end = _parse_datetime(args["end_date"], "end_date") if args.get("end_date") else None
    start = _parse_datetime(args["start_date"], "start_date") if args.get("start_date") else None
    end = end or (start + MAX_WINDOW if start else utcnow())
    start = start or end - MAX_WINDOW
    if start > end:
        raise Open311Error(400, _("start_date must be before end_date."))
    if end - start > MAX_WINDOW:
        raise Open311Error(400, _("The date range may be at most 90 days."))
    statuses = {s.strip() for s in args.get("status", "").split(",") if s.strip()}
    if not statuses <= {"open", "closed"}:
        raise Open311Error(400, _("status must be open or closed."))
    return RequestQuery(ids, topic_ids, start, end, statuses or {"open", "closed"})


def list_requests(q: RequestQuery) -> list[Suggestion]:
    """Public suggestions by id (overriding the other filters) or by service, dates, status."""
    query = select(Suggestion).where(Suggestion.visibility == Visibility.PUBLISHED)
    if q.ids is not None:
        query = query.where(Suggestion.id.in_(q.ids))
    else:
        query = query.where(Suggestion.created_at >= q.start, Suggestion.created_at <= q.end)
        if q.topic_ids is not None:
            query = query.where(Suggestion.topic_id.in_(q.topic_ids))
        if q.statuses == {"open"}:
            query = query.where(Suggestion.status.not_in([s.value for s in FINAL]))
        elif q.statuses == {"closed"}:
            query = query.where(Suggestion.status.in_([s.value for s in FINAL]))
    query = query.order_by(Suggestion.created_at.desc(), Suggestion.id.desc()).limit(MAX_RESULTS)
    return list(db.session.scalars(query))


def get_request(raw_id: str) -> Suggestion:
    """One public suggestion by its service_request_id; 404 otherwise."""
    found = None
    if (number := ascii_int(raw_id)) is not None:
        found = db.session.get(Suggestion, number)
    if found is None or not found.is_public:
        raise Open311Error(404, _("Unknown service_request_id: %(id)s", id=raw_id[:20]))
    return found
