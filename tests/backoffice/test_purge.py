"""dn purge: expired personal data goes, anonymous counts stay, a second run is a no-op."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from core.audit import record_event
from core.audit.models import AuditEvent
from core.backoffice.models import CaseDecision, CaseNote
from core.backoffice.purge import RetentionPolicy, months_before, purge, retention_policy
from core.cli import main
from core.register.models import RegisterImport
from core.search.models import Search, SearchCandidate
from core.settings import ConfigurationError, load_departement

NOW = datetime(2026, 12, 4, 12, 0)


def count(dbsession, model):
    return dbsession.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    "moment, months, expected",
    [
        (datetime(2026, 12, 4), 12, datetime(2025, 12, 4)),
        (datetime(2026, 3, 31), 1, datetime(2026, 2, 28)),
        (datetime(2024, 3, 31), 1, datetime(2024, 2, 29)),
        (datetime(2026, 1, 15), 13, datetime(2024, 12, 15)),
    ],
)
def test_months_before(moment, months, expected):
    assert months_before(moment, months) == expected


def test_purge_blanks_old_searches_keeps_recent(dbsession, make_search):
    old = make_search(created_at=datetime(2025, 11, 1), outcome="unknown", status="answered")
    recent = make_search(created_at=datetime(2026, 6, 1))
    dbsession.add(CaseNote(search_id=old.id, created_at=datetime(2025, 11, 2), text="Appel à l'étude"))
    dbsession.add(CaseDecision(search_id=old.id, chosen_person_ref="P100", none_matches=False,
                               outcome="unknown", decided_at=datetime(2025, 11, 2)))
    dbsession.commit()

    report = purge(dbsession, RetentionPolicy(searches_months=12, audit_months=24), now=NOW)
    dbsession.commit()
    dbsession.expire_all()

    assert report.searches_anonymised == 1
    assert report.candidates_deleted == 2
    assert report.notes_deleted == 1
    assert report.decisions_anonymised == 1
    old = dbsession.get(Search, old.id)
    assert (old.usage_name, old.birth_name, old.first_names, old.birth_date) == (None, None, "", "")
    assert (old.death_date, old.death_place, old.file_reference) == (None, None, None)
    assert (old.reference, old.outcome, old.status) == ("DN-TEST-000001", "unknown", "answered")
    assert old.created_at == datetime(2025, 11, 1)
    decision = dbsession.scalars(select(CaseDecision)).one()
    assert decision.chosen_person_ref is None
    assert decision.outcome == "unknown"
    recent = dbsession.get(Search, recent.id)
    assert recent.usage_name == "DUPONT"
    assert len(recent.candidates) == 2
    assert count(dbsession, SearchCandidate) == 2


def test_purge_deletes_old_audit_events(dbsession):
    for created_at in (datetime(2024, 12, 3), datetime(2024, 12, 5)):
        event = record_event(dbsession, action="search")
        event.created_at = created_at
    dbsession.commit()

    report = purge(dbsession, RetentionPolicy(searches_months=12, audit_months=24), now=NOW)
    dbsession.commit()

    assert report.audit_events_deleted == 1
    remaining = dbsession.scalars(select(AuditEvent.created_at)).all()
    assert remaining == [datetime(2024, 12, 5)]


def test_purge_deletes_old_import_reports(dbsession, tmp_path):
    reports = {}
    for name, started_at in (("old", datetime(2025, 11, 1)), ("recent", datetime(2026, 6, 1)), ("gone", datetime(2025, 1, 1))):
        path = tmp_path / f"import-{name}-lignes-rejetees.csv"
        if name != "gone":
            path.write_text("fichier;ligne;motif\r\nextraction.csv;12;identifiant de personne P12 en double\r\n")
        row = RegisterImport(connector="csv_generic", status="succeeded", started_at=started_at, report_path=str(path))
        dbsession.add(row)
        reports[name] = (row, path)
    dbsession.commit()

    report = purge(dbsession, RetentionPolicy(searches_months=12, audit_months=24), now=NOW)
    dbsession.commit()
    dbsession.expire_all()

    assert report.import_reports_deleted == 2
    old, old_path = reports["old"]
    assert not old_path.exists()
    assert dbsession.get(RegisterImport, old.id).report_path is None
    assert dbsession.get(RegisterImport, reports["gone"][0].id).report_path is None
    recent, recent_path = reports["recent"]
    assert recent_path.exists()
    assert dbsession.get(RegisterImport, recent.id).report_path == str(recent_path)


def test_purge_second_run_removes_nothing(dbsession, make_search):
    make_search(created_at=datetime(2025, 1, 1))
    purge(dbsession, RetentionPolicy(), now=NOW)
    dbsession.commit()

    report = purge(dbsession, RetentionPolicy(), now=NOW)

    assert all(value == 0 for _, value in report.items()), report


def test_retention_policy_defaults(tmp_path):
    path = tmp_path / "d.toml"
    path.write_text('[departement]\ncode="1"\nname="A"\n[connector]\nname="csv_generic"\n', encoding="utf-8")

    policy = retention_policy(load_departement(path))

    assert (policy.searches_months, policy.audit_months) == (12, 24)


@pytest.mark.parametrize("value", ["0", "-3", '"douze"', "1.5", "true"])
def test_retention_policy_rejects_bad_period(tmp_path, value):
    path = tmp_path / "d.toml"
    path.write_text(
        f'[departement]\ncode="1"\nname="A"\n[connector]\nname="csv_generic"\n[retention]\nsearches_months={value}\n',
        encoding="utf-8",
    )

    with pytest.raises(ConfigurationError, match="searches_months"):
        retention_policy(load_departement(path))


def test_dn_purge_command_reports_counts(demo_ini, dbsession, make_search, capsys):
    make_search(created_at=datetime(2020, 1, 1))
    make_search(created_at=datetime.now())

    status = main(["purge", str(demo_ini)])

    output = capsys.readouterr().out
    assert status == 0
    assert "recherches anonymisées : 1" in output
    assert "candidats supprimés : 2" in output
    dbsession.expire_all()
    assert dbsession.scalar(select(func.count()).select_from(Search).where(Search.first_names == "")) == 1
    assert dbsession.scalars(select(AuditEvent.action)).all() == ["purge.run"]

    assert main(["purge", str(demo_ini)]) == 0
    assert "recherches anonymisées : 0" in capsys.readouterr().out


def test_dn_purge_missing_config(tmp_path, capsys):
    status = main(["purge", str(tmp_path / "absent.ini")])

    assert status == 2
    assert "fichier de configuration introuvable" in capsys.readouterr().err


def add_letter_and_mail(dbsession, search, mail_status):
    from core.letters.models import Letter
    from core.mail.models import OutgoingMail, OutgoingMailAttachment

    letter = Letter(search_id=search.id, outcome="unknown", language="fr", filename="r.pdf", pdf=b"%PDF",
                    template_hash="0" * 64, created_at=datetime(2025, 1, 1))
    dbsession.add(letter)
    dbsession.flush()
    mail = OutgoingMail(search_id=search.id, recipients="etude@example.fr", subject="Réponse DUPONT",
                        body="Madame DUPONT", message_id=f"<{search.id}@test>", status=mail_status,
                        created_at=datetime(2025, 1, 1), next_attempt_at=datetime(2025, 1, 1))
    mail.attachments.append(OutgoingMailAttachment(filename="r.pdf", content_type="application/pdf", letter_id=letter.id))
    mail.attachments.append(OutgoingMailAttachment(filename="x.txt", content_type="text/plain", data=b"DUPONT"))
    dbsession.add(mail)
    dbsession.commit()
    return letter.id, mail.id


def test_purge_deletes_letters_and_sent_mail_bodies(dbsession, make_search):
    from core.letters.models import Letter
    from core.mail.models import OutgoingMail

    sent_letter, sent_mail = add_letter_and_mail(dbsession, make_search(created_at=datetime(2025, 1, 1)), "sent")
    pending_letter, pending_mail = add_letter_and_mail(dbsession, make_search(created_at=datetime(2025, 1, 1)), "pending")

    report = purge(dbsession, RetentionPolicy(), now=NOW)
    dbsession.commit()
    dbsession.expire_all()

    assert report.letters_deleted == 1
    assert report.mail_bodies_deleted == 1
    assert dbsession.scalars(select(Letter.id)).all() == [pending_letter]
    sent = dbsession.get(OutgoingMail, sent_mail)
    assert (sent.subject, sent.body, sent.attachments) == ("", "", [])
    pending = dbsession.get(OutgoingMail, pending_mail)
    assert pending.body == "Madame DUPONT"
    assert len(pending.attachments) == 2
