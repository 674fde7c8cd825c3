"""Searching many queries at once (``dn search --batch``), fast enough for whole files.

Each query is matched like a single search and recorded the same way, channel 'batch'
under the system account (the command line has no signed-in user).

Queries go by chunks. Reading a chunk (parse, look up, decide, read the aids) runs in
one read transaction on the active register generation; writing it (the searches and
their candidates) runs in another and commits. With several workers, worker processes
read chunks on their own connections. On PostgreSQL each worker also writes the chunk
it read, with search ids this process reserved for the chunk beforehand, so that ids
and references follow the order of the file. On SQLite, which has one writer at a
time, this process writes the chunks the workers read, in the order of the file.

To keep the rate high, lookups go through the raw driver cursor, and a few statements
look up a whole chunk: four on SQLite, one on PostgreSQL (a query with a partial date
or no given name is looked up on its own). The aids of all identified people of a
chunk are read in one statement, and rows are written with executemany on SQLite, COPY
on PostgreSQL.
"""

import collections
import contextlib
import datetime
import gc
import logging
import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from core.accounts.service import system_account_id
from core.db import make_engine
from core.matching.candidates import (
    CandidateRow,
    LookupPlan,
    create_chunk_tables,
    fetch_candidates,
    fetch_chunk_candidates,
    fetch_postgresql_chunk_candidates,
    fits_chunk_lookup,
    plan_lookup,
    pyformat_sql,
    query_keys,
)
from core.matching.engine import MatchResult, NormalizedQuery, decide
from core.register.generations import begin_sqlite_transaction, read_active_import_id_on
from core.search import outcomes
from core.search.models import Search
from core.search.query import QueryError, SearchQuery, parse_query
from core.search.service import (
    RegisterNotLoaded,
    candidate_record,
    load_aids_on,
    make_reference,
    outcome_of,
    utcnow,
)
from core.settings import DepartementConfig

log = logging.getLogger(__name__)

OUTCOME_ERROR = "error"
# Garbage-collector thresholds while a batch runs. A chunk creates hundreds of thousands
# of short-lived objects, nearly none in reference cycles. CPython's default thresholds
# ran a collection every 700 new objects, which took a sixth of a worker's time.
BATCH_GC_THRESHOLDS = (50_000, 20, 100)
# Queries per chunk: each chunk costs a few statements to plan and a transaction, and
# 1,000 ran 5 % faster than 500 on the 1,000,000-person bench.
CHUNK_SIZE = 1000

# CSV columns of a batch file and the SearchQuery fields they fill.
QUERY_COLUMNS = {
    "last_name": "usage_name",
    "birth_name": "birth_name",
    "first_names": "first_names",
    "birth_date": "birth_date",
    "death_date": "death_date",
}

# The columns a chunk writes, in the order of the value tuples of MatchedQuery: the
# first ones are set by the writer (search id and reference, candidate's search id).
SEARCH_COLUMNS = (
    "id", "reference", "created_at", "account_id", "channel", "file_reference", "usage_name", "birth_name",
    "first_names", "birth_date", "death_date", "death_place", "outcome", "status", "matched_person_id", "import_id",
)
CANDIDATE_COLUMNS = (
    "search_id", "rank", "person_id", "person_ref", "verdict", "score", "reasons", "snapshot", "person_outcome",
)
# reasons and snapshot are written as JSON text (candidate_record(as_json=True)),
# which PostgreSQL's COPY reads as json.


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
    """A query parsed but not matched yet."""

    query_id: str
    query: SearchQuery
    result: MatchResult | None


@dataclass(slots=True)
class MatchedQuery:
    """A query read and decided, with the rows to write once it has a search id.

    ``search_values`` follow SEARCH_COLUMNS without ``id`` and ``reference``; each of
    ``candidate_values`` follows CANDIDATE_COLUMNS without ``search_id``. Everything
    here pickles, to come back from a worker process.
    """

    query_id: str
    outcome: str
    person_ref: str
    created_at: datetime.datetime
    import_id: int
    search_values: tuple
    candidate_values: list[tuple]


