"""What a staff-read key may read beyond public data, and the audit record of each such read."""

from __future__ import annotations

from crowdplan.api.models import ApiKey, Scope
from crowdplan.audit.models import record
from crowdplan.extensions import db
from crowdplan.suggestions.models import Suggestion, Visibility
from crowdplan.suggestions.queries import get_public
from crowdplan.transactions import begin_write


def get_suggestion_for_key(
    key: ApiKey | None, suggestion_id: int
) -> tuple[Suggestion | None, bool]:
    """The suggestion the caller may see, and whether with its private details.

    A staff-read key sees held and hidden ones of its departments, never an unconfirmed guest
    post (no web role can open one either); elsewhere it reads what the public reads.
    """
    if key is not None and key.has_scope(Scope.STAFF_READ):
        found = db.session.get(Suggestion, suggestion_id)
        if (
            found is not None
            and found.visibility != Visibility.UNCONFIRMED
            and key.covers(found.department_id)
        ):
            return found, True
    return get_public(suggestion_id), False


def record_private_read(key: ApiKey, suggestion: Suggestion) -> None:
    """One audit record for a read of a suggestion's private details (contacts) through a key."""
    begin_write(db.session)  # a GET that writes: SQLite's write lock before the audit chain
    record(
        "private_read",
        suggestion,
        reason=f"api key #{key.id} {key.prefix}… ({key.name})"[:300],
    )
