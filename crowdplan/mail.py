"""Outgoing e-mail, queued with the change that causes it and delivered after the commit.

`send_mail` only adds a row to the mail outbox table in the caller's transaction, so a request
that rolls back sends nothing and a mail server that is down fails no request. The sender
(crowdplan.notifications.sender) delivers the rows after commit: by SMTP when MAIL_SERVER is
set, otherwise as .eml files in the MAIL_OUTBOX folder (development and tests read those).
Only a caller's bug raises: a line break in a header (header injection) is a ValueError.
Logs never carry the recipient's address (personal data), nor the subject or the server's
reply text, which may quote the address.
"""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

log = logging.getLogger(__name__)

SMTP_TIMEOUT_S = 10


def send_mail(*, to: str, subject: str, body: str) -> None:
    """Queue a plain-text UTF-8 message in the current transaction; sent once it commits."""
    from crowdplan.notifications.sender import queue

    config = current_app.config
    # Built now so a bad header fails the caller at once, not the sender later.
    message = build_message(sender=config["MAIL_FROM"], to=to, subject=subject, body=body)
    queue(to=to, subject=subject, body=body, message_id=message["Message-ID"])


def mail_allowed(kind: str, to: str) -> bool:
    """Spend one of the mails of `kind` that one recipient and one network may cause; False
    when either budget is spent (MAIL_LIMIT_PER_RECIPIENT, MAIL_LIMIT_PER_NETWORK).

    Without it one client could make the site send any address a mail every few seconds. The
    recipient is counted by its blind index, never the address itself.
    """
    from flask import request
    from limits import parse

    from crowdplan.crypto import blind_index
    from crowdplan.extensions import limiter

    config = current_app.config
    checks = (
        (parse(config["MAIL_LIMIT_PER_RECIPIENT"]), ("mail", kind, "to", blind_index(to) or "")),
        (parse(config["MAIL_LIMIT_PER_NETWORK"]), ("mail", kind, "net", request.remote_addr or "")),
    )
    if not all(limiter.limiter.test(item, *key) for item, key in checks):
        return False
    for item, key in checks:
        limiter.limiter.hit(item, *key)
    return True


def read_outbox(folder: Path) -> list[EmailMessage]:
    """The messages in an outbox folder, oldest first (an absent folder is an empty outbox)."""
    if not folder.is_dir():
        return []
    parser = BytesParser(policy=policy.default)
    # File names start with a fixed-width UTC timestamp, so name order is time order.
    return [parser.parsebytes(path.read_bytes()) for path in sorted(folder.glob("*.eml"))]


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    body: str,
    message_id: str | None = None,
    date: datetime | None = None,
) -> EmailMessage:
    """The message as sent; the same Message-ID on every try lets a receiver drop a repeat."""
    # policy.default encodes non-ASCII headers (a Chinese subject) as RFC 2047 words and
    # refuses header values with line breaks, so no caller can inject headers.
    message = EmailMessage(policy=policy.default)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(date or datetime.now(UTC))
    # An explicit domain: make_msgid() would otherwise ask DNS for this host's FQDN.
    domain = message["From"].addresses[0].domain or "localhost"
    message["Message-ID"] = message_id or make_msgid(domain=domain)
    # Quoted-printable keeps the message 7-bit with short lines, so any server takes it: no
    # 8BITMIME needed, and a long Chinese paragraph cannot pass SMTP's 998-byte line limit.
    message.set_content(body, subtype="plain", charset="utf-8", cte="quoted-printable")
    return message


def send_smtp(message: EmailMessage, config: Mapping[str, Any]) -> None:
    """Hand the message to MAIL_SERVER; returns once the server has accepted it."""
    smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=SMTP_TIMEOUT_S)
    try:
        if config.get("MAIL_USE_TLS"):
            # smtplib's own default context checks no certificate; this one does.
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        smtp.send_message(message)
    finally:
        _close_quietly(smtp)


def _close_quietly(smtp: smtplib.SMTP) -> None:
    # Once the server has accepted the message a failed QUIT is no failure: raising here would
    # put an already delivered message into the outbox as well.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def failure_reason(exc: BaseException) -> str:
    """What may be logged or stored about a failure: the error class and the SMTP code."""
    # Only the error class and SMTP code: str(exc) of SMTPRecipientsRefused, and the reply
    # text of many servers ("550 <someone@example.cn>: unknown user"), contain the address.
    code = getattr(exc, "smtp_code", None)
    return type(exc).__name__ if code is None else f"{type(exc).__name__} {code}"


def write_outbox(message: EmailMessage, folder: Path) -> str:
    """Write the message as a new .eml file in `folder`; returns the file name."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{stamp}-{secrets.token_hex(4)}.eml"
    # Write under a name read_outbox ignores, then rename: a reader never sees half a message.
    # Owner-only, since the file holds the recipient's address.
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(message.as_bytes())
    os.replace(tmp, path)
    return path.name


def absolute_url(endpoint: str, **values) -> str:
    """A full link for an e-mail, always on CROWDPLAN_BASE_URL, inside a request or not.

    Never the request's Host header: a forged Host would put another site's address, with a
    confirmation or reset token in it, into the mail.
    """
    base = urlsplit(current_app.config["CROWDPLAN_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)
