"""Supports (+1), reports (flags) and moderation: what one person can move, and how far.

The abuse model (README, "Supports and reports"):
- a guest is the server-signed id in the `cp_guest` cookie (crowdplan.cookies); a forged or
  missing one gets a new id, so the bound on a cookie-dropping client is the rate limit per
  network (IPv4 address, IPv6 /64), and per account when signed in (SUPPORT_RATE_LIMIT,
  FLAG_RATE_LIMIT);
- one support and one report per account or guest id, ever (unique constraints, race-free);
- only reports from FLAGS_TO_HIDE distinct signed-in accounts hide a suggestion; guests'
  reports put it in the moderators' queue as reported and leave it shown;
- a moderator's approval clears the open reports and keeps their rows, so the same people
  cannot report (and hide) it again; authors cannot support their own suggestion.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from crowdplan.audit.models import record
from crowdplan.core.models import utcnow
from crowdplan.errors import AppError
from crowdplan.extensions import db
from crowdplan.suggestions.models import Flag, Suggestion, SuggestionEdit, Support, Visibility
from crowdplan.suggestions.operations import MAX_TEXT, MIN_TEXT

FLAGS_TO_HIDE = 3
IPV6_NETWORK_BITS = 64  # one customer line; a client has a whole /64 to rotate through


# --- Rate-limit keys (flask-limiter) -----------------------------------------------------


def network_key() -> str:
    """The client's network for rate limits: its IPv4 address, or its IPv6 /64."""
    addr = get_remote_address() or "-"
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return "net:" + addr
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.version == 6:
        return "net:" + str(ipaddress.ip_network(f"{ip}/{IPV6_NETWORK_BITS}", strict=False))
    return "net:" + str(ip)


def account_key() -> str:
    """The signed-in account, for limits that follow a person across networks."""
    return f"account:{current_user.get_id()}"


def signed_out() -> bool:
    """Guests have no account limit (the network limit applies)."""
    return not current_user.is_authenticated


# --- Supports and reports -------------------------------------------------------------------


def _count_once(suggestion: Suggestion, row, counter) -> bool:
    """Insert a one-per-person row (unique constraints decide, race-free) and, if it was new
    and `counter` is given, increment that column atomically in the database."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    if counter is not None:
        db.session.execute(
            update(Suggestion).where(Suggestion.id == suggestion.id).values({counter: counter + 1})
        )
        db.session.refresh(suggestion)
    return True


def _identity(user, guest_key: str | None) -> dict:
    if user is None and not guest_key:
        # Rows with neither would never collide in a unique constraint: no counting them.
        raise AppError(_("Please enable cookies and try again."), code="no_identity")
    return {"user_id": getattr(user, "id", None), "guest_key": None if user else guest_key}


def support(suggestion: Suggestion, *, user=None, guest_key: str | None = None) -> bool:
    """+1 once per account or signed guest id; False when already given. Race-free."""
    if not suggestion.is_public:
        raise AppError(_("This suggestion cannot be supported."), status=404, code="not_public")
    if user is not None and suggestion.author_id == user.id:
        raise AppError(
            _("You cannot support your own suggestion."), status=409, code="own_suggestion"
        )
    row = Support(suggestion_id=suggestion.id, **_identity(user, guest_key))
    return _count_once(suggestion, row, Suggestion.support_count)


def flag(suggestion: Suggestion, *, reason: str, user=None, guest_key: str | None = None) -> bool:
    """Report a suggestion; False when this person reported it before (even if cleared).
    After FLAGS_TO_HIDE accounts' open reports it waits for a moderator."""
    reason = (reason or "").strip()[:200]
    if not reason:
        raise AppError(_("Please say what is wrong."), code="reason_required")
    if not suggestion.is_public:
        raise AppError(_("This suggestion cannot be reported."), status=404, code="not_public")
    row = Flag(suggestion_id=suggestion.id, reason=reason, **_identity(user, guest_key))
    # A guest's report is queued for a moderator but never counts towards hiding: anyone can
    # be a new guest on every request.
    counter = Suggestion.flag_count if user is not None else None
    if not _count_once(suggestion, row, counter):
        return False
    limit = current_app.config.get("FLAGS_TO_HIDE", FLAGS_TO_HIDE)
    if counter is not None and suggestion.flag_count >= limit and suggestion.is_public:
        suggestion.visibility, suggestion.review_reason = Visibility.REVIEW, "flags"
        record(
            "auto_hidden",
            suggestion,
            from_state=Visibility.PUBLISHED,
            to_state=Visibility.REVIEW,
            reason="flags",
        )
    return True


def _open_reports():
    return (
        select(Flag.suggestion_id, func.count().label("n"))
        .where(Flag.cleared_at.is_(None))
        .group_by(Flag.suggestion_id)
        .subquery()
    )


def review_queue() -> list[tuple[Suggestion, int]]:
    """What waits for a moderator, oldest first, with its open reports: every held suggestion,
    and published ones that someone reported (still shown)."""
    reports = _open_reports()
    query = (
        select(Suggestion, func.coalesce(reports.c.n, 0))
        .outerjoin(reports, reports.c.suggestion_id == Suggestion.id)
        .where(
            or_(
                Suggestion.visibility == Visibility.REVIEW,
                and_(Suggestion.visibility == Visibility.PUBLISHED, reports.c.n > 0),
            )
        )
        .order_by(Suggestion.created_at)
    )
    return [(s, n) for s, n in db.session.execute(query)]


def _clear_reports(suggestion: Suggestion, now: datetime) -> int:
    """Approval answers every open report: cleared, kept (their authors cannot report again)."""
    cleared = db.session.execute(
        update(Flag)
        .where(Flag.suggestion_id == suggestion.id, Flag.cleared_at.is_(None))
        .values(cleared_at=now)
    ).rowcount
    db.session.execute(
        update(Suggestion).where(Suggestion.id == suggestion.id).values(flag_count=0)
    )
    db.session.refresh(suggestion)
    return cleared


# --- Moderation ----------------------------------------------------------------------------


def moderate(
    suggestion: Suggestion, *, actor, action: str, reason: str = "", new_text: str | None = None
) -> Suggestion:
    """Approve, hide or edit (keeping the original text) a suggestion; audited."""
    before = suggestion.visibility
    if action == "approve":
        if before == Visibility.UNCONFIRMED:
            # Not yet the guest's: anyone can type someone's e-mail address into the form.
            raise AppError(
                _(
                    "This guest has not confirmed the suggestion by e-mail yet; "
                    "it can be approved only after that."
                ),
                status=409,
                code="unconfirmed",
            )
        _clear_reports(suggestion, utcnow())
        suggestion.visibility, suggestion.review_reason = Visibility.PUBLISHED, None
    elif action == "hide":
        suggestion.visibility, suggestion.review_reason = Visibility.HIDDEN, reason[:200] or None
    elif action == "edit" and new_text and MIN_TEXT <= len(new_text.strip()) <= MAX_TEXT:
        db.session.add(
            SuggestionEdit(
                suggestion_id=suggestion.id,
                editor_id=actor.id,
                old_text=suggestion.text,
                new_text=new_text.strip(),
                reason=reason or None,
            )
        )
        suggestion.text = new_text.strip()
    else:
        raise AppError(_("Unknown moderation action."), code="bad_action")
    db.session.flush()
    record(
        f"moderation_{action}",
        suggestion,
        actor=actor,
        from_state=before,
        to_state=suggestion.visibility,
        reason=reason or None,
    )
    return suggestion
