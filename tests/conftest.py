"""Fixtures: every database test runs on SpatiaLite and on PostGIS (ids [spatialite], [postgis])."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from config import TestingConfig
from crowdplan import create_app
from crowdplan.extensions import db, limiter
from tests.mailserver import smtp_server  # noqa: F401  (a real SMTP server on loopback)

BACKENDS = ("spatialite", "postgis")
POSTGRES_URL = os.environ.get(
    "CROWDPLAN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _postgis_unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostGIS is required in CI but unavailable: {reason}", pytrace=False)
    pytest.skip(f"PostGIS unavailable ({reason}); set CROWDPLAN_TEST_POSTGRES_URL")


def make_database(kind: str, tmp_dir) -> Iterator[str]:
    """A throwaway empty database of one kind; dropped afterwards."""
    if kind == "spatialite":
        yield f"sqlite:///{tmp_dir / f'{uuid.uuid4().hex}.sqlite'}"
        return
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"crowdplan_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        _postgis_unavailable(str(exc).splitlines()[0])
    url = admin.url.set(database=name)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    except sa.exc.SQLAlchemyError as exc:
        _postgis_unavailable(f"CREATE EXTENSION postgis failed: {str(exc).splitlines()[0]}")
    finally:
        engine.dispose()
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    """The database kind under test."""
    return request.param


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory) -> Iterator[str]:
    """One migrated database per backend for the whole session."""
    yield from make_database(backend, tmp_path_factory.mktemp(backend))


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    """The app on the backend under test, schema created by the migrations."""
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        UPLOAD_FOLDER=str(tmp_path_factory.mktemp("uploads")),
        MAIL_OUTBOX=str(tmp_path_factory.mktemp("outbox")),
    )
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request):
    """Empty every table after a database test, so tests never see each other's rows."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        limiter.reset()  # rate-limit counts are per test, like rows
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()


REDIS_URL = os.environ.get("CROWDPLAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def with_redis(app):
    """The app with REDIS_URL set for one test, under a key prefix no other run shares."""
    import redis

    from crowdplan.extensions import init_redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis is required in CI but unavailable: {exc}", pytrace=False)
        pytest.skip(f"Redis unavailable ({exc}); set CROWDPLAN_TEST_REDIS_URL")
    prefix = f"crowdplan-test-{uuid.uuid4().hex[:12]}"
    saved = {k: app.config[k] for k in ("REDIS_URL", "REDIS_KEY_PREFIX")}
    app.config.update(REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=prefix)
    init_redis(app)
    try:
        yield client
    finally:
        app.extensions.pop("crowdplan.redis").close()
        app.config.update(saved)
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
        client.close()


@pytest.fixture
def db_session(app):
    """The app's session inside an app context."""
    with app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def demo(app):
    """The demo city (counties, departments, topics, users, plans), without demo suggestions."""
    from crowdplan.demo.seed import seed_demo

    with app.app_context():
        seed_demo(with_suggestions=False)
        db.session.commit()
    return app


@pytest.fixture
def demo_full(app):
    """The demo city with its demo suggestions, answers and decisions."""
    from crowdplan.demo.seed import seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()
    return app


@pytest.fixture
def client(app):
    """A test client with cookies."""
    return app.test_client()


def csrf_from(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


DEMO_LOGINS = {
    "citizen": "citizen@demo.crowdplan",
    "organisation": "org@demo.crowdplan",
    "planner": "planner@demo.crowdplan",
    "dept_head": "head@demo.crowdplan",
    "admin": "admin@demo.crowdplan",
}


class AuthActions:
    """Sign in and out through the real forms."""

    DEMO_PASSWORD = "crowdplan-demo"

    def __init__(self, client):
        self.client = client

    def login(self, login: str, password: str = DEMO_PASSWORD):
        page = self.client.get("/login").get_data(as_text=True)
        return self.client.post(
            "/login", data={"login": login, "password": password, "csrf_token": csrf_from(page)}
        )

    def login_as(self, role: str):
        """Sign in as the demo user of a role (needs the `demo` fixture)."""
        response = self.login(DEMO_LOGINS[role])
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def logout(self):
        page = self.client.get("/profile").get_data(as_text=True)
        return self.client.post("/logout", data={"csrf_token": csrf_from(page)})


@pytest.fixture
def auth(client) -> AuthActions:
    """Sign-in helper bound to the test client."""
    return AuthActions(client)
