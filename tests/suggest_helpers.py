"""Helpers for suggestion tests: post the real form, find the demo plan in notice."""

from __future__ import annotations

import io

from sqlalchemy import select

from crowdplan.extensions import db
from crowdplan.plans.models import PlanVersion
from tests.conftest import csrf_from

CITY_CENTRE = (114.3226, 29.8412)  # inside 咸安区 and inside the parking plan's area


def plan_in_notice(app) -> int:
    """Id of the demo plan whose notice is open."""
    with app.app_context():
        return db.session.scalar(
            select(PlanVersion.plan_id).where(PlanVersion.title.contains("停车场"))
        )


def post_suggestion(
    client, *, lon=CITY_CENTRE[0], lat=CITY_CENTRE[1], plan_id=None, photos=(), **fields
):
    """Load the report page (for CSRF and the form timestamp) and post the form."""
    page = client.get(f"/report?plan={plan_id}" if plan_id else "/report").get_data(as_text=True)
    started = page.split('name="started" type="hidden" value="')[1].split('"')[0]
    data = {
        "csrf_token": csrf_from(page),
        "started": started,
        "lon": "" if lon is None else str(lon),
        "lat": "" if lat is None else str(lat),
        "topic": "parking",
        "stance": "suggest",
        "text": "这里需要更多停车位，晚上经常找不到车位。",
        "plan_id": str(plan_id or ""),
        "consent": "y",  # the privacy notice box guests tick (ignored for accounts)
    }
    data.update({k: v for k, v in fields.items()})
    if photos:
        data["photos"] = [(io.BytesIO(raw), name) for raw, name in photos]
    return client.post("/suggestions/new", data=data, content_type="multipart/form-data")


def post_similar(client, text: str, *, lon=CITY_CENTRE[0], lat=CITY_CENTRE[1], **kwargs):
    """Ask the similar-suggestion lookup as the report page's script does (JSON body, CSRF)."""
    token = csrf_from(client.get("/report").get_data(as_text=True))
    return client.post(
        "/api/v1/suggestions/similar",
        json={"lon": lon, "lat": lat, "text": text},
        headers={"X-CSRFToken": token},
        **kwargs,
    )
