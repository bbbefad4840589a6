"""The case lifecycle: the only code that writes a suggestion's status, department, deadline,
reply, decision and merge target.

Every operation looks its step up in `workflow.STEPS`, changes the row, writes one timeline
event and one audit record, and queues its notifications (outbox rows, sent after commit).
Operations flush; the request or command commits once. Routing is asked for a route and
writes nothing; intake (`crowdplan.suggestions.operations`) builds and stores the row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from crowdplan import dates
from crowdplan.audit.models import record
from crowdplan.auth import policy
from crowdplan.core.models import Department, utcnow
from crowdplan.errors import AppError
from crowdplan.extensions import db
from crowdplan.plans import operations as plans
from crowdplan.routing.deadlines import add_working_days, current_calendar, working_days_between
from crowdplan.routing.engine import Route, route
from crowdplan.suggestions import operations as intake
from crowdplan.suggestions.models import Suggestion, Visibility
from crowdplan.triage import notify, ratings, results
from crowdplan.triage.models import RatingCallback, SuggestionEvent
from crowdplan.triage.workflow import (
    BAD_RATINGS,
    FINAL,
    OPEN,
    STATUS_STEPS,
    STEPS,
    CallbackOutcome,
    Decision,
    Rating,
    Status,
    allows,
)

DEFAULT_RECTIFY_DAYS = 5  # 好差评: a bad rating is rectified within this many working days

# Steps shown to staff only: internal notes, and callbacks (their note is for the author alone).
_INTERNAL_STEPS = frozenset({"note", "callback"})

# What the merged cases copy from the case they were merged into: they are answered by it.
_ANSWER_FIELDS = ("reply_text", "replied_at", "decision", "decision_reason", "closed_at")


def _check(s: Suggestion, action: str) -> None:
    if not allows(action, s.status):
        raise AppError(
            _("This step is not possible from the current status."),
            status=409,
            code="bad_transition",
        )


def _event(s: Suggestion, actor, action: str, *, reason: str | None = None) -> None:
    """Take step `action`: set its target status, one timeline event, one audit record."""
    before = s.status
    target = STEPS[action].target
    if target is not None:
        s.status = target.value
    changed = s.status if s.status != before else None
    internal = action in _INTERNAL_STEPS
    db.session.add(
        SuggestionEvent(
            suggestion_id=s.id,
            actor_id=getattr(actor, "id", None),
            action=action,
            from_status=before,
            to_status=changed,
            department_id=s.department_id,
            reason=reason,
            is_internal=internal,
        )
    )
    record(
        f"suggestion_{action}",
        s,
        actor=actor,
        from_state=before,
        to_state=s.status,
        reason=None if internal else reason,
    )


def _require(text: str | None, message: str) -> str:
    if not (text or "").strip():
        raise AppError(message, code="reason_required")
    return text.strip()


def _zone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def reply_days(s: Suggestion, department: Department) -> int:
    """Working days to reply: the department's override, else the topic's."""
    return department.reply_days or s.topic.reply_days


def rectify_days(s: Suggestion) -> int:
    """Working days to answer again after a bad rating (整改), and to call the author back."""
    return s.topic.rectify_days or DEFAULT_RECTIFY_DAYS


# --- Opening and routing -------------------------------------------------------------------


def submit(data: intake.SuggestionInput, *, now: datetime | None = None, **kwargs):
    """Take in a suggestion and open its case: validated and routed before the write lock,
    then stored, logged and (unless a guest must confirm first) told to the department."""
    now = now or utcnow()
    suggestion, token, photos = intake.build_suggestion(data, now=now, **kwargs)
    found = route(data.lon, data.lat, topic_id=suggestion.topic.id, plan_id=suggestion.plan_id)
    _apply_route(suggestion, found, now)
    suggestion.reply_due_at = add_working_days(
        now, reply_days(suggestion, found.department), tz=_zone()
    )
    intake.store_suggestion(suggestion, photos)
    _open_event(suggestion)
    if suggestion.visibility != Visibility.UNCONFIRMED:
        notify.department_assigned(suggestion)
    return suggestion, token


def _open_event(s: Suggestion) -> None:
    db.session.add(
        SuggestionEvent(
            suggestion_id=s.id,
            action="routed",
            from_status=None,
            to_status=s.status,
            department_id=s.department_id,
            reason=s.department.label if s.department else None,
        )
    )
    record("suggestion_routed", s, to_state=s.status, reason=s.routing_flags)


def confirm(token: str, *, now: datetime | None = None) -> Suggestion:
    """A guest confirmed by e-mail: published (or held) and, the first time, told to the
    department, which could not see it before."""
    suggestion, first_time = intake.confirm_guest(token, now=now)
    if first_time:
        notify.department_assigned(suggestion)
    return suggestion


def _apply_route(s: Suggestion, found: Route, now: datetime) -> None:
    s.department = found.department
    s.department_id = found.department.id
    s.routing_rule_id = found.rule.id if found.rule else None
    s.routing_area_adcode = found.area.adcode if found.area else None
    s.routing_boundary_m = round(found.boundary_m, 1) if found.boundary_m is not None else None
    s.routing_flags = ",".join(found.flags) or None
    s.routed_at = now
    # A flagged routing waits for a human (待受理); a clear one is assigned at once (已分办).
    s.status = (Status.SUBMITTED if found.flags else Status.ASSIGNED).value


def transfer(s: Suggestion, *, actor, department: Department | None, reason: str | None) -> None:
    """Pass to another department (转办) with a reason. The deadline does not move: the
    citizen's time limit runs from submission, so a transfer can never gain time."""
    reason = _require(reason, _("Please give the reason for the transfer."))
    _check(s, "transfer")
    if department is None:
        raise AppError(_("Choose a department."), code="department_required")
    if department.id == s.department_id:
        raise AppError(_("It is already with this department."), code="same_department")
    s.department, s.department_id = department, department.id
    # The event records the receiving department; the timeline shows the move in the
    # reader's language, so the reason is only what the person wrote.
    _event(s, actor, "transfer", reason=reason)
    notify.department_transferred(s, reason=reason)


