"""Who may see or change which object: the one place for object-level checks (ASVS 8.2.2).

Views ask these small functions instead of combining roles and departments themselves, so the
authorisation matrix (tests/security/test_authz_matrix.py) tests one set of rules. Each takes
the current user (anonymous users included) and the object, and answers True or False.
"""

from __future__ import annotations

from datetime import datetime

from crowdplan.auth.permissions import Permission


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can_manage_plan(user, plan) -> bool:
    """Drafts, layers, documents, publication: staff of the owning department, and admins."""
    return _signed_in(user) and user.can(Permission.MANAGE_PLANS, plan.department)


def can_view_report(user, plan, now: datetime) -> bool:
    """The adoption report: public once results are published, earlier for the plan's staff."""
    from crowdplan.plans.models import Stage

    version = plan.public_version
    if version is None:
        return False
    return version.stage(now) is Stage.RESULTS or can_manage_plan(user, plan)


def can_triage(user, suggestion) -> bool:
    """Work on a case (reply, decide, transfer, notes): its department's staff, and admins."""
    return _signed_in(user) and user.can(Permission.TRIAGE, suggestion.department)


def can_moderate(user) -> bool:
    """Moderation is city-wide: department heads and admins."""
    return _signed_in(user) and user.can(Permission.MODERATE)


def can_administer(user) -> bool:
    """Site settings and routing rules: admins."""
    return _signed_in(user) and user.can(Permission.ADMINISTER)


def can_view_suggestion(user, suggestion) -> bool:
    """Published ones for everyone; held ones for their department's staff and moderators."""
    return suggestion.is_public or can_triage(user, suggestion) or can_moderate(user)


def is_author(user, suggestion) -> bool:
    """The signed-in author of the suggestion (rates the reply)."""
    return _signed_in(user) and suggestion.author_id is not None and suggestion.author_id == user.id
