"""Translated names of statuses, decisions, ratings and routing flags, for pages."""

from __future__ import annotations

from flask_babel import gettext as _


def status_label(value: str | None) -> str:
    """待受理, 已分办 ... in the page's language."""
    return {
        "submitted": _("Submitted"),
        "assigned": _("Assigned"),
        "in_progress": _("In progress"),
        "replied": _("Replied"),
        "closed": _("Closed"),
        "not_accepted": _("Not accepted"),
        "merged": _("Merged"),
    }.get(value or "", value or "")


def decision_label(value: str | None) -> str:
    """采纳, 部分采纳 ..."""
    return {
        "adopted": _("Adopted"),
        "partly": _("Partly adopted"),
        "not_adopted": _("Not adopted"),
        "out_of_scope": _("Outside this plan's scope"),
    }.get(value or "", value or "")


def stance_label(value: str | None) -> str:
    """支持, 反对, 建议."""
    return {
        "support": _("Support"),
        "oppose": _("Oppose"),
        "suggest": _("Suggest"),
    }.get(value or "", value or "")


def rating_label(value: str | None) -> str:
    """满意, 基本满意, 不满意."""
    return {
        "satisfied": _("Satisfied"),
        "basic": _("Basically satisfied"),
        "unsatisfied": _("Unsatisfied"),
    }.get(value or "", value or "")


def flag_label(value: str) -> str:
    """Why routing needs a human check."""
    return {
        "near_boundary": _("near an area boundary"),
        "several_areas": _("inside several areas"),
        "no_area": _("in no area"),
    }.get(value, value)


def action_label(value: str) -> str:
    """Timeline entries."""
    return {
        "routed": _("Routed"),
        "status": _("Status changed"),
        "reply": _("Replied"),
        "close": _("Closed"),
        "transfer": _("Transferred"),
        "merge": _("Merged"),
        "note": _("Internal note"),
        "rate": _("Rated"),
        "reopen": _("Reopened"),
    }.get(value, value)


TEMPLATE_GLOBALS = {
    "status_label": status_label,
    "decision_label": decision_label,
    "stance_label": stance_label,
    "rating_label": rating_label,
    "flag_label": flag_label,
    "action_label": action_label,
}