def reroute(
    *, since: datetime | None = None, progress: Callable[[int], None] = lambda _n: None
) -> int:
    """Apply the current rules to open cases (created since a date); returns how many moved.
    A move keeps the case's deadline and is one timeline event, like a transfer."""
    query = select(Suggestion).where(
        Suggestion.routed_at.is_not(None), Suggestion.status.in_([s.value for s in OPEN])
    )
    if since is not None:
        query = query.where(Suggestion.created_at >= since)
    moved = 0
    for s in db.session.scalars(query.order_by(Suggestion.id)):
        point = to_shape(s.point)
        found = route(point.x, point.y, topic_id=s.topic_id, plan_id=s.plan_id)
        if found.department.id != s.department_id:
            _apply_route(s, found, utcnow())
            rule = f"#{found.rule.id}" if found.rule else "fallback"
            _event(s, None, "reroute", reason=f"rule {rule}")
            notify.department_transferred(s, reason=_("The routing rules changed."))
            moved += 1
        progress(1)
    db.session.flush()
    return moved


# --- Staff steps -----------------------------------------------------------------------------


def move(s: Suggestion, target: str, *, actor, reason: str | None = None) -> None:
    """The "change status" form: each target is one step of the workflow table."""
    action = STATUS_STEPS.get(target) if target in {t.value for t in Status} else None
    if action is None:
        raise AppError(
            _("This step is not possible from the current status."),
            status=409,
            code="bad_transition",
        )
    if action == "not_accept":
        not_accept(s, actor=actor, reason=reason)
        return
    _check(s, action)
    _event(s, actor, action, reason=(reason or "").strip() or None)
    db.session.flush()
    notify.author(s, _("The status of your suggestion has changed"))


def not_accept(s: Suggestion, *, actor, reason: str | None, now: datetime | None = None) -> None:
    """不予受理, with the public reason; closes the case without a decision."""
    reason = _require(reason, _("Please give the reason for not accepting it."))
    _check(s, "not_accept")
    if _merged_into(s):
        raise AppError(
            _("Other suggestions are merged into this one: reply and decide instead."),
            status=409,
            code="has_merged",
        )
    s.closed_at = now or utcnow()
    _event(s, actor, "not_accept", reason=reason)
    db.session.flush()
    notify.author(s, _("Your suggestion was not accepted"))


