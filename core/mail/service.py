"""Queue e-mails in the caller's transaction, send them once it commits, retry the rest.

A mail is a row before it is a message: ``queue_mail`` adds it to the caller's
transaction, so it exists exactly when the search (or decision, or invitation) that
caused it is committed. Sending then happens outside any transaction, in three steps:

1. claim: ``UPDATE … SET status='sending' WHERE id=… AND status='pending'``, committed
   on its own; only the sender whose update changed the row goes on, so two senders
   (the after-commit hook, the retry thread, ``dn send-mail``) never both send a mail;
2. deliver over SMTP (or into ``mail.folder``);
3. mark it 'sent', or 'pending' again with a later ``next_attempt_at`` (or 'failed'
   after ``mail.max_attempts``), in its own transaction.

The first attempt runs in the request's thread, after the commit and before the
response. An SMTP server that does not answer delays that response by the 10 s socket
timeout of repoze.sendmail 4.4 (per unanswered exchange). ``mail.send_after_commit =
false`` leaves all sending to the retry thread instead.

NOTE: if the process dies between steps 2 and 3, the mail stays 'sending' until
``mail.claim_timeout`` passes and is then sent again: delivery is at least once in that
case only. The fixed ``Message-ID`` lets the recipient's client spot the duplicate.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, make_msgid, parseaddr

from pyramid_mailer.message import Attachment, Message
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from core.letters.models import Letter
from core.mail.models import (
    STATUS_FAILED,
    STATUS_PENDING,
    STATUS_SENDING,
    STATUS_SENT,
    OutgoingMail,
    OutgoingMailAttachment,
)
from core.mail.postman import Postman

log = logging.getLogger(__name__)

PDF_CONTENT_TYPE = "application/pdf"


@dataclass(frozen=True)
class MailAttachment:
    """A file to attach by value; pass a ``Letter`` instead to attach it by reference."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class SendReport:
    """Counts of mails handled by one sending run."""

    sent: int = 0
    retry_later: int = 0
    gave_up: int = 0
    released: int = 0

    @property
    def failed(self) -> int:
        return self.retry_later + self.gave_up


