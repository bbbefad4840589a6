"""SQLite runs in WAL mode with a busy timeout, and writers can take the lock up front."""

import sqlite3

import pytest
from sqlalchemy import text

from crowdplan.extensions import db
from crowdplan.geo import spatial


@pytest.fixture
def sqlite_only(backend):
    if backend != "spatialite":
        pytest.skip("SQLite settings")


def test_wal_full_sync_busy_timeout(sqlite_only, app):
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 15000
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_begin_immediate_takes_the_write_lock_at_once(sqlite_only, app):
    with app.app_context():
        spatial.begin_immediate(db.session)
        db.session.execute(text("SELECT count(*) FROM topics"))  # a read, yet the lock is held
        other = sqlite3.connect(db.engine.url.database, timeout=0.1)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()
            db.session.rollback()


def test_a_plain_transaction_does_not_lock_readers_out(sqlite_only, app):
    with app.app_context():
        db.session.execute(text("SELECT count(*) FROM topics"))
        other = sqlite3.connect(db.engine.url.database, timeout=0.1)
        try:
            other.execute("BEGIN IMMEDIATE")  # no writer holds the lock: succeeds
            other.rollback()
        finally:
            other.close()
            db.session.rollback()
