"""Planner pages: drafts, layers, documents, publication. Staff only, scoped to the department."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crowdplan.auth import policy
from crowdplan.auth.permissions import Permission
from crowdplan.auth.staff import staff_blueprint
from crowdplan.core import operations as core
from crowdplan.core.models import Area, Department, utcnow
from crowdplan.errors import AppError
from crowdplan.extensions import db
from crowdplan.geo.validate import GeoJSONError
from crowdplan.plans import operations as plans
from crowdplan.plans.forms import (
    DocumentForm,
    DraftForm,
    LayerForm,
    PlanForm,
    PublishForm,
    ReasonForm,
)
from crowdplan.plans.mapping import version_map
from crowdplan.plans.models import Plan, PlanType, Stage
from crowdplan.triage import operations as cases
from crowdplan.triage.results import UndecidedOpinions

bp = staff_blueprint("plans_staff", __name__, url_prefix="/staff/plans")


def _plan_or_403(plan_id: int) -> Plan:
    plan = plans.get_plan(plan_id)
    if plan is None:
        abort(404)
    if not policy.can_manage_plan(current_user, plan):
        abort(403)
    return plan


def _my_departments() -> list[Department]:
    if current_user.can(Permission.ADMINISTER):
        return core.list_departments()
    return (
        [current_user.department]
        if current_user.can(Permission.MANAGE_PLANS, current_user.department)
        else []
    )


@bp.get("/")
def index():
    """Plans of the departments this user manages."""
    departments = _my_departments()
    rows = db.session.scalars(
        select(Plan)
        .where(Plan.department_id.in_([d.id for d in departments]))
        .order_by(Plan.id.desc())
    ).all()
    return render_template("plans/staff_index.html", plans=rows)


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Start a plan as a draft."""
    form = PlanForm()
    departments = _my_departments()
    if not departments:
        abort(403)
    form.plan_type.choices = [(t.id, t.label) for t in plans.list_plan_types()]
    form.department.choices = [(d.id, d.label) for d in departments]
    form.areas.choices = [(a.id, a.label) for a in core.list_current_areas()]
    if form.validate_on_submit():
        department = db.session.get(Department, form.department.data)
        if not current_user.can(Permission.MANAGE_PLANS, department):
            abort(403)
        areas = db.session.scalars(select(Area).where(Area.id.in_(form.areas.data or []))).all()
        plan = plans.create_plan(
            actor=current_user,
            plan_type=db.session.get(PlanType, form.plan_type.data),
            department=department,
            title=form.title.data,
            summary=form.summary.data or "",
            areas=list(areas),
        )
        db.session.commit()
        flash(_("Draft created."), "success")
        return redirect(url_for(".edit", plan_id=plan.id))
    return render_template("plans/staff_new.html", form=form), 400 if form.errors else 200


@bp.get("/<int:plan_id>")
def edit(plan_id: int):
    """The planner's view of a plan: its latest version, forms for each next step."""
    plan = _plan_or_403(plan_id)
    return _render_edit(plan)


def _render_edit(plan: Plan, status: int = 200, undecided=(), **forms):
    version, now = plan.latest, utcnow()
    running = plan.version_at(now)
    if running is version or running is None or running.stage(now) is not Stage.NOTICE:
        running = None  # no earlier version's notice is running
    plan_map, legend = version_map(version)
    forms.setdefault("draft_form", DraftForm(obj=version))
    forms.setdefault("layer_form", LayerForm())
    forms.setdefault("document_form", DocumentForm())
    forms.setdefault("publish_form", PublishForm())
    forms.setdefault("reason_form", ReasonForm())
    return (
        render_template(
            "plans/staff_edit.html",
            plan=plan,
            version=version,
            stage=version.stage(now),
            running=running,
            undecided=undecided,
            plan_map=plan_map,
            legend=legend,
            **forms,
        ),
        status,
    )


def _refuse(plan: Plan, message: str, status: int = 400, undecided=(), **forms):
    db.session.rollback()
    flash(message, "error")
    return _render_edit(db.session.get(Plan, plan.id), status, undecided, **forms)


def _step(plan: Plan, form, form_name: str, action):
    """Validate `form`, run `action` (returns the success message), commit once, or refuse."""
    if not form.validate_on_submit():
        return _render_edit(plan, 400, **{form_name: form})
    try:
        message = action()
    except (AppError, GeoJSONError) as exc:
        # The operation's own status (413 too large, 415 wrong type, 409 ...), 400 otherwise.
        status = getattr(exc, "status", 400)
        undecided = exc.opinions if isinstance(exc, UndecidedOpinions) else ()
        message = getattr(exc, "message", str(exc))
        return _refuse(plan, message, status, undecided, **{form_name: form})
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".edit", plan_id=plan.id))


@bp.post("/<int:plan_id>/draft")
def update_draft(plan_id: int):
    """Save a draft's title and summary."""
    plan, form = _plan_or_403(plan_id), DraftForm()

    def action():
        text = form.summary.data or ""
        plans.update_draft(plan.latest, actor=current_user, title=form.title.data, summary=text)
        return _("Saved.")

    return _step(plan, form, "draft_form", action)


@bp.post("/<int:plan_id>/layers")
def upload_layer(plan_id: int):
    """Add a GeoJSON layer to the draft."""
    plan, form = _plan_or_403(plan_id), LayerForm()

    def action():
        layer = plans.import_layer(
            plan.latest,
            form.file.data.read(plans.MAX_LAYER_BYTES + 1),
            name=form.name.data,
            style_property=form.style_property.data,
            color=form.color.data or plans.DEFAULT_COLOR,
            actor=current_user,
        )
        return _("Layer added: %(n)d features.", n=len(layer.features))

    return _step(plan, form, "layer_form", action)


@bp.post("/<int:plan_id>/documents")
def upload_document(plan_id: int):
    """Attach a PDF to the draft."""
    plan, form = _plan_or_403(plan_id), DocumentForm()

    def action():
        data = form.file.data.read(plans.MAX_DOCUMENT_BYTES + 1)
        name = form.file.data.filename or ""
        plans.add_document(plan.latest, filename=name, data=data, actor=current_user)
        return _("Document attached.")

    return _step(plan, form, "document_form", action)


@bp.post("/<int:plan_id>/publish")
def publish(plan_id: int):
    """Freeze the draft and open its public notice."""
    plan, form = _plan_or_403(plan_id), PublishForm()

    def action():
        opens, closes = plans.notice_window(form.opens_on.data, form.closes_on.data)
        plans.publish(plan.latest, opens_at=opens, closes_at=closes, actor=current_user)
        return _("Published.")

    return _step(plan, form, "publish_form", action)


@bp.post("/<int:plan_id>/<action>")
def lifecycle(plan_id: int, action: str):
    """Close early, publish results, or start a new version."""
    plan, form = _plan_or_403(plan_id), ReasonForm()
    steps = {
        "close": lambda: plans.close_early(
            plan.public_version, actor=current_user, reason=form.reason.data or ""
        ),
        "results": lambda: cases.publish_results(plan.public_version, actor=current_user),
        "new-version": lambda: plans.new_version(plan, actor=current_user),
    }
    if action not in steps or plan.public_version is None:
        abort(404)

    def run():
        steps[action]()
        return _("Done.")

    return _step(plan, form, "reason_form", run)