def utcnow() -> datetime:
    """Return the current UTC time as a naive datetime, as stored in the database."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def queue_mail(
    dbsession: Session,
    to: str | list[str],
    subject: str,
    body: str,
    attachments=(),
    search_id: int | None = None,
    sender: str | None = None,
) -> OutgoingMail:
    """Add a mail to ``dbsession``'s transaction and return it (flushed, with its id).

    ``attachments`` contains ``MailAttachment`` values and ``Letter`` rows. When the
    session belongs to a web request (``dbsession.info["request"]``), the mail is sent
    right after that request's transaction commits. Otherwise, or if that first
    attempt fails, the retry thread or ``dn send-mail`` sends it.

    :raises ValueError: on an invalid address or a subject spanning several lines.
    """
    recipients = _checked_recipients(to)
    if "\n" in subject or "\r" in subject:
        raise ValueError("A mail subject must fit on one line.")

    now = utcnow()
    mail = OutgoingMail(
        search_id=search_id,
        recipients="\n".join(recipients),
        sender=sender,
        subject=subject,
        body=body,
        message_id=make_msgid(idstring="dn", domain=_sender_domain(sender, dbsession)),
        status=STATUS_PENDING,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    mail.attachments = [_attachment_row(item) for item in attachments]
    dbsession.add(mail)
    dbsession.flush()
    log.info("mail_queued mail_id=%s search_id=%s", mail.id, search_id)

    _send_after_commit(dbsession, mail.id)
    return mail


def _checked_recipients(to: str | list[str]) -> list[str]:
    addresses = [to] if isinstance(to, str) else list(to)
    if not addresses:
        raise ValueError("A mail needs at least one recipient.")
    for address in addresses:
        _name, parsed = parseaddr(address)
        if not parsed or "@" not in parsed or any(c in address for c in "\r\n"):
            raise ValueError(f"Invalid e-mail address: {address!r}")
    return addresses


def _attachment_row(item) -> OutgoingMailAttachment:
    if isinstance(item, Letter):
        if item.id is None:
            raise ValueError("Flush the letter before attaching it to a mail.")
        return OutgoingMailAttachment(filename=item.filename, content_type=PDF_CONTENT_TYPE, letter_id=item.id)
    return OutgoingMailAttachment(filename=item.filename, content_type=item.content_type, data=item.data)


def _sender_domain(sender: str | None, dbsession: Session) -> str:
    if not sender:
        postman = _request_postman(dbsession)
        sender = postman.settings.default_sender if postman else None
    _name, address = parseaddr(sender or "")
    return address.rpartition("@")[2] or "localhost"


def _request_postman(dbsession: Session) -> Postman | None:
    request = dbsession.info.get("request")
    if request is None:
        return None
    return request.registry.get("mail.postman")


def _send_after_commit(dbsession: Session, mail_id: int) -> None:
    request = dbsession.info.get("request")
    postman = _request_postman(dbsession)
    if postman is None or not postman.settings.send_after_commit:
        return
    session_factory = request.registry["db.session_factory"]
    request.tm.get().addAfterCommitHook(_after_commit_hook, args=(session_factory, postman, mail_id))


def _after_commit_hook(committed: bool, session_factory: sessionmaker, postman: Postman, mail_id: int) -> None:
    # The transaction package calls this after the commit, or after a failed one with
    # committed=False, in which case the mail row does not exist.
    if not committed:
        return
    try:
        send_mails(session_factory, postman, [mail_id])
    except Exception:
        # The mail is in the database: the retry sends it. The request must not fail.
        log.exception("mail_after_commit_failed mail_id=%s", mail_id)


def send_pending(session_factory: sessionmaker, postman: Postman, now: datetime | None = None, limit: int = 500) -> SendReport:
    """Send every mail whose next attempt is due; return what was done.

    Claims left by a crashed sender for longer than ``mail.claim_timeout`` are released
    first. Safe to run from several processes at once.
    """
    now = now or utcnow()
    report = SendReport(released=_release_stale_claims(session_factory, postman, now))
    with session_factory() as session:
        due = session.scalars(
            select(OutgoingMail.id)
            .where(OutgoingMail.status == STATUS_PENDING, OutgoingMail.next_attempt_at <= now)
            .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
            .limit(limit)
        ).all()
    _send_each(session_factory, postman, due, report)
    return report


def send_mails(session_factory: sessionmaker, postman: Postman, mail_ids) -> SendReport:
    """Send the given mails now if they are still pending, whatever their next attempt."""
    report = SendReport()
    _send_each(session_factory, postman, mail_ids, report)
    return report


def retry_failed(session_factory: sessionmaker, now: datetime | None = None) -> int:
    """Queue every 'failed' mail again with a fresh count of attempts; return how many."""
    now = now or utcnow()
    with session_factory.begin() as session:
        result = session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.status == STATUS_FAILED)
            .values(status=STATUS_PENDING, attempts=0, next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
    log.info("mail_failed_requeued count=%s", result.rowcount)
    return result.rowcount


def _release_stale_claims(session_factory: sessionmaker, postman: Postman, now: datetime) -> int:
    limit = now - timedelta(seconds=postman.settings.claim_timeout)
    with session_factory.begin() as session:
        stale = session.scalars(
            select(OutgoingMail.id).where(OutgoingMail.status == STATUS_SENDING, OutgoingMail.claimed_at < limit)
        ).all()
        if stale:
            session.execute(
                update(OutgoingMail)
                .where(OutgoingMail.id.in_(stale), OutgoingMail.status == STATUS_SENDING)
                .values(status=STATUS_PENDING, claimed_at=None, next_attempt_at=now)
                .execution_options(synchronize_session=False)
            )
    for mail_id in stale:
        log.warning("mail_claim_released mail_id=%s", mail_id)
    return len(stale)


def _send_each(session_factory: sessionmaker, postman: Postman, mail_ids, report: SendReport) -> None:
    for mail_id in mail_ids:
        if not _claim(session_factory, mail_id):
            continue
        outcome = _deliver(session_factory, postman, mail_id)
        if outcome == STATUS_SENT:
            report.sent += 1
        elif outcome == STATUS_FAILED:
            report.gave_up += 1
        else:
            report.retry_later += 1


def _claim(session_factory: sessionmaker, mail_id: int) -> bool:
    # The conditional update is the lock: on PostgreSQL the second updater waits for
    # the first to commit, then finds the status changed; SQLite serialises writers.
    with session_factory.begin() as session:
        result = session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id == mail_id, OutgoingMail.status == STATUS_PENDING)
            .values(status=STATUS_SENDING, claimed_at=utcnow(), attempts=OutgoingMail.attempts + 1)
            .execution_options(synchronize_session=False)
        )
    return result.rowcount == 1


def _deliver(session_factory: sessionmaker, postman: Postman, mail_id: int) -> str:
    with session_factory() as session:
        attempts = session.get(OutgoingMail, mail_id).attempts

    try:
        with session_factory() as session:
            message = build_message(session, session.get(OutgoingMail, mail_id), postman.settings.default_sender)
        postman.deliver(message, mail_id)
    except Exception as error:
        # Whatever went wrong (refused connection, timeout, SMTP error, full disk for
        # mail.folder), the mail stays in the queue for a later attempt.
        return _mark_failed(session_factory, postman, mail_id, attempts, error)

    with session_factory.begin() as session:
        session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id == mail_id, OutgoingMail.status == STATUS_SENDING)
            .values(status=STATUS_SENT, sent_at=utcnow(), claimed_at=None, last_error=None)
            .execution_options(synchronize_session=False)
        )
    log.info("mail_sent mail_id=%s attempts=%s transport=%s", mail_id, attempts, postman.transport)
    return STATUS_SENT


def _mark_failed(session_factory: sessionmaker, postman: Postman, mail_id: int, attempts: int, error: Exception) -> str:
    settings = postman.settings
    description = describe_error(error)
    if attempts >= settings.max_attempts:
        status, next_attempt_at = STATUS_FAILED, utcnow()
    else:
        status = STATUS_PENDING
        next_attempt_at = utcnow() + timedelta(seconds=settings.backoff(attempts))

    with session_factory.begin() as session:
        session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id == mail_id, OutgoingMail.status == STATUS_SENDING)
            .values(status=status, last_error=description, claimed_at=None, next_attempt_at=next_attempt_at)
            .execution_options(synchronize_session=False)
        )

    if status == STATUS_FAILED:
        log.error("mail_gave_up mail_id=%s attempts=%s error=%s", mail_id, attempts, description)
    else:
        log.warning(
            "mail_send_failed mail_id=%s attempts=%s error=%s next_attempt_at=%s",
            mail_id, attempts, description, next_attempt_at.isoformat(timespec="seconds"),
        )
    return status


def describe_error(error: Exception) -> str:
    """Return the error's class and SMTP code or errno, without any address it may name."""
    name = type(error).__name__
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _message in error.recipients.values()})
        return f"{name}: SMTP {', '.join(str(code) for code in codes)}"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{name}: SMTP {error.smtp_code}"
    if isinstance(error, OSError) and error.errno is not None:
        return f"{name}: errno {error.errno} {error.strerror or ''}".strip()[:300]
    return name


