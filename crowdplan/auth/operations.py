"""Account operations: create, authenticate, passwords. They flush; the caller commits."""

from __future__ import annotations

import hashlib

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import or_, select

from crowdplan.audit.models import record
from crowdplan.auth.consent import record_consent
from crowdplan.auth.models import User, check_password_of_nobody
from crowdplan.auth.passwords import password_problem
from crowdplan.auth.permissions import STAFF_ROLES, Role
from crowdplan.core.models import Department, utcnow
from crowdplan.crypto import matches, normalise_contact
from crowdplan.errors import AppError
from crowdplan.extensions import db


def normalise_login(value: str) -> str:
    """Trim and lower-case e-mail addresses; phone numbers lose spaces and dashes."""
    return normalise_contact(value)


def get_user_by_login(login: str) -> User | None:
    """The user whose e-mail or phone is `login` (found through the blind indexes)."""
    if not login or not login.strip():
        return None
    return db.session.scalar(
        select(User).where(or_(matches(User.email_index, login), matches(User.phone_index, login)))
    )


def authenticate(login: str, password: str) -> User | None:
    """The active user with this login and password, else None (no hint which part failed).

    Every attempt is an audit record; the login itself is never written down (personal data).
    """
    user = get_user_by_login(login)
    if user is None:
        check_password_of_nobody(password)  # as slow as a real account's check
        record("login_failed", None, object_type="users", reason="unknown_login")
        return None
    # The hash first, always: a disabled account answers as slowly as an active one.
    if not user.check_password(password) or not user.is_active:
        reason = "disabled" if not user.is_active else "wrong_password"
        record("login_failed", user, reason=reason)
        return None
    user.last_login_at = utcnow()
    record("login_succeeded", user, actor=user)
    return user


def check_new_password(password: str) -> None:
    """Refuse a new password that is too short, too long or common."""
    problem = password_problem(password)
    if problem:
        raise AppError(problem, code="weak_password")


def create_user(
    *,
    display_name: str,
    password: str,
    email: str | None = None,
    phone: str | None = None,
    role: Role = Role.CITIZEN,
    department: Department | None = None,
    consented: bool = False,
) -> User:
    """A new account; refuses duplicates, weak passwords and staff without a department.
    `consented`: the person ticked the privacy notice box (recorded with its version)."""
    email = normalise_login(email) if email else None
    phone = normalise_login(phone) if phone else None
    if not (email or phone):
        raise AppError(_("Give an e-mail address or a mobile number."), code="login_required")
    check_new_password(password)
    if role in STAFF_ROLES and role is not Role.ADMIN and department is None:
        raise AppError(_("Staff accounts need a department."), code="department_required")
    for value in (email, phone):
        if value and get_user_by_login(value) is not None:
            raise AppError(
                _("An account with this e-mail or mobile number exists already."),
                status=409,
                code="duplicate",
            )
    user = User(
        email=email,
        phone=phone,
        display_name=display_name.strip(),
        role=role.value,
        department=department,
    )
    user.set_password(password)
    if consented:
        record_consent(user)
    db.session.add(user)
    db.session.flush()
    return user


def change_password(user: User, *, current: str, new: str) -> None:
    """Set a new password after checking the current one; every other session ends."""
    if not user.check_password(current):
        record("password_change_failed", user, actor=user, reason="wrong_password")
        raise AppError(_("The current password is wrong."), status=403, code="wrong_password")
    check_new_password(new)
    user.set_password(new)
    record("password_changed", user, actor=user)


def sign_out(user: User) -> None:
    """End this account's sessions everywhere, remember cookies included."""
    user.end_sessions()
    record("logout", user, actor=user)


# Password reset links: signed, expiring, and bound to the current password hash, so a link
# stops working once it has been used (or the password changed in another way).
def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _password_fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    """A single-use token for the reset link."""
    return _reset_serializer().dumps([user.id, _password_fingerprint(user)])


def user_for_reset_token(token: str) -> User | None:
    """The active user a valid, unused, unexpired token belongs to, else None."""
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE_S"]
    try:
        user_id, fingerprint = _reset_serializer().loads(token, max_age=max_age)
    except (BadSignature, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active or _password_fingerprint(user) != fingerprint:
        return None
    return user


def reset_password(user: User, new: str) -> None:
    """Set a new password from a reset link; every session ends."""
    check_new_password(new)
    user.set_password(new)
    record("password_reset", user, actor=user)
