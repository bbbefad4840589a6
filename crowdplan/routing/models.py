"""Routing rules as rows (topic or any, area or any, plan or any -> department), with history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crowdplan.core.models import Department, Topic, utcnow
from crowdplan.extensions import db
from crowdplan.types import UTCDateTime


class RoutingRule(db.Model):
    """The first active rule by priority whose conditions all match decides the department.

    Areas are named by adcode, not row id, so a rule survives a boundary update (which adds a
    new area row for the same adcode).
    """

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    priority: Mapped[int] = mapped_column(default=100)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    area_adcode: Mapped[str | None] = mapped_column(String(12))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    topic: Mapped[Topic | None] = relationship()
    department: Mapped[Department] = relationship()

    def snapshot(self) -> dict:
        """The rule's fields, for history records."""
        return {
            "priority": self.priority,
            "topic_id": self.topic_id,
            "area_adcode": self.area_adcode,
            "plan_id": self.plan_id,
            "department_id": self.department_id,
            "is_active": self.is_active,
            "note": self.note,
        }


class RoutingRuleChange(db.Model):
    """One change of a rule: who, when, before and after (FixMyStreet's contacts_history)."""

    __tablename__ = "routing_rule_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("routing_rules.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)