class ChunkReader:
    """Read and decide chunks of queries on one connection, without writing anything."""

    def __init__(self, connection: Connection, departement: DepartementConfig):
        self.connection = connection
        self.departement = departement
        self._driver = connection.connection.driver_connection
        self._pyformat = connection.dialect.name == "postgresql"
        if not self._pyformat:
            cursor = self._driver.cursor()
            create_chunk_tables(cursor)
            cursor.close()
            connection.commit()
        # Fail early when no register was imported; each chunk reads the id again.
        self.import_id = self._read_import_id()
        connection.rollback()
        self.account_id = system_account_id(connection)
        connection.commit()

    def _read_import_id(self) -> int:
        # Read in the chunk's own transaction: an import may have switched generations
        # since the previous chunk, and the old one is deleted right after the switch.
        import_id = read_active_import_id_on(self.connection, will_write=False)
        if import_id is None:
            raise RegisterNotLoaded()
        return import_id

    def read(self, rows: list[dict]) -> list[BatchResult | MatchedQuery]:
        """Parse, match and decide a chunk of CSV rows in one read transaction."""
        try:
            self.import_id = self._read_import_id()
            results: list[BatchResult | _Pending] = [self._parse_row(row) for row in rows]
            pending = [item for item in results if isinstance(item, _Pending)]
            queries = [_normalized(entry.query) for entry in pending]
            for entry, normalized, people in zip(pending, queries, self.fetch(queries)):
                entry.result = decide(normalized, people)
            aids = self._load_aids(sorted({
                item.person.id for entry in pending for item in entry.result.candidates if item.verdict != "rejected"
            }))
        finally:
            self.connection.rollback()
        created_at = utcnow()
        categories = self.departement.aid_categories
        return [
            _matched(item, aids, categories, created_at, self.import_id, self.account_id, dates_as_text=not self._pyformat)
            if isinstance(item, _Pending) else item
            for item in results
        ]

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
        """Return the candidates of each query of a chunk, as match() would find them.

        The queries of a chunk are looked up together (see fetch_chunk_candidates
        and fetch_postgresql_chunk_candidates). A partial date, or no given name, is
        looked up on its own (pipelined on PostgreSQL).
        """
        together, alone = [], []
        for number, normalized in enumerate(queries):
            fits = fits_chunk_lookup(normalized.given_names, normalized.birth)
            (together if fits else alone).append(number)
        lookups = [
            (query_keys(queries[number].surnames), queries[number].given_names, queries[number].birth)
            for number in together
        ]

        if self._pyformat:
            chunk_people = fetch_postgresql_chunk_candidates(self._driver, self.import_id, lookups) if lookups else []
            alone_people = self._fetch_pipelined([self._plan_of(queries[number]) for number in alone])
        else:
            cursor = self._driver.cursor()
            try:
                chunk_people = fetch_chunk_candidates(cursor, self.import_id, lookups) if lookups else []
                alone_people = [
                    fetch_candidates(cursor, self._plan_of(queries[number]), pyformat=False) for number in alone
                ]
            finally:
                cursor.close()

        found: list[list[CandidateRow]] = [[] for _ in queries]
        for number, people in zip(together + alone, chunk_people + alone_people):
            found[number] = people
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

    def _load_aids(self, person_ids: list[int]) -> dict[int, list[dict]]:
        return load_aids_on(self.connection, person_ids)


