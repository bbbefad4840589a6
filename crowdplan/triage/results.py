"""Before results are published (结果公布): which accepted opinions still have no decision.

The law asks the approving body for "the adoption of opinions and the reasons"; a report with
an opinion still undecided would be incomplete, so the refusal names each one. This lives with
the case lifecycle, which owns decisions; the plan side only records the publication.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import ngettext
from sqlalchemy import and_, or_, select

from crowdplan.errors import AppError
from crowdplan.extensions import db
from crowdplan.plans.models import Plan
from crowdplan.suggestions.models import Suggestion, Visibility
from crowdplan.triage import figures
from crowdplan.triage.workflow import Status


@dataclass(frozen=True)
class Undecided:
    """An opinion still waiting for its adoption decision, as the refusal lists it."""

    id: int
    topic: str
    status: str
    merged_into_id: int | None


class UndecidedOpinions(AppError):
    """Results refused: the opinions listed have no decision yet."""

    def __init__(self, opinions: list[Undecided]):
        super().__init__(
            ngettext(
                "The results cannot be published: %(num)d accepted opinion has no decision yet.",
                "The results cannot be published: %(num)d accepted opinions have no decision yet.",
                len(opinions),
            ),
            status=409,
            code="undecided_opinions",
        )
        self.opinions = opinions


def undecided_opinions(plan: Plan) -> list[Undecided]:
    """Accepted opinions on any version of the plan without a decision, oldest first.

    A merged case receives its target's decision when the target is closed, so a merged case
    whose target is undecided is undecided too: `decision IS NULL` covers both.
    """
    rows = db.session.scalars(
        select(Suggestion)
        .where(
            Suggestion.plan_id == plan.id,
            or_(
                figures.undecided(),
                # Held for a moderator: it may still be published, so it needs a decision too.
                and_(
                    Suggestion.visibility == Visibility.REVIEW.value,
                    Suggestion.status != Status.NOT_ACCEPTED.value,
                    Suggestion.decision.is_(None),
                ),
            ),
        )
        .order_by(Suggestion.id)
    )
    return [Undecided(s.id, s.topic.label, s.status, s.merged_into_id) for s in rows]
