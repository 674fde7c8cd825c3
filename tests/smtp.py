"""A real SMTP server (aiosmtpd) in the test process, on 127.0.0.1 and a free port.

Fixtures, to import into a ``conftest.py`` with
``from tests.smtp import smtp_server, smtp_settings, closed_smtp_port  # noqa: F401``:

- ``smtp_server``: a running ``SMTPTestServer``; ``.messages`` lists what it received
  as ``ReceivedMail`` (sender, recipients, parsed ``EmailMessage``), ``.wait_for(n)``
  waits until ``n`` messages arrived, ``.reject_with = "451 …"`` makes it refuse
  messages, ``.stop()`` and ``.start()`` take it down and up again on the same port;
- ``smtp_settings``: the ``mail.*`` settings pointing the application at ``smtp_server``
  (``mail.retry_interval`` 0, so no retry thread runs unless a test asks for one);
- ``closed_smtp_port``: the ``mail.*`` settings of a port where nothing listens, for
  "SMTP server down" tests.
"""

import socket
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"
TEST_SENDER = "ne-pas-repondre@demo-departement.fr"


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        """Return the plain-text body."""
        return self.message.get_body(preferencelist=("plain",)).get_content()

    def attachments(self) -> list[tuple[str, str, bytes]]:
        """Return ``(filename, content type, bytes)`` of each attachment."""
        return [
            (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
            for part in self.message.iter_attachments()
        ]


class _Handler:
    def __init__(self, server: "SMTPTestServer"):
        self._server = server

    async def handle_DATA(self, server, session, envelope):
        if self._server.reject_with:
            return self._server.reject_with
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self._server._received(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SMTPTestServer:
    """An aiosmtpd server on 127.0.0.1 collecting every message it accepts."""

    def __init__(self, port: int):
        self.host = HOST
        self.port = port
        self.messages: list[ReceivedMail] = []
        self.reject_with: str | None = None
        self._arrived = threading.Condition()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _received(self, mail: ReceivedMail) -> None:
        with self._arrived:
            self.messages.append(mail)
            self._arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        """Wait until at least ``count`` messages arrived; fail the test after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pytest.fail(f"SMTP test server received {len(self.messages)} messages, expected {count}")
                self._arrived.wait(remaining)
            return list(self.messages)

    def settings(self) -> dict:
        return {
            "mail.host": self.host,
            "mail.port": str(self.port),
            "mail.default_sender": TEST_SENDER,
            "mail.retry_interval": "0",
        }


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that nothing listens on at the time of the call."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    server = SMTPTestServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_settings(smtp_server) -> dict:
    return smtp_server.settings()


@pytest.fixture
def closed_smtp_port() -> dict:
    return {
        "mail.host": HOST,
        "mail.port": str(free_port()),
        "mail.default_sender": TEST_SENDER,
        "mail.retry_interval": "0",
    }
