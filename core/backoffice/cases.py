"""Doubtful cases: the queue, and an agent's decision on one of them.

A decision is one transaction: claim the search with a conditional UPDATE
(``pending_review`` → ``answered``), record the decision, render the letter of the
final outcome and queue its e-mail. Two agents deciding the same case both run the
UPDATE, but the database lets only the first one change the row. The second gets
``CaseAlreadyDecided`` and its transaction is rolled back.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace

from sqlalchemy import select, update

from core.accounts.models import ROLE_SYSTEM, Account
from core.audit import record_event, utcnow
from core.backoffice.models import CaseDecision, CaseNote
from core.letters.service import create_letter, mail_letter
from core.search.models import Search, SearchCandidate
from core.search.outcomes import STATUS_ANSWERED, STATUS_PENDING_REVIEW, UNKNOWN
from core.search.service import decide_outcome_for_person
from core.settings import DepartementConfig

log = logging.getLogger(__name__)

MAX_NOTE_LENGTH = 2000


class CaseAlreadyDecided(Exception):
    """Another agent decided this case first; the message (French) tells the agent."""

    def __init__(self, reference: str):
        super().__init__(
            f"Le cas {reference} vient d'être tranché par un autre agent : votre décision n'a pas été "
            "enregistrée. Consultez la décision ci-dessous."
        )


@dataclass
class QueuedCase:
    search: Search
    office: Account | None
    waiting_hours: int


def pending_cases(dbsession, now: datetime | None = None) -> list[QueuedCase]:
    """Return the searches waiting for an agent, oldest first, with their waiting time."""
    now = now or utcnow()
    rows = dbsession.execute(
        select(Search, Account)
        .outerjoin(Account, Account.id == Search.account_id)
        .where(Search.status == STATUS_PENDING_REVIEW)
        .order_by(Search.created_at, Search.id)
    ).all()
    return [QueuedCase(search, office, int((now - search.created_at).total_seconds() // 3600)) for search, office in rows]


def recent_decisions(dbsession, limit: int = 20) -> list[tuple[CaseDecision, Search, Account | None]]:
    """Return the latest decisions with their search and agent, newest first."""
    return dbsession.execute(
        select(CaseDecision, Search, Account)
        .join(Search, Search.id == CaseDecision.search_id)
        .outerjoin(Account, Account.id == CaseDecision.agent_id)
        .order_by(CaseDecision.decided_at.desc(), CaseDecision.id.desc())
        .limit(limit)
    ).all()


def snapshot_person(candidate: SearchCandidate):
    """Return the candidate as it was when searched, with aids as ``decide_outcome_for_person`` reads them.

    The snapshot is used rather than the current register because the case page shows
    it to the agent, and the register generation searched may be gone.
    """
    aids = [
        SimpleNamespace(code=aid["code"], end_date=date.fromisoformat(aid["end"]) if aid.get("end") else None)
        for aid in candidate.snapshot.get("aids", [])
    ]
    return SimpleNamespace(aids=aids)


def decide_case(
    dbsession,
    departement: DepartementConfig,
    search: Search,
    *,
    agent: Account,
    candidate_id: int | None,
    request=None,
    now: datetime | None = None,
) -> CaseDecision:
    """Settle ``search`` with the chosen candidate (or no one when ``candidate_id`` is None).

    :raises ValueError: when ``candidate_id`` is not one of the search's candidates.
    :raises CaseAlreadyDecided: when the search is no longer pending.
    :raises core.letters.render.LetterRenderingError: when the letter cannot be rendered;
        the caller must then roll back.
    """
    now = now or utcnow()
    candidate = None
    if candidate_id is not None:
        candidate = next((item for item in search.candidates if item.id == candidate_id), None)
        if candidate is None:
            raise ValueError(f"Candidate {candidate_id} does not belong to search {search.id}.")
    outcome = UNKNOWN if candidate is None else decide_outcome_for_person(
        snapshot_person(candidate), departement, search.death_date
    )

    claimed = dbsession.execute(
        update(Search)
        .where(Search.id == search.id, Search.status == STATUS_PENDING_REVIEW)
        .values(status=STATUS_ANSWERED, outcome=outcome)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise CaseAlreadyDecided(search.reference)
    dbsession.refresh(search)

    decision = CaseDecision(
        search_id=search.id,
        agent_id=agent.id,
        chosen_person_ref=candidate.person_ref if candidate else None,
        none_matches=candidate is None,
        outcome=outcome,
        decided_at=now,
    )
    dbsession.add(decision)
    dbsession.flush()

    office = dbsession.get(Account, search.account_id) if search.account_id else None
    if office is not None and office.role == ROLE_SYSTEM:
        # A command-line search has no office to address the letter to or mail it to.
        office = None
    letter = create_letter(dbsession, departement, search, office)
    if office is not None and office.email:
        mail_letter(dbsession, departement, letter, search, office)

    record_event(dbsession, action="case.decision", actor=agent, request=request, target=("search", search.reference),
                 details={"outcome": outcome, "none_matches": candidate is None,
                          "candidate_rank": candidate.rank if candidate else None, "letter_id": letter.id})
    log.info("case_decided search_ref=%s outcome=%s agent_id=%s", search.reference, outcome, agent.id)
    return decision


def add_note(dbsession, search: Search, *, author: Account, text: str, request=None, now=None) -> CaseNote:
    """Add an internal note to ``search``.

    :raises ValueError: when ``text`` is empty or longer than ``MAX_NOTE_LENGTH``.
    """
    text = text.strip()
    if not text or len(text) > MAX_NOTE_LENGTH:
        raise ValueError("note length")
    note = CaseNote(search_id=search.id, author_id=author.id, created_at=now or utcnow(), text=text)
    dbsession.add(note)
    dbsession.flush()
    record_event(dbsession, action="case.note", actor=author, request=request,
                 target=("search", search.reference), details={"note_id": note.id})
    return note


def notes_of(dbsession, search: Search) -> list[tuple[CaseNote, Account | None]]:
    return dbsession.execute(
        select(CaseNote, Account)
        .outerjoin(Account, Account.id == CaseNote.author_id)
        .where(CaseNote.search_id == search.id)
        .order_by(CaseNote.created_at, CaseNote.id)
    ).all()


def decision_of(dbsession, search: Search) -> tuple[CaseDecision, Account | None] | None:
    return dbsession.execute(
        select(CaseDecision, Account)
        .outerjoin(Account, Account.id == CaseDecision.agent_id)
        .where(CaseDecision.search_id == search.id)
    ).first()
