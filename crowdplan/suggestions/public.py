"""What the public may read of a suggestion: every free-text field masked, in one place.

Pages, the JSON API, Open311, exports and the lobby screen take a suggestion's words from
`public_view`, never from the model, so a field added here is masked on every channel at once
and a channel cannot forget one (place_label was once shown raw). Staff views read the model.
"""

from __future__ import annotations

from dataclasses import dataclass

from crowdplan.suggestions.models import Suggestion
from crowdplan.suggestions.privacy import mask_personal_data


@dataclass(frozen=True)
class PublicView:
    """The public text of one suggestion; None where the field is empty."""

    text: str
    name: str | None  # the organisation's name, else the chosen display name
    place_label: str | None
    reply: str | None
    decision_reason: str | None


def public_view(s: Suggestion) -> PublicView:
    """The suggestion's free text with personal data masked."""
    return PublicView(
        text=mask_personal_data(s.text) or "",
        name=mask_personal_data(s.org_name or s.display_name) or None,
        place_label=mask_personal_data(s.place_label) or None,
        reply=mask_personal_data(s.reply_text) or None,
        decision_reason=mask_personal_data(s.decision_reason) or None,
    )


def public(text: str | None) -> str | None:
    """Any other free text shown to the public (a reason from the timeline): masked."""
    return mask_personal_data(text) or None
