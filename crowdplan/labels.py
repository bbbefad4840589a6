"""Translated names of the codes screens show: statuses, decisions, ratings, stances, routing
flags and timeline steps (one table each; used by every blueprint and by the audit log)."""

from __future__ import annotations

from flask_babel import gettext as _

from crowdplan.core.names import area_label, department_label


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
    """非常满意, 满意, 基本满意, 不满意, 非常不满意 (the 好差评 scale)."""
    return {
        "very_satisfied": _("Very satisfied"),
        "satisfied": _("Satisfied"),
        "basic": _("Basically satisfied"),
        "unsatisfied": _("Unsatisfied"),
        "very_unsatisfied": _("Very unsatisfied"),
    }.get(value or "", value or "")


def callback_outcome_label(value: str | None) -> str:
    """What the follow-up call (回访) found: 问题已解决, 已沟通解释, 仍不满意, 无法联系."""
    return {
        "resolved": _("Problem solved"),
        "explained": _("Explained to the author"),
        "unresolved": _("Still unsatisfied"),
        "unreachable": _("Could not be reached"),
    }.get(value or "", value or "")


def flag_label(value: str) -> str:
    """Why routing needs a human check."""
    return {
        "near_boundary": _("near an area boundary"),
        "several_areas": _("inside several areas"),
        "no_area": _("in no area"),
    }.get(value, value)


def readable_code(value: str | None) -> str:
    """An unknown code in a form people can read: 'some_new_step' -> 'Some new step'."""
    text = (value or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def event_label(action: str | None) -> str:
    """The action word of a timeline entry (分办, 转办, 答复 ...)."""
    # Verbs, not states: "Routed" reads 已分办 like the status and printed 已分办 → 已分办.
    return {
        "routed": _("Routed to a department"),
        "accept": _("Assignment confirmed"),
        "start": _("Work started"),
        "status": _("Status changed"),
        "transfer": _("Transferred to another department"),
        "reroute": _("Rerouted"),
        "merge": _("Merged as a duplicate"),
        "not_accept": _("Not accepted"),
        "reply": _("Reply published"),
        "close": _("Closed with decision"),
        "rate": _("Reply rated"),
        "reopen": _("Reopened by the author"),  # before rectification came with the rating
        "rectify": _("Rectification opened"),
        "callback": _("Follow-up call recorded"),
        "deadline": _("Deadline changed"),
        "note": _("Internal note"),
    }.get(action or "") or readable_code(action)


def action_label(value: str) -> str:
    """Timeline entries (the older name of event_label, kept for its callers)."""
    return event_label(value)


TEMPLATE_GLOBALS = {
    "status_label": status_label,
    "decision_label": decision_label,
    "stance_label": stance_label,
    "rating_label": rating_label,
    "callback_outcome_label": callback_outcome_label,
    "flag_label": flag_label,
    "action_label": action_label,
    "event_label": event_label,
    "area_label": area_label,
    "department_label": department_label,
}
