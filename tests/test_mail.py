"""E-mail: a real SMTP server on loopback, the development outbox, fallback when SMTP is down."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from config import TestingConfig
from crowdplan import create_app
from crowdplan.extensions import db
from crowdplan.mail import read_outbox, send_mail
from tests.mailserver import SMTPServer, smtp_server  # noqa: F401

TO = "zhang.wei@example.cn"
SUBJECT = "您对《咸宁市国土空间总体规划（2021—2035年）》的意见已受理，编号 CP-2025-0042"
LINK = "https://crowdplan.example.cn/plans/1/suggestions/42?lang=zh_CN"
BODY = (
    f"张先生您好：\n\n您的意见已转交规划编制科办理，查看进度：\n{LINK}\n\n咸宁市自然资源和规划局\n"
)


@pytest.fixture
def make_app(tmp_path) -> Iterator:
    """Build apps on an in-memory database whose outbox is a fresh temporary folder."""
    apps: list[Flask] = []

    def make(**overrides) -> Flask:
        overrides.setdefault("MAIL_OUTBOX", str(tmp_path / "outbox"))
        app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://", **overrides)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def mail_log() -> Iterator[list[str]]:
    """Every record crowdplan.mail logs, formatted with any traceback.

    A handler of our own rather than caplog, which `-p no:logging` switches off.
    """
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


def test_smtp_server_receives_exactly_the_mail(make_app, smtp_server, tmp_path):  # noqa: F811
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    with app.app_context():
        send_mail(to=TO, subject=SUBJECT, body=BODY)

    (message,) = smtp_server.wait_for(1)
    _assert_is_the_mail(message)
    assert read_outbox(tmp_path / "outbox") == []


def test_without_mail_server_the_mail_lands_in_the_outbox(make_app, tmp_path):
    app = make_app(MAIL_SERVER="")
    with app.app_context():
        send_mail(to=TO, subject=SUBJECT, body=BODY)
        send_mail(to=TO, subject="第二封", body="second\n")

    files = sorted(Path(tmp_path / "outbox").iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]
    assert all(f.stat().st_mode & 0o077 == 0 for f in files)
    first, second = read_outbox(tmp_path / "outbox")
    _assert_is_the_mail(first)
    assert second["Subject"] == "第二封"


def test_read_outbox_of_a_missing_folder_is_empty(tmp_path):
    assert read_outbox(tmp_path / "nowhere") == []


def test_smtp_down_keeps_the_mail_in_the_outbox(make_app, closed_port, tmp_path, mail_log):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port)
    with app.app_context():
        send_mail(to=TO, subject=SUBJECT, body=BODY)  # must not raise

    (message,) = read_outbox(tmp_path / "outbox")
    _assert_is_the_mail(message)
    assert any(line.startswith("WARNING mail not sent via SMTP") for line in mail_log)


def test_refused_recipient_keeps_the_mail_in_the_outbox(make_app, tmp_path, mail_log):
    with SMTPServer(refuse_recipients=True) as server:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        with app.app_context():
            send_mail(to=TO, subject=SUBJECT, body=BODY)
        assert server.messages == []

    (message,) = read_outbox(tmp_path / "outbox")
    _assert_is_the_mail(message)
    assert mail_log == [
        f"WARNING mail not sent via SMTP (SMTPRecipientsRefused); kept in outbox "
        f"({sorted(Path(tmp_path / 'outbox').iterdir())[0].name})"
    ]


def test_logs_never_contain_the_recipient(
    make_app,
    smtp_server,  # noqa: F811
    closed_port,
    tmp_path,
    mail_log,
):
    outbox = tmp_path / "outbox"
    settings = [
        {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port},
        {"MAIL_SERVER": ""},
        {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": closed_port},
        # An outbox that cannot be written: the one case where the mail is lost (and logged).
        {"MAIL_SERVER": "", "MAIL_OUTBOX": str(tmp_path / "file")},
    ]
    (tmp_path / "file").write_text("not a folder")
    for overrides in settings:
        with make_app(**overrides).app_context():
            send_mail(to=TO, subject=SUBJECT, body=BODY)
    with SMTPServer(refuse_recipients=True) as refusing:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=refusing.port)
        with app.app_context():
            send_mail(to=TO, subject=SUBJECT, body=BODY)

    assert len(smtp_server.messages) == 1
    assert len(read_outbox(outbox)) == 3
    levels = [line.split(" ", 1)[0] for line in mail_log]
    assert levels == ["INFO", "INFO", "WARNING", "ERROR", "WARNING"]
    for line in mail_log:
        assert TO not in line
        assert "zhang.wei" not in line
        assert SUBJECT not in line


def test_a_line_break_in_a_header_is_refused(make_app):
    with make_app().app_context(), pytest.raises(ValueError):
        send_mail(to=TO, subject="意见\r\nBcc: everyone@example.cn", body=BODY)
