"""The states of a case and the steps between them (限时办结 workflow), as one table.

Every operation in `crowdplan.triage.operations` looks its step up here before it changes
anything, and the staff pages offer exactly the steps this table allows from a case's status.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """Where a suggestion stands in its department."""

    SUBMITTED = "submitted"  # 待受理: routing needs a human check
    ASSIGNED = "assigned"  # 已分办
    IN_PROGRESS = "in_progress"  # 办理中
    REPLIED = "replied"  # 已答复
    CLOSED = "closed"  # 已办结
    NOT_ACCEPTED = "not_accepted"  # 不予受理
    MERGED = "merged"  # 已合并


class Decision(StrEnum):
    """Adoption decision (意见采纳) on a suggestion."""

    ADOPTED = "adopted"  # 采纳
    PARTLY = "partly"  # 部分采纳
    NOT_ADOPTED = "not_adopted"  # 不采纳
    OUT_OF_SCOPE = "out_of_scope"  # 不属于本规划范围


class Rating(StrEnum):
    """The author's rating of the reply: the national 好差评 scale (国办发〔2019〕51号)."""

    VERY_SATISFIED = "very_satisfied"  # 非常满意
    SATISFIED = "satisfied"  # 满意
    BASIC = "basic"  # 基本满意
    UNSATISFIED = "unsatisfied"  # 不满意
    VERY_UNSATISFIED = "very_unsatisfied"  # 非常不满意


# 差评: opens rectification (整改, once per case) and a follow-up call (回访) for real-name raters.
BAD_RATINGS = frozenset({Rating.UNSATISFIED, Rating.VERY_UNSATISFIED})


class CallbackOutcome(StrEnum):
    """What the follow-up call (回访) to a rater found."""

    RESOLVED = "resolved"  # 问题已解决
    EXPLAINED = "explained"  # 已沟通解释
    UNRESOLVED = "unresolved"  # 仍不满意
    UNREACHABLE = "unreachable"  # 无法联系


OPEN = frozenset({Status.SUBMITTED, Status.ASSIGNED, Status.IN_PROGRESS})
FINAL = frozenset({Status.CLOSED, Status.NOT_ACCEPTED, Status.MERGED})
ANSWERED = frozenset({Status.REPLIED, Status.CLOSED})
ALL = frozenset(Status)

STAFF, AUTHOR, SYSTEM = "staff", "author", "system"


@dataclass(frozen=True)
class Step:
    """A step: from which statuses, to which (None: unchanged), and who takes it."""

    sources: frozenset[Status]
    target: Status | None
    by: str


STEPS: dict[str, Step] = {
    # A human confirms a flagged routing (待受理 -> 已分办).
    "accept": Step(frozenset({Status.SUBMITTED}), Status.ASSIGNED, STAFF),
    "start": Step(frozenset({Status.SUBMITTED, Status.ASSIGNED}), Status.IN_PROGRESS, STAFF),
    # The receiving department starts at 已分办; the deadline never moves.
    "transfer": Step(OPEN, Status.ASSIGNED, STAFF),
    # The rules decide: 待受理 again if the new routing is flagged, else 已分办.
    "reroute": Step(OPEN, None, SYSTEM),
    "merge": Step(OPEN, Status.MERGED, STAFF),
    "not_accept": Step(OPEN, Status.NOT_ACCEPTED, STAFF),
    "reply": Step(OPEN | {Status.REPLIED}, Status.REPLIED, STAFF),
    "close": Step(frozenset({Status.REPLIED}), Status.CLOSED, STAFF),
    "rate": Step(ANSWERED, None, AUTHOR),
    # A bad rating of an answered case opens rectification (整改): back to 办理中 with a new
    # deadline. Once per case (the operation counts); a later bad rating gets a callback only.
    "rectify": Step(ANSWERED, Status.IN_PROGRESS, AUTHOR),
    # Staff record the follow-up call (回访) whatever the case's status by then.
    "callback": Step(ALL, None, STAFF),
    "note": Step(ALL, None, STAFF),
    # The official calendar changed: the deadline of a case still running is recomputed.
    "deadline": Step(OPEN, None, SYSTEM),
}

# The generic "change status" form offers these targets, each one step of the table.
STATUS_STEPS: dict[Status, str] = {
    Status.ASSIGNED: "accept",
    Status.IN_PROGRESS: "start",
    Status.NOT_ACCEPTED: "not_accept",
}


def allows(action: str, status: str) -> bool:
    """Whether `action` may be taken on a case in `status`."""
    step = STEPS.get(action)
    return step is not None and Status(status) in step.sources


def staff_actions(status: str) -> list[str]:
    """The steps staff may take from `status`, in the table's order."""
    return [name for name, step in STEPS.items() if step.by == STAFF and allows(name, status)]


def status_targets(status: str) -> list[Status]:
    """Targets of the "change status" form allowed from `status`."""
    return [target for target, action in STATUS_STEPS.items() if allows(action, status)]