def build_message(session: Session, mail: OutgoingMail, default_sender: str | None) -> Message:
    """Build the pyramid_mailer message of ``mail``, loading letters attached by reference."""
    sender = mail.sender or default_sender
    if not sender:
        # Handled like a delivery failure: the mail stays queued until the setting is fixed.
        raise MissingSenderError()
    return Message(
        subject=mail.subject,
        sender=sender,
        recipients=mail.recipient_list,
        body=mail.body,
        extra_headers={
            "Message-ID": mail.message_id,
            # RFC 5322 requires a Date; pyramid_mailer 0.15 does not add one.
            "Date": format_datetime(mail.created_at.replace(tzinfo=timezone.utc)),
            # RFC 3834: an automatic message, so that vacation responders stay quiet.
            "Auto-Submitted": "auto-generated",
        },
        attachments=[_message_attachment(session, item) for item in mail.attachments],
    )


class MissingSenderError(Exception):
    def __init__(self):
        super().__init__("Set mail.default_sender in the .ini file (or [letters] email in the TOML).")


def _message_attachment(session: Session, item: OutgoingMailAttachment) -> Attachment:
    data = item.data
    if item.letter_id is not None:
        data = session.get(Letter, item.letter_id).pdf
    return Attachment(filename=item.filename, content_type=item.content_type, data=data)
