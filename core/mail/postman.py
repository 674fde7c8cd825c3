"""Mail settings and delivery: pyramid_mailer over SMTP, or ``.eml`` files in a folder.

Settings (``.ini``, prefix ``mail.``):

- ``mail.host``, ``mail.port``, ``mail.username``, ``mail.password``, ``mail.tls``,
  ``mail.ssl``: the SMTP server, read by pyramid_mailer (default ``localhost:25``).
- ``mail.default_sender``: the From address (default: the Département's ``[letters]
  email``).
- ``mail.folder``: write each message as an ``.eml`` file into this folder instead of
  sending it (the demo uses it).
- ``mail.retry_interval``: seconds between two automatic retries of the queue in the
  web process; 0 turns the retry thread off (``dn send-mail`` still works). The
  default is 60 when ``mail.host`` is set, and 0 otherwise (``mail.folder`` or no mail
  settings), so a test or the demo starts no thread unless it asks for one.
- ``mail.max_attempts`` (10), ``mail.backoff_seconds`` (60), ``mail.backoff_max_seconds``
  (21600): a failed mail waits ``backoff_seconds * 2 ** (attempts - 1)``, at most
  ``backoff_max_seconds``, and becomes 'failed' after ``max_attempts`` attempts.
- ``mail.claim_timeout`` (900): seconds after which a mail still marked 'sending' is
  taken as abandoned by a crashed sender and queued again.
- ``mail.send_after_commit`` (true): send a queued mail as soon as the web request's
  transaction commits; when false, mails wait for the retry thread or ``dn send-mail``.

The SMTP timeout is 10 seconds, fixed by repoze.sendmail 4.4, which pyramid_mailer uses.
"""

import logging
import os
import re
import smtplib
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pyramid.settings import asbool
from pyramid_mailer.mailer import Mailer
from pyramid_mailer.message import Message

from core.settings import ConfigurationError

log = logging.getLogger(__name__)

PREFIX = "mail."


@dataclass(frozen=True)
class MailSettings:
    default_sender: str | None = None
    folder: Path | None = None
    retry_interval: int = 0
    max_attempts: int = 10
    backoff_seconds: int = 60
    backoff_max_seconds: int = 6 * 3600
    claim_timeout: int = 900
    send_after_commit: bool = True

    @classmethod
    def from_settings(cls, settings: dict, fallback_sender: str | None = None) -> "MailSettings":
        """Read the ``mail.*`` settings; raise ConfigurationError naming a bad one."""
        folder = settings.get(PREFIX + "folder") or None
        return cls(
            default_sender=settings.get(PREFIX + "default_sender") or fallback_sender or None,
            folder=Path(folder) if folder else None,
            retry_interval=_seconds(settings, "retry_interval", _default_retry_interval(settings), minimum=0),
            max_attempts=_seconds(settings, "max_attempts", 10, minimum=1),
            backoff_seconds=_seconds(settings, "backoff_seconds", 60, minimum=1),
            backoff_max_seconds=_seconds(settings, "backoff_max_seconds", 6 * 3600, minimum=1),
            claim_timeout=_seconds(settings, "claim_timeout", 900, minimum=1),
            send_after_commit=asbool(settings.get(PREFIX + "send_after_commit", True)),
        )

    def backoff(self, attempts: int) -> int:
        """Return the delay in seconds before the attempt that follows ``attempts`` failures."""
        exponent = min(max(attempts - 1, 0), 30)
        return min(self.backoff_seconds * 2**exponent, self.backoff_max_seconds)


def _default_retry_interval(settings: dict) -> int:
    return 60 if settings.get(PREFIX + "host") and not settings.get(PREFIX + "folder") else 0


def _seconds(settings: dict, key: str, default: int, minimum: int) -> int:
    raw = settings.get(PREFIX + key)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise ConfigurationError(
            f"Réglage {PREFIX}{key} invalide : {raw!r}. Indiquez un nombre entier, au moins {minimum}."
        )
    return value


class Postman:
    """Delivers built messages, over SMTP or into ``mail.folder``."""

    def __init__(self, settings: dict, fallback_sender: str | None = None):
        self.settings = MailSettings.from_settings(settings, fallback_sender)
        if self.settings.folder is None:
            self._mailer = _smtp_mailer(settings)
            self.transport = "smtp"
        else:
            self._mailer = None
            self.transport = "folder"

    def deliver(self, message: Message, mail_id: int) -> None:
        """Send ``message`` now; raise on any failure so that the caller keeps the mail."""
        if self._mailer is not None:
            self._mailer.send_immediately(message)
        else:
            write_eml(self.settings.folder, message, mail_id)


def _smtp_mailer(settings: dict) -> Mailer:
    try:
        mailer = Mailer.from_settings(settings, prefix=PREFIX)
    except ValueError as error:
        raise ConfigurationError(
            f"Réglages {PREFIX}* invalides pour le serveur SMTP : {error}. "
            f"Vérifiez {PREFIX}host, {PREFIX}port, {PREFIX}tls et {PREFIX}ssl dans le fichier .ini."
        ) from None
    # repoze.sendmail's SMTPMailer lets its connection classes be replaced.
    mailer.smtp_mailer.smtp = CRLFSMTP
    mailer.smtp_mailer.smtp_ssl = CRLFSMTPSSL
    return mailer


_BARE_LF = re.compile(rb"(?<!\r)\n")


def _with_crlf(message):
    if isinstance(message, bytes):
        return _BARE_LF.sub(b"\r\n", message)
    return message


class CRLFSMTP(smtplib.SMTP):
    """SMTP connection that sends CRLF line endings whatever the message contains.

    repoze.sendmail 4.4, which pyramid_mailer uses, serialises messages with bare LF
    line endings; RFC 5321 forbids them, and strict servers (aiosmtpd, recent Postfix
    and sendmail) reject the message.
    """

    def sendmail(self, from_addr, to_addrs, msg, mail_options=(), rcpt_options=()):
        return super().sendmail(from_addr, to_addrs, _with_crlf(msg), mail_options, rcpt_options)


class CRLFSMTPSSL(smtplib.SMTP_SSL):
    """``CRLFSMTP`` over an SSL connection (``mail.ssl = true``)."""

    def sendmail(self, from_addr, to_addrs, msg, mail_options=(), rcpt_options=()):
        return super().sendmail(from_addr, to_addrs, _with_crlf(msg), mail_options, rcpt_options)


def write_eml(folder: Path, message: Message, mail_id: int) -> Path:
    """Write ``message`` as ``<UTC time>-<mail id>.eml``, atomically, and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{mail_id:08d}.eml"
    data = message.to_message().as_bytes()

    # Write then rename, so a reader of the folder never opens half a message.
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        target = folder / name
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
