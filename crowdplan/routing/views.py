"""Admin pages for routing rules: list, edit, add, history, and "where would this go?"."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crowdplan.auth import policy
from crowdplan.auth.staff import staff_blueprint
from crowdplan.core import operations as core
from crowdplan.extensions import db
from crowdplan.plans.models import Plan
from crowdplan.routing import engine
from crowdplan.routing.forms import RuleForm, TryForm
from crowdplan.routing.history import list_history, plan_title
from crowdplan.routing.models import RoutingRule
from crowdplan.routing.operations import RULE_FIELDS, save_rule

bp = staff_blueprint("routing", __name__, url_prefix="/staff/routing")


@bp.before_request
def _admins_only():
    if not policy.can_administer(current_user):
        abort(403)


def _choices(form: RuleForm) -> RuleForm:
    any_ = ("", _("Any"))
    form.topic_id.choices = [any_] + [(t.id, t.label) for t in core.list_topics(active_only=False)]
    form.area_adcode.choices = [any_] + [(a.adcode, a.label) for a in core.list_current_areas()]
    plans = db.session.scalars(select(Plan).order_by(Plan.id)).all()
    form.plan_id.choices = [any_] + [(p.id, p.latest.title) for p in plans]
    form.department_id.choices = [(d.id, d.label) for d in core.list_departments()]
    return form


@bp.get("/")
def rules():
    """All rules in the order they are tried, and the try-a-point form."""
    try_form = TryForm(request.args)
    try_form.topic_id.choices = [(t.id, t.label) for t in core.list_topics()]
    result = None
    if request.args and try_form.validate():
        result = engine.route(try_form.lon.data, try_form.lat.data, topic_id=try_form.topic_id.data)
    ordered = db.session.scalars(
        select(RoutingRule).order_by(RoutingRule.priority, RoutingRule.id)
    ).all()
    return render_template(
        "routing/rules.html",
        rules=ordered,
        try_form=try_form,
        result=result,
        fallback=engine.fallback_department(),
        plan_title=plan_title,
    )


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:rule_id>", methods=["GET", "POST"])
def edit(rule_id: int | None = None):
    """Add or change a rule; every save keeps a history row."""
    rule = db.session.get(RoutingRule, rule_id) if rule_id else None
    if rule_id and rule is None:
        abort(404)
    form = _choices(RuleForm(obj=rule))
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in RULE_FIELDS}
        fields["area_adcode"] = fields["area_adcode"] or None
        rule = save_rule(rule, actor=current_user, **fields)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for(".rules"))
    history = list_history(rule.id) if rule is not None else []
    return render_template(
        "routing/edit.html", form=form, rule=rule, history=history
    ), 400 if form.errors else 200
