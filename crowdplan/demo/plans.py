"""Demo plans for Xianning: one in notice, one with results, one draft (idempotent by title)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from crowdplan import dates
from crowdplan.core import operations as core
from crowdplan.core.models import Area, utcnow
from crowdplan.extensions import db
from crowdplan.plans import operations as plans
from crowdplan.plans.models import PlanType, PlanVersion
from crowdplan.triage import operations as lifecycle


def seed_plan_types(rows: list[dict]) -> None:
    """Upsert plan types by code."""
    for order, row in enumerate(rows):
        kind = db.session.scalar(select(PlanType).where(PlanType.code == row["code"]))
        kind = kind or PlanType(code=row["code"])
        kind.name, kind.name_en = row["name"], row.get("name_en")
        kind.min_notice_days, kind.sort_order = row["min_notice_days"], order
        db.session.add(kind)
    db.session.flush()


def seed_plans(rows: list[dict], geodata: Path) -> None:
    """Create the demo plans that do not exist yet, publishing them as the file says."""
    for row in rows:
        if db.session.scalar(select(PlanVersion.id).where(PlanVersion.title == row["title"])):
            continue
        _create(row, geodata / "demo")


def _create(row: dict, folder: Path) -> None:
    kind = db.session.scalar(select(PlanType).where(PlanType.code == row["type"]))
    areas = db.session.scalars(
        select(Area).where(Area.adcode.in_(row["areas"]), Area.valid_to.is_(None))
    ).all()
    plan = plans.create_plan(
        actor=None,
        plan_type=kind,
        department=core.get_department_by_code(row["department"]),
        title=row["title"],
        summary=row["summary"].strip(),
        areas=list(areas),
        is_demo=True,
    )
    version = plan.latest
    for layer in row["layers"]:
        raw = (folder / layer["file"]).read_bytes()
        plans.import_layer(version, raw, name=layer["name"], style=layer["style"])
    if row.get("document"):
        data = (folder / row["document"]).read_bytes()
        plans.add_document(version, filename="规划说明（演示）.pdf", data=data)
    if "opened_days_ago" in row:
        _publish(version, row)


def _publish(version: PlanVersion, row: dict) -> None:
    now = utcnow()
    # Whole local days, as the staff form enters them: notice_days days, both ends inclusive.
    first_day = dates.local_date(now) - timedelta(days=row["opened_days_ago"])
    opens = dates.start_of_day(first_day)
    closes = dates.end_of_day_exclusive(first_day + timedelta(days=row["notice_days"] - 1))
    # Published when the notice opened, as the bureau would have done.
    plans.publish(version, opens_at=opens, closes_at=closes, actor=None, now=opens)
    if "results_days_ago" in row:
        lifecycle.publish_results(
            version, actor=None, now=now - timedelta(days=row["results_days_ago"])
        )
