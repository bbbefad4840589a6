"""The department inbox and the case page. Staff only; each case only for its department."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crowdplan.auth import policy
from crowdplan.auth.permissions import Permission
from crowdplan.auth.staff import staff_blueprint
from crowdplan.core import operations as core
from crowdplan.core.models import Area, Department, Topic, utcnow
from crowdplan.errors import AppError
from crowdplan.extensions import db
from crowdplan.geo import maps, spatial
from crowdplan.geo.pages import embed_map, tiles
from crowdplan.inputs import arg_int, arg_page, ascii_int
from crowdplan.labels import (
    TEMPLATE_GLOBALS,
    callback_outcome_label,
    decision_label,
    status_label,
)
from crowdplan.suggestions.models import Suggestion, Visibility
from crowdplan.suggestions.queries import lonlat
from crowdplan.triage import figures, ratings
from crowdplan.triage import operations as ops
from crowdplan.triage.forms import (
    BulkForm,
    CallbackForm,
    CloseForm,
    MergeForm,
    NoteForm,
    ReplyForm,
    StatusForm,
    TransferForm,
)
from crowdplan.triage.models import ReplyTemplate
from crowdplan.triage.timeline import list_timeline
from crowdplan.triage.workflow import (
    OPEN,
    CallbackOutcome,
    Decision,
    Status,
    staff_actions,
    status_targets,
)

bp = staff_blueprint("triage", __name__, url_prefix="/staff/inbox")
PER_PAGE = 50


@bp.app_context_processor
def _labels():
    return TEMPLATE_GLOBALS


def _departments() -> list[Department]:
    """Departments whose inbox this user may see."""
    if current_user.can(Permission.ADMINISTER):
        return core.list_departments()
    own = current_user.department
    return [own] if own is not None and current_user.can(Permission.TRIAGE, own) else []


@bp.get("/")
def inbox():
    """Suggestions of my department, soonest deadline first, with filters in the URL."""
    departments = _departments()
    if not departments:
        abort(403)
    ids = [d.id for d in departments]
    chosen = arg_int("department")
    if chosen is not None:
        if chosen not in ids:
            abort(403)
        ids = [chosen]
    query = _filtered(select(Suggestion).where(Suggestion.department_id.in_(ids)))
    page = db.paginate(
        query.order_by(Suggestion.reply_due_at.asc(), Suggestion.id),
        page=arg_page(),
        per_page=PER_PAGE,
        error_out=False,
    )
    now = utcnow()
    m = maps.base_map(tiles())
    cases = []
    overdue_ids = set()
    for s in page.items:
        lon, lat = lonlat(s)
        overdue = figures.is_overdue(s, now)
        if overdue:
            overdue_ids.add(s.id)
        cases.append(
            {"lon": lon, "lat": lat, "label": f"#{s.id} {s.topic.label}", "overdue": overdue}
        )
    maps.add_case_pins(m, cases)
    if cases:
        lons, lats = [c["lon"] for c in cases], [c["lat"] for c in cases]
        maps.fit_to(m, (min(lons) - 0.01, min(lats) - 0.01, max(lons) + 0.01, max(lats) + 0.01))
    return render_template(
        "triage/inbox.html",
        inbox_map=embed_map(m),
        bulk=bulk_form(),
        page=page,
        departments=departments,
        topics=core.list_topics(),
        areas=core.list_current_areas(),
        statuses=list(Status),
        args=request.args,
        overdue_ids=overdue_ids,
        counts=_counts(ids, now),
    )


@bp.get("/callbacks")
def callbacks():
    """Follow-up calls (回访) owed after bad ratings in my departments, soonest due first."""
    departments = _departments()
    if not departments:
        abort(403)
    owed = ratings.list_open_callbacks([d.id for d in departments])
    return render_template("triage/callbacks.html", callbacks=owed, now=utcnow())


def _counts(department_ids: list[int], now) -> dict:
    """The chosen departments' public figures, as /stats counts them."""
    t = figures.tally(Suggestion.department_id.in_(department_ids), now=now)
    return {**t, **figures.rates(t)}


