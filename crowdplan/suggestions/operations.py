"""Suggestion operations: submit and confirm (supports, flags and moderation are in
reactions.py). They flush; callers commit."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import func, select

from crowdplan import transactions
from crowdplan.audit.models import record
from crowdplan.auth.permissions import Permission
from crowdplan.core.models import Area, Topic, utcnow
from crowdplan.errors import AppError
from crowdplan.extensions import db
from crowdplan.geo import spatial
from crowdplan.plans.models import LayerFeature, Plan, plan_areas
from crowdplan.plans.operations import comments_open
from crowdplan.suggestions.models import (
    BlockedWord,
    SiteSetting,
    Stance,
    Suggestion,
    SuggestionPhoto,
    Visibility,
)
from crowdplan.suggestions.moderation_words import BlockedWords
from crowdplan.suggestions.photos import MAX_PHOTOS, prepare_photo, save_photos

MIN_TEXT, MAX_TEXT = 5, 2000
FLAGS_TO_HIDE = 3
REVIEW_MODES = ("all", "flagged", "none")  # 先审后发: everything / only what is flagged / nothing
CAP_PER_ACCOUNT_PER_HOUR = 10
CAP_PER_SOURCE_PER_HOUR = 30
CONFIRM_TTL = timedelta(days=7)


@dataclass
class SuggestionInput:
    """What a person submits, already parsed from a form or API call."""

    lon: float
    lat: float
    topic_code: str
    stance: str
    text: str
    is_approximate: bool = False
    place_label: str | None = None
    display_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    org_name: str | None = None
    org_members: int | None = None
    plan_id: int | None = None
    feature_id: int | None = None
    photos: list[bytes] = field(default_factory=list)
    # The privacy notice version a guest agreed to on the web form (accounts agreed at sign-up).
    consent_version: str | None = None


def hash_token(token: str) -> str:
    """Tokens and guest cookies are stored only as SHA-256 hashes."""
    return hashlib.sha256(token.encode()).hexdigest()


def source_hash(remote_addr: str | None, now: datetime | None = None) -> str:
    """A salted hash of the client address that changes daily: caps without storing IPs."""
    day = (now or utcnow()).date().isoformat()
    secret = current_app.config["SECRET_KEY"]
    return hashlib.sha256(f"{secret}|{day}|{remote_addr or '-'}".encode()).hexdigest()


def get_review_mode() -> str:
    """The site's 先审后发 setting: all, flagged (default) or none."""
    value = db.session.get(SiteSetting, "review_mode")
    return value.value if value and value.value in REVIEW_MODES else "flagged"


def set_review_mode(mode: str, *, actor) -> None:
    """Change the 先审后发 setting (admins)."""
    if mode not in REVIEW_MODES:
        raise AppError(_("Unknown review mode."), code="bad_mode")
    setting = db.session.get(SiteSetting, "review_mode") or SiteSetting(key="review_mode")
    old = setting.value if setting.value else None
    setting.value = mode
    db.session.add(setting)
    db.session.flush()
    record("review_mode_changed", _SettingRef(), actor=actor, from_state=old, to_state=mode)


class _SettingRef:
    """Lets audit.record describe a site setting like a row."""

    __tablename__ = "site_settings"
    id = 0


def blocked_words() -> BlockedWords:
    """The current blocked-word matcher."""
    return BlockedWords(db.session.scalars(select(BlockedWord.word)))


def check_point(lon: float, lat: float, plan: Plan | None) -> list[Area]:
    """Refuse a point that is not a number, not on Earth, outside the city or the plan's areas."""
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (lon, lat)):
        raise AppError(_("The place is not a valid location."), code="bad_point")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise AppError(_("The place is not a valid location."), code="bad_point")
    query = select(Area).where(Area.valid_to.is_(None), spatial.contains_point(Area.geom, lon, lat))
    areas = list(db.session.scalars(query))
    if not areas:
        raise AppError(
            _("This place is outside the city. Please choose a place inside it."),
            status=422,
            code="outside_city",
        )
    if plan is not None and plan.areas:
        allowed = set(
            db.session.scalars(select(plan_areas.c.area_id).where(plan_areas.c.plan_id == plan.id))
        )
        if not allowed & {a.id for a in areas}:
            raise AppError(
                _("This place is outside the area this plan covers."),
                status=422,
                code="outside_plan",
            )
    return areas


