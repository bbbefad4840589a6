"""The transaction policy: when a request takes SQLite's write lock, and what runs after commit.

SQLite has one writer at a time. A deferred transaction that has read and then wants to write
fails at once ("database is locked") when another connection committed in between, whatever
the busy timeout; so a writer takes the lock (BEGIN IMMEDIATE) before its first read. By
default every POST/PUT/PATCH/DELETE request does so before its view runs. A view whose slow
work (photo re-encoding) needs no lock is marked `@late_write_lock` and its operation calls
`begin_write` itself, right before its inserts. PostgreSQL needs none of this (row locks).

Side effects outside the database (mail, files) follow the transaction: `after_commit`
callbacks run once the commit succeeded, `on_rollback` callbacks undo when it did not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app, request
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

from crowdplan.extensions import db

log = logging.getLogger(__name__)

_AFTER_COMMIT = "crowdplan_after_commit"
_ON_ROLLBACK = "crowdplan_on_rollback"
_WROTE = "crowdplan_wrote_in"
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _plain(session: Session | scoped_session) -> Session:
    return session() if isinstance(session, scoped_session) else session


def begin_write(session: Session | scoped_session) -> None:
    """Make the session's transaction a writer now (SQLite BEGIN IMMEDIATE; no-op elsewhere).

    A transaction that has only read so far is ended first (its loaded rows are expired and
    reload under the lock), so reads and checks may run before the lock without the stale
    snapshot failing the later write. One that has already written keeps its mode.
    """
    session = _plain(session)
    if session.get_bind().dialect.name != "sqlite":
        return
    transaction = session.get_transaction()
    if transaction is not None and getattr(transaction, "_connections", None):
        options = session.connection().get_execution_options()
        if options.get("crowdplan_immediate") or _has_written(session):
            return
        session.commit()  # nothing written: ends the read snapshot only
    session.connection(execution_options={"crowdplan_immediate": True})


def _has_written(session: Session) -> bool:
    root = session.get_transaction()
    return bool(session.new or session.dirty or session.deleted) or (
        session.info.get(_WROTE) is root
    )


def late_write_lock(view: Callable) -> Callable:
    """Mark a view whose operation takes the write lock itself (see begin_write)."""
    view.crowdplan_late_write_lock = True
    return view


def after_commit(callback: Callable[[], None], session: Session | scoped_session = db.session):
    """Run `callback` once the session's current transaction has committed (never on rollback).

    It runs inside commit(), after the database committed: it must not use this session (use
    the engine in transactions of its own), and an exception it raises is logged, not raised.
    """
    callbacks = _plain(session).info.setdefault(_AFTER_COMMIT, [])
    if callback not in callbacks:
        callbacks.append(callback)


def on_rollback(callback: Callable[[], None], session: Session | scoped_session = db.session):
    """Run `callback` if the session's current transaction ends without a commit."""
    _plain(session).info.setdefault(_ON_ROLLBACK, []).append(callback)


def register(app: Flask) -> None:
    """Take the write lock before any view of a request that may write (unless marked late)."""

    @app.before_request
    def _writer_lock():
        if request.method not in _WRITE_METHODS:
            return
        view = current_app.view_functions.get(request.endpoint or "")
        if not getattr(view, "crowdplan_late_write_lock", False):
            begin_write(db.session)


def _run(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:  # a side effect must never fail the committed work
            log.exception("after-transaction callback %s failed", getattr(callback, "__name__", ""))


@event.listens_for(db.session, "after_flush")
def _mark_written(session: Session, _context) -> None:
    session.info[_WROTE] = session.get_transaction()


@event.listens_for(db.session, "do_orm_execute")
def _mark_bulk_write(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = state.session.get_transaction()


@event.listens_for(db.session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(_ON_ROLLBACK, None)
    _run(session.info.pop(_AFTER_COMMIT, []))


@event.listens_for(db.session, "after_transaction_end")
def _ended(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint or subtransaction: the outer transaction decides
    session.info.pop(_WROTE, None)
    session.info.pop(_AFTER_COMMIT, None)
    _run(session.info.pop(_ON_ROLLBACK, []))
