"""Plans, their versions, layers with features, and documents."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from geoalchemy2 import Geometry
from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crowdplan.core.models import Area, Department, LocalizedName, utcnow
from crowdplan.extensions import db
from crowdplan.types import UTCDateTime


class Stage(StrEnum):
    """Where a version stands; derived from its instants, so no scheduler is needed."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"  # published, notice opens later
    NOTICE = "notice"  # 公示中: comments open
    CLOSED = "closed"  # notice over, triage goes on
    RESULTS = "results"  # 结果公布: adoption report public


class PlanType(LocalizedName, db.Model):
    """A kind of plan and the shortest public notice the law allows for it."""

    __tablename__ = "plan_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str | None] = mapped_column(String(80))
    min_notice_days: Mapped[int] = mapped_column(default=30)
    sort_order: Mapped[int] = mapped_column(default=0)


plan_areas = Table(
    "plan_areas",
    db.metadata,
    Column("plan_id", Integer, ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", Integer, ForeignKey("areas.id"), primary_key=True),
)


class Plan(db.Model):
    """A plan as the public knows it; its content lives in versions."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_type_id: Mapped[int] = mapped_column(ForeignKey("plan_types.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan_type: Mapped[PlanType] = relationship()
    department: Mapped[Department] = relationship()
    areas: Mapped[list[Area]] = relationship(secondary=plan_areas, order_by=Area.adcode)
    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", order_by="PlanVersion.number", cascade="all, delete-orphan"
    )

    @property
    def latest(self) -> PlanVersion:
        """The newest version (a draft while being revised)."""
        return self.versions[-1]

    @property
    def public_version(self) -> PlanVersion | None:
        """What the public sees now (see `version_at`)."""
        return self.version_at(utcnow())

    def version_at(self, now: datetime) -> PlanVersion | None:
        """The version in public notice at `now`, else the newest published one.

        A new version published while an earlier one is in notice waits for its own window:
        until it opens, the earlier one is shown and takes the comments (publish hands the
        notice over, so at most one version is in notice at a time).
        """
        published = [v for v in self.versions if v.published_at is not None]
        in_notice = [v for v in published if v.stage(now) is Stage.NOTICE]
        return (in_notice or published or [None])[-1]


class PlanVersion(db.Model):
    """One version of a plan's content; frozen (fingerprinted) once published."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_plan_versions_plan_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    notice_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notice_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_early_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="versions")
    layers: Mapped[list[Layer]] = relationship(
        back_populates="version", order_by="Layer.sort_order", cascade="all, delete-orphan"
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="version", order_by="Document.id", cascade="all, delete-orphan"
    )

    @property
    def is_frozen(self) -> bool:
        """Published versions never change."""
        return self.published_at is not None

    def closes_at(self) -> datetime | None:
        """When commenting ends: the scheduled close, or an early close."""
        return self.closed_early_at or self.notice_closes_at

    def stage(self, now: datetime) -> Stage:
        """The stage at instant `now` (the server's clock decides, no cron)."""
        if self.published_at is None:
            return Stage.DRAFT
        if self.results_published_at is not None and self.results_published_at <= now:
            return Stage.RESULTS
        if now < self.notice_opens_at:
            return Stage.SCHEDULED
        if now < self.closes_at():
            return Stage.NOTICE
        return Stage.CLOSED


class Layer(db.Model):
    """A map layer of a version: features plus a style rule."""

    __tablename__ = "plan_layers"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    sort_order: Mapped[int] = mapped_column(default=0)
    # {"property": "landuse", "classes": {"R": {"color": "#ffff00", "label": "居住用地"}, ...},
    #  "default": {"color": "#888888", "label": "其他"}}  or  {"color": "#3388ff"} (single style)
    style: Mapped[dict] = mapped_column(JSON, default=dict)

    version: Mapped[PlanVersion] = relationship(back_populates="layers")
    features: Mapped[list[LayerFeature]] = relationship(
        back_populates="layer", order_by="LayerFeature.id", cascade="all, delete-orphan"
    )


class LayerFeature(db.Model):
    """One feature of a layer: a geometry (any type, SRID 4326) and its properties."""

    __tablename__ = "plan_layer_features"

    id: Mapped[int] = mapped_column(primary_key=True)
    layer_id: Mapped[int] = mapped_column(ForeignKey("plan_layers.id", ondelete="CASCADE"))
    properties: Mapped[dict] = mapped_column(JSON, default=dict)
    geom = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=True), nullable=False)

    layer: Mapped[Layer] = relationship(back_populates="features")


class Document(db.Model):
    """A PDF attached to a version, stored outside static/ under a random name."""

    __tablename__ = "plan_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[PlanVersion] = relationship(back_populates="documents")
