"""Statistics queries for the dashboard and its CSV exports.

Each query takes a ``Period`` and returns a ``Table``: headers and rows of plain values,
so that the page, its SVG chart and the CSV export all show the same figures. Counts
stay right after ``dn purge``, which keeps every search row (date, office, outcome).
"""

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import extract, func, select

from core.accounts.models import ROLE_NOTARY, Account
from core.audit.models import AuditEvent
from core.i18n import _
from core.backoffice.models import CaseDecision
from core.search.models import Search
from core.search.outcomes import AMBIGUOUS, OUTCOMES, STATUS_PENDING_REVIEW

# Short French labels of the outcomes for chart legends and column headers.
OUTCOME_LABELS = {
    "unknown": _("Inconnu"),
    "recoverable_aid": _("Aide récupérable"),
    "possible_overpayment": _("Indu potentiel"),
    "ambiguous": _("Doute en attente"),
}


@dataclass
class Period:
    """A range of whole days, both ends included."""

    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time())

    @property
    def end_before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), datetime.min.time())

    def months(self) -> list[str]:
        """Return every month of the period as ``YYYY-MM``, in order."""
        months = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


def default_period(today: date) -> Period:
    """Return the twelve months up to ``today``, starting on the first of a month."""
    if today.month == 12:
        first = date(today.year, 1, 1)
    else:
        first = date(today.year - 1, today.month + 1, 1)
    return Period(first, today)


@dataclass
class Table:
    """Figures of one statistics table; headers and labels are French msgids, so they
    are translated on the page and stay French in the CSV export."""

    name: str
    headers: list[str]
    rows: list[list]


def _in_period(column, period: Period):
    return (column >= period.start_at) & (column < period.end_before)


def searches_by_month(dbsession, period: Period) -> Table:
    """Count searches per month and current outcome (a settled doubt counts under its final outcome)."""
    year = extract("year", Search.created_at)
    month = extract("month", Search.created_at)
    query = (
        select(year, month, Search.outcome, func.count())
        .where(_in_period(Search.created_at, period))
        .group_by(year, month, Search.outcome)
    )
    counts = {(f"{int(y):04d}-{int(m):02d}", outcome): total for y, m, outcome, total in dbsession.execute(query)}

    rows = []
    for label in period.months():
        values = [counts.get((label, outcome), 0) for outcome in OUTCOMES]
        rows.append([label, *values, sum(values)])
    headers = [_("Mois"), *(OUTCOME_LABELS[outcome] for outcome in OUTCOMES), _("Total")]
    return Table("recherches-par-mois", headers, rows)


def searches_by_office(dbsession, period: Period) -> Table:
    """Count searches per notary office and outcome, busiest office first."""
    query = (
        select(Search.account_id, Account.role, Account.login, Account.name, Search.outcome, func.count())
        .outerjoin(Account, Account.id == Search.account_id)
        .where(_in_period(Search.created_at, period))
        .group_by(Search.account_id, Account.role, Account.login, Account.name, Search.outcome)
    )
    offices: dict = {}
    for account_id, role, login, name, outcome, total in dbsession.execute(query):
        # Only a notary office's login is a CRPCEN code. Since migration 0009 gave the
        # command-line searches to the system account, only a caller passing no
        # account records a search without one.
        crpcen = login if role == ROLE_NOTARY else "—"
        key = (crpcen, name or _("Sans compte (ligne de commande)"))
        offices.setdefault(key, dict.fromkeys(OUTCOMES, 0))[outcome] += total

    rows = [
        [login, name, *(counts[outcome] for outcome in OUTCOMES), sum(counts.values())]
        for (login, name), counts in offices.items()
    ]
    rows.sort(key=lambda row: (-row[-1], row[0]))
    headers = [_("CRPCEN"), _("Office"), *(OUTCOME_LABELS[outcome] for outcome in OUTCOMES), _("Total")]
    return Table("recherches-par-office", headers, rows)


def doubtful_cases(dbsession, period: Period, *, now: datetime) -> Table:
    """Share of doubtful searches, and how long the settled ones waited and the open ones wait."""
    in_period = _in_period(Search.created_at, period)
    total = dbsession.scalar(select(func.count()).select_from(Search).where(in_period))
    decided = dbsession.execute(
        select(Search.created_at, CaseDecision.decided_at)
        .join(CaseDecision, CaseDecision.search_id == Search.id)
        .where(in_period)
    ).all()
    pending = dbsession.scalars(
        select(Search.created_at).where(in_period, Search.status == STATUS_PENDING_REVIEW)
    ).all()
    # A doubt recorded before decisions existed (or from a batch) still counts as doubtful.
    undecided_ambiguous = dbsession.scalar(
        select(func.count()).select_from(Search)
        .outerjoin(CaseDecision, CaseDecision.search_id == Search.id)
        .where(in_period, CaseDecision.id.is_(None), Search.status != STATUS_PENDING_REVIEW,
               Search.outcome == AMBIGUOUS)
    )

    doubtful = len(decided) + len(pending) + undecided_ambiguous
    waits = [(decided_at - created_at).total_seconds() / 3600 for created_at, decided_at in decided]
    open_waits = [(now - created_at).total_seconds() / 3600 for created_at in pending]
    rows = [
        [_("Recherches"), total],
        [_("Cas douteux"), doubtful],
        [_("Part des cas douteux (%)"), _percent(doubtful, total)],
        [_("Cas tranchés"), len(decided)],
        [_("Attente médiane avant décision (heures)"), _hours(statistics.median(waits)) if waits else "—"],
        [_("Attente moyenne avant décision (heures)"), _hours(statistics.fmean(waits)) if waits else "—"],
        [_("Attente maximale avant décision (heures)"), _hours(max(waits)) if waits else "—"],
        [_("Cas en attente"), len(pending)],
        [_("Attente du plus ancien cas en attente (heures)"), _hours(max(open_waits)) if open_waits else "—"],
    ]
    return Table("cas-douteux", [_("Indicateur"), _("Valeur")], rows)


def sign_ins_by_month(dbsession, period: Period) -> Table:
    """Count successful and failed sign-ins per month, from the audit trail.

    NOTE: ``dn purge`` deletes audit events after ``[retention] audit_months``, so
    older months show no sign-ins.
    """
    year = extract("year", AuditEvent.created_at)
    month = extract("month", AuditEvent.created_at)
    actions = ("sign_in.success", "sign_in.failure")
    query = (
        select(year, month, AuditEvent.action, func.count())
        .where(_in_period(AuditEvent.created_at, period), AuditEvent.action.in_(actions))
        .group_by(year, month, AuditEvent.action)
    )
    counts = {(f"{int(y):04d}-{int(m):02d}", action): total for y, m, action, total in dbsession.execute(query)}
    rows = [[label, *(counts.get((label, action), 0) for action in actions)] for label in period.months()]
    return Table("connexions-par-mois", [_("Mois"), _("Connexions réussies"), _("Connexions échouées")], rows)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}" if whole else "—"


def _hours(value: float) -> str:
    return f"{value:.1f}"

