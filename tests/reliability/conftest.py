"""Reliability fixtures: a fresh database of each kind, served by real gunicorn processes."""

from __future__ import annotations

import pytest

from tests.conftest import BACKENDS, make_database


@pytest.fixture(params=BACKENDS)
def site_database(request, tmp_path):
    """An empty database of each backend for one test (the servers migrate it)."""
    yield from make_database(request.param, tmp_path)
