"""The states of a suggestion and the moves between them (限时办结 workflow)."""

from __future__ import annotations

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
    """Adoption decision (意见采纳) on a suggestion about a plan."""

    ADOPTED = "adopted"  # 采纳
    PARTLY = "partly"  # 部分采纳
    NOT_ADOPTED = "not_adopted"  # 不采纳
    OUT_OF_SCOPE = "out_of_scope"  # 不属于本规划范围


class Rating(StrEnum):
    """The author's rating of the reply."""

    SATISFIED = "satisfied"  # 满意
    BASIC = "basic"  # 基本满意
    UNSATISFIED = "unsatisfied"  # 不满意


OPEN = frozenset({Status.SUBMITTED, Status.ASSIGNED, Status.IN_PROGRESS})
FINAL = frozenset({Status.CLOSED, Status.NOT_ACCEPTED, Status.MERGED})

# Staff moves. Transfer (转办) keeps or resets the status to ASSIGNED in the new department.
MOVES: dict[Status, frozenset[Status]] = {
    Status.SUBMITTED: frozenset({Status.ASSIGNED, Status.NOT_ACCEPTED, Status.MERGED}),
    Status.ASSIGNED: frozenset(
        {Status.IN_PROGRESS, Status.REPLIED, Status.NOT_ACCEPTED, Status.MERGED}
    ),
    Status.IN_PROGRESS: frozenset({Status.REPLIED, Status.NOT_ACCEPTED, Status.MERGED}),
    Status.REPLIED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset(),
    Status.NOT_ACCEPTED: frozenset(),
    Status.MERGED: frozenset(),
}


def can_move(current: str, target: str) -> bool:
    """Whether staff may move a suggestion from `current` to `target`."""
    return Status(target) in MOVES[Status(current)]
