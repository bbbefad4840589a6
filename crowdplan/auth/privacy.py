"""The privacy notice, and a person's own data: download it, delete the account."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from crowdplan import transactions
from crowdplan.auth import rights
from crowdplan.auth.consent import notice_version
from crowdplan.auth.forms import DeleteAccountForm
from crowdplan.core.models import utcnow
from crowdplan.dates import local_date
from crowdplan.errors import AppError
from crowdplan.extensions import db, limiter

bp = Blueprint("privacy", __name__)


@bp.get("/privacy")
def notice():
    """What is collected, why, how long it is kept and who sees it (个人信息保护政策)."""
    return render_template(
        "auth/privacy.html",
        version=notice_version(),
        retention_days=current_app.config["CONTACT_RETENTION_DAYS"],
        bureau=current_app.config["BUREAU_NAME"],
    )


@bp.get("/profile/data")
@login_required
def download():
    """One's own data as a JSON file (PIPL Art. 45: a copy on request)."""
    transactions.begin_write(db.session)  # the audit record of the export is a write
    data = rights.export_user_data(current_user)
    db.session.commit()
    day = local_date(utcnow())
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="crowdplan-my-data-{current_user.id}-{day:%Y%m%d}.json"'
    )
    response.headers["Cache-Control"] = "private, no-store"  # personal data: never cached
    return response


@bp.route("/profile/delete", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])  # a password guess per try
@login_required
def delete_account():
    """Delete one's own account, confirmed with the password (PIPL Art. 47)."""
    if current_user.is_staff:
        abort(403)  # staff accounts belong to the bureau: an administrator closes them
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            rights.delete_account(current_user, password=form.password.data)
        except AppError as exc:
            db.session.commit()  # keeps the audit record of a wrong password
            form.password.errors.append(exc.message)
        else:
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Your account has been deleted."), "success")
            return redirect(url_for("main.home"))
    status = 400 if form.errors else 200
    return render_template("auth/delete_account.html", form=form), status
