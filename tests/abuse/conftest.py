"""Abuse tests: real requests through the app's test client, tiny limits set per test."""

from __future__ import annotations

import pytest

LIMIT_SETTINGS = (
    "PUBLIC_RATE_LIMIT",
    "API_RATE_LIMIT",
    "SIMILAR_RATE_LIMIT",
    "OPEN_DATA_RATE_LIMIT",
)


@pytest.fixture
def tiny_limits(app, monkeypatch):
    """Every limit at 3 a minute for one test (limits are read from the config per request)."""
    for name in LIMIT_SETTINGS:
        monkeypatch.setitem(app.config, name, "3/minute")
    return 3
