"""API keys: only a SHA-256 hash and a short visible prefix are stored; scopes are data."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crowdplan.core.models import utcnow
from crowdplan.extensions import db
from crowdplan.types import UTCDateTime


class Scope(StrEnum):
    """What a key may do beyond public reads."""

    SUBMIT = "submit"  # post suggestions as a trusted intake channel (e.g. the 12345 hotline)
    STAFF_READ = "staff-read"  # read unpublished suggestions and their private details


# The departments whose unpublished suggestions and contact details a staff-read key may read;
# a key with none is not limited to a department.
api_key_departments = Table(
    "api_key_departments",
    db.metadata,
    Column("api_key_id", Integer, ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", Integer, ForeignKey("departments.id"), primary_key=True),
)


class ApiKey(db.Model):
    """A key for a system (hotline, app, researcher); the key itself is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists to tell keys apart
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200), default="")  # space-separated Scope values
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    departments = relationship("Department", secondary=api_key_departments, lazy="selectin")

    @property
    def scope_list(self) -> list[str]:
        """The scopes as a list."""
        return self.scopes.split() if self.scopes else []

    def has_scope(self, scope: str) -> bool:
        """Whether this (active) key carries the scope."""
        return self.revoked_at is None and scope in self.scope_list

    def covers(self, department_id: int | None) -> bool:
        """Whether the key's departments include this one (a key without departments: all)."""
        return not self.departments or department_id in {d.id for d in self.departments}
