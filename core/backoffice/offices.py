"""Creating and updating notary offices from a parsed CSV list."""

import logging
from dataclasses import dataclass, field

from core.accounts.models import ROLE_NOTARY, Account
from core.accounts.service import create_account, find_account
from core.audit import record_event
from core.backoffice.office_csv import ParsedOffices, RejectedLine

log = logging.getLogger(__name__)


@dataclass
class OfficeImportReport:
    """Counts and accounts of an office import; ``created`` are the accounts to invite."""

    created: list[Account] = field(default_factory=list)
    updated: list[Account] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[RejectedLine] = field(default_factory=list)


def import_offices(dbsession, parsed: ParsedOffices, *, actor, request=None) -> OfficeImportReport:
    """Create the offices not yet known and update the known ones from ``parsed``.

    An office is known by its CRPCEN (its login). A line whose CRPCEN is the login of
    a staff account is rejected. Disabled offices are updated but stay disabled.
    """
    report = OfficeImportReport(rejected=list(parsed.rejected))
    for row in parsed.rows:
        account = find_account(dbsession, row.crpcen)
        if account is not None and account.role != ROLE_NOTARY:
            report.rejected.append(
                RejectedLine(row.line, f"L'identifiant {row.crpcen} est celui d'un compte du Département.")
            )
            continue

        if account is None:
            account = create_account(
                dbsession, role=ROLE_NOTARY, login=row.crpcen, name=row.name,
                email=row.email, address=row.address,
            )
            record_event(dbsession, action="account.create", actor=actor, request=request,
                         target=account, details={"role": ROLE_NOTARY, "via": "office_import"})
            report.created.append(account)
            continue

        changed = _apply_changes(account, name=row.name, address=row.address, email=row.email)
        if changed:
            record_event(dbsession, action="account.update", actor=actor, request=request,
                         target=account, details={"fields": changed, "via": "office_import"})
            report.updated.append(account)
        else:
            report.unchanged += 1

    report.rejected.sort(key=lambda rejected: rejected.line)
    record_event(dbsession, action="account.import", actor=actor, request=request, details={
        "created": len(report.created), "updated": len(report.updated),
        "unchanged": report.unchanged, "rejected": len(report.rejected),
    })
    log.info("office_import_done created=%d updated=%d rejected=%d",
             len(report.created), len(report.updated), len(report.rejected))
    return report


def _apply_changes(account: Account, **values) -> list[str]:
    """Set the given attributes and return the names of those that changed."""
    changed = []
    for name, value in values.items():
        if getattr(account, name) != value:
            setattr(account, name, value)
            changed.append(name)
    return changed