def build_suggestion(
    data: SuggestionInput,
    *,
    author=None,
    guest_email: str | None = None,
    source: str | None = None,
    now: datetime | None = None,
    trusted_channel: bool = False,
    form_token: str | None = None,
) -> tuple[Suggestion, str | None, list]:
    """Validate a submission and build its row (not yet added): every read and check, and the
    photos re-encoded, happen here, before the write lock. Guests get a confirmation token
    (returned once).

    A trusted channel (an API key with the submit scope, e.g. the 12345 hotline system) has
    checked its callers itself, so its submissions skip the e-mail confirmation but not moderation.
    `form_token` (the hashed nonce of the web form's stamp) makes a resent form one suggestion.
    """
    now = now or utcnow()
    plan, version_id, feature_id = _plan_context(data, now)
    check_point(data.lon, data.lat, plan)
    topic = _topic(data.topic_code)
    _check_text_and_stance(data)
    if len(data.photos) > MAX_PHOTOS:
        raise AppError(_("At most %(n)d photos.", n=MAX_PHOTOS), code="too_many_photos")
    # Re-encoding takes a while: before the write lock, which every other writer waits for.
    photos = [prepare_photo(raw) for raw in data.photos]
    speaks_for = author is not None and author.can(Permission.SPEAK_FOR_MEMBERS)
    suggestion = Suggestion(
        point=from_shape(Point(data.lon, data.lat), srid=spatial.SRID),
        is_approximate=data.is_approximate,
        place_label=(data.place_label or None),
        topic=topic,
        stance=data.stance,
        text=data.text.strip(),
        author_id=getattr(author, "id", None),
        display_name=(data.display_name or "").strip() or None,
        contact_phone=(data.contact_phone or "").strip() or None,
        contact_email=(guest_email or data.contact_email or "").strip() or None,
        org_name=((data.org_name or "").strip() or None) if speaks_for else None,
        org_members=data.org_members if speaks_for else None,
        plan_id=plan.id if plan else None,
        plan_version_id=version_id,
        plan_feature_id=feature_id,
        source_hash=source,
        form_token=form_token,
        created_at=now,
        consent_version=data.consent_version,
        consent_at=now if data.consent_version else None,
    )
    token = None
    if author is None and not trusted_channel:
        token = secrets.token_urlsafe(24)
        suggestion.visibility = Visibility.UNCONFIRMED
        suggestion.confirm_token_hash = hash_token(token)
    else:
        _apply_moderation(suggestion)
    return suggestion, token, photos


def store_suggestion(suggestion: Suggestion, photos: list) -> Suggestion:
    """Insert a built suggestion and its prepared photos: the write, as short as it can be."""
    transactions.begin_write(db.session)
    if suggestion.form_token is not None:
        _check_first_send(suggestion.form_token)
    # Under the lock: two requests cannot both pass the cap.
    _check_caps(suggestion.author_id, suggestion.source_hash, suggestion.created_at)
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "photos"
    for stored in save_photos(photos, folder):
        suggestion.photos.append(
            SuggestionPhoto(
                name=stored.name,
                thumb_name=stored.thumb_name,
                width=stored.width,
                height=stored.height,
            )
        )
    db.session.add(suggestion)
    db.session.flush()
    return suggestion


class DuplicateSubmission(Exception):
    """This form was sent before: the answer is the first send's suggestion (nothing stored)."""

    def __init__(self, suggestion_id: int):
        super().__init__(suggestion_id)
        self.suggestion_id = suggestion_id


def _check_first_send(form_token: str) -> None:
    # SQLite: the write lock serialises the sends. PostgreSQL: an advisory lock on the token
    # makes a concurrent send wait for the first to commit, then see its row; the unique
    # index is the backstop.
    spatial.advisory_lock(db.session, int(form_token[:15], 16))
    first = db.session.scalar(select(Suggestion.id).where(Suggestion.form_token == form_token))
    if first is not None:
        raise DuplicateSubmission(first)


