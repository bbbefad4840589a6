"""API key operations: create (the key is returned once), revoke, authenticate. They flush."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from crowdplan.api.models import ApiKey, Scope
from crowdplan.audit.models import record
from crowdplan.core.models import Department, utcnow
from crowdplan.errors import AppError
from crowdplan.extensions import db

KEY_PREFIX = "cp_"


def hash_key(raw: str) -> str:
    """SHA-256 of the key: enough for a 256-bit random secret (no brute force possible)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_key(
    name: str, scopes: list[str], *, departments: list[int] | None = None, actor=None
) -> tuple[ApiKey, str]:
    """Make a key; returns the row and the raw key, which is never stored or shown again.

    `departments` (ids) limits what a staff-read key reads beyond public data; none: all.
    """
    name = (name or "").strip()
    if not 1 <= len(name) <= 80:
        raise AppError(_("Please give the key a name (at most 80 characters)."), code="bad_name")
    unknown = [s for s in scopes if s not in {v.value for v in Scope}]
    if unknown:
        raise AppError(_("Unknown scope: %(scope)s", scope=", ".join(unknown)), code="bad_scope")
    chosen = _departments(departments or [])
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        prefix=raw[:11],
        key_hash=hash_key(raw),
        scopes=" ".join(dict.fromkeys(scopes)),
        created_by_id=getattr(actor, "id", None),
        departments=chosen,
    )
    db.session.add(key)
    db.session.flush()
    codes = ",".join(d.code for d in chosen)
    reason = f"{name} [{codes}]" if codes else name
    record("api_key_created", key, actor=actor, to_state=key.scopes or None, reason=reason)
    return key, raw


def _departments(ids: list[int]) -> list[Department]:
    found = list(db.session.scalars(select(Department).where(Department.id.in_(set(ids)))))
    if len(found) != len(set(ids)):
        raise AppError(_("Unknown department."), code="bad_department")
    return found


def revoke_api_key(key: ApiKey, *, actor=None, now: datetime | None = None) -> None:
    """Revoke a key at once; revoked keys are kept for the audit trail."""
    if key.revoked_at is None:
        key.revoked_at = now or utcnow()
        db.session.flush()
        record("api_key_revoked", key, actor=actor, from_state="active", to_state="revoked")


def list_api_keys() -> list[ApiKey]:
    """All keys, newest first."""
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.id.desc())))


def get_api_key(key_id: int) -> ApiKey | None:
    """A key by id."""
    return db.session.get(ApiKey, key_id)


def authenticate(raw: str) -> ApiKey | None:
    """The active key matching `raw`, or None."""
    if not raw or len(raw) > 200:
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(raw)))
    if key is None or key.revoked_at is not None:
        return None
    return key
