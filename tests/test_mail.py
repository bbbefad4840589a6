"""E-mail: queued in the outbox table with the transaction, delivered after commit, retried."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from crowdplan.core.models import utcnow
from crowdplan.extensions import db
from crowdplan.mail import read_outbox, send_mail
from crowdplan.notifications import sender
from crowdplan.notifications.models import OutboxMessage
from tests.mailserver import SMTPServer

TO = "zhang.wei@example.cn"
SUBJECT = "您对《咸宁市国土空间总体规划（2021—2035年）》的意见已受理，编号 CP-2025-0042"
LINK = "https://crowdplan.example.cn/plans/1/suggestions/42?lang=zh_CN"
BODY = (
    f"张先生您好：\n\n您的意见已转交规划编制科办理，查看进度：\n{LINK}\n\n咸宁市自然资源和规划局\n"
)


@pytest.fixture
def mail_app(app, tmp_path) -> Iterator:
    """The app inside an app context, with a fresh outbox folder; `configure` changes settings."""
    saved = dict(app.config)
    app.config.update(MAIL_OUTBOX=str(tmp_path / "outbox"), MAIL_SERVER="")

    def configure(**settings):
        app.config.update(settings)

    with app.app_context():
        yield configure
        db.session.rollback()
    app.config.clear()
    app.config.update(saved)


@pytest.fixture
def mail_log() -> Iterator[list[str]]:
    """Every record crowdplan.mail logs (a handler of our own: `-p no:logging` disables caplog)."""
    lines: list[str] = []
    formatter = logging.Formatter("%(levelname)s %(message)s")

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(formatter.format(record))

    logger = logging.getLogger("crowdplan.mail")
    handler, level = Collect(logging.DEBUG), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound (so nobody else takes it), not listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def _assert_is_the_mail(message) -> None:
    assert message["To"] == TO
    assert message["From"] == "crowdplan@localhost"
    assert message["Subject"] == SUBJECT
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    # Over SMTP lines end in CRLF (the wire format); the text is otherwise exactly the body.
    assert message.get_content().replace("\r\n", "\n") == BODY
    assert LINK in message.get_content()


def _rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_smtp_server_receives_exactly_the_mail(mail_app, smtp_server, tmp_path):
    mail_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    send_mail(to=TO, subject=SUBJECT, body=BODY)
    assert smtp_server.messages == []  # nothing leaves before the commit
    db.session.commit()

    (message,) = smtp_server.wait_for(1)
    _assert_is_the_mail(message)
    (row,) = _rows()
    assert (row.status, row.attempts, row.message_id) == ("sent", 1, message["Message-ID"])
    assert read_outbox(tmp_path / "outbox") == []


def test_without_mail_server_the_mail_lands_in_the_outbox(mail_app, tmp_path):
    send_mail(to=TO, subject=SUBJECT, body=BODY)
    send_mail(to=TO, subject="第二封", body="second\n")
    db.session.commit()

    files = sorted(Path(tmp_path / "outbox").iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]
    assert all(f.stat().st_mode & 0o077 == 0 for f in files)
    first, second = read_outbox(tmp_path / "outbox")
    _assert_is_the_mail(first)
    assert second["Subject"] == "第二封"


def test_read_outbox_of_a_missing_folder_is_empty(tmp_path):
    assert read_outbox(tmp_path / "nowhere") == []


def test_a_rolled_back_transaction_sends_nothing(mail_app, smtp_server, tmp_path):
    send_mail(to=TO, subject=SUBJECT, body=BODY)
    db.session.flush()
    db.session.rollback()
    mail_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    send_mail(to=TO, subject=SUBJECT, body=BODY)
    db.session.rollback()

    assert sender.send_pending(now=utcnow() + timedelta(days=1)).sent == 0
    assert _rows() == []
    assert read_outbox(tmp_path / "outbox") == [] and smtp_server.messages == []


def test_a_server_failing_three_times_delivers_each_message_once(mail_app, tmp_path):
    with SMTPServer(fail_first=6) as server:
        mail_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        send_mail(to=TO, subject=SUBJECT, body=BODY)
        send_mail(to=TO, subject="第二封", body="second\n")
        db.session.commit()  # try 1 of each, refused
        clock = utcnow()
        for wait in (30, 120, 480):  # the backoff after tries 1, 2, 3 (refused); 4 is accepted
            early = sender.send_pending(now=clock + timedelta(seconds=wait - 2))
            assert early == sender.Pass()  # not due yet: nobody tried
            clock += timedelta(seconds=wait + 1)
            done = sender.send_pending(now=clock)
        assert done == sender.Pass(sent=2)
        assert sender.send_pending(now=clock + timedelta(days=2)).sent == 0
        subjects = sorted(m["Subject"] for m in server.messages)

    assert server.refused == 6 and subjects == sorted([SUBJECT, "第二封"])
    assert [(r.status, r.attempts) for r in _rows()] == [("sent", 4), ("sent", 4)]
    assert read_outbox(tmp_path / "outbox") == []


def test_a_server_that_is_down_delays_mail_and_loses_none(mail_app, closed_port, mail_log):
    mail_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port, MAIL_MAX_ATTEMPTS=3)
    send_mail(to=TO, subject=SUBJECT, body=BODY)
    db.session.commit()  # must not raise
    now = utcnow()
    for minutes in (1, 10, 60):
        sender.send_pending(now=now + timedelta(minutes=minutes))
    (row,) = _rows()
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "ConnectionRefusedError")

    with SMTPServer() as server:
        mail_app(MAIL_PORT=server.port)
        assert sender.retry_failed() == 1
        assert sender.send_pending().sent == 1
        (message,) = server.messages
    _assert_is_the_mail(message)
    levels = [line.split(" ", 1)[0] for line in mail_log]
    assert levels == ["WARNING", "WARNING", "ERROR", "INFO"]
    for line in mail_log:
        assert TO not in line and "zhang.wei" not in line and SUBJECT not in line


def test_refused_recipient_fails_at_once_without_the_address_in_logs(mail_app, mail_log):
    with SMTPServer(refuse_recipients=True) as server:
        mail_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        send_mail(to=TO, subject=SUBJECT, body=BODY)
        db.session.commit()
        assert server.messages == []

    (row,) = _rows()
    assert (row.status, row.last_error) == ("failed", "SMTPRecipientsRefused 550")
    assert len(mail_log) == 1 and mail_log[0].startswith("ERROR mail failed after 1 tries")
    assert TO not in mail_log[0]


def test_two_concurrent_senders_send_each_row_once(mail_app, smtp_server, app):
    mail_app(MAIL_DELIVERY="worker", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    for n in range(12):
        send_mail(to=TO, subject=f"第{n}封", body=BODY)
    db.session.commit()
    assert smtp_server.messages == []  # the worker sends, not the request
    start = threading.Barrier(2)
    passes = []

    def run():
        with app.app_context():
            start.wait()
            passes.append(sender.send_pending())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(p.sent for p in passes) == 12
    assert sorted(m["Subject"] for m in smtp_server.messages) == sorted(
        f"第{n}封" for n in range(12)
    )


def test_a_row_left_sending_by_a_crashed_sender_is_retried_after_the_lease(mail_app, tmp_path):
    mail_app(MAIL_DELIVERY="worker")
    send_mail(to=TO, subject=SUBJECT, body=BODY)
    db.session.commit()
    now = utcnow()
    assert sender._claim(_rows()[0].id, now) is not None  # a sender that then died
    assert sender.send_pending(now=now + timedelta(minutes=9)).sent == 0
    assert sender.send_pending(now=now + timedelta(minutes=11)).sent == 1
    assert len(read_outbox(tmp_path / "outbox")) == 1


def test_a_line_break_in_a_header_is_refused(mail_app):
    with pytest.raises(ValueError):
        send_mail(to=TO, subject="意见\r\nBcc: everyone@example.cn", body=BODY)
