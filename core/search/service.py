"""Running a search: match the query, decide the outcome, record the search.

Views, the command line and the batch call :func:`run_search`; it flushes but never
commits, so that the caller's transaction (pyramid_tm, or the command) decides.
"""

import datetime
import json
import logging
from collections.abc import Iterable

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from core.matching.candidates import CandidateRow, fetch_candidates, plan_lookup, query_keys
from core.matching.engine import DECISION_NONE, DECISION_SINGLE, Assessment, MatchResult, NormalizedQuery, decide
from core.matching.dates import format_date
from core.register.generations import read_active_import_id
from core.search import outcomes
from core.search.models import Search, SearchCandidate
from core.search.query import QueryError, SearchQuery, parse_query
from core.settings import AidCategories, DepartementConfig

__all__ = [
    "QueryError",
    "RegisterNotLoaded",
    "SearchQuery",
    "decide_outcome",
    "decide_outcome_for_person",
    "parse_query",
    "run_search",
]

log = logging.getLogger(__name__)

REFERENCE_PREFIX = "DN"


class RegisterNotLoaded(Exception):
    """No register has been imported yet, so no search can be answered."""

    def __init__(self):
        super().__init__(
            "Aucun registre des bénéficiaires n'a encore été importé : "
            "la recherche est impossible. Lancez d'abord « dn import »."
        )

    def __reduce__(self):
        # Raised in a batch worker process, it comes back pickled: rebuild it without arguments.
        return (RegisterNotLoaded, ())


def utcnow() -> datetime.datetime:
    """Return the current UTC time as a naive datetime, as the schema stores it."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def make_reference(created_at: datetime.datetime, search_id: int) -> str:
    """Return the human-readable reference of a search: DN-<year>-<id on 6 digits>.

    The sequence is the row id, which is unique on every database without a lock. It
    runs on from one year to the next rather than restarting at 1.
    """
    return f"{REFERENCE_PREFIX}-{created_at.year}-{search_id:06d}"


def active_import_id(dbsession: Session) -> int:
    """Return the id of the register generation searches read; raise RegisterNotLoaded."""
    import_id = read_active_import_id(dbsession)
    if import_id is None:
        raise RegisterNotLoaded()
    return import_id


def _driver_cursor(dbsession: Session):
    """Return a raw DB-API cursor on the session's connection, and whether it is psycopg.

    A single search runs its reads on the raw cursor: SQLAlchemy's statement building
    cost more than the reads on a million-person register.
    """
    connection = dbsession.connection()
    return connection.connection.driver_connection.cursor(), connection.dialect.name == "postgresql"


# --- outcome of one person -------------------------------------------------------------


def decide_outcome(
    aids: Iterable[tuple[str, datetime.date | None]],
    categories: AidCategories,
    death_date: datetime.date | None,
    *,
    today: datetime.date | None = None,
) -> str:
    """Return the outcome for one identified person from their aids ``(code, end_date)``.

    Any recoverable aid gives ``recoverable_aid``. Otherwise an aid with a risk of
    overpayment still open on the death date (no end date, or ending on or after it)
    gives ``possible_overpayment``. Without a death date, an aid still open today does.
    Otherwise the outcome is ``unknown``.
    """
    aids = list(aids)
    if any(code in categories.recoverable for code, _ in aids):
        return outcomes.RECOVERABLE_AID
    reference_day = death_date or today or datetime.date.today()
    for code, end_date in aids:
        if code in categories.overpayment_risk and (end_date is None or end_date >= reference_day):
            return outcomes.POSSIBLE_OVERPAYMENT
    return outcomes.UNKNOWN


def decide_outcome_for_person(person, departement: DepartementConfig, death_date: datetime.date | None) -> str:
    """Return the outcome for ``person`` (a register Person, or anything with ``aids``).

    Each aid needs ``code`` and ``end_date``. Agents settling a doubtful search call
    this for the person they chose.
    """
    aids = [(aid.code, aid.end_date) for aid in person.aids]
    return decide_outcome(aids, departement.aid_categories, death_date)


# --- matching --------------------------------------------------------------------------


def match_query(dbsession: Session, import_id: int, query: SearchQuery) -> MatchResult:
    """Find and assess the candidates of ``query`` in register generation ``import_id``."""
    normalized = NormalizedQuery.from_fields(query.usage_name, query.birth_name, query.first_names, query.birth_date)
    cursor, postgresql = _driver_cursor(dbsession)
    plan = plan_lookup(
        import_id, query_keys(normalized.surnames), normalized.given_names, normalized.birth, arrays=postgresql
    )
    try:
        people = fetch_candidates(cursor, plan, pyformat=postgresql)
    finally:
        cursor.close()
    return decide(normalized, people)


def load_aids(dbsession: Session, person_ids: list[int]) -> dict[int, list[dict]]:
    """Return the aids of ``person_ids`` as snapshot dicts, grouped by person id."""
    return load_aids_on(dbsession.connection(), person_ids)


def load_aids_on(connection: Connection, person_ids: list[int]) -> dict[int, list[dict]]:
    """Return the aids of ``person_ids`` as :func:`load_aids` does, on a Connection."""
    aids = {person_id: [] for person_id in person_ids}
    if not person_ids:
        return aids
    if connection.dialect.name == "postgresql":
        # One array literal, because psycopg splits a statement's text at every
        # placeholder. With the 2,000 ids of a batch chunk that took 11 ms, more than
        # the lookup.
        condition, parameters = "person_id = ANY(CAST(%s AS bigint[]))", ["{" + ",".join(map(str, person_ids)) + "}"]
    else:
        condition, parameters = f"person_id IN ({', '.join('?' * len(person_ids))})", list(person_ids)
    sql = f"SELECT person_id, code, label, start_date, end_date FROM aid WHERE {condition} ORDER BY person_id, start_date, id"
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(sql, parameters)
        for person_id, code, label, start, end in cursor.fetchall():
            aids[person_id].append({"code": code, "label": label, "start": _iso(start), "end": _iso(end)})
    finally:
        cursor.close()
    return aids


def _iso(value) -> str | None:
    # sqlite3 returns the stored ISO text, psycopg a datetime.date.
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


def snapshot(person: CandidateRow, aids: list[dict]) -> dict:
    """Return what a search keeps of a candidate, since its register generation will go."""
    return {
        "usage_name": person.usage_name,
        "birth_name": person.birth_name,
        "first_names": person.first_names,
        "sex": person.sex,
        "birth_date": format_date(person.birth_year, person.birth_month, person.birth_day),
        "aids": aids,
    }


def aid_pairs(aids: list[dict]) -> list[tuple[str, datetime.date | None]]:
    return [(aid["code"], datetime.date.fromisoformat(aid["end"]) if aid["end"] else None) for aid in aids]


def candidate_record(
    rank: int, item: Assessment, aids: dict[int, list[dict]], categories: AidCategories, death_date,
    *, as_json: bool = False,
) -> dict:
    """Return the SearchCandidate fields of one assessed candidate, without its search.

    ``person_outcome`` is the outcome the person would give, for the candidates whose
    aids were read (those not rejected). With ``as_json``, ``reasons`` and ``snapshot``
    are JSON text, for writing rows through the driver.
    """
    person_aids = aids.get(item.person.id, [])
    person_snapshot = snapshot(item.person, person_aids)
    return {
        "rank": rank,
        "person_id": item.person.id,
        "person_ref": item.person.person_ref,
        "verdict": item.verdict,
        "score": item.score,
        "reasons": item.reasons_json() if as_json else item.reasons(),
        "snapshot": json.dumps(person_snapshot) if as_json else person_snapshot,
        "person_outcome": (
            decide_outcome(aid_pairs(person_aids), categories, death_date) if item.person.id in aids else None
        ),
    }


def outcome_of(result: MatchResult, aids: dict[int, list[dict]], categories: AidCategories, death_date) -> str:
    """Return the outcome of a search from its match result and the candidates' aids."""
    if result.decision == DECISION_NONE:
        return outcomes.UNKNOWN
    if result.decision == DECISION_SINGLE:
        return decide_outcome(aid_pairs(aids[result.matched.person.id]), categories, death_date)
    return outcomes.AMBIGUOUS


