"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for tests."""

import email
import logging
import re
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """aiosmtpd handler: every message delivered, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        return "250 OK"

    def link_for(self, address: str) -> str:
        """The set-up link in the latest message to `address`, as a path with its fragment."""
        message = [m for m in self.messages if address in m["To"]][-1]
        body = message.get_body(preferencelist=("plain",)).get_content()
        return re.search(r"https?://[^/\s]+(/invite#\S+)", body).group(1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox(app, monkeypatch):
    """Point the app's mail at a real local SMTP server; yields its Inbox."""
    handler = Inbox()
    # aiosmtpd logs every line it receives at DEBUG: names and links, which must not
    # reach the test run's log (it is scanned for personal data).
    smtp_log = logging.getLogger("mail.log")
    level = smtp_log.level
    smtp_log.setLevel(logging.INFO)
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    try:
        yield handler
    finally:
        controller.stop()
        smtp_log.setLevel(level)