class ChunkWriter(ChunkReader):
    """A chunk reader that also records each chunk's searches and candidates, in one transaction per chunk."""

    def __init__(self, connection: Connection, departement: DepartementConfig):
        super().__init__(connection, departement)
        # Rows go through the driver (COPY on PostgreSQL, executemany on SQLite):
        # SQLAlchemy's handling of each row cost as much as the rest of the writing.
        # Only the creation time needs the conversion SQLAlchemy would apply (SQLite
        # stores it as text).
        self._insert_searches = _insert_sql("search", SEARCH_COLUMNS)
        self._insert_candidates = _insert_sql("search_candidate", CANDIDATE_COLUMNS)
        to_database = Search.__table__.c.created_at.type.bind_processor(connection.dialect)
        self._created_at = (lambda value: (to_database(value),)) if to_database else (lambda value: (value,))

    def search(self, rows: list[dict], ids: list[int] | None = None) -> list[BatchResult]:
        """Read, decide and record a chunk of CSV rows, and return each row's result.

        ``ids``, reserved with reserve_ids(len(rows)), are the search ids to use in the
        order of the rows; without them the ids are reserved here.
        """
        return self._write(self.read(rows), ids)

    def _write(self, items: list[BatchResult | MatchedQuery], ids: list[int] | None = None) -> list[BatchResult]:
        """Record the matched queries of a chunk and commit; return every row's result."""
        matched = [item for item in items if isinstance(item, MatchedQuery)]
        if not matched:
            return list(items)
        if not self._pyformat:
            # The ids below follow the largest one: hold the write lock from here.
            begin_sqlite_transaction(self.connection)
        elif not self.connection.in_transaction():
            # The rows go through the driver, so without this commit() below would
            # find no transaction to commit.
            self.connection.begin()
        if ids is None:
            ids = self.reserve_ids(len(matched))
        search_rows, candidate_rows, written = [], [], {}
        for item, search_id in zip(matched, ids):
            reference = make_reference(item.created_at, search_id)
            search_rows.append((search_id, reference, *self._created_at(item.created_at), *item.search_values))
            candidate_rows.extend((search_id, *values) for values in item.candidate_values)
            written[id(item)] = BatchResult(
                item.query_id, item.outcome, reference, item.person_ref, outcomes.outcome_wording(item.outcome)
            )
        cursor = self._driver.cursor()
        try:
            if self._pyformat:
                # COPY took half the time of executemany, even pipelined.
                for table, columns, rows in (
                    ("search", SEARCH_COLUMNS, search_rows), ("search_candidate", CANDIDATE_COLUMNS, candidate_rows)
                ):
                    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            else:
                cursor.executemany(self._insert_searches, search_rows)
                if candidate_rows:
                    cursor.executemany(self._insert_candidates, candidate_rows)
        finally:
            cursor.close()
        self.connection.commit()
        log.info(
            "search.batch_chunk import_id=%s searches=%d first=%s",
            matched[0].import_id, len(search_rows), search_rows[0][1],
        )
        return [written[id(item)] if isinstance(item, MatchedQuery) else item for item in items]

    def reserve_ids(self, count: int) -> list[int]:
        """Return ``count`` new search ids, so that rows are written with their reference.

        One INSERT with RETURNING per row cost more than the matching on SQLite. On
        PostgreSQL the ids come from the table's sequence, and ids reserved for rows
        that turn out malformed stay unused, as a rolled-back insert leaves its id. On
        SQLite the transaction holds the write lock (see _write), so no other writer
        can take the ids that follow the largest one.
        """
        if self._pyformat:
            rows = self.connection.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence('search', 'id')) FROM generate_series(1, %(count)s)",
                {"count": count},
            )
            return sorted(row[0] for row in rows)
        last = self.connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM search").scalar()
        return list(range(last + 1, last + 1 + count))


