"""Demo suggestions for Xianning (idempotent: skipped once any demo suggestion exists)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crowdplan.auth.operations import get_user_by_login
from crowdplan.core.models import utcnow
from crowdplan.extensions import db
from crowdplan.plans.models import PlanVersion
from crowdplan.suggestions import operations as ops
from crowdplan.suggestions.models import Suggestion
from crowdplan.triage import operations as triage


def seed_suggestions(rows: list[dict]) -> None:
    """Post the demo suggestions through the same operation as the web form."""
    if db.session.scalar(select(Suggestion.id).limit(1)) is not None:
        return
    for row in rows:
        plan_id = None
        if row.get("plan"):
            plan_id = db.session.scalar(
                select(PlanVersion.plan_id).where(PlanVersion.title.contains(row["plan"]))
            )
        data = ops.SuggestionInput(
            lon=row["lon"],
            lat=row["lat"],
            topic_code=row["topic"],
            stance=row["stance"],
            text=row["text"],
            org_name=row.get("org_name"),
            org_members=row.get("org_members"),
            plan_id=plan_id,
        )
        # Each at its own past instant: inside the notice window, and clear of posting caps.
        when = utcnow() - timedelta(days=row["days_ago"])
        suggestion, _token = triage.submit(data, author=get_user_by_login(row["author"]), now=when)
        if row.get("reply"):
            _answer(suggestion, row, when)


def _answer(suggestion, row: dict, when) -> None:
    """Reply and decide as the demo planner would have, a few days later."""
    planner = get_user_by_login("planner@demo.crowdplan")
    replied = when + timedelta(days=5)
    triage.reply(suggestion, actor=planner, text=row["reply"], now=replied)
    triage.close(
        suggestion, actor=planner, decision=row["decision"], reason=row["reason"], now=replied
    )