def _filtered(query):
    args = request.args
    query = query.where(Suggestion.visibility != Visibility.UNCONFIRMED)
    status = args.get("status", "open")
    if status == "open":
        query = query.where(Suggestion.status.in_([s.value for s in OPEN]))
    elif status in {s.value for s in Status}:
        query = query.where(Suggestion.status == status)
    if args.get("topic"):
        query = query.where(
            Suggestion.topic_id.in_(select(Topic.id).where(Topic.code == args["topic"]))
        )
    if args.get("area"):
        area = db.session.scalar(
            select(Area).where(Area.adcode == args["area"], Area.valid_to.is_(None))
        )
        if area is not None:
            query = query.where(
                spatial.intersects(
                    Suggestion.point, select(Area.geom).where(Area.id == area.id).scalar_subquery()
                )
            )
    if plan := arg_int("plan"):
        query = query.where(Suggestion.plan_id == plan)
    if args.get("overdue"):
        query = query.where(figures.overdue(utcnow()))
    if args.get("flagged"):
        query = query.where(Suggestion.routing_flags.is_not(None))
    return query


def _case_or_403(suggestion_id: int) -> Suggestion:
    s = db.session.get(Suggestion, suggestion_id)
    if s is None or s.visibility == Visibility.UNCONFIRMED:
        abort(404)
    if not policy.can_triage(current_user, s):
        abort(403)
    return s


BULK_ACTIONS = ("assign", "in_progress", "transfer", "close")


def bulk_form() -> BulkForm:
    """The bulk form with its choices."""
    form = BulkForm()
    form.action.choices = [
        ("assign", _("Confirm assignment")),
        ("in_progress", status_label(Status.IN_PROGRESS)),
        ("transfer", _("Transfer")),
        ("close", _("Close")),
    ]
    form.department.choices = [(0, "—")] + [(d.id, d.label) for d in core.list_departments()]
    form.decision.choices = [("", "—")] + [(d.value, decision_label(d)) for d in Decision]
    return form


@bp.post("/bulk")
def bulk():
    """Apply one step to every selected suggestion; each is checked and refused on its own."""
    spatial.begin_immediate(db.session)
    form = bulk_form()
    if not form.validate_on_submit() or form.action.data not in BULK_ACTIONS:
        raise AppError(_("Please check the form."), code="invalid_form")
    ids = [i for v in request.form.getlist("ids") if (i := ascii_int(v))][:PER_PAGE]
    if not ids:
        raise AppError(_("Select at least one suggestion."), code="nothing_selected")
    cases = [_case_or_403(i) for i in ids]  # any foreign case: 403, nothing done
    done, refused = 0, []
    for s in cases:
        try:
            with db.session.begin_nested():
                _bulk_step(s, form)
            done += 1
        except AppError as exc:
            refused.append(f"#{s.id}: {exc.message}")
    db.session.commit()
    flash(_("%(n)d done.", n=done), "success")
    for line in refused:
        flash(line, "error")
    return redirect(url_for(".inbox"))


def _bulk_step(s: Suggestion, form: BulkForm) -> None:
    action, reason = form.action.data, form.reason.data
    if action == "assign":
        ops.move(s, Status.ASSIGNED, actor=current_user, reason=reason)
    elif action == "in_progress":
        ops.move(s, Status.IN_PROGRESS, actor=current_user, reason=reason)
    elif action == "transfer":
        department = db.session.get(Department, form.department.data or 0)
        if department is None:
            raise AppError(_("Choose a department."), code="department_required")
        ops.transfer(s, actor=current_user, department=department, reason=reason)
    else:
        ops.close(s, actor=current_user, decision=form.decision.data or None, reason=reason)


@bp.get("/<int:suggestion_id>")
def case(suggestion_id: int):
    """Everything staff need to answer one suggestion, and the forms to do it."""
    s = _case_or_403(suggestion_id)
    return _render_case(s)


