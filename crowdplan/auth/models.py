"""User accounts."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from crowdplan.auth.permissions import GRANTS, SCOPED, STAFF_ROLES, Permission, Role
from crowdplan.core.models import Department, utcnow
from crowdplan.extensions import db
from crowdplan.types import UTCDateTime


class User(UserMixin, db.Model):
    """A person or organisation account; staff accounts belong to a department."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="has_login"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.CITIZEN.value)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department | None] = relationship()

    def set_password(self, password: str) -> None:
        """Store a scrypt hash (Werkzeug's default: memory-hard, salted)."""
        self.password_hash = generate_password_hash(password)

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
