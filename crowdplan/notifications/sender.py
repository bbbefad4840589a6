"""Delivering the mail outbox: each row claimed atomically, sent once, retried with backoff.

A sender claims a due row with one conditional UPDATE (pending and due -> sending), so two
senders (request threads, `flask send-mail` processes) never both send it. The claim takes a
lease (MAIL_LEASE_S): a row whose sender crashed while it was `sending` is due again when the
lease ends. That is the only window in which a message can go out twice: a sender that died
after the server accepted the message and before it marked the row `sent`. Every try keeps
the row's Message-ID, so a receiver can recognise the repeat. Each status change is its own
short transaction on its own connection, never the request's, so no SMTP conversation runs
while SQLite's write lock is held.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import Connection, select, update

from crowdplan import mail, transactions
from crowdplan.core.models import utcnow
from crowdplan.extensions import db
from crowdplan.notifications.models import MailStatus, OutboxMessage

log = logging.getLogger("crowdplan.mail")

_DUE = (MailStatus.PENDING.value, MailStatus.SENDING.value)
_TABLE = OutboxMessage.__table__


@dataclass
class Pass:
    """What one sender pass did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


class _Permanent(Exception):
    """The server refused every recipient for good (5xx): trying again cannot help."""


def queue(*, to: str, subject: str, body: str, message_id: str) -> None:
    """Add a message to the outbox in the current transaction (see crowdplan.mail.send_mail)."""
    db.session.add(OutboxMessage(recipient=to, subject=subject, body=body, message_id=message_id))
    if current_app.config["MAIL_DELIVERY"] == "after_commit":
        transactions.after_commit(send_after_commit)


def send_after_commit() -> None:
    """The after-commit sender of `make run` and the tests: one pass, in this process."""
    send_pending()


def send_pending(*, now: datetime | None = None, limit: int = 100) -> Pass:
    """Deliver the rows that are due at `now` (default: the clock), oldest first."""
    now = now or utcnow()
    result = Pass()
    for row_id in _due_ids(now, limit):
        row = _claim(row_id, now)
        if row is not None:
            outcome = _deliver(row, now)
            setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def retry_failed() -> int:
    """Put the rows that gave up back in the queue (after the mail server is fixed)."""
    with _writer() as conn:
        values = {"status": MailStatus.PENDING.value, "attempts": 0, "next_attempt_at": utcnow()}
        query = update(_TABLE).where(_TABLE.c.status == MailStatus.FAILED.value).values(values)
        return conn.execute(query).rowcount


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failed try: 30 s, 2 min, 8 min ... capped."""
    config = current_app.config
    seconds = config["MAIL_RETRY_BASE_S"] * 4 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["MAIL_RETRY_MAX_S"]))


@contextmanager
def _writer() -> Iterator[Connection]:
    # SQLite: BEGIN IMMEDIATE, so the claim waits its turn instead of failing on a stale read.
    with db.engine.connect() as conn:
        conn = conn.execution_options(crowdplan_immediate=True)
        with conn.begin():
            yield conn


def _due_ids(now: datetime, limit: int) -> list[int]:
    query = (
        select(_TABLE.c.id)
        .where(_TABLE.c.status.in_(_DUE), _TABLE.c.next_attempt_at <= now)
        .order_by(_TABLE.c.next_attempt_at, _TABLE.c.id)
        .limit(limit)
    )
    with db.engine.connect() as conn:
        return list(conn.scalars(query))


def _claim(row_id: int, now: datetime):
    """The row, if this sender won it; None when another sender has it or it is not due."""
    lease = timedelta(seconds=current_app.config["MAIL_LEASE_S"])
    claim = (
        update(_TABLE)
        .where(
            _TABLE.c.id == row_id,
            _TABLE.c.status.in_(_DUE),
            _TABLE.c.next_attempt_at <= now,
        )
        .values(
            status=MailStatus.SENDING.value,
            attempts=_TABLE.c.attempts + 1,
            next_attempt_at=now + lease,
        )
    )
    with _writer() as conn:
        if conn.execute(claim).rowcount != 1:
            return None
        return conn.execute(select(_TABLE).where(_TABLE.c.id == row_id)).one()


def _deliver(row, now: datetime) -> str:
    config = current_app.config
    message = mail.build_message(
        sender=config["MAIL_FROM"],
        to=row.recipient,
        subject=row.subject,
        body=row.body,
        message_id=row.message_id,
        date=row.created_at,
    )
    try:
        where = _transmit(message, config)
    except _Permanent as exc:
        return _give_up(row, now, str(exc))
    except (smtplib.SMTPException, OSError) as exc:
        return _retry_or_give_up(row, now, mail.failure_reason(exc))
    _mark(row, status=MailStatus.SENT.value, sent_at=now, last_error=None)
    log.info("mail %s (%s)", where, row.message_id)
    return "sent"


def _transmit(message, config) -> str:
    if not config.get("MAIL_SERVER"):
        name = mail.write_outbox(message, Path(config["MAIL_OUTBOX"]))
        return f"written to the outbox folder as {name}"
    try:
        mail.send_smtp(message, config)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _text in exc.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            raise _Permanent(f"SMTPRecipientsRefused {codes[0]}") from exc
        raise
    return "sent via SMTP"


def _retry_or_give_up(row, now: datetime, error: str) -> str:
    if row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        return _give_up(row, now, error)
    wait = backoff(row.attempts)
    _mark(row, status=MailStatus.PENDING.value, next_attempt_at=now + wait, last_error=error)
    log.warning(
        "mail not sent (%s), try %d; next try in %d s (%s)",
        error,
        row.attempts,
        wait.total_seconds(),
        row.message_id,
    )
    return "retrying"


def _give_up(row, now: datetime, error: str) -> str:
    _mark(row, status=MailStatus.FAILED.value, last_error=error)
    log.error(
        "mail failed after %d tries (%s); kept as failed (%s)", row.attempts, error, row.message_id
    )
    return "failed"


def _mark(row, **values) -> None:
    # Only while this sender's claim stands: a sender whose lease ran out must not overwrite
    # what a later claim of the same row recorded.
    query = (
        update(_TABLE)
        .where(
            _TABLE.c.id == row.id,
            _TABLE.c.status == MailStatus.SENDING.value,
            _TABLE.c.attempts == row.attempts,
        )
        .values(values)
    )
    with _writer() as conn:
        conn.execute(query)
