"""Searching many queries at once (``dn search --batch``), fast enough for whole files.

Each query is matched like a single search and recorded the same way, channel 'batch'
and no account (the command line has no signed-in user).

To keep the rate high, the active register is read once and lookups go through the
raw driver cursor: on SQLite two statements look up a whole chunk, on PostgreSQL the
lookups of a chunk are pipelined. The aids of all identified people of a chunk are read in one
statement, and rows are written with executemany and committed chunk by chunk.
"""

import datetime
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from core.matching.candidates import (
    CandidateRow,
    LookupPlan,
    fetch_candidates,
    fetch_chunk_candidates,
    fits_chunk_lookup,
    plan_lookup,
    pyformat_sql,
    query_keys,
)
from core.matching.engine import MatchResult, NormalizedQuery, decide
from core.register.generations import read_active_import_id_on
from core.register.models import Aid
from core.search import outcomes
from core.search.models import Search, SearchCandidate
from core.search.query import QueryError, SearchQuery, parse_query
from core.search.service import (
    RegisterNotLoaded,
    aid_pairs,
    decide_outcome,
    make_reference,
    outcome_of,
    snapshot,
    utcnow,
)
from core.settings import DepartementConfig

log = logging.getLogger(__name__)

OUTCOME_ERROR = "error"
CHUNK_SIZE = 500

# CSV columns of a batch file and the SearchQuery fields they fill.
QUERY_COLUMNS = {
    "last_name": "usage_name",
    "birth_name": "birth_name",
    "first_names": "first_names",
    "birth_date": "birth_date",
    "death_date": "death_date",
}


@dataclass(slots=True)
class BatchResult:
    """The result row of one query: an outcome with its reference, or ``error``."""

    query_id: str
    outcome: str
    reference: str = ""
    person_ref: str = ""
    reason: str = ""


@dataclass(slots=True)
class _Pending:
    """A query matched but not written yet."""

    query_id: str
    query: SearchQuery
    result: MatchResult | None


