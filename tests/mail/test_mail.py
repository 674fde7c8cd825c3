"""The outgoing mail queue against a real SMTP server and real databases."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.letters.service import create_letter, mail_letter
from core.mail.models import OutgoingMail
from core.mail.postman import MailSettings, Postman
from core.mail.retry import RetryThread
from core.mail.service import (
    MailAttachment,
    describe_error,
    queue_mail,
    retry_failed,
    send_mails,
    send_pending,
    utcnow,
)
from core.settings import ConfigurationError
from tests.mail.conftest import FailingViewError
from tests.smtp import SMTPTestServer


def all_mails(session_factory) -> list[OutgoingMail]:
    with session_factory() as session:
        return list(session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


def queue_committed(session_factory, count: int = 1, **values) -> list[int]:
    """Queue ``count`` mails outside any web request and commit them; return their ids."""
    with session_factory.begin() as session:
        mails = [
            queue_mail(session, "etude.martin@example.fr", f"Message {number}", "Corps.", **values)
            for number in range(count)
        ]
        return [mail.id for mail in mails]


# Queueing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "to",
    ["", [], "pas-une-adresse", "etude@example.fr\nBcc: autre@example.fr", ["bon@example.fr", "mauvais"]],
)
def test_queue_mail_rejects_bad_recipient(dbsession, to):
    with pytest.raises(ValueError):
        queue_mail(dbsession, to, "Sujet", "Corps.")


def test_queue_mail_rejects_multiline_subject(dbsession):
    with pytest.raises(ValueError, match="one line"):
        queue_mail(dbsession, "etude@example.fr", "Sujet\r\nBcc: autre@example.fr", "Corps.")


def test_queue_mail_outside_request_waits(session_factory, smtp_server):
    [mail_id] = queue_committed(session_factory)

    [mail] = all_mails(session_factory)

    assert mail.id == mail_id
    assert mail.status == "pending"
    assert mail.attempts == 0
    assert mail.message_id.startswith("<")
    assert mail.message_id.endswith("@localhost>")
    assert smtp_server.messages == []


# Sending after commit ---------------------------------------------------------------


def test_mail_sent_after_request_commit(mail_app, smtp_server, session_factory):
    app = mail_app(smtp_server.settings())

    response = app.get("/queue", params={"count": 2})

    received = smtp_server.wait_for(2)
    mails = all_mails(session_factory)
    assert [mail.id for mail in mails] == response.json["ids"]
    assert [mail.status for mail in mails] == ["sent", "sent"]
    assert all(mail.attempts == 1 and mail.sent_at is not None for mail in mails)
    assert sorted(mail.subject for mail in received) == ["Message 0", "Message 1"]
    assert received[0].recipients == ["etude.martin@example.fr"]
    assert received[0].sender == "ne-pas-repondre@demo-departement.fr"
    assert received[0].text().strip() == "Corps du message."
    assert received[0].attachments() == [("note.txt", "text/plain", b"bonjour")]
    assert {str(mail.message["Message-ID"]) for mail in received} == {mail.message_id for mail in mails}
    assert received[0].message["Auto-Submitted"] == "auto-generated"
    assert received[0].message["Date"].datetime.tzinfo is not None
    assert abs(received[0].message["Date"].datetime.replace(tzinfo=None) - mails[0].created_at) < timedelta(seconds=1)


def test_mail_of_aborted_request_never_sent(mail_app, smtp_server, session_factory):
    app = mail_app(smtp_server.settings())

    with pytest.raises(FailingViewError):
        app.get("/queue-then-fail")

    assert all_mails(session_factory) == []
    assert smtp_server.messages == []


def test_send_after_commit_can_be_turned_off(mail_app, smtp_server, session_factory):
    app = mail_app({**smtp_server.settings(), "mail.send_after_commit": "false"})

    app.get("/queue")

    assert [mail.status for mail in all_mails(session_factory)] == ["pending"]
    assert smtp_server.messages == []
    assert send_pending(session_factory, Postman(smtp_server.settings())).sent == 1
    assert len(smtp_server.wait_for(1)) == 1


# SMTP down, retries, backoff --------------------------------------------------------


def test_smtp_down_keeps_mail_and_page_works(mail_app, closed_smtp_port, session_factory):
    app = mail_app(closed_smtp_port)

    response = app.get("/queue")

    assert response.status_int == 200
    [mail] = all_mails(session_factory)
    assert mail.status == "pending"
    assert mail.attempts == 1
    assert mail.last_error.startswith("ConnectionRefusedError: errno")
    assert "example.fr" not in mail.last_error
    assert mail.next_attempt_at >= utcnow() + timedelta(seconds=50)
    assert mail.claimed_at is None


def test_smtp_back_up_send_pending_delivers(mail_app, closed_smtp_port, session_factory):
    app = mail_app(closed_smtp_port)
    app.get("/queue")
    postman = Postman(closed_smtp_port)

    too_early = send_pending(session_factory, postman)
    server = SMTPTestServer(int(closed_smtp_port["mail.port"]))
    server.start()
    try:
        report = send_pending(session_factory, postman, now=utcnow() + timedelta(minutes=2))
        received = server.wait_for(1)
    finally:
        server.stop()

    assert too_early.sent == 0
    assert report.sent == 1
    assert len(received) == 1
    [mail] = all_mails(session_factory)
    assert mail.status == "sent"
    assert mail.attempts == 2
    assert mail.last_error is None


def test_smtp_rejection_retried_with_backoff(session_factory, smtp_server):
    smtp_server.reject_with = "451 4.3.0 Réessayez plus tard"
    postman = Postman({**smtp_server.settings(), "mail.backoff_seconds": "10", "mail.max_attempts": "3"})
    queue_committed(session_factory)

    delays = []
    now = utcnow()
    for _attempt in range(2):
        before = utcnow()
        report = send_pending(session_factory, postman, now=now)
        [mail] = all_mails(session_factory)
        delays.append((mail.next_attempt_at - before).total_seconds())
        assert report.retry_later == 1
        assert mail.status == "pending"
        assert mail.last_error == "SMTPDataError: SMTP 451"
        now = mail.next_attempt_at

    assert 9 <= delays[0] <= 12
    assert 19 <= delays[1] <= 22

    report = send_pending(session_factory, postman, now=now)
    [mail] = all_mails(session_factory)
    assert report.gave_up == 1
    assert mail.status == "failed"
    assert mail.attempts == 3
    assert smtp_server.messages == []

    # A failed mail is never picked up again until an operator queues it again.
    assert send_pending(session_factory, postman, now=now + timedelta(days=30)).sent == 0
    smtp_server.reject_with = None
    assert retry_failed(session_factory) == 1
    assert send_pending(session_factory, postman).sent == 1
    assert len(smtp_server.wait_for(1)) == 1


def test_backoff_is_capped():
    settings = MailSettings(backoff_seconds=60, backoff_max_seconds=3600)

    assert [settings.backoff(attempts) for attempts in (1, 2, 3, 6, 7, 50)] == [60, 120, 240, 1920, 3600, 3600]


@pytest.mark.parametrize(
    ("key", "value"),
    [("mail.retry_interval", "-1"), ("mail.max_attempts", "0"), ("mail.backoff_seconds", "une minute"), ("mail.port", "smtp")],
)
def test_invalid_mail_settings(key, value):
    with pytest.raises(ConfigurationError, match=key.split(".")[1]):
        Postman({"mail.host": "127.0.0.1", key: value})


def test_missing_sender_keeps_mail(session_factory, smtp_server):
    settings = smtp_server.settings()
    del settings["mail.default_sender"]
    queue_committed(session_factory)

    report = send_pending(session_factory, Postman(settings))

    [mail] = all_mails(session_factory)
    assert report.retry_later == 1
    assert mail.status == "pending"
    assert mail.last_error == "MissingSenderError"
    assert smtp_server.messages == []


def test_describe_error_omits_addresses():
    import smtplib

    refused = smtplib.SMTPRecipientsRefused({"etude.martin@example.fr": (550, b"5.1.1 etude.martin@example.fr unknown")})

    assert describe_error(refused) == "SMTPRecipientsRefused: SMTP 550"
    assert describe_error(smtplib.SMTPDataError(554, b"rejected etude@example.fr")) == "SMTPDataError: SMTP 554"
    assert describe_error(ValueError("etude@example.fr")) == "ValueError"


# Never twice ------------------------------------------------------------------------


def test_concurrent_senders_send_each_mail_once(session_factory, smtp_server):
    ids = queue_committed(session_factory, count=24)
    postman = Postman(smtp_server.settings())
    reports = []
    start = threading.Barrier(3)

    def sender():
        start.wait()
        reports.append(send_pending(session_factory, postman))

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    received = smtp_server.wait_for(24)
    message_ids = Counter(str(mail.message["Message-ID"]) for mail in received)
    assert len(received) == 24
    assert all(count == 1 for count in message_ids.values())
    assert sum(report.sent for report in reports) == 24
    assert {mail.id: mail.status for mail in all_mails(session_factory)} == {mail_id: "sent" for mail_id in ids}
    assert all(mail.attempts == 1 for mail in all_mails(session_factory))


def test_claimed_mail_not_sent_again(session_factory, smtp_server):
    [mail_id] = queue_committed(session_factory)
    postman = Postman(smtp_server.settings())
    with session_factory.begin() as session:
        session.execute(update(OutgoingMail).values(status="sending", claimed_at=utcnow(), attempts=1))

    assert send_mails(session_factory, postman, [mail_id]).sent == 0
    assert send_pending(session_factory, postman).sent == 0
    assert smtp_server.messages == []


def test_stale_claim_released_and_sent(session_factory, smtp_server):
    queue_committed(session_factory)
    postman = Postman({**smtp_server.settings(), "mail.claim_timeout": "600"})
    with session_factory.begin() as session:
        session.execute(
            update(OutgoingMail).values(status="sending", claimed_at=utcnow() - timedelta(minutes=11), attempts=1)
        )

    report = send_pending(session_factory, postman)

    assert report.released == 1
    assert report.sent == 1
    assert len(smtp_server.wait_for(1)) == 1
    [mail] = all_mails(session_factory)
    assert mail.status == "sent"
    assert mail.attempts == 2


def test_sent_mail_not_sent_again(session_factory, smtp_server):
    [mail_id] = queue_committed(session_factory)
    postman = Postman(smtp_server.settings())

    first = send_pending(session_factory, postman)
    again = send_mails(session_factory, postman, [mail_id])
    later = send_pending(session_factory, postman, now=utcnow() + timedelta(days=1))

    assert (first.sent, again.sent, later.sent) == (1, 0, 0)
    assert len(smtp_server.wait_for(1)) == 1


# Letters, folder, retry thread ------------------------------------------------------


def test_letter_attached_by_reference(dbsession, session_factory, departement, office, make_search, smtp_server):
    search = make_search("recoverable_aid")
    letter = create_letter(dbsession, departement, search, office)
    mail = mail_letter(dbsession, departement, letter, search, office)
    dbsession.commit()

    send_pending(session_factory, Postman(smtp_server.settings()))
    [received] = smtp_server.wait_for(1)

    assert mail.search_id == search.id
    assert mail.attachments[0].data is None
    assert mail.attachments[0].letter_id == letter.id
    assert received.recipients == ["etude.martin@example.fr"]
    assert received.subject == f"Réponse à votre demande {search.reference} (vos références : SUCC/2026/45)"
    assert received.attachments() == [(letter.filename, "application/pdf", letter.pdf)]
    body = received.text()
    assert search.reference in body
    assert "connu : bénéficiaire d’une aide sociale récupérable" in body
    assert "du 01/12/2026" in body
    # The e-mail names the reference, never the deceased.
    assert "DUPONT" not in body + received.subject
    assert "Jeanne" not in body + received.subject


def test_acknowledgement_mail_text(dbsession, session_factory, departement, office, make_search, smtp_server):
    search = make_search("ambiguous", file_reference=None)
    letter = create_letter(dbsession, departement, search, office)
    mail_letter(dbsession, departement, letter, search, office)
    dbsession.commit()

    send_pending(session_factory, Postman(smtp_server.settings()))
    [received] = smtp_server.wait_for(1)

    assert received.subject == f"Demande {search.reference} : vérification en cours"
    assert "est en cours de vérification" in received.text()
    assert received.attachments()[0][0] == f"accuse-reception-{search.reference}.pdf"


def test_english_mail_text(dbsession, session_factory, departement, office, make_search, smtp_server):
    search = make_search("unknown")
    letter = create_letter(dbsession, departement, search, office, language="en")
    mail_letter(dbsession, departement, letter, search, office, language="en")
    dbsession.commit()

    send_pending(session_factory, Postman(smtp_server.settings()))
    [received] = smtp_server.wait_for(1)

    assert received.subject == f"Answer to your request {search.reference} (your reference: SUCC/2026/45)"
    assert "unknown: no recoverable social aid" in received.text()


def test_folder_transport_writes_eml(tmp_path, mail_app, session_factory):
    folder = tmp_path / "courriels"
    app = mail_app({"mail.folder": str(folder), "mail.default_sender": "ne-pas-repondre@demo-departement.fr"})

    app.get("/queue", params={"count": 2})

    files = sorted(folder.glob("*.eml"))
    assert len(files) == 2
    assert not list(folder.glob("*.tmp"))
    content = files[0].read_bytes()
    assert b"Subject: Message 0" in content
    assert b'filename="note.txt"' in content
    assert [mail.status for mail in all_mails(session_factory)] == ["sent", "sent"]


def test_retry_thread_sends_due_mail(session_factory, smtp_server):
    queue_committed(session_factory)
    thread = RetryThread(session_factory, Postman(smtp_server.settings()), interval=0.1)

    thread.start()
    try:
        received = smtp_server.wait_for(1)
    finally:
        thread.stop(timeout=10)

    assert len(received) == 1
    assert not thread.is_alive()
    assert [mail.status for mail in all_mails(session_factory)] == ["sent"]


def test_retry_thread_started_by_setting(mail_app, smtp_server):
    app = mail_app({**smtp_server.settings(), "mail.retry_interval": "3600"})
    thread = app.app.registry["mail.retry_thread"]

    try:
        assert thread.is_alive()
        assert thread.daemon
    finally:
        thread.stop(timeout=10)
    assert not thread.is_alive()


def test_no_retry_thread_when_asked(mail_app, smtp_server):
    app = mail_app(smtp_server.settings())

    assert "mail.retry_thread" not in app.app.registry


def test_retry_interval_defaults():
    smtp = MailSettings.from_settings({"mail.host": "smtp.example.fr"})
    folder = MailSettings.from_settings({"mail.host": "smtp.example.fr", "mail.folder": "/tmp/courriels"})
    nothing = MailSettings.from_settings({})

    assert smtp.retry_interval == 60
    assert folder.retry_interval == 0
    assert nothing.retry_interval == 0


def test_attachment_by_value_or_letter(dbsession):
    mail = queue_mail(
        dbsession,
        ["a@example.fr", "b@example.fr"],
        "Sujet",
        "Corps.",
        attachments=[MailAttachment("liste.csv", "text/csv", b"a;b\n")],
        sender="expediteur@example.fr",
    )

    assert mail.recipient_list == ["a@example.fr", "b@example.fr"]
    assert mail.attachments[0].data == b"a;b\n"
    assert mail.message_id.endswith("@example.fr>")
