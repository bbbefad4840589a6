"""Nearby similar suggestions, offered before sending a new one: bounded in text, rows and time.

One unauthenticated request must stay cheap whatever it sends: the draft is at most MAX_TEXT
characters and only its first COMPARE_CHARS are compared, at most MAX_CANDIDATES rows are
read, and scoring stops at TIME_BUDGET_S. The score is the Dice coefficient of character
bigram sets (Chinese has no spaces, so characters, not words): linear in the text length,
where difflib's SequenceMatcher is quadratic (seconds of CPU for two 2,000-character texts).
"""

from __future__ import annotations

import time

from sqlalchemy import select

from crowdplan.extensions import db
from crowdplan.geo import spatial
from crowdplan.suggestions.models import Suggestion, Visibility

MAX_TEXT = 2000  # the longest draft the lookup accepts (the form's own limit is larger)
COMPARE_CHARS = 400  # enough of a text to recognise the same concern
MAX_CANDIDATES = 50  # the newest published suggestions near the point
TIME_BUDGET_S = 0.05
MIN_SCORE = 0.3
RADIUS_M = 300.0


def bigrams(text: str) -> frozenset[str]:
    """The set of adjacent character pairs of the text's first COMPARE_CHARS non-blank ones."""
    # Sliced before splitting, so a long run of blanks costs no more than text would.
    chars = "".join(text[: COMPARE_CHARS * 4].split()).casefold()[:COMPARE_CHARS]
    if len(chars) < 2:
        return frozenset(chars)
    return frozenset(chars[i : i + 2] for i in range(len(chars) - 1))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two bigram sets: 1.0 for the same text, 0.0 for nothing shared."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def list_similar(
    lon: float, lat: float, text: str, *, limit: int = 5, now=time.monotonic
) -> list[tuple[Suggestion, float]]:
    """Published suggestions near the point whose text resembles `text` (duplicates to support).

    Without text, the newest nearby ones. Candidates not scored within the time budget are
    left out: the hint is a convenience, an answer in time matters more.
    """
    query = (
        select(Suggestion)
        .where(
            Suggestion.visibility == Visibility.PUBLISHED,
            spatial.within_m(Suggestion.point, lon, lat, RADIUS_M),
        )
        .order_by(Suggestion.created_at.desc())
        .limit(MAX_CANDIDATES)
    )
    draft = bigrams(text[:MAX_TEXT])
    deadline = now() + TIME_BUDGET_S
    scored = []
    for suggestion in db.session.scalars(query):
        if not draft:
            scored.append((suggestion, 0.0))
            continue
        if now() > deadline:
            break
        score = similarity(draft, bigrams(suggestion.text))
        if score >= MIN_SCORE:
            scored.append((suggestion, score))
    scored.sort(key=lambda pair: pair[1], reverse=True)
    return scored[:limit]
