"""Register, sign in, sign out, profile."""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from crowdplan.auth import operations
from crowdplan.auth.forms import LoginForm, ProfileForm, RegisterForm
from crowdplan.auth.models import User
from crowdplan.auth.permissions import Role
from crowdplan.errors import AppError
from crowdplan.extensions import db, login_manager

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    # The id carries the account's session token: signing out, a new password or disabling
    # the account changes or refuses it, which ends every session and remember cookie.
    user_id, _sep, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active:
        return None
    return user if hmac.compare_digest(user.session_token, token) else None


def _safe_next(default: str) -> str:
    """Only same-site relative paths, so a link cannot bounce users to another site."""
    target = request.args.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with e-mail or phone and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.login.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong e-mail/mobile number or password."))
        else:
            db.session.commit()
            session.clear()  # a fresh session at sign-in (no fixation)
            login_user(user, remember=form.remember.data)
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(_safe_next(url_for("main.home")))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create a citizen or organisation account."""
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = operations.create_user(
                display_name=form.display_name.data,
                password=form.password.data,
                email=form.email.data or None,
                phone=form.phone.data or None,
                role=Role(form.kind.data),
            )
        except AppError as exc:
            db.session.rollback()
            form.email.errors.append(exc.message)
        else:
            db.session.commit()
            session.clear()
            login_user(user)
            flash(_("Your account is ready."), "success")
            return redirect(url_for("main.home"))
    status = 400 if form.errors else 200
    return render_template("auth/register.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Sign out and forget the session (POST with CSRF: no sign-out by a stray link)."""
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """See and edit one's own account."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        current_user.display_name = form.display_name.data.strip()
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("auth.profile"))
    status = 400 if form.errors else 200
    return render_template("auth/profile.html", form=form), status
