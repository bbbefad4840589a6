"""Consent to the privacy notice (PIPL 个人信息保护法 Art. 14): recorded with its version."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from crowdplan.core.models import utcnow


def notice_version() -> str:
    """The version of the privacy notice now in force (config PRIVACY_NOTICE_VERSION)."""
    return current_app.config["PRIVACY_NOTICE_VERSION"]


def record_consent(target, now: datetime | None = None) -> None:
    """Write down on a user or a guest's suggestion that the notice now in force was agreed
    to, and when: a later notice gets a new version, so old consents stay readable as such."""
    target.consent_version = notice_version()
    target.consent_at = now or utcnow()
