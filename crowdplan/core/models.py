"""Departments, jurisdiction areas and topics: the reference data routing and plans rely on."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import get_locale
from geoalchemy2 import Geometry
from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crowdplan.extensions import db
from crowdplan.types import UTCDateTime


def utcnow() -> datetime:
    """Timezone-aware now, the one clock models use."""
    return datetime.now(UTC)


class LocalizedName:
    """Mixin: `label` picks name_en for English pages and the Chinese name otherwise."""

    @property
    def label(self) -> str:
        locale = get_locale()
        if locale is not None and locale.language == "en" and self.name_en:
            return self.name_en
        return self.name


class Department(LocalizedName, db.Model):
    """A bureau section or county-level bureau that answers suggestions."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Takes what no routing rule matches (综合科 in the demo); exactly one should be set.
    is_fallback: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Working days to reply, overriding the topic's when set.
    reply_days: Mapped[int | None]

    parent: Mapped[Department | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


class Area(LocalizedName, db.Model):
    """A jurisdiction polygon; a changed boundary closes the old row and opens a new one."""

    __tablename__ = "areas"
    __table_args__ = (Index("ix_areas_adcode_valid_to", "adcode", "valid_to"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adcode: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="county")
    population: Mapped[int | None]
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False)

    department: Mapped[Department | None] = relationship()

    def __repr__(self) -> str:
        return f"<Area {self.adcode} {self.name}>"


class Topic(LocalizedName, db.Model):
    """What a suggestion is about; the reply deadline is data, per topic."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text)
    reply_days: Mapped[int] = mapped_column(default=15)
    # Working days to answer again after a bad rating (好差评 整改), and to call the rater back.
    rectify_days: Mapped[int] = mapped_column(default=5, server_default="5")
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Topic {self.code}>"
