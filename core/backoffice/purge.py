"""Removing personal data past its retention period, keeping anonymous counts.

A search older than ``[retention] searches_months`` keeps its row (reference, date,
office, outcome, status) so that the statistics still count it. It loses what the
notary typed, its candidates, its internal notes and its letters, and its sent e-mails
lose their subject, body and attachments. A mail still waiting to be sent, and its
letter, are left for the next run. The rejected-lines reports of imports started
before the same limit are deleted, since they name person ids and refused values.
Audit events older than ``[retention] audit_months`` are deleted. Each step only touches rows that still contain data, so running the
purge again removes nothing.
"""

import logging
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, or_, select, update

from core.audit import utcnow
from core.audit.models import AuditEvent
from core.backoffice.models import CaseDecision, CaseNote
from core.letters.models import Letter
from core.mail.models import STATUS_FAILED as MAIL_FAILED
from core.mail.models import STATUS_SENT as MAIL_SENT
from core.mail.models import OutgoingMail, OutgoingMailAttachment
from core.register.models import RegisterImport
from core.search.models import Search, SearchCandidate
from core.settings import ConfigurationError, DepartementConfig

log = logging.getLogger(__name__)

DEFAULT_SEARCHES_MONTHS = 12
DEFAULT_AUDIT_MONTHS = 24


@dataclass
class RetentionPolicy:
    searches_months: int = DEFAULT_SEARCHES_MONTHS
    audit_months: int = DEFAULT_AUDIT_MONTHS


@dataclass
class PurgeReport:
    """How many rows each step changed; all zeros when nothing was left to purge."""

    searches_anonymised: int = 0
    candidates_deleted: int = 0
    notes_deleted: int = 0
    decisions_anonymised: int = 0
    letters_deleted: int = 0
    mail_bodies_deleted: int = 0
    import_reports_deleted: int = 0
    audit_events_deleted: int = 0

    def items(self):
        return [(field.name, getattr(self, field.name)) for field in fields(self)]