class BatchSearcher:
    """Match and record queries chunk by chunk on one connection, committing each chunk."""

    def __init__(self, connection: Connection, departement: DepartementConfig, *, chunk_size: int = CHUNK_SIZE):
        self.connection = connection
        self.departement = departement
        self.chunk_size = chunk_size
        # Fail early when no register was imported; each chunk reads the id again.
        self.import_id = self._read_import_id()
        connection.rollback()
        self._driver = connection.connection.driver_connection
        self._pyformat = connection.dialect.name == "postgresql"

    def run(self, rows: Iterable[dict]) -> Iterator[BatchResult]:
        """Yield one BatchResult per row (CSV dict), in order, committing every chunk."""
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= self.chunk_size:
                yield from self._run_chunk(chunk)
                chunk = []
        if chunk:
            yield from self._run_chunk(chunk)

    def _read_import_id(self) -> int:
        # Read in the chunk's own transaction: an import may have switched generations
        # since the previous chunk, and the old one is deleted right after the switch.
        import_id = read_active_import_id_on(self.connection)
        if import_id is None:
            raise RegisterNotLoaded()
        return import_id

    def _run_chunk(self, rows: list[dict]) -> list[BatchResult]:
        self.import_id = self._read_import_id()
        results: list[BatchResult | _Pending] = [self._parse_row(row) for row in rows]
        pending = [item for item in results if isinstance(item, _Pending)]
        queries = [_normalized(entry.query) for entry in pending]
        for entry, normalized, people in zip(pending, queries, self.fetch(queries)):
            entry.result = decide(normalized, people)

        written = self._record(pending)
        self.connection.commit()
        return [written[id(item)] if isinstance(item, _Pending) else item for item in results]

    def _parse_row(self, row: dict) -> BatchResult | _Pending:
        query_id = (row.get("query_id") or "").strip()
        if row.get("_error"):
            return BatchResult(query_id, OUTCOME_ERROR, reason=f"Ligne mal formée : {row['_error']}.")
        fields = {field: row.get(column) for column, field in QUERY_COLUMNS.items()}
        try:
            query = parse_query(fields)
        except QueryError as error:
            return BatchResult(query_id, OUTCOME_ERROR, reason=str(error))
        return _Pending(query_id, query, None)

    def _plan(self, query: SearchQuery) -> tuple[NormalizedQuery, LookupPlan]:
        normalized = _normalized(query)
        return normalized, self._plan_of(normalized)

    def fetch(self, queries: list[NormalizedQuery]) -> list[list[CandidateRow]]:
        """Return the candidates of each query of a chunk, as match() would find them."""
        if self._pyformat:
            return self._fetch_pipelined([self._plan_of(normalized) for normalized in queries])
        return self._fetch_by_chunk(queries)

    def _fetch_by_chunk(self, queries: list[NormalizedQuery]) -> list[list[CandidateRow]]:
        """Look up the chunk's queries together on SQLite (see fetch_chunk_candidates).

        Two statements for the whole chunk ran about twice as fast as two per query
        (1,000,000-person register). A partial date, or no given name, is looked up
        on its own.
        """
        together = [
            number for number, normalized in enumerate(queries)
            if fits_chunk_lookup(normalized.given_names, normalized.birth)
        ]
        found: list[list[CandidateRow] | None] = [None] * len(queries)
        cursor = self._driver.cursor()
        try:
            lookups = [
                (query_keys(queries[number].surnames), queries[number].given_names, queries[number].birth)
                for number in together
            ]
            for number, people in zip(together, fetch_chunk_candidates(cursor, self.import_id, lookups)):
                found[number] = people
            for number, normalized in enumerate(queries):
                if found[number] is None:
                    found[number] = fetch_candidates(cursor, self._plan_of(normalized), pyformat=False)
        finally:
            cursor.close()
        return found

    def _plan_of(self, normalized: NormalizedQuery) -> LookupPlan:
        return plan_lookup(
            self.import_id, query_keys(normalized.surnames), normalized.given_names, normalized.birth,
            arrays=self._pyformat,
        )

    def _fetch_pipelined(self, plans: list[LookupPlan]) -> list[list[CandidateRow]]:
        """Send every lookup of the chunk before reading any result (psycopg pipeline mode).

        One round trip per chunk instead of two per query: on PostgreSQL the wait for each
        reply cost more than the lookup itself.
        """
        cursors = []
        with self._driver.pipeline():
            for plan in plans:
                query_cursors = []
                for sql in plan.statements:
                    cursor = self._driver.cursor()
                    cursor.execute(pyformat_sql(sql), plan.parameters, prepare=True)
                    query_cursors.append(cursor)
                cursors.append(query_cursors)
        found = []
        for query_cursors in cursors:
            people = {}
            for cursor in query_cursors:
                for row in cursor.fetchall():
                    people.setdefault(row[0], row)
                cursor.close()
            found.append([CandidateRow(*row) for row in people.values()])
        return found

    def match(self, cursor, query: SearchQuery) -> MatchResult:
        """Find and assess the candidates of one query with a raw driver cursor."""
        normalized, plan = self._plan(query)
        return decide(normalized, fetch_candidates(cursor, plan, pyformat=self._pyformat))

    # --- writing ---------------------------------------------------------------------

    def _record(self, pending: list[_Pending]) -> dict[int, BatchResult]:
        if not pending:
            return {}
        kept_ids = sorted({
            item.person.id for entry in pending for item in entry.result.candidates if item.verdict != "rejected"
        })
        aids = self._load_aids(kept_ids)
        categories = self.departement.aid_categories
        created_at = utcnow()

        ids = self._reserve_ids(len(pending))
        search_rows, candidate_rows, written = [], [], {}
        for entry, search_id in zip(pending, ids):
            outcome = outcome_of(entry.result, aids, categories, entry.query.death_date)
            reference = make_reference(created_at, search_id)
            search_rows.append(_search_row(entry, search_id, reference, outcome, created_at, self.import_id))
            candidate_rows.extend(_candidate_rows(entry, search_id, aids, categories))
            matched = entry.result.matched
            written[id(entry)] = BatchResult(
                entry.query_id, outcome, reference,
                person_ref=matched.person.person_ref if matched else "",
                reason=outcomes.outcome_wording(outcome),
            )
        self.connection.execute(insert(Search), search_rows)
        if candidate_rows:
            self.connection.execute(insert(SearchCandidate), candidate_rows)
        log.info("search.batch_chunk import_id=%s searches=%d first=%s", self.import_id, len(ids), search_rows[0]["reference"])
        return written

    def _reserve_ids(self, count: int) -> list[int]:
        """Return ``count`` new search ids, so that rows are written with their reference.

        One INSERT with RETURNING per row cost more than the matching on SQLite. On
        PostgreSQL the ids come from the table's sequence. On SQLite the chunk's
        transaction holds the write lock since it began (see read_active_import_id_on),
        so no other writer can take the ids that follow the largest one.
        """
        if self._pyformat:
            rows = self.connection.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence('search', 'id')) FROM generate_series(1, %(count)s)",
                {"count": count},
            )
            return sorted(row[0] for row in rows)
        last = self.connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM search").scalar()
        return list(range(last + 1, last + 1 + count))

    def _load_aids(self, person_ids: list[int]) -> dict[int, list[dict]]:
        aids = {person_id: [] for person_id in person_ids}
        if not person_ids:
            return aids
        statement = (
            select(Aid.person_id, Aid.code, Aid.label, Aid.start_date, Aid.end_date)
            .where(Aid.person_id.in_(person_ids))
            .order_by(Aid.person_id, Aid.start_date, Aid.id)
        )
        for person_id, code, label, start, end in self.connection.execute(statement):
            aids[person_id].append({
                "code": code, "label": label,
                "start": start.isoformat() if start else None,
                "end": end.isoformat() if end else None,
            })
        return aids


def _normalized(query: SearchQuery) -> NormalizedQuery:
    return NormalizedQuery.from_fields(query.usage_name, query.birth_name, query.first_names, query.birth_date)


def _search_row(
    entry: _Pending, search_id: int, reference: str, outcome: str, created_at: datetime.datetime, import_id: int
) -> dict:
    query, matched = entry.query, entry.result.matched
    return {
        "id": search_id,
        "reference": reference,
        "created_at": created_at,
        "account_id": None,
        "channel": outcomes.CHANNEL_BATCH,
        "file_reference": entry.query_id[:100] or None,
        "usage_name": query.usage_name,
        "birth_name": query.birth_name,
        "first_names": query.first_names,
        "birth_date": query.birth_date_display,
        "death_date": query.death_date,
        "death_place": query.death_place,
        "outcome": outcome,
        "status": outcomes.status_for(outcome),
        "matched_person_id": matched.person.id if matched else None,
        "import_id": import_id,
    }


def _candidate_rows(entry: _Pending, search_id: int, aids: dict, categories) -> list[dict]:
    rows = []
    for rank, item in enumerate(entry.result.candidates, start=1):
        person_aids = aids.get(item.person.id, [])
        rows.append({
            "search_id": search_id,
            "rank": rank,
            "person_id": item.person.id,
            "person_ref": item.person.person_ref,
            "verdict": item.verdict,
            "score": item.score,
            "reasons": item.reasons(),
            "snapshot": snapshot(item.person, person_aids),
            "person_outcome": (
                decide_outcome(aid_pairs(person_aids), categories, entry.query.death_date)
                if item.person.id in aids else None
            ),
        })
    return rows
