"""Roles and what each may do: data in one table, asked through User.can()."""

from enum import StrEnum


class Role(StrEnum):
    """A user's role; staff roles carry a department."""

    CITIZEN = "citizen"
    ORGANISATION = "organisation"
    PLANNER = "planner"
    DEPT_HEAD = "dept_head"
    ADMIN = "admin"


class Permission(StrEnum):
    """Actions guarded by User.can(); department-scoped ones take the department."""

    SUGGEST = "suggest"
    SPEAK_FOR_MEMBERS = "speak_for_members"
    TRIAGE = "triage"
    MANAGE_PLANS = "manage_plans"
    SUPERVISE = "supervise"
    MODERATE = "moderate"
    ADMINISTER = "administer"


# Which permissions a role grants. Department-scoped permissions (see SCOPED) hold only for the
# user's own department; admins hold every permission everywhere.
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.CITIZEN: frozenset({Permission.SUGGEST}),
    Role.ORGANISATION: frozenset({Permission.SUGGEST, Permission.SPEAK_FOR_MEMBERS}),
    Role.PLANNER: frozenset({Permission.SUGGEST, Permission.TRIAGE, Permission.MANAGE_PLANS}),
    Role.DEPT_HEAD: frozenset(
        {
            Permission.SUGGEST,
            Permission.TRIAGE,
            Permission.MANAGE_PLANS,
            Permission.SUPERVISE,
            Permission.MODERATE,
        }
    ),
    Role.ADMIN: frozenset(Permission),
}

SCOPED = frozenset({Permission.TRIAGE, Permission.MANAGE_PLANS, Permission.SUPERVISE})
STAFF_ROLES = frozenset({Role.PLANNER, Role.DEPT_HEAD, Role.ADMIN})
