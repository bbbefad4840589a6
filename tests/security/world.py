"""A demo city with a second department and objects owned by other users and departments.

Department A is the demo's 规划编制科 (its planner and head are the demo accounts); department B
is created here with its own planner. Each object is made through the real operations, then
moved where the test needs it (department, visibility, status), so routing rules do not decide
which department a test object lands in.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

from PIL import Image
from sqlalchemy import select

from crowdplan.auth import operations as accounts
from crowdplan.auth.permissions import Role
from crowdplan.core import operations as core
from crowdplan.core.models import Area, Department, Topic, utcnow
from crowdplan.extensions import db
from crowdplan.plans import operations as plans
from crowdplan.plans.models import Plan, PlanType, PlanVersion
from crowdplan.routing.models import RoutingRule
from crowdplan.suggestions import operations as sops
from crowdplan.suggestions.models import BlockedWord, Suggestion, Visibility
from crowdplan.triage import operations as triage_ops

DEMO_PASSWORD = "crowdplan-demo"
PLANNER_B = "planner-b@example.org"
OTHER_CITIZEN = "other@example.org"
CENTRE = (114.3226, 29.8412)  # inside 咸安区
MIN_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LAYER = (
    b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"x"},'
    b'"geometry":{"type":"Point","coordinates":[114.32,29.84]}}]}'
)


def jpeg(size=(64, 48), colour=(200, 80, 40)) -> bytes:
    """A small valid JPEG."""
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "JPEG")
    return buf.getvalue()


@dataclass
class World:
    """Ids of the objects the security tests aim at."""

    dept_a: int
    dept_b: int
    plan_a: int  # dept A, in public notice (demo)
    plan_results: int  # dept A, results published (demo): its report is public
    plan_b: int  # dept B, in public notice, with a document
    plan_b_draft: int  # dept B, draft with a document
    doc_b: int  # document of plan_b (published)
    doc_b_draft: int  # document of plan_b_draft (not public)
    sug_a: int  # dept A, published, by another citizen
    sug_b: int  # dept B, published, by another citizen, replied (can be rated)
    sug_b_held: int  # dept B, held for review, by another citizen
    sug_own: int  # dept A, published, by the demo citizen, replied
    photo_b: str  # photo of sug_b (public)
    photo_b_held: str  # photo of sug_b_held (not public)
    rule: int
    word: int
    adcode: str
    api_key: int  # an API key (admins manage them)
    topic: int  # a topic (its time limits are admins' data)


def _suggestion(author, text: str, *, department: Department, photos=()) -> Suggestion:
    data = sops.SuggestionInput(
        lon=CENTRE[0],
        lat=CENTRE[1],
        topic_code="parking",
        stance="suggest",
        text=text,
        photos=list(photos),
    )
    s, _token = triage_ops.submit(data, author=author)
    s.department_id = department.id
    s.visibility = Visibility.PUBLISHED.value
    return s


def _plan(department: Department, title: str, *, publish: bool) -> tuple[Plan, int]:
    kind = db.session.scalar(select(PlanType).order_by(PlanType.id))
    areas = db.session.scalars(select(Area).where(Area.valid_to.is_(None))).all()[:1]
    plan = plans.create_plan(
        actor=None, plan_type=kind, department=department, title=title, areas=list(areas)
    )
    plans.import_layer(plan.latest, LAYER, name="layer")
    doc = plans.add_document(plan.latest, filename="b.pdf", data=MIN_PDF)
    if publish:
        now = utcnow()
        opens = now - timedelta(days=1)
        plans.publish(
            plan.latest, opens_at=opens, closes_at=opens + timedelta(days=60), actor=None, now=opens
        )
    return plan, doc.id


def build_world() -> World:
    """Create department B, its planner, another citizen and the target objects; commit."""
    dept_a = core.get_department_by_code("city-plan")
    dept_b = Department(code="sec-b", name="安全测试科", name_en="Security test section")
    db.session.add(dept_b)
    db.session.flush()
    accounts.create_user(
        email=PLANNER_B, password=DEMO_PASSWORD, role=Role.PLANNER, department=dept_b,
        display_name="B planner",
    )  # fmt: skip
    other = accounts.create_user(email=OTHER_CITIZEN, password=DEMO_PASSWORD, display_name="O")
    citizen = accounts.get_user_by_login("citizen@demo.crowdplan")

    plan_b, doc_b = _plan(dept_b, "B 部门公示中规划", publish=True)
    plan_b_draft, doc_b_draft = _plan(dept_b, "B 部门草案", publish=False)
    titles = {v.title: v.plan_id for v in db.session.scalars(select(PlanVersion))}
    plan_a = next(pid for t, pid in titles.items() if "停车场" in t)
    plan_results = next(
        p.id for p in db.session.scalars(select(Plan)) if p.public_version and
        p.public_version.results_published_at is not None
    )  # fmt: skip

    sug_a = _suggestion(other, "A 部门的意见，来自另一位市民。", department=dept_a)
    sug_b = _suggestion(other, "B 部门的意见，来自另一位市民。", department=dept_b, photos=[jpeg()])
    sug_b.status, sug_b.reply_text, sug_b.replied_at = "replied", "答复", utcnow()
    held = _suggestion(other, "B 部门待审核的意见。", department=dept_b, photos=[jpeg()])
    held.visibility = Visibility.REVIEW.value
    own = _suggestion(citizen, "演示市民自己的意见。", department=dept_a)
    own.status, own.reply_text, own.replied_at = "replied", "答复", utcnow()
    word = BlockedWord(word="安全测试屏蔽词")
    db.session.add(word)
    db.session.flush()
    from crowdplan.api.keys import create_api_key

    api_key, _raw = create_api_key("security matrix", ["submit"])
    world = World(
        dept_a=dept_a.id,
        dept_b=dept_b.id,
        plan_a=plan_a,
        plan_results=plan_results,
        plan_b=plan_b.id,
        plan_b_draft=plan_b_draft.id,
        doc_b=doc_b,
        doc_b_draft=doc_b_draft,
        sug_a=sug_a.id,
        sug_b=sug_b.id,
        sug_b_held=held.id,
        sug_own=own.id,
        photo_b=sug_b.photos[0].name,
        photo_b_held=held.photos[0].name,
        rule=db.session.scalar(select(RoutingRule.id).order_by(RoutingRule.id)),
        word=word.id,
        adcode=db.session.scalar(select(Area.adcode).where(Area.valid_to.is_(None))),
        api_key=api_key.id,
        topic=db.session.scalar(select(Topic.id).order_by(Topic.id)),
    )
    db.session.commit()
    return world