def _render_case(s: Suggestion, status: int = 200):
    status_form = StatusForm()
    status_form.status.choices = [(t.value, status_label(t)) for t in status_targets(s.status)]
    close_form = CloseForm()
    close_form.decision.choices = [("", "—")] + [(d.value, decision_label(d)) for d in Decision]
    transfer_form = TransferForm()
    transfer_form.department.choices = [
        (d.id, d.label) for d in core.list_departments() if d.id != s.department_id
    ]
    callback_form = CallbackForm()
    callback_form.outcome.choices = [(o.value, callback_outcome_label(o)) for o in CallbackOutcome]
    templates = db.session.scalars(
        select(ReplyTemplate).where(
            (ReplyTemplate.department_id == s.department_id) | ReplyTemplate.department_id.is_(None)
        )
    ).all()
    return (
        render_template(
            "triage/case.html",
            s=s,
            entries=list_timeline(s, public=False),
            reply_form=ReplyForm(text=s.reply_text),
            close_form=close_form,
            status_form=status_form,
            transfer_form=transfer_form,
            merge_form=MergeForm(),
            note_form=NoteForm(),
            callbacks=ratings.list_callbacks(s),
            callback_form=callback_form,
            actions=set(staff_actions(s.status)),
            merged_into=db.session.get(Suggestion, s.merged_into_id) if s.merged_into_id else None,
            templates=templates,
            is_overdue=figures.is_overdue(s, utcnow()),
        ),
        status,
    )


@bp.post("/<int:suggestion_id>/<action>")
def act(suggestion_id: int, action: str):
    """One workflow step on a case; refused steps explain why and change nothing."""
    spatial.begin_immediate(db.session)
    s = _case_or_403(suggestion_id)
    forms = {
        "reply": ReplyForm,
        "close": CloseForm,
        "status": StatusForm,
        "transfer": TransferForm,
        "merge": MergeForm,
        "note": NoteForm,
        "callback": CallbackForm,
    }
    if action not in forms:
        abort(404)
    form = forms[action]()
    if action == "close":
        form.decision.choices = [("", "—")] + [(d.value, d.value) for d in Decision]
    if action == "status":
        form.status.choices = [(t.value, t.value) for t in Status]
    if action == "transfer":
        form.department.choices = [(d.id, d.code) for d in core.list_departments()]
    if action == "callback":
        form.outcome.choices = [(o.value, o.value) for o in CallbackOutcome]
    if not form.validate_on_submit():
        raise AppError(_("Please check the form."), code="invalid_form")
    try:
        _perform(s, action, form)
    except AppError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render_case(db.session.get(Suggestion, suggestion_id), exc.status)
    db.session.commit()
    flash(_("Saved."), "success")
    if action == "transfer":
        return redirect(url_for(".inbox"))
    return redirect(url_for(".case", suggestion_id=s.id))


def _perform(s: Suggestion, action: str, form) -> None:
    if action == "reply":
        ops.reply(s, actor=current_user, text=form.text.data)
    elif action == "close":
        ops.close(
            s, actor=current_user, decision=form.decision.data or None, reason=form.reason.data
        )
    elif action == "status":
        ops.move(s, form.status.data, actor=current_user, reason=form.reason.data)
    elif action == "transfer":
        ops.transfer(
            s,
            actor=current_user,
            department=db.session.get(Department, form.department.data),
            reason=form.reason.data,
        )
    elif action == "merge":
        target = db.session.get(Suggestion, form.into.data)
        if target is not None and not policy.can_triage(current_user, target):
            raise AppError(
                _("You can only merge into a suggestion of your department."),
                status=403,
                code="merge_forbidden",
            )
        ops.merge(s, into=target, actor=current_user, reason=form.reason.data)
    elif action == "callback":
        ops.record_callback(
            s,
            actor=current_user,
            callback_id=ascii_int(form.callback_id.data),
            outcome=form.outcome.data,
            note=form.note.data,
        )
    else:
        ops.add_note(s, actor=current_user, text=form.text.data)
