"""Planner pages: drafts, layers, documents, publication. Staff only, scoped to the department."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

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
from crowdplan.plans.models import Plan, PlanType
from crowdplan.plans.styles import auto_style

bp = staff_blueprint("plans_staff", __name__, url_prefix="/staff/plans")


def _plan_or_403(plan_id: int) -> Plan:
    plan = plans.get_plan(plan_id)
    if plan is None:
        abort(404)
    if not current_user.can(Permission.MANAGE_PLANS, plan.department):
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


def _render_edit(plan: Plan, status: int = 200, **forms):
    version = plan.latest
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
            stage=version.stage(utcnow()),
            plan_map=plan_map,
            legend=legend,
            **forms,
        ),
        status,
    )


def _refuse(plan: Plan, message: str, **forms):
    db.session.rollback()
    flash(message, "error")
    return _render_edit(db.session.get(Plan, plan.id), 400, **forms)


@bp.post("/<int:plan_id>/draft")
def update_draft(plan_id: int):
    """Save a draft's title and summary."""
    plan = _plan_or_403(plan_id)
    form = DraftForm()
    if not form.validate_on_submit():
        return _render_edit(plan, 400, draft_form=form)
    try:
        plans.update_draft(
            plan.latest, actor=current_user, title=form.title.data, summary=form.summary.data or ""
        )
    except AppError as exc:
        return _refuse(plan, exc.message, draft_form=form)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".edit", plan_id=plan.id))


@bp.post("/<int:plan_id>/layers")
def upload_layer(plan_id: int):
    """Add a GeoJSON layer to the draft."""
    plan = _plan_or_403(plan_id)
    form = LayerForm()
    if not form.validate_on_submit():
        return _render_edit(plan, 400, layer_form=form)
    raw = form.file.data.read(plans.MAX_LAYER_BYTES + 1)
    try:
        layer = plans.import_layer(plan.latest, raw, name=form.name.data, actor=current_user)
        layer.style = auto_style(
            [f.properties for f in layer.features],
            form.style_property.data,
            color=form.color.data or "#3388ff",
        )
    except (AppError, GeoJSONError) as exc:
        return _refuse(plan, getattr(exc, "message", str(exc)), layer_form=form)
    db.session.commit()
    flash(_("Layer added: %(n)d features.", n=len(layer.features)), "success")
    return redirect(url_for(".edit", plan_id=plan.id))


@bp.post("/<int:plan_id>/documents")
def upload_document(plan_id: int):
    """Attach a PDF to the draft."""
    plan = _plan_or_403(plan_id)
    form = DocumentForm()
    if not form.validate_on_submit():
        return _render_edit(plan, 400, document_form=form)
    data = form.file.data.read(plans.MAX_DOCUMENT_BYTES + 1)
    try:
        plans.add_document(
            plan.latest, filename=form.file.data.filename or "", data=data, actor=current_user
        )
    except AppError as exc:
        return _refuse(plan, exc.message, document_form=form)
    db.session.commit()
    flash(_("Document attached."), "success")
    return redirect(url_for(".edit", plan_id=plan.id))


@bp.post("/<int:plan_id>/publish")
def publish(plan_id: int):
    """Freeze the draft and open its public notice."""
    plan = _plan_or_403(plan_id)
    form = PublishForm()
    if not form.validate_on_submit():
        return _render_edit(plan, 400, publish_form=form)
    tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    try:
        opens, closes = plans.notice_window(form.opens_on.data, form.closes_on.data, tz)
        plans.publish(plan.latest, opens_at=opens, closes_at=closes, actor=current_user)
    except AppError as exc:
        return _refuse(plan, exc.message, publish_form=form)
    db.session.commit()
    flash(_("Published."), "success")
    return redirect(url_for(".edit", plan_id=plan.id))


@bp.post("/<int:plan_id>/<action>")
def lifecycle(plan_id: int, action: str):
    """Close early, publish results, or start a new version."""
    plan = _plan_or_403(plan_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _render_edit(plan, 400, reason_form=form)
    steps = {
        "close": lambda: plans.close_early(
            plan.public_version, actor=current_user, reason=form.reason.data or ""
        ),
        "results": lambda: plans.publish_results(plan.public_version, actor=current_user),
        "new-version": lambda: plans.new_version(plan, actor=current_user),
    }
    if action not in steps or plan.public_version is None:
        abort(404)
    try:
        steps[action]()
    except AppError as exc:
        return _refuse(plan, exc.message)
    db.session.commit()
    flash(_("Done."), "success")
    return redirect(url_for(".edit", plan_id=plan.id))
