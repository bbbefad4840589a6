"""Plain dicts for the JSON API: what the public may see, and what a staff-read key adds."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import url_for
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping

from crowdplan import dates
from crowdplan.core.models import Area, Department, Topic, utcnow
from crowdplan.plans.models import Plan, PlanVersion
from crowdplan.stats.counting import total_views
from crowdplan.suggestions.models import Suggestion
from crowdplan.suggestions.public import public_view
from crowdplan.suggestions.queries import lonlat


def iso(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with its offset (2026-12-16T16:00:00+00:00), or None."""
    if value is None:
        return None
    # Naive values are UTC by the storage convention; never print one without its offset.
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def ref(obj: Department | Topic | None) -> dict | None:
    """A short reference to a department or topic: its code and name in the caller's language."""
    return {"code": obj.code, "name": obj.label} if obj is not None else None


def topic(t: Topic) -> dict:
    """A topic (服务类别)."""
    return {
        "code": t.code,
        "name": t.name,
        "name_en": t.name_en,
        "description": t.description,
        "reply_days": t.reply_days,
    }


def department(d: Department) -> dict:
    """A department; its e-mail address is internal and left out."""
    return {"code": d.code, "name": d.name, "name_en": d.name_en, "reply_days": d.reply_days}


def area(a: Area) -> dict:
    """A jurisdiction area without its outline."""
    return {
        "adcode": a.adcode,
        "name": a.name,
        "name_en": a.name_en,
        "kind": a.kind,
        "population": a.population,
        "department": ref(a.department),
    }


def plan(version: PlanVersion, *, detail: bool = False) -> dict:
    """A plan as its newest public version shows it, with its view count."""
    p: Plan = version.plan
    data = {
        "id": p.id,
        "title": version.title,
        "version": version.number,
        "type": {"code": p.plan_type.code, "name": p.plan_type.label},
        "department": ref(p.department),
        "stage": version.stage(utcnow()).value,
        "notice_opens_at": iso(version.notice_opens_at),
        "notice_closes_at": iso(version.closes_at()),
        # The dates people read: both inclusive, in the bureau's time zone.
        "notice_first_day": dates.iso_day(dates.local_date(version.notice_opens_at)),
        "notice_last_day": dates.iso_day(dates.last_day(version.closes_at())),
        "results_published_at": iso(version.results_published_at),
        "areas": [a.adcode for a in p.areas],
        "views": total_views("plan", p.id),
        "url": url_for("plans.detail", plan_id=p.id, _external=True),
    }
    if detail:
        data.update(
            summary=version.summary,
            fingerprint=version.fingerprint,
            published_at=iso(version.published_at),
            layers=[{"id": layer.id, "name": layer.name} for layer in version.layers],
            documents=[
                {
                    "id": doc.id,
                    "filename": doc.filename,
                    "size": doc.size,
                    "sha256": doc.sha256,
                    "url": url_for("plans.document", plan_id=p.id, doc_id=doc.id, _external=True),
                }
                for doc in version.documents
            ],
        )
    return data


def layers(version: PlanVersion) -> dict:
    """All layers of a version as one FeatureCollection; each feature names its layer."""
    features = [
        {
            "type": "Feature",
            "id": f.id,
            "layer": layer.name,
            "properties": f.properties,
            "geometry": mapping(to_shape(f.geom)),
        }
        for layer in version.layers
        for f in layer.features
    ]
    return {"type": "FeatureCollection", "features": features}


def suggestion(s: Suggestion, *, private: bool = False) -> dict:
    """A suggestion as the public sees it (masked); `private` adds staff-only details."""
    lon, lat = lonlat(s)
    words = public_view(s)
    data = {
        "id": s.id,
        "created_at": iso(s.created_at),
        "topic": ref(s.topic),
        "stance": s.stance,
        "status": s.status,
        "text": words.text,
        "author_name": words.name,
        "org_members": s.org_members,
        "lon": lon,
        "lat": lat,
        "is_approximate": s.is_approximate,
        "place_label": words.place_label,
        "plan_id": s.plan_id,
        "department": ref(s.department),
        "reply_due_at": iso(s.reply_due_at),
        "reply_due_date": dates.iso_day(dates.last_day(s.reply_due_at)),
        "reply": words.reply,
        "replied_at": iso(s.replied_at),
        "decision": s.decision,
        "decision_reason": words.decision_reason,
        "closed_at": iso(s.closed_at),
        "supports": s.support_count,
        "url": url_for("suggestions.detail", suggestion_id=s.id, _external=True),
    }
    if private:
        data["private"] = {
            "visibility": s.visibility,
            "text": s.text,
            "contact_phone": s.contact_phone,
            "contact_email": s.contact_email,
            "routing_rule_id": s.routing_rule_id,
            "routing_area": s.routing_area_adcode,
            "routing_boundary_m": s.routing_boundary_m,
            "routing_flags": s.routing_flags.split(",") if s.routing_flags else [],
        }
    return data


def page(pagination, items: list[dict]) -> dict:
    """A page of results with its position."""
    return {
        "items": items,
        "page": pagination.page,
        "per_page": pagination.per_page,
        "total": pagination.total,
        "pages": pagination.pages,
    }