# --- recording -------------------------------------------------------------------------


def run_search(
    dbsession: Session,
    departement: DepartementConfig,
    query: SearchQuery,
    *,
    account_id: int | None,
    channel: str,
) -> Search:
    """Match ``query``, decide its outcome and add the Search with its candidates.

    Flushes (so the Search has its id and reference) but does not commit. Raises
    RegisterNotLoaded when no register was ever imported.
    """
    if channel not in outcomes.CHANNELS:
        raise ValueError(f"channel must be one of {outcomes.CHANNELS}, not {channel!r}")
    import_id = active_import_id(dbsession)
    result = match_query(dbsession, import_id, query)

    kept_ids = [item.person.id for item in result.candidates if item.verdict != "rejected"]
    aids = load_aids(dbsession, kept_ids)
    categories = departement.aid_categories
    outcome = outcome_of(result, aids, categories, query.death_date)

    search = _new_search(query, outcome, account_id, channel, import_id, result)
    for rank, item in enumerate(result.candidates, start=1):
        search.candidates.append(SearchCandidate(**candidate_record(rank, item, aids, categories, query.death_date)))
    dbsession.add(search)
    dbsession.flush()
    search.reference = make_reference(search.created_at, search.id)
    dbsession.flush()

    log.info(
        "search.recorded reference=%s outcome=%s channel=%s import_id=%s candidates=%d",
        search.reference, outcome, channel, import_id, len(result.candidates),
    )
    return search


def _new_search(query: SearchQuery, outcome: str, account_id, channel: str, import_id: int, result: MatchResult) -> Search:
    matched = result.matched
    return Search(
        created_at=utcnow(),
        account_id=account_id,
        channel=channel,
        file_reference=query.file_reference,
        usage_name=query.usage_name,
        birth_name=query.birth_name,
        first_names=query.first_names,
        birth_date=query.birth_date_display,
        death_date=query.death_date,
        death_place=query.death_place,
        outcome=outcome,
        status=outcomes.status_for(outcome),
        matched_person_id=matched.person.id if matched else None,
        import_id=import_id,
    )

