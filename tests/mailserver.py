"""A real SMTP server on loopback for tests: aiosmtpd in a thread, collecting what it accepts.

Use the `smtp_server` fixture (function scope: every test starts with an empty mailbox), or
`SMTPServer` as a context manager for a server with other settings. conftest imports the
fixture with `from tests.mailserver import smtp_server  # noqa: F401`.

Warnings: pytest turns every warning into an error. aiosmtpd 1.4.6 on Python 3.11 emits none
while starting, serving and stopping (checked with `python -X dev -W error`), so nothing is
filtered here. If an upgrade brings one, filter that one warning class around `start()` with
`warnings.catch_warnings()`, not globally.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import time
from collections.abc import Awaitable, Iterator
from email.message import EmailMessage
from types import TracebackType

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class _AnyPortController(Controller):
    """A Controller on port 0: the kernel picks a free port, so no other process can race us."""

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        # aiosmtpd's documented hook for binding; it must hand connections to _factory_invoker.
        return self._bind()

    async def _bind(self) -> asyncio.AbstractServer:
        server = await self.loop.create_server(self._factory_invoker, host=self.hostname, port=0)
        # start() connects to self.port once bound (to make aiosmtpd build its protocol),
        # so the real port must be known before start() goes on.
        self.port = server.sockets[0].getsockname()[1]
        return server


class SMTPServer:
    """An SMTP server on 127.0.0.1 that keeps every accepted message, parsed, in `.messages`."""

    host = "127.0.0.1"

    def __init__(self, *, refuse_recipients: bool = False, fail_first: int = 0) -> None:
        self.messages: list[EmailMessage] = []
        # Refuse every RCPT TO with a reply quoting the address, as real servers do.
        self.refuse_recipients = refuse_recipients
        # Answer the first `fail_first` messages with a temporary failure (451), then accept.
        self.fail_first = fail_first
        self.refused = 0
        self.port = 0
        self._controller: _AnyPortController | None = None

    def start(self) -> SMTPServer:
        """Listen on a free loopback port (see `.port`)."""
        assert self._controller is None, "SMTP server already running"
        # server_hostname: the greeting name; aiosmtpd would otherwise ask DNS for the FQDN.
        controller = _AnyPortController(self, hostname=self.host, server_hostname="localhost")
        try:
            controller.start()
        except BaseException:
            controller.stop(no_assert=True)
            raise
        self._controller = controller
        self.port = controller.port
        return self

    def stop(self) -> None:
        """Stop listening and end the server thread."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count: int, timeout: float = 5) -> list[EmailMessage]:
        """Poll until at least `count` messages arrived; fail the test after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} message(s) within {timeout} s, got {len(self.messages)}"
                )
            time.sleep(0.01)
        return list(self.messages)

    def __enter__(self) -> SMTPServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # aiosmtpd handler hooks; they run on the server thread.

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list
    ) -> str:
        """Accept the recipient, or refuse it when `refuse_recipients` is set."""
        if self.refuse_recipients:
            return f"550 5.1.1 <{address}>: Recipient address rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Keep the message as the client sent it, parsed with the modern email policy."""
        assert envelope.original_content is not None
        if self.refused < self.fail_first:
            self.refused += 1
            return "451 4.3.0 Temporary failure, try again later"
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    """A started SMTP server on loopback with an empty mailbox; stopped after the test."""
    with SMTPServer() as server:
        yield server