def reply(s: Suggestion, *, actor, text: str | None, now: datetime | None = None) -> None:
    """Publish the department's reply (已答复); cases merged into it get the same answer."""
    text = _require(text, _("Please write the reply."))
    if not allows("reply", s.status):
        raise AppError(
            _("This suggestion can no longer be answered."), status=409, code="bad_transition"
        )
    s.reply_text, s.replied_at, s.replied_by_id = text, now or utcnow(), actor.id
    _event(s, actor, "reply", reason=text)
    db.session.flush()
    for merged in [s, *_merged_into(s)]:
        _copy_answer(s, merged)
        notify.author(merged, _("Your suggestion has been answered"))


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
    if decision and decision not in {d.value for d in Decision}:
        raise AppError(_("Please choose the adoption decision."), code="decision_required")
    if s.plan_id is not None and not decision:
        raise AppError(_("Please choose the adoption decision."), code="decision_required")
    if decision:
        reason = _require(reason, _("Please give the reason for the decision."))
    s.decision, s.decision_reason = decision or None, (reason or "").strip() or None
    s.closed_at = now or utcnow()
    _event(s, actor, "close", reason=reason)
    db.session.flush()
    for merged in _merged_into(s):
        _copy_answer(s, merged)
    notify.author(s, _("A decision has been made on your suggestion"))


def merge(s: Suggestion, *, into: Suggestion | None, actor, reason: str | None) -> None:
    """Merge a duplicate into a case of the same plan that is still open: the duplicate is
    answered by it, and each stays one opinion in every figure."""
    reason = _require(reason, _("Please give the reason for merging."))
    _check(s, "merge")
    if (
        into is None
        or into.id == s.id
        or into.status in FINAL
        or into.plan_id != s.plan_id
        or into.visibility in (Visibility.UNCONFIRMED, Visibility.HIDDEN)
    ):
        raise AppError(
            _("It can only be merged into an open suggestion on the same plan."),
            status=409,
            code="bad_merge",
        )
    s.merged_into_id = into.id
    s.closed_at = None
    _event(s, actor, "merge", reason=f"#{into.id}: {reason}")
    db.session.flush()
    # Cases merged into this one follow it, so every merged case points at an open target.
    for child in _merged_into(s):
        child.merged_into_id = into.id
    for merged in [s, *_merged_into(s)]:
        _copy_answer(into, merged)
    db.session.flush()
    notify.author(s, _("Your suggestion was merged with a similar one"))


def _merged_into(s: Suggestion) -> list[Suggestion]:
    if s.id is None:
        return []
    query = select(Suggestion).where(Suggestion.merged_into_id == s.id).order_by(Suggestion.id)
    return list(db.session.scalars(query))


def _copy_answer(source: Suggestion, target: Suggestion) -> None:
    if target is source:
        return
    for name in _ANSWER_FIELDS:
        setattr(target, name, getattr(source, name))


def add_note(s: Suggestion, *, actor, text: str | None) -> None:
    """An internal note: staff only, never on public pages."""
    _event(s, actor, "note", reason=_require(text, _("Please write the note.")))
    db.session.flush()


def publish_results(version, *, actor, now: datetime | None = None):
    """结果公布: refused while any accepted opinion on the plan has no decision (listed)."""
    undecided = results.undecided_opinions(version.plan)
    if undecided:
        raise results.UndecidedOpinions(undecided)
    return plans.publish_results(version, actor=actor, now=now)


# --- Author steps ----------------------------------------------------------------------------


def rate(s: Suggestion, *, user, rating: str, now: datetime | None = None) -> None:
    """The author rates the reply on the 好差评 scale. A bad rating (不满意, 非常不满意) opens
    rectification once per case, owes a real-name author a callback, and tells the department
    and its head."""
    if not policy.is_author(user, s):
        raise AppError(_("Only the author can rate the reply."), status=403, code="not_author")
    if not ratings.can_rate(s) or rating not in {r.value for r in Rating}:
        raise AppError(_("There is no new reply to rate."), status=409, code="bad_rating")
    now = now or utcnow()
    s.rating, s.rated_at = rating, now
    _event(s, user, "rate", reason=rating)
    if rating in BAD_RATINGS:
        rectifying = s.reopen_count < 1 and allows("rectify", s.status)
        if rectifying:
            _rectify(s, user, now)
        if ratings.is_real_name(s):
            due = add_working_days(now, rectify_days(s), tz=_zone())
            db.session.add(RatingCallback(suggestion_id=s.id, rating=rating, due_at=due))
        db.session.flush()
        notify.department_rated_badly(s, rectifying=rectifying)
    db.session.flush()