class BatchSearcher(ChunkWriter):
    """Match and record queries chunk by chunk, committing each chunk.

    With ``workers`` above 1, that many worker processes read the chunks (see the
    module docstring), and on PostgreSQL write them too. A database in memory cannot
    be shared, so it is always read here.
    """

    def __init__(
        self, connection: Connection, departement: DepartementConfig, *, chunk_size: int = CHUNK_SIZE, workers: int = 1
    ):
        super().__init__(connection, departement)
        self.chunk_size = chunk_size
        in_memory = connection.dialect.name == "sqlite" and connection.engine.url.database in (None, "", ":memory:")
        self.workers = 1 if in_memory else max(1, workers)

    def run(self, rows: Iterable[dict]) -> Iterator[BatchResult]:
        """Yield one BatchResult per row (CSV dict), in order, committing every chunk."""
        with _fewer_collections():
            yield from self._run(_chunked(rows, self.chunk_size))

    def _run(self, chunks: Iterator[list[dict]]) -> Iterator[BatchResult]:
        if self.workers == 1:
            for chunk in chunks:
                yield from self.search(chunk)
            return

        # Forked workers start at once, with the modules already imported. Where fork
        # is missing (macOS, Windows), spawned ones import them first.
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        url = self.connection.engine.url.render_as_string(hide_password=False)
        # On PostgreSQL a worker writes what it reads, because sending the rows back to
        # this process to write cost a fifth of the batch's processor time.
        workers_write = self._pyformat

        # A worker that dies (killed, out of memory) raises BrokenProcessPool here,
        # where multiprocessing.Pool would wait for its chunk forever.
        with ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_start_worker,
            initargs=(url, self.departement, workers_write),
        ) as pool:
            # A few chunks ahead per worker keep them busy while memory stays bounded.
            pending = collections.deque()
            try:
                for chunk in chunks:
                    ids = None
                    if workers_write:
                        # Sequence values stay taken whatever the transaction becomes.
                        ids = self.reserve_ids(len(chunk))
                        self.connection.commit()
                    pending.append(pool.submit(_read_in_worker, chunk, ids))
                    if len(pending) > 2 * self.workers:
                        yield from self._collect(pending.popleft().result())
                while pending:
                    yield from self._collect(pending.popleft().result())
            finally:
                # When the batch stops early (an error, the caller closing this
                # generator), chunks no worker has started are cancelled. Chunks
                # already started still finish, and on PostgreSQL they are recorded.
                for future in pending:
                    future.cancel()

    def _collect(self, items: list[BatchResult | MatchedQuery]) -> list[BatchResult]:
        """Return a worker's results, writing here the chunks it only read."""
        if any(isinstance(item, MatchedQuery) for item in items):
            return self._write(items)
        return items


# --- worker processes ------------------------------------------------------------------

_worker_reader: ChunkReader | None = None


def _start_worker(url: str, departement: DepartementConfig, writes: bool) -> None:
    """Open the worker's own engine and connection: nothing is shared with the parent."""
    global _worker_reader
    # A forked worker inherits the parent's objects, which freeze() keeps out of
    # every collection.
    gc.freeze()
    gc.set_threshold(*BATCH_GC_THRESHOLDS)
    connection = make_engine({"sqlalchemy.url": url}).connect()
    _worker_reader = (ChunkWriter if writes else ChunkReader)(connection, departement)


def _read_in_worker(rows: list[dict], ids: list[int] | None) -> list[BatchResult | MatchedQuery]:
    """Read a chunk. With ``ids`` (PostgreSQL), also record it and return its results."""
    if ids is None:
        return _worker_reader.read(rows)
    return _worker_reader.search(rows, ids)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Use BATCH_GC_THRESHOLDS until the batch ends, then the thresholds of before."""
    before = gc.get_threshold()
    gc.set_threshold(*BATCH_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    """Return the SQLite INSERT of ``columns`` (PostgreSQL writes with COPY)."""
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"


def _chunked(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _normalized(query: SearchQuery) -> NormalizedQuery:
    return NormalizedQuery.from_fields(query.usage_name, query.birth_name, query.first_names, query.birth_date)


def _matched(
    entry: _Pending, aids: dict, categories, created_at, import_id: int, account_id: int, *, dates_as_text: bool
) -> MatchedQuery:
    """Return what the writer needs of a decided query. SQLite stores dates as ISO text."""
    query, result = entry.query, entry.result
    outcome = outcome_of(result, aids, categories, query.death_date)
    matched = result.matched
    # SEARCH_COLUMNS after id, reference and created_at.
    search_values = (
        account_id, outcomes.CHANNEL_BATCH, entry.query_id[:100] or None,
        query.usage_name, query.birth_name, query.first_names, query.birth_date_display,
        query.death_date.isoformat() if dates_as_text and query.death_date else query.death_date, query.death_place,
        outcome, outcomes.status_for(outcome), matched.person.id if matched else None, import_id,
    )
    candidate_values = []
    for rank, item in enumerate(result.candidates, start=1):
        record = candidate_record(rank, item, aids, categories, query.death_date, as_json=True)
        # CANDIDATE_COLUMNS after search_id.
        candidate_values.append(tuple(record[name] for name in CANDIDATE_COLUMNS[1:]))
    return MatchedQuery(
        entry.query_id, outcome, matched.person.person_ref if matched else "", created_at, import_id,
        search_values, candidate_values,
    )
