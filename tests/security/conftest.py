"""Fixtures of the security tests: the world of other users' and departments' objects, and one
signed-in client per role."""

from __future__ import annotations

import pytest

from tests.conftest import AuthActions, csrf_from
from tests.security.world import World, build_world

ROLES = ("anonymous", "citizen", "organisation", "planner", "dept_head", "admin")


@pytest.fixture
def world(demo) -> World:
    """The demo city plus department B, its planner, another citizen and their objects."""
    with demo.app_context():
        return build_world()


class RoleClient:
    """A test client signed in as one role, with a CSRF token for its session."""

    def __init__(self, app, role: str):
        self.role = role
        self.client = app.test_client()
        if role != "anonymous":
            AuthActions(self.client).login_as(role)
        with self.client.get("/login" if role == "anonymous" else "/profile") as page:
            self.token = csrf_from(page.get_data(as_text=True))


@pytest.fixture
def role_clients(app, world) -> dict[str, RoleClient]:
    """One client per role of the matrix (planner and dept_head of department A)."""
    return {role: RoleClient(app, role) for role in ROLES}
