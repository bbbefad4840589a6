"""Outgoing e-mail: SMTP when MAIL_SERVER is set, otherwise .eml files in the MAIL_OUTBOX folder.

Sending never raises for a mail problem: a citizen's suggestion must not fail because the mail
server is down. A message the server does not take is kept in the outbox instead of lost.
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

from flask import current_app

log = logging.getLogger(__name__)

SMTP_TIMEOUT_S = 10


def send_mail(*, to: str, subject: str, body: str) -> None:
    """Send a plain-text UTF-8 message; keep it in the outbox if it cannot be sent."""
    config = current_app.config
    message = _build_message(sender=config["MAIL_FROM"], to=to, subject=subject, body=body)
    outbox = Path(config["MAIL_OUTBOX"])
    if not config.get("MAIL_SERVER"):
        try:
            name = _write_outbox(message, outbox)
        except OSError as exc:
            log.error("mail lost: cannot write to the outbox %s (%s)", outbox, _reason(exc))
            return
        log.info("mail queued to outbox (%s)", name)
        return
    try:
        _send_smtp(message, config)
    except (smtplib.SMTPException, OSError) as exc:
        smtp_failure = _reason(exc)
    else:
        log.info("mail sent via SMTP (%s)", message["Message-ID"])
        return
    try:
        name = _write_outbox(message, outbox)
    except OSError as exc:
        log.error(
            "mail lost: not sent via SMTP (%s), cannot write to the outbox %s (%s)",
            smtp_failure,
            outbox,
            _reason(exc),
        )
        return
    log.warning("mail not sent via SMTP (%s); kept in outbox (%s)", smtp_failure, name)


def read_outbox(folder: Path) -> list[EmailMessage]:
    """The messages in an outbox folder, oldest first (an absent folder is an empty outbox)."""
    if not folder.is_dir():
        return []
    parser = BytesParser(policy=policy.default)
    # File names start with a fixed-width UTC timestamp, so name order is time order.
    return [parser.parsebytes(path.read_bytes()) for path in sorted(folder.glob("*.eml"))]


def _build_message(*, sender: str, to: str, subject: str, body: str) -> EmailMessage:
    # policy.default encodes non-ASCII headers (a Chinese subject) as RFC 2047 words and
    # refuses header values with line breaks, so no caller can inject headers.
    message = EmailMessage(policy=policy.default)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    # An explicit domain: make_msgid() would otherwise ask DNS for this host's FQDN.
    domain = message["From"].addresses[0].domain or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    # Quoted-printable keeps the message 7-bit with short lines, so any server takes it: no
    # 8BITMIME needed, and a long Chinese paragraph cannot pass SMTP's 998-byte line limit.
    message.set_content(body, subtype="plain", charset="utf-8", cte="quoted-printable")
    return message


def _send_smtp(message: EmailMessage, config: Mapping[str, Any]) -> None:
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


def _reason(exc: BaseException) -> str:
    # Only the error class and SMTP code: str(exc) of SMTPRecipientsRefused, and the reply
    # text of many servers ("550 <someone@example.cn>: unknown user"), contain the address.
    code = getattr(exc, "smtp_code", None)
    return type(exc).__name__ if code is None else f"{type(exc).__name__} {code}"


def _write_outbox(message: EmailMessage, folder: Path) -> str:
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
    """A full link for an e-mail, also outside a request (CLI, seeding) via CROWDPLAN_BASE_URL."""
    from flask import has_request_context, url_for

    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["CROWDPLAN_BASE_URL"]):
        return url_for(endpoint, _external=True, **values)
