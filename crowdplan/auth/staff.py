"""Staff blueprints deny by default: every route needs a signed-in, active staff account."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from crowdplan.auth.permissions import Permission


def staff_blueprint(name: str, import_name: str, **kwargs) -> Blueprint:
    """A blueprint whose every route refuses anonymous users (redirect) and non-staff (403)."""
    bp = Blueprint(name, import_name, **kwargs)

    @bp.before_request
    @login_required
    def _deny_by_default():
        if not current_user.is_staff:
            abort(403)

    return bp


bp = staff_blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/")
def dashboard():
    """The staff landing page: who you are and what you may do."""
    can_moderate = current_user.can(Permission.MODERATE)
    return render_template("staff/dashboard.html", can_moderate=can_moderate)
