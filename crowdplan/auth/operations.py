"""Account operations: create, authenticate, update. They flush; the caller commits."""

from __future__ import annotations

from sqlalchemy import or_, select

from crowdplan.auth.models import User
from crowdplan.auth.permissions import STAFF_ROLES, Role
from crowdplan.core.models import Department, utcnow
from crowdplan.crypto import matches, normalise_contact
from crowdplan.errors import AppError
from crowdplan.extensions import db

MIN_PASSWORD_LENGTH = 8


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
    """The active user with this login and password, else None (no hint which part failed)."""
    user = get_user_by_login(login)
    if user is None or not user.is_active or not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


def create_user(
    *,
    display_name: str,
    password: str,
    email: str | None = None,
    phone: str | None = None,
    role: Role = Role.CITIZEN,
    department: Department | None = None,
) -> User:
    """A new account; refuses duplicates, short passwords and staff without a department."""
    from flask_babel import gettext as _

    email = normalise_login(email) if email else None
    phone = normalise_login(phone) if phone else None
    if not (email or phone):
        raise AppError(_("Give an e-mail address or a mobile number."), code="login_required")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AppError(
            _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            code="password_too_short",
        )
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
    db.session.add(user)
    db.session.flush()
    return user
