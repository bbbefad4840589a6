"""Suggestions pinned to places, their photos, supports, flags, and moderation data."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from geoalchemy2 import Geometry
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crowdplan.core.models import Department, Topic, utcnow
from crowdplan.crypto import EncryptedText, blind_index
from crowdplan.extensions import db
from crowdplan.types import UTCDateTime


class Stance(StrEnum):
    """What the author thinks of the plan or place."""

    SUPPORT = "support"  # 支持
    OPPOSE = "oppose"  # 反对
    SUGGEST = "suggest"  # 建议


class Visibility(StrEnum):
    """Whether the public sees a suggestion."""

    UNCONFIRMED = "unconfirmed"  # a guest has not opened the e-mail link yet
    REVIEW = "review"  # held for a moderator (先审后发, blocked words, flags)
    PUBLISHED = "published"
    HIDDEN = "hidden"  # a moderator hid it


class Suggestion(db.Model):
    """One suggestion (意见建议): a point, a topic, a stance, text; contact details are private."""

    __tablename__ = "suggestions"
    __table_args__ = (
        Index("ix_suggestions_visibility_created", "visibility", "created_at"),
        Index("ix_suggestions_plan_id", "plan_id"),
        Index("ix_suggestions_visibility_replied", "visibility", "replied_at"),
        # One suggestion per form shown: a double click or a replayed post finds the first.
        Index("ix_suggestions_form_token", "form_token", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    point = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False)
    is_approximate: Mapped[bool] = mapped_column(default=False)
    place_label: Mapped[str | None] = mapped_column(String(120))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"))
    stance: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    display_name: Mapped[str | None] = mapped_column(String(80))  # None: shown as anonymous
    # Staff of the suggestion's department only; encrypted at rest (crowdplan.crypto).
    contact_phone: Mapped[str | None] = mapped_column(EncryptedText)
    contact_email: Mapped[str | None] = mapped_column(EncryptedText)
    # Counts distinct guest authors in the statistics without decrypting.
    contact_email_index: Mapped[str | None] = mapped_column(String(64))
    # Set when the contact details were erased (account deleted, or retention period over).
    contacts_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A guest's consent to the privacy notice (version, time); an account's is on the user.
    consent_version: Mapped[str | None] = mapped_column(String(20))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    org_name: Mapped[str | None] = mapped_column(String(120))
    org_members: Mapped[int | None]
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    plan_version_id: Mapped[int | None] = mapped_column(ForeignKey("plan_versions.id"))
    plan_feature_id: Mapped[int | None] = mapped_column(ForeignKey("plan_layer_features.id"))
    visibility: Mapped[str] = mapped_column(String(12), default=Visibility.PUBLISHED.value)
    review_reason: Mapped[str | None] = mapped_column(String(200))
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SHA-256 of the nonce in the signed form stamp it was sent with (web form only).
    form_token: Mapped[str | None] = mapped_column(String(64))
    support_count: Mapped[int] = mapped_column(default=0)
    # Reports from signed-in accounts since the last approval: these alone can hide it.
    flag_count: Mapped[int] = mapped_column(default=0)
    source_hash: Mapped[str | None] = mapped_column(String(64))  # salted IP hash, for caps
    # Routing (分办): where it went, by which rule and why; flagged points need a human check.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    routing_rule_id: Mapped[int | None] = mapped_column(ForeignKey("routing_rules.id"))
    routing_area_adcode: Mapped[str | None] = mapped_column(String(12))
    routing_boundary_m: Mapped[float | None]
    routing_flags: Mapped[str | None] = mapped_column(String(80))  # comma-separated reasons
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Workflow (crowdplan.triage.workflow): status, public reply, adoption decision, rating.
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    reply_text: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str | None] = mapped_column(String(16))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[str | None] = mapped_column(String(16))  # workflow.Rating (好差评)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_count: Mapped[int] = mapped_column(default=0)  # rectifications opened (at most 1)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("suggestions.id"))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # overdue, 督办 sent

    topic: Mapped[Topic] = relationship()
    department: Mapped[Department | None] = relationship()
    photos: Mapped[list[SuggestionPhoto]] = relationship(
        back_populates="suggestion", order_by="SuggestionPhoto.id", cascade="all, delete-orphan"
    )

    @property
    def is_public(self) -> bool:
        """Shown on public pages, feeds and the API."""
        return self.visibility == Visibility.PUBLISHED


@event.listens_for(Suggestion.contact_email, "set")
def _index_contact_email(target: Suggestion, value, _old, _initiator) -> None:
    target.contact_email_index = blind_index(value)


class SuggestionPhoto(db.Model):
    """A re-encoded photo (no EXIF) and its thumbnail, stored outside static/."""

    __tablename__ = "suggestion_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64), unique=True)
    thumb_name: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int]
    height: Mapped[int]

    suggestion: Mapped[Suggestion] = relationship(back_populates="photos")


class Support(db.Model):
    """A +1: one per account or per guest cookie, enforced by unique constraints (race-free)."""

    __tablename__ = "suggestion_supports"
    __table_args__ = (
        UniqueConstraint("suggestion_id", "user_id", name="uq_supports_user"),
        UniqueConstraint("suggestion_id", "guest_key", name="uq_supports_guest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    guest_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Flag(db.Model):
    """A report that a suggestion breaks the rules; one per account or signed guest id, ever.

    A moderator's approval clears the open reports but keeps the rows: the unique constraints
    then stop the same people from reporting it again, so they cannot hide it a second time."""

    __tablename__ = "suggestion_flags"
    __table_args__ = (
        UniqueConstraint("suggestion_id", "user_id", name="uq_flags_user"),
        UniqueConstraint("suggestion_id", "guest_key", name="uq_flags_guest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    guest_key: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a moderator approved


class SuggestionEdit(db.Model):
    """A moderator's change of text; the original is kept here."""

    __tablename__ = "suggestion_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    old_text: Mapped[str] = mapped_column(Text)
    new_text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BlockedWord(db.Model):
    """A word or phrase that holds a suggestion for review (admin-editable data)."""

    __tablename__ = "blocked_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SiteSetting(db.Model):
    """A site-wide setting editable by admins, e.g. review_mode (all / flagged / none)."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