def retention_policy(departement: DepartementConfig) -> RetentionPolicy:
    """Read ``[retention]`` from the Département's TOML, with the defaults for missing keys.

    :raises ConfigurationError: when a period is not a whole number of months of at least 1.
    """
    section = departement.section("retention")
    policy = RetentionPolicy()
    for key in ("searches_months", "audit_months"):
        if key not in section:
            continue
        value = section[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigurationError(
                f"[retention] {key} = {value!r} dans {departement.path} : "
                "indiquez un nombre entier de mois, au moins 1."
            )
        setattr(policy, key, value)
    return policy


def months_before(moment: datetime, months: int) -> datetime:
    """Return ``moment`` moved back by ``months`` calendar months (day clamped to the month)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(moment.day, _days_in_month(year, month))
    return moment.replace(year=year, month=month, day=day)


def _days_in_month(year: int, month: int) -> int:
    following = datetime(year + month // 12, month % 12 + 1, 1)
    return (following - datetime(year, month, 1)).days


def purge(dbsession, policy: RetentionPolicy, *, now: datetime | None = None) -> PurgeReport:
    """Remove expired personal data in ``dbsession``; the caller commits."""
    now = now or utcnow()
    searches_cutoff = months_before(now, policy.searches_months)
    audit_cutoff = months_before(now, policy.audit_months)
    expired = select(Search.id).where(Search.created_at < searches_cutoff).scalar_subquery()

    report = PurgeReport()
    report.candidates_deleted = _delete(dbsession, SearchCandidate, SearchCandidate.search_id.in_(expired))
    report.notes_deleted = _delete(dbsession, CaseNote, CaseNote.search_id.in_(expired))
    report.decisions_anonymised = _execute(
        dbsession,
        update(CaseDecision)
        .where(CaseDecision.search_id.in_(expired), CaseDecision.chosen_person_ref.is_not(None))
        .values(chosen_person_ref=None),
    )
    report.letters_deleted, report.mail_bodies_deleted = _purge_letters_and_mail(dbsession, expired)
    report.searches_anonymised = _anonymise_searches(dbsession, searches_cutoff)
    report.import_reports_deleted = _delete_import_reports(dbsession, searches_cutoff)
    report.audit_events_deleted = _delete(dbsession, AuditEvent, AuditEvent.created_at < audit_cutoff)

    log.info(
        "purge_done searches_cutoff=%s audit_cutoff=%s %s",
        searches_cutoff.date().isoformat(),
        audit_cutoff.date().isoformat(),
        " ".join(f"{name}={count}" for name, count in report.items()),
    )
    return report


def _anonymise_searches(dbsession, cutoff: datetime) -> int:
    still_personal = or_(
        Search.first_names != "",
        Search.birth_date != "",
        Search.usage_name.is_not(None),
        Search.birth_name.is_not(None),
        Search.death_date.is_not(None),
        Search.death_place.is_not(None),
        Search.file_reference.is_not(None),
        Search.matched_person_id.is_not(None),
    )
    return _execute(
        dbsession,
        update(Search)
        .where(Search.created_at < cutoff, still_personal)
        .values(
            usage_name=None,
            birth_name=None,
            first_names="",
            birth_date="",
            death_date=None,
            death_place=None,
            file_reference=None,
            matched_person_id=None,
        ),
    )


def _delete_import_reports(dbsession, cutoff: datetime) -> int:
    """Delete the report files of imports started before ``cutoff`` and clear their paths.

    A file already gone counts too, since its path still had to be cleared. A file that
    cannot be deleted keeps its path, so the next run tries again.
    """
    rows = dbsession.execute(
        select(RegisterImport.id, RegisterImport.report_path)
        .where(RegisterImport.started_at < cutoff, RegisterImport.report_path.is_not(None))
    ).all()
    cleared = []
    for import_id, path in rows:
        try:
            Path(path).unlink(missing_ok=True)
        except OSError as error:
            log.warning("purge_report_kept import_id=%s error=%s", import_id, error.strerror)
            continue
        cleared.append(import_id)
    if cleared:
        _execute(dbsession, update(RegisterImport).where(RegisterImport.id.in_(cleared)).values(report_path=None))
    return len(cleared)


def _purge_letters_and_mail(dbsession, expired) -> tuple[int, int]:
    """Delete the letters of expired searches and blank the subject, body and
    attachments of their delivered or abandoned e-mails."""
    finished = OutgoingMail.status.in_((MAIL_SENT, MAIL_FAILED))
    expired_mail = select(OutgoingMail.id).where(OutgoingMail.search_id.in_(expired), finished)
    # Attachments first: those that reference a letter would go with it, but those
    # that carry their own bytes would not.
    _delete(dbsession, OutgoingMailAttachment, OutgoingMailAttachment.mail_id.in_(expired_mail.scalar_subquery()))
    # A letter still attached to a mail waiting to be sent stays until the mail goes.
    awaited_letters = (
        select(OutgoingMailAttachment.letter_id)
        .join(OutgoingMail, OutgoingMail.id == OutgoingMailAttachment.mail_id)
        .where(~finished, OutgoingMailAttachment.letter_id.is_not(None))
    )
    letters = _delete(dbsession, Letter, Letter.search_id.in_(expired) & Letter.id.not_in(awaited_letters))
    mails = _execute(
        dbsession,
        update(OutgoingMail)
        .where(OutgoingMail.search_id.in_(expired), finished, or_(OutgoingMail.body != "", OutgoingMail.subject != ""))
        .values(subject="", body=""),
    )
    return letters, mails


def _delete(dbsession, model, condition) -> int:
    return _execute(dbsession, delete(model).where(condition))


def _execute(dbsession, statement) -> int:
    result = dbsession.execute(statement.execution_options(synchronize_session=False))
    return result.rowcount