def _plan_context(data: SuggestionInput, now: datetime):
    if data.plan_id is None:
        return None, None, None
    plan = db.session.get(Plan, data.plan_id)
    version = plan.version_at(now) if plan else None  # the version in notice at `now`
    if version is None:
        raise AppError(_("This plan does not exist."), status=404, code="no_plan")
    if not comments_open(version, now):
        raise AppError(
            _("Comments on this plan are closed: its public notice is not open."),
            status=409,
            code="notice_closed",
        )
    feature_id = None
    if data.feature_id is not None:
        feature = db.session.get(LayerFeature, data.feature_id)
        if feature is None or feature.layer.version_id != version.id:
            raise AppError(_("That map feature is not part of this plan."), code="bad_feature")
        feature_id = feature.id
    return plan, version.id, feature_id


def _topic(code: str) -> Topic:
    topic = db.session.scalar(select(Topic).where(Topic.code == code, Topic.is_active.is_(True)))
    if topic is None:
        raise AppError(_("Please choose a topic."), code="bad_topic")
    return topic


def _check_text_and_stance(data: SuggestionInput) -> None:
    if data.stance not in {s.value for s in Stance}:
        raise AppError(_("Please choose support, oppose or suggest."), code="bad_stance")
    length = len((data.text or "").strip())
    if not MIN_TEXT <= length <= MAX_TEXT:
        raise AppError(
            _("Please write between %(min)d and %(max)d characters.", min=MIN_TEXT, max=MAX_TEXT),
            code="bad_text",
        )
    if data.org_members is not None and not 1 <= data.org_members <= 1_000_000:
        raise AppError(_("The number of members is not plausible."), code="bad_members")


def _check_caps(author_id: int | None, source: str | None, now: datetime) -> None:
    since = now - timedelta(hours=1)
    recent = select(func.count()).select_from(Suggestion).where(Suggestion.created_at >= since)
    if author_id is not None:
        count = db.session.scalar(recent.where(Suggestion.author_id == author_id))
        if count >= CAP_PER_ACCOUNT_PER_HOUR:
            raise AppError(
                _("You have sent many suggestions in the last hour. Please try again later."),
                status=429,
                code="cap",
            )
    if source is not None:
        count = db.session.scalar(recent.where(Suggestion.source_hash == source))
        if count >= CAP_PER_SOURCE_PER_HOUR:
            raise AppError(
                _(
                    "Many suggestions came from your network in the last hour. "
                    "Please try again later."
                ),
                status=429,
                code="cap",
            )


def _apply_moderation(suggestion: Suggestion) -> None:
    """Publish at once, or hold for review by the site setting or the blocked-word list."""
    found = blocked_words().find(suggestion.text)
    mode = get_review_mode()
    if mode == "all":
        suggestion.visibility, suggestion.review_reason = Visibility.REVIEW, "review_all"
    elif found and mode == "flagged":
        suggestion.visibility, suggestion.review_reason = Visibility.REVIEW, "blocked_words"
    else:
        suggestion.visibility, suggestion.review_reason = Visibility.PUBLISHED, None


def confirm_guest(token: str, now: datetime | None = None) -> tuple[Suggestion, bool]:
    """Open a guest's confirmation link: the suggestion goes on to moderation. Returns the
    suggestion and whether this was the first confirmation."""
    now = now or utcnow()
    suggestion = db.session.scalar(
        select(Suggestion).where(Suggestion.confirm_token_hash == hash_token(token))
    )
    if suggestion is None or suggestion.created_at + CONFIRM_TTL < now:
        raise AppError(
            _("This confirmation link is not valid or has expired."), status=404, code="bad_token"
        )
    first_time = suggestion.visibility == Visibility.UNCONFIRMED
    if first_time:
        suggestion.confirmed_at = now
        _apply_moderation(suggestion)
        db.session.flush()
    return suggestion, first_time
