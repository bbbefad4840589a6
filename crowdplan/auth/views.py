"""Register, sign in, sign out, profile, password change and reset."""

from __future__ import annotations

import hmac

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from crowdplan.auth import operations
from crowdplan.auth.forms import (
    ForgotPasswordForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from crowdplan.auth.models import User
from crowdplan.auth.permissions import Role
from crowdplan.crypto import blind_index
from crowdplan.errors import AppError
from crowdplan.extensions import db, limiter, login_manager
from crowdplan.geo import spatial
from crowdplan.inputs import ascii_int
from crowdplan.mail import absolute_url, send_mail
from crowdplan.redirects import safe_next

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    # The id carries the account's session token: signing out, a new password or disabling
    # the account changes or refuses it, which ends every session and remember cookie.
    user_id, _sep, token = session_id.partition(":")
    if ascii_int(user_id) is None or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active:
        return None
    return user if hmac.compare_digest(user.session_token, token) else None


def _account_key(field: str):
    """A rate-limit key per account: the blind index of the login, never the login itself."""

    def key() -> str:
        return f"account:{blind_index(request.form.get(field) or '') or 'none'}"

    return key


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])  # per network address
@limiter.limit(_login_limit, methods=["POST"], key_func=_account_key("login"))
def login():
    """Sign in with e-mail or phone and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        spatial.begin_immediate(db.session)  # reads the account, then writes the audit record
        user = operations.authenticate(form.login.data, form.password.data)
        db.session.commit()  # the attempt's audit record, success or not
        if user is None:
            form.password.errors.append(_("Wrong e-mail/mobile number or password."))
        else:
            session.clear()  # a fresh session at sign-in (no fixation)
            login_user(user, remember=form.remember.data)
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(safe_next(url_for("main.home")))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
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
                consented=form.consent.data,  # required by the form
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
    """Sign out everywhere (POST with CSRF: no sign-out by a stray link).

    The account's session token changes, so a copied session or remember cookie is dead too.
    """
    operations.sign_out(current_user)
    db.session.commit()
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


@bp.route("/profile/password", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])  # outside login_required: GETs count per address
@login_required
def change_password():
    """A new password; other devices are signed out, this one stays signed in."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            operations.change_password(
                current_user, current=form.current.data, new=form.password.data
            )
        except AppError as exc:
            db.session.commit()  # keeps the audit record of a wrong current password
            form.current.errors.append(exc.message)
        else:
            db.session.commit()
            user = current_user._get_current_object()
            session.clear()
            login_user(user)  # the new session token
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.profile"))
    status = 400 if form.errors else 200
    return render_template("auth/password_change.html", form=form), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5/hour", methods=["POST"])
@limiter.limit("3/hour", methods=["POST"], key_func=_account_key("email"))
def forgot_password():
    """Mail a reset link; the answer is the same whether or not the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = operations.get_user_by_login(form.email.data)
        if user is not None and user.is_active and user.email:
            # The site's configured address, never the request's Host header: a forged Host
            # must not turn the mailed link into one that leaks the token to another site.
            link = absolute_url("auth.reset_password", token=operations.make_reset_token(user))
            body = _(
                "Open this link within an hour to choose a new password:\n\n%(link)s\n\n"
                "If you did not ask for it, ignore this message.",
                link=link,
            )
            send_mail(to=user.email, subject=_("Choose a new password"), body=body)
            db.session.commit()  # the mail is a row in the outbox, sent after this commit
        flash(_("If an account has this address, we have sent it a link."), "info")
        return redirect(url_for("auth.login"))
    status = 400 if form.errors else 200
    return render_template("auth/password_forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
def reset_password(token: str):
    """Choose a new password from a mailed link (single use, one hour)."""
    user = operations.user_for_reset_token(token)
    if user is None:
        abort(404)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        operations.reset_password(user, form.password.data)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Your password has been changed. Please sign in."), "success")
        return redirect(url_for("auth.login"))
    status = 400 if form.errors else 200
    return render_template("auth/password_reset.html", form=form), status
