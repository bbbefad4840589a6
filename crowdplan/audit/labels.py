"""Words for the audit log and moderation pages: actions, objects, states and reasons.

Operations record short codes (`suggestion_transfer`, `auto_hidden`, `flags`); pages show them
through these tables, and a code nobody has named yet still reads as words, never crashes.
"""

from __future__ import annotations

from flask_babel import gettext as _

from crowdplan.core.names import department_label
from crowdplan.labels import event_label, rating_label, readable_code, status_label

_SUGGESTION_STEP = "suggestion_"


def _actions() -> dict[str, str]:
    return {
        "plan_created": _("Plan created"),
        "plan_edited": _("Plan edited"),
        "layer_imported": _("Map layer imported"),
        "document_added": _("Document added"),
        "plan_published": _("Plan published"),
        "notice_closed": _("Public notice closed early"),
        "notice_handed_over": _("Public notice handed over to the new version"),
        "results_published": _("Results published"),
        "version_created": _("New plan version"),
        "routing_rule_saved": _("Routing rule saved"),
        "rerouted": _("Rerouted by the current rules"),
        "escalated": _("Escalated (overdue)"),
        "auto_hidden": _("Hidden for review after reports"),
        "moderation_approve": _("Moderation: approved"),
        "moderation_hide": _("Moderation: hidden"),
        "moderation_edit": _("Moderation: text edited"),
        "blocked_word_added": _("Blocked word added"),
        "blocked_word_removed": _("Blocked word removed"),
        "review_mode_changed": _("Review setting changed"),
        "login_succeeded": _("Signed in"),
        "login_failed": _("Sign-in failed"),
        "logout": _("Signed out"),
        "password_changed": _("Password changed"),
        "password_change_failed": _("Password change failed"),
        "password_reset": _("Password reset"),
        "api_key_created": _("API key created"),
        "api_key_revoked": _("API key revoked"),
        "private_read": _("Private details read through an API key"),
        "access_denied": _("Access denied"),
        "calendar_year_imported": _("Official calendar: year imported"),
        "calendar_day_set": _("Official calendar: day added or corrected"),
        "calendar_year_covered": _("Official calendar: year declared complete"),
        "limit_reply_days": _("Time limit changed: reply days"),
        "limit_rectify_days": _("Time limit changed: rectification days"),
        "data_exported": _("Personal data downloaded by its owner"),
        "account_deleted": _("Account deleted by its owner"),
        "account_delete_failed": _("Account deletion refused"),
        "contacts_purged": _("Contact details erased (retention period over)"),
    }


def audit_action_label(action: str | None) -> str:
    """The translated name of an audit action; `suggestion_<step>` reuses the timeline word."""
    action = action or ""
    known = _actions().get(action)
    if known:
        return known
    if action.startswith(_SUGGESTION_STEP):
        return _("Suggestion: %(step)s", step=event_label(action.removeprefix(_SUGGESTION_STEP)))
    return readable_code(action)


def object_type_label(object_type: str | None) -> str:
    """What kind of thing a record is about (意见建议, 规划 ...)."""
    return {
        "suggestions": _("Suggestion"),
        "plans": _("Plan"),
        "routing_rules": _("Routing rule"),
        "users": _("Account"),
        "api_keys": _("API key"),
        "blocked_words": _("Blocked word"),
        "site_settings": _("Site setting"),
        "request": _("Request"),
    }.get(object_type or "") or readable_code(object_type)


def visibility_label(value: str | None) -> str:
    """Whether the public sees a suggestion (待审核, 已公开 ...)."""
    return {
        "unconfirmed": _("Waiting for e-mail confirmation"),
        "review": _("Waiting for review"),
        "published": _("Published"),
        "hidden": _("Hidden"),
    }.get(value or "") or readable_code(value)


def stage_label(value: str | None) -> str:
    """Where a plan version stands (草案, 公示中 ...)."""
    return {
        "draft": _("Draft"),
        "scheduled": _("Notice not yet open"),
        "notice": _("In public notice"),
        "closed": _("Notice closed"),
        "results": _("Results published"),
    }.get(value or "") or readable_code(value)


def review_mode_label(value: str | None) -> str:
    """The 先审后发 setting."""
    return {
        "all": _("All suggestions"),
        "flagged": _("Only those with blocked words"),
        "none": _("None"),
    }.get(value or "") or readable_code(value)


def review_reason_label(value: str | None) -> str:
    """Why a suggestion waits for a moderator; a moderator's own words are shown as written."""
    return {
        "review_all": _("Every suggestion is reviewed first"),
        "blocked_words": _("Contains a blocked word"),
        "flags": _("Reported by readers"),
    }.get(value or "", value or "")


def _state_words(action: str):
    if action.startswith(_SUGGESTION_STEP) or action == "escalated":
        return status_label
    if action.startswith("moderation_") or action == "auto_hidden":
        return visibility_label
    if action in (
        "plan_created",
        "plan_published",
        "notice_closed",
        "notice_handed_over",
        "results_published",
    ):
        return stage_label
    if action == "review_mode_changed":
        return review_mode_label
    if action == "rerouted":
        return department_label  # the departments' ids, from and to
    if action == "api_key_revoked":
        return lambda v: {"active": _("Active"), "revoked": _("Revoked")}.get(v, v)
    return None


def audit_state_label(action: str | None, value: str | None) -> str:
    """A record's from/to state in words, read according to its action."""
    if not value:
        return ""
    words = _state_words(action or "")
    return words(value) if words else value


def audit_reason_label(action: str | None, reason: str | None) -> str:
    """A record's reason: known codes in words, free text as written."""
    if not reason:
        return ""
    if action == "suggestion_rate":
        return rating_label(reason)
    if action == "rerouted" and reason.startswith("rule "):
        return _("Rule #%(id)s", id=reason.removeprefix("rule "))
    return {
        "unknown_login": _("Unknown account"),
        "wrong_password": _("Wrong password"),
        "disabled": _("Account disabled"),
        "overdue": _("Overdue"),
    }.get(reason) or review_reason_label(reason)


TEMPLATE_GLOBALS = {
    "audit_action_label": audit_action_label,
    "object_type_label": object_type_label,
    "audit_state_label": audit_state_label,
    "audit_reason_label": audit_reason_label,
    "visibility_label": visibility_label,
    "review_reason_label": review_reason_label,
}
