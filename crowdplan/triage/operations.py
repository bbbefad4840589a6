"""Workflow operations on a suggestion. Every change is a timeline event and an audit record."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from crowdplan.audit.models import record
from crowdplan.auth import policy
from crowdplan.core.models import Department, utcnow
from crowdplan.errors import AppError
from crowdplan.extensions import db
from crowdplan.suggestions.models import Suggestion
from crowdplan.triage import notify
from crowdplan.triage.models import SuggestionEvent
from crowdplan.triage.workflow import FINAL, OPEN, Decision, Rating, Status, can_move


def _event(
    s: Suggestion,
    actor,
    action: str,
    *,
    to: str | None = None,
    reason: str | None = None,
    internal: bool = False,
) -> None:
    before = s.status
    if to is not None:
        s.status = to
    db.session.add(
        SuggestionEvent(
            suggestion_id=s.id,
            actor_id=getattr(actor, "id", None),
            action=action,
            from_status=before,
            to_status=to,
            department_id=s.department_id,
            reason=reason,
            is_internal=internal,
        )
    )
    if not internal:
        record(
            f"suggestion_{action}", s, actor=actor, from_state=before, to_state=to, reason=reason
        )


def _require(reason: str | None, message: str) -> str:
    if not (reason or "").strip():
        raise AppError(message, code="reason_required")
    return reason.strip()


def log_routed(s: Suggestion) -> None:
    """The first timeline entry: where routing sent it (public)."""
    reason = s.department.label if s.department else None
    _event(s, None, "routed", to=s.status, reason=reason)


def move(
    s: Suggestion, target: str, *, actor, reason: str | None = None, now: datetime | None = None
) -> None:
    """Change status along an allowed move; not accepting needs a reason."""
    if target not in {st.value for st in Status} or not can_move(s.status, target):
        raise AppError(
            _("This step is not possible from the current status."),
            status=409,
            code="bad_transition",
        )
    if target == Status.NOT_ACCEPTED:
        reason = _require(reason, _("Please give the reason for not accepting it."))
    if target == Status.CLOSED:
        raise AppError(_("Use “close with decision” to close."), status=409, code="use_close")
    _event(s, actor, "status", to=target, reason=reason)
    if target in FINAL:
        s.closed_at = now or utcnow()
    db.session.flush()
    notify.author(s, _("The status of your suggestion has changed"))


def reply(s: Suggestion, *, actor, text: str, now: datetime | None = None) -> None:
    """Publish the department's reply (已答复)."""
    text = _require(text, _("Please write the reply."))
    if s.status not in OPEN and s.status != Status.REPLIED:
        raise AppError(
            _("This suggestion can no longer be answered."), status=409, code="bad_transition"
        )
    s.reply_text, s.replied_at, s.replied_by_id = text, now or utcnow(), actor.id
    _event(s, actor, "reply", to=Status.REPLIED, reason=text)
    for merged in _merged_into(s):
        merged.reply_text, merged.replied_at = text, s.replied_at
        notify.author(merged, _("Your suggestion has been answered"))
    db.session.flush()
    notify.author(s, _("Your suggestion has been answered"))


def close(
    s: Suggestion,
    *,
    actor,
    decision: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> None:
    """Close (已办结); a suggestion on a plan needs an adoption decision with a public reason."""
    if s.status != Status.REPLIED:
        raise AppError(_("Reply before closing."), status=409, code="bad_transition")
    if s.plan_id is not None:
        if decision not in {d.value for d in Decision}:
            raise AppError(_("Please choose the adoption decision."), code="decision_required")
        reason = _require(reason, _("Please give the reason for the decision."))
    if decision:
        s.decision, s.decision_reason = decision, reason
    s.closed_at = now or utcnow()
    _event(s, actor, "close", to=Status.CLOSED, reason=reason)
    for merged in _merged_into(s):
        merged.decision, merged.decision_reason, merged.closed_at = (
            s.decision,
            s.decision_reason,
            s.closed_at,
        )
    db.session.flush()
    notify.author(s, _("A decision has been made on your suggestion"))


def transfer(s: Suggestion, *, actor, department: Department, reason: str | None) -> None:
    """Pass to another department (转办) with a reason. The reply deadline does not restart:
    the citizen's time limit runs from submission, so a transfer cannot be used to gain time."""
    reason = _require(reason, _("Please give the reason for the transfer."))
    if s.status not in OPEN:
        raise AppError(
            _("Only open suggestions can be transferred."), status=409, code="bad_transition"
        )
    if department.id == s.department_id:
        raise AppError(_("It is already with this department."), code="same_department")
    old = s.department.label if s.department else "-"
    s.department_id = department.id
    db.session.flush()
    _event(s, actor, "transfer", to=Status.ASSIGNED, reason=f"{old} → {department.label}: {reason}")
    notify.department(s)


def merge(s: Suggestion, *, into: Suggestion, actor, reason: str | None = None) -> None:
    """Merge a duplicate into another suggestion: answered once, every author told."""
    if into.id == s.id or into.status in FINAL or s.status in FINAL:
        raise AppError(_("These suggestions cannot be merged."), status=409, code="bad_merge")
    s.merged_into_id = into.id
    _event(s, actor, "merge", to=Status.MERGED, reason=reason or f"#{into.id}")
    db.session.flush()


def _merged_into(s: Suggestion) -> list[Suggestion]:
    return list(db.session.scalars(select(Suggestion).where(Suggestion.merged_into_id == s.id)))


def add_note(s: Suggestion, *, actor, text: str) -> None:
    """An internal note: staff only, never on public pages."""
    _event(s, actor, "note", reason=_require(text, _("Please write the note.")), internal=True)
    db.session.flush()


def rate(s: Suggestion, *, user, rating: str, now: datetime | None = None) -> None:
    """The author rates the reply (满意 / 基本满意 / 不满意)."""
    if not policy.is_author(user, s):
        raise AppError(_("Only the author can rate the reply."), status=403, code="not_author")
    if s.status not in (Status.REPLIED, Status.CLOSED) or rating not in {r.value for r in Rating}:
        raise AppError(_("There is no reply to rate yet."), status=409, code="bad_rating")
    s.rating, s.rated_at = rating, now or utcnow()
    _event(s, user, "rate", reason=rating)
    db.session.flush()


def reopen(s: Suggestion, *, user) -> None:
    """An unsatisfied author may reopen once (back to 办理中)."""
    if not policy.is_author(user, s):
        raise AppError(_("Only the author can reopen it."), status=403, code="not_author")
    if (
        s.rating != Rating.UNSATISFIED
        or s.reopen_count >= 1
        or s.status not in (Status.REPLIED, Status.CLOSED)
    ):
        raise AppError(
            _("It can be reopened once, after an unsatisfied rating."),
            status=409,
            code="bad_reopen",
        )
    s.reopen_count += 1
    s.closed_at = None
    _event(s, user, "reopen", to=Status.IN_PROGRESS)
    db.session.flush()
