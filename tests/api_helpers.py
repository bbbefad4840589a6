"""Helpers for API tests: make a key, count rows."""

from __future__ import annotations

from sqlalchemy import func, select

from crowdplan.api.keys import create_api_key
from crowdplan.extensions import db
from crowdplan.suggestions.models import Suggestion


def make_key(app, *scopes: str, name: str = "12345 hotline") -> str:
    """A fresh API key with these scopes; returns the raw key."""
    with app.app_context():
        _key, raw = create_api_key(name, list(scopes))
        db.session.commit()
        return raw


def count_suggestions(app) -> int:
    """How many suggestions are stored."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Suggestion))