def _rectify(s: Suggestion, user, now: datetime) -> None:
    """整改: back to 办理中 without the answer or decision, due in the rectification limit."""
    s.reopen_count += 1
    for merged in [s, *_merged_into(s)]:
        for name in _ANSWER_FIELDS:
            setattr(merged, name, None)
    s.reply_due_at = add_working_days(now, rectify_days(s), tz=_zone())
    s.escalated_at = None  # the new deadline is supervised afresh
    _event(s, user, "rectify")


def record_callback(
    s: Suggestion,
    *,
    actor,
    callback_id: int | None,
    outcome: str | None,
    note: str | None,
    now: datetime | None = None,
) -> None:
    """Staff record the follow-up call (回访): its outcome and a note, shown to the author."""
    note = _require(note, _("Please write what the author said."))
    cb = ratings.get_callback(s, callback_id)
    if cb is None or cb.done_at is not None:
        raise AppError(_("This callback is not open."), status=409, code="bad_callback")
    if outcome not in {o.value for o in CallbackOutcome}:
        raise AppError(_("Please choose the outcome of the call."), code="outcome_required")
    cb.done_at, cb.done_by_id = now or utcnow(), actor.id
    cb.outcome, cb.note = outcome, note
    _event(s, actor, "callback", reason=outcome)
    db.session.flush()


# --- Deadlines when the official calendar changes -------------------------------------------

# Steps after which a case runs on a new limit from that moment (the rectification limit;
# "reopen" is the older, author-initiated form kept in earlier timelines).
DEADLINE_STARTS = ("reopen", "rectify")


def deadline_limits() -> dict[int, tuple[datetime, int]]:
    """Each running case's start and its limit in working days, read from its stored deadline
    on the calendar as it is now: call it before the calendar changes."""
    # Counting the limit back from the deadline keeps the one the case was given, even if the
    # topic's days changed since or it was transferred to a department with other days.
    calendar = current_calendar()
    cases = _running_cases()
    starts = _deadline_starts()
    limits = {}
    for s in cases:
        start = starts.get(s.id, s.created_at)
        last = s.reply_due_at - _MICROSECOND
        days = working_days_between(start, last, tz=_zone(), calendar=calendar)
        if days >= 1:
            limits[s.id] = (start, days)
    return limits


def recompute_deadlines(
    limits: dict[int, tuple[datetime, int]], *, actor=None, reason: str, now: datetime | None = None
) -> int:
    """Recompute running cases' deadlines on the calendar as it is now, from `deadline_limits()`
    taken before the change; one `deadline` event (old and new last day) per case that moves."""
    calendar = current_calendar()
    now = now or utcnow()
    moved = 0
    for s in _running_cases():
        if s.id not in limits:
            continue
        start, days = limits[s.id]
        due = add_working_days(start, days, tz=_zone(), calendar=calendar)
        if due == s.reply_due_at:
            continue
        before = dates.last_day(s.reply_due_at)
        s.reply_due_at = due
        if due > now:
            s.escalated_at = None  # no longer overdue: supervised afresh
        _event(s, actor, "deadline", reason=f"{before} → {dates.last_day(due)}: {reason}")
        moved += 1
    db.session.flush()
    return moved


_MICROSECOND = timedelta(microseconds=1)


def _running_cases() -> list[Suggestion]:
    sources = [status.value for status in STEPS["deadline"].sources]
    query = select(Suggestion).where(
        Suggestion.status.in_(sources), Suggestion.reply_due_at.is_not(None)
    )
    return list(db.session.scalars(query.order_by(Suggestion.id)))


def _deadline_starts() -> dict[int, datetime]:
    """When each case's current limit started, for cases reopened (else: its submission)."""
    rows = db.session.execute(
        select(SuggestionEvent.suggestion_id, SuggestionEvent.created_at)
        .where(SuggestionEvent.action.in_(DEADLINE_STARTS))
        .order_by(SuggestionEvent.id)
    )
    return {sid: at for sid, at in rows}  # the latest wins
