"""Put the XSS corpus into every text a user controls, and say which pages show each field.

Values are written through the models (the forms' own checks are tested elsewhere); what is
under test here is that every page renders them as text. Each stored value ends with a marker
`XSSn.` so the browser test can prove the payload was really shown, as text, somewhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import select

from crowdplan.auth import operations as accounts
from crowdplan.core import operations as core
from crowdplan.core.models import Topic, utcnow
from crowdplan.extensions import db
from crowdplan.plans import operations as plans
from crowdplan.plans.models import Plan, PlanType
from crowdplan.suggestions.models import Suggestion, Visibility
from crowdplan.triage.models import SuggestionEvent
from tests.security.xss_corpus import payloads

# Suggestion fields: (name, column width). Each suggestion carries one payload per field.
SUGGESTION_FIELDS = [
    ("text", None),
    ("display_name", 80),
    ("org_name", 120),
    ("reply_text", None),
    ("decision_reason", None),
    ("place_label", 120),
    ("contact_email", 254),  # staff pages only
    ("status_reason", None),  # a public timeline event
    ("note", None),  # an internal note: case page only
    ("review_reason", 200),  # why it is held: moderation page (held ones only)
]
FEATURES = 40  # plan layer features whose name property carries a payload (map tooltips)


def marker(n: int) -> str:
    """The text that proves payload n was shown."""
    return f"XSS{n}."


@dataclass
class XssWorld:
    """What the browser test loads."""

    payloads: list[str]
    public_suggestions: list[int] = field(default_factory=list)
    held_suggestions: list[int] = field(default_factory=list)
    plan_id: int = 0  # the payload plan (published), with its layers and document
    results_plan_id: int = 0  # the demo plan with published results: its adoption report


class _Feed:
    """Hands out payloads in order; one too long for a column goes back for a wider one."""

    def __init__(self, values: list[str]):
        self.values = [f"{v} {marker(n)}" for n, v in enumerate(values)]
        self.next = 0
        self.waiting: list[str] = []

    def take(self, width: int | None) -> str | None:
        for i, value in enumerate(self.waiting):
            if width is None or len(value) <= width:
                return self.waiting.pop(i)
        while self.next < len(self.values):
            value = self.values[self.next]
            self.next += 1
            if width is None or len(value) <= width:
                return value
            self.waiting.append(value)
        return None

    def give_back(self, value: str | None) -> None:
        """A value that will not be shown where it was put: hand it out again."""
        if value is not None:
            self.waiting.append(value)

    @property
    def left(self) -> int:
        return len(self.values) - self.next + len(self.waiting)


def _payload_plan(feed: _Feed) -> int:
    kind = db.session.scalar(select(PlanType).order_by(PlanType.id))
    dept = core.get_department_by_code("city-plan")
    plan = plans.create_plan(
        actor=None, plan_type=kind, department=dept, title=feed.take(200), summary=feed.take(None)
    )
    names = [feed.take(120) for _ in range(FEATURES)]
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": name, "kind": "x"},
                "geometry": {"type": "Point", "coordinates": [114.30 + i * 0.001, 29.84]},
            }
            for i, name in enumerate(names)
        ],
    }
    for _layer in range(3):
        plans.import_layer(plan.latest, json.dumps(collection), name=feed.take(120))
    plans.add_document(plan.latest, filename=_pdf_name(feed.take(190)), data=b"%PDF-1.4\n%%EOF\n")
    now = utcnow()
    opens = now - timedelta(days=1)
    plans.publish(
        plan.latest, opens_at=opens, closes_at=opens + timedelta(days=60), actor=None, now=opens
    )
    return plan.id


def _pdf_name(value: str) -> str:
    return value.replace("/", "_") + ".pdf"  # a file name keeps only its last path part


def _results_plan() -> Plan:
    return next(
        p for p in db.session.scalars(select(Plan))
        if p.public_version and p.public_version.results_published_at is not None
    )  # fmt: skip


def _suggestion(feed: _Feed, author, plan: Plan, topic: Topic, index: int) -> Suggestion:
    values = {name: feed.take(width) for name, width in SUGGESTION_FIELDS}
    now = utcnow()
    s = Suggestion(
        point=from_shape(Point(114.32 + index * 0.0005, 29.84), srid=4326),
        is_approximate=True,
        topic=topic,
        stance="suggest",
        author_id=author.id,
        plan_id=plan.id,
        plan_version_id=plan.public_version.id,
        department_id=plan.department_id,
        status="closed",
        decision="adopted",
        created_at=now,
        replied_at=now,
        closed_at=now,
        reply_due_at=now + timedelta(days=10),
        visibility=Visibility.PUBLISHED.value,
        **{k: values[k] or "" for k in ("text", "reply_text", "decision_reason")},
        **{k: values[k] for k in ("display_name", "org_name", "place_label", "contact_email")},
    )
    held = index % 5 == 4  # held for a moderator: shown in the queue with its reason
    # Shown on the public page only (not on the case page): given back when it will not be.
    if held:
        for name in ("display_name", "org_name", "place_label"):
            setattr(s, name, None)
            feed.give_back(values[name])
    elif index % 2:  # the public name is the organisation's when there is one
        s.org_name = None
        feed.give_back(values["org_name"])
    else:
        s.display_name = None
        feed.give_back(values["display_name"])
    db.session.add(s)
    db.session.flush()
    db.session.add_all(
        [
            SuggestionEvent(suggestion_id=s.id, action="status", to_status="in_progress",
                            reason=values["status_reason"]),
            SuggestionEvent(suggestion_id=s.id, action="note", reason=values["note"],
                            is_internal=True),
        ]
    )  # fmt: skip
    if held:
        s.visibility, s.review_reason = Visibility.REVIEW.value, values["review_reason"]
    else:
        feed.give_back(values["review_reason"])
    return s


def build_xss_world(count: int = 500) -> XssWorld:
    """Store `count` payloads in every user-controlled text field; commit."""
    feed = _Feed(payloads(count))
    world = XssWorld(payloads=payloads(count))
    admin = accounts.get_user_by_login("admin@demo.crowdplan")
    admin.display_name = feed.take(80)  # the profile name, in the header of every page
    world.plan_id = _payload_plan(feed)
    # An account's own name is shown only to itself (the header): the admin's carries one.
    author = accounts.create_user(
        email="xss-author@example.org", password="correct-horse-battery", display_name="author"
    )
    results = _results_plan()
    world.results_plan_id = results.id
    topic = db.session.scalar(select(Topic).order_by(Topic.id))
    index = 0
    while feed.left:
        s = _suggestion(feed, author, results, topic, index)
        (world.public_suggestions if s.is_public else world.held_suggestions).append(s.id)
        index += 1
    db.session.commit()
    return world
