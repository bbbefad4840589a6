"""The audit log for administrators: filters in the URL, newest first, 50 a page."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from crowdplan.audit.labels import TEMPLATE_GLOBALS
from crowdplan.audit.models import AuditRecord
from crowdplan.auth.models import User
from crowdplan.auth.permissions import Permission
from crowdplan.auth.staff import staff_blueprint
from crowdplan.dates import end_of_day_exclusive, start_of_day
from crowdplan.extensions import db
from crowdplan.inputs import arg_date, arg_int, arg_page

bp = staff_blueprint("audit", __name__, url_prefix="/staff/audit")
PER_PAGE = 50
FILTERS = ("action", "object_type", "object_id", "actor", "since", "until")


@bp.app_context_processor
def _labels():
    # App-wide: the moderation page names states and reasons from the same tables.
    return TEMPLATE_GLOBALS


@bp.before_request
def _admins_only():
    if not current_user.can(Permission.ADMINISTER):
        abort(403)


def _filtered():
    """The query for the filters in the URL; a malformed or out-of-range value is a 400."""
    args = request.args
    query = select(AuditRecord)
    if args.get("action"):
        query = query.where(AuditRecord.action == args["action"])
    if args.get("object_type"):
        query = query.where(AuditRecord.object_type == args["object_type"])
    if (object_id := arg_int("object_id")) is not None:
        query = query.where(AuditRecord.object_id == object_id)
    if (actor := arg_int("actor")) is not None:
        query = query.where(AuditRecord.actor_id == actor)
    if since := arg_date("since"):
        query = query.where(AuditRecord.created_at >= start_of_day(since))
    if until := arg_date("until"):
        query = query.where(AuditRecord.created_at < end_of_day_exclusive(until))
    return query


@bp.get("/")
def log():
    """Browse the audit log."""
    page = db.paginate(
        _filtered().order_by(AuditRecord.id.desc()),
        page=arg_page(),
        per_page=PER_PAGE,
        error_out=False,
    )
    actor_ids = {r.actor_id for r in page.items if r.actor_id}
    actors = {
        u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(actor_ids)))
    }
    return render_template(
        "audit/log.html",
        page=page,
        actors=actors,
        actions=db.session.scalars(
            select(AuditRecord.action).distinct().order_by(AuditRecord.action)
        ).all(),
        object_types=db.session.scalars(
            select(AuditRecord.object_type).distinct().order_by(AuditRecord.object_type)
        ).all(),
        filters={k: request.args[k] for k in FILTERS if request.args.get(k)},
    )
