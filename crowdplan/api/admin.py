"""Admin pages for API keys: list, create (the key is shown once), revoke."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crowdplan.api import keys
from crowdplan.api.models import Scope
from crowdplan.auth.permissions import Permission
from crowdplan.auth.staff import staff_blueprint
from crowdplan.core import operations as core
from crowdplan.extensions import db

bp = staff_blueprint("api_keys", __name__, url_prefix="/staff/api-keys")


@bp.before_request
def _admins_only():
    if not current_user.can(Permission.ADMINISTER):
        abort(403)


@bp.get("/")
def index():
    """Every key with its prefix, scopes and state."""
    return _page()


def _page(**extra):
    return render_template(
        "api/keys.html",
        keys=keys.list_api_keys(),
        scopes=list(Scope),
        departments=[d for d in core.list_departments() if d.is_active],
        **extra,
    )


@bp.post("/")
def create():
    """Create a key and show it once on the page that answers the POST."""
    try:
        departments = [int(v) for v in request.form.getlist("department")]
    except ValueError:
        abort(400)
    key, raw = keys.create_api_key(
        request.form.get("name", ""),
        request.form.getlist("scope"),
        departments=departments,
        actor=current_user,
    )
    db.session.commit()
    return _page(new_key=raw, created=key)


@bp.post("/<int:key_id>/revoke")
def revoke(key_id: int):
    """Revoke a key at once."""
    key = keys.get_api_key(key_id) or abort(404)
    keys.revoke_api_key(key, actor=current_user)
    db.session.commit()
    flash(_("The key %(prefix)s… is revoked.", prefix=key.prefix), "success")
    return redirect(url_for("api_keys.index"))
