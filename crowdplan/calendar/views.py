"""Admin pages: the official calendar of a year (view, add, correct, cover) and the time
limits with their history. Staff pages show a warning when official data runs out."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from crowdplan import dates
from crowdplan.auth import policy
from crowdplan.auth.staff import staff_blueprint
from crowdplan.calendar import limits, operations
from crowdplan.calendar.forms import CoverForm, DayForm, DepartmentLimitForm, TopicLimitsForm
from crowdplan.calendar.store import covered_years
from crowdplan.core import operations as core
from crowdplan.core.models import Department, Topic
from crowdplan.errors import AppError
from crowdplan.extensions import db

bp = staff_blueprint("calendar", __name__, url_prefix="/staff")


def calendar_gap():
    """For staff templates: the first uncovered day within 90 days (None when covered)."""
    return operations.uncovered_from()


bp.add_app_template_global(calendar_gap, "calendar_gap")


@bp.before_request
def _admins_only():
    if not policy.can_administer(current_user):
        abort(403)


def _kind_label(kind: str) -> str:
    return {"holiday": _("Holiday"), "workday": _("Make-up working day")}.get(kind, kind)


@bp.get("/calendar/")
@bp.get("/calendar/<int:year>")
def year(year: int | None = None):
    """A year's official days, its coverage, and the forms to add, correct and cover."""
    year = year or dates.local_date(operations.utcnow()).year
    if not 2000 <= year <= 2100:
        abort(404)
    return _year_page(year, DayForm(), CoverForm())


def _year_page(year: int, day_form: DayForm, cover_form: CoverForm, status: int = 200):
    days = [
        (d, format_date(d.day, "EEEE"), _kind_label(d.kind)) for d in operations.year_days(year)
    ]
    page = render_template(
        "calendar/year.html",
        year=year,
        days=days,
        coverage=operations.year_coverage(year),
        years=sorted(covered_years()),
        day_form=day_form,
        cover_form=cover_form,
    )
    return page, status


def _done(change: operations.Change) -> None:
    flash(_("Saved. Deadlines moved: %(n)d.", n=change.moved), "success")


@bp.post("/calendar/day")
def set_day():
    """Add or correct a day; audited, and running deadlines are recomputed."""
    form = DayForm()
    if not form.validate_on_submit():
        shown = form.day.data.year if form.day.data else dates.local_date(operations.utcnow()).year
        return _year_page(shown, form, CoverForm(), 400)
    try:
        change = operations.set_day(
            form.day.data, form.kind.data, name=form.name.data, actor=current_user
        )
    except AppError as exc:
        form.kind.errors = [exc.message]
        return _year_page(form.day.data.year, form, CoverForm(), 400)
    db.session.commit()
    _done(change)
    return redirect(url_for(".year", year=form.day.data.year))


@bp.post("/calendar/<int:year>/cover")
def cover(year: int):
    """Declare the year's official days complete."""
    form = CoverForm()
    if not form.validate_on_submit():
        return _year_page(year, DayForm(), form, 400)
    try:
        change = operations.cover_year(year, name=form.name.data, actor=current_user)
    except AppError:
        abort(404)
    db.session.commit()
    _done(change)
    return redirect(url_for(".year", year=year))


# --- Time limits ----------------------------------------------------------------------------


def _limits_page(posted=None, status: int = 200):
    topics = core.list_topics(active_only=False)
    departments = core.list_departments()
    topic_forms = {t.id: TopicLimitsForm(prefix=f"t{t.id}", formdata=None, obj=t) for t in topics}
    department_forms = {
        d.id: DepartmentLimitForm(prefix=f"d{d.id}", formdata=None, obj=d) for d in departments
    }
    if posted is not None:
        kind, key, form = posted
        (topic_forms if kind == "topic" else department_forms)[key] = form
    page = render_template(
        "calendar/limits.html",
        topics=[(t, topic_forms[t.id]) for t in topics],
        departments=[(d, department_forms[d.id]) for d in departments],
        history=limits.list_history(),
    )
    return page, status


@bp.get("/limits")
def limits_page():
    """Every topic's and department's limits, and their history."""
    return _limits_page()


@bp.post("/limits/topics/<int:topic_id>")
def topic_limits(topic_id: int):
    topic = db.session.get(Topic, topic_id) or abort(404)
    form = TopicLimitsForm(prefix=f"t{topic_id}")
    if not form.validate_on_submit():
        return _limits_page(("topic", topic_id, form), 400)
    limits.set_topic_limits(
        topic,
        reply_days=form.reply_days.data,
        rectify_days=form.rectify_days.data,
        actor=current_user,
    )
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".limits_page"))


@bp.post("/limits/departments/<int:department_id>")
def department_limit(department_id: int):
    department = db.session.get(Department, department_id) or abort(404)
    form = DepartmentLimitForm(prefix=f"d{department_id}")
    if not form.validate_on_submit():
        return _limits_page(("department", department_id, form), 400)
    limits.set_department_limit(department, reply_days=form.reply_days.data, actor=current_user)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".limits_page"))
