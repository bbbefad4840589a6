"""User accounts."""

from __future__ import annotations

import secrets
from datetime import datetime
from functools import cache

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from crowdplan.auth.permissions import GRANTS, SCOPED, STAFF_ROLES, Permission, Role
from crowdplan.core.models import Department, utcnow
from crowdplan.crypto import EncryptedText, blind_index
from crowdplan.extensions import db
from crowdplan.types import UTCDateTime


class User(UserMixin, db.Model):
    """A person or organisation account; staff accounts belong to a department."""

    __tablename__ = "users"
    __table_args__ = (
        # A deleted account keeps its row (audit records and supports point at it) but no login.
        CheckConstraint(
            "email IS NOT NULL OR phone IS NOT NULL OR deleted_at IS NOT NULL", name="has_login"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Encrypted at rest (crowdplan.crypto); sign-in and uniqueness use the blind indexes.
    email: Mapped[str | None] = mapped_column(EncryptedText)
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    email_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.CITIZEN.value)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the login cookie and the remember cookie; a new one ends every session.
    session_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(32))
    # PIPL consent: the privacy notice version agreed to at registration, and when.
    consent_version: Mapped[str | None] = mapped_column(String(20))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the person deleted the account: contact details and name are gone (auth.rights).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department | None] = relationship()

    def set_password(self, password: str) -> None:
        """Store a scrypt hash (Werkzeug's default: memory-hard, salted); end other sessions."""
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def end_sessions(self) -> None:
        """Invalidate every session and remember cookie of this account, on every device."""
        self.session_token = secrets.token_hex(32)

    def get_id(self) -> str:
        """What Flask-Login stores in the session and the remember cookie."""
        return f"{self.id}:{self.session_token}"

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def role_enum(self) -> Role:
        """The role as an enum member."""
        return Role(self.role)

    @property
    def is_staff(self) -> bool:
        """Planners, department heads and admins."""
        return self.role_enum in STAFF_ROLES

    def can(self, permission: Permission, department: Department | None = None) -> bool:
        """Whether this user may do `permission`, for `department` when it is scoped."""
        if not self.is_active or permission not in GRANTS[self.role_enum]:
            return False
        if self.role_enum is Role.ADMIN or permission not in SCOPED:
            return True
        return department is not None and department.id == self.department_id

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


@event.listens_for(User.email, "set")
def _index_email(target: User, value, _old, _initiator) -> None:
    target.email_index = blind_index(value)


@event.listens_for(User.phone, "set")
def _index_phone(target: User, value, _old, _initiator) -> None:
    target.phone_index = blind_index(value)


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


def check_password_of_nobody(password: str) -> bool:
    """A full password check against a random hash (always False) for a login that matches no
    account: unknown and real accounts then take the same time (no timing oracle)."""
    return check_password_hash(_dummy_hash(), password) and False
