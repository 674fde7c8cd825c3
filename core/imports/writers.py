"""Bulk writers of one register generation.

The ORM would cost a round trip and object bookkeeping per row, so the rows go through
the driver: ``executemany`` over SQLite's own connection, ``COPY … FROM STDIN`` on
PostgreSQL. Each batch is one transaction. No search reads a generation before it is
activated, so a crash between batches only leaves rows that the next import deletes.

Ids are allocated here, counting up from the largest id in the table, so that aids can
name their person without reading ids back. The import lock guarantees that no other
import allocates ids at the same time.
"""

import logging
import sqlite3
from collections.abc import Iterable, Sequence

import psycopg
import psycopg.errors
from sqlalchemy.engine import Engine

import core.models  # noqa: F401  (every table known to the metadata)
from core.imports.checks import CheckedPerson

log = logging.getLogger(__name__)

PERSON_COLUMNS = (
    "id", "import_id", "person_ref", "usage_name", "birth_name", "first_names", "sex",
    "birth_year", "birth_month", "birth_day", "first_name_keys", "first_name_letters",
)
# Name keys repeat the whole birth date and the given names, so that a search can
# probe dates and filter on given names in the key index alone.
NAME_KEY_COLUMNS = (
    "person_id", "name_key", "birth_year", "birth_month", "birth_day", "import_id", "first_name_keys", "first_name_letters",
)
AID_COLUMNS = ("id", "person_id", "import_id", "code", "label", "start_date", "end_date")

GENERATION_TABLES = ("aid", "person_name_key", "person")


class BatchRows:
    """The person, name-key and aid rows of one batch, with their allocated ids."""

    def __init__(self, people: Sequence[CheckedPerson], import_id: int, person_id: int, aid_id: int):
        self.persons, self.keys, self.aids = persons, keys, aids = [], [], []
        # The hottest loop of an import: local names, no method lookups per row.
        add_person, add_key, add_aid = persons.append, keys.append, aids.append
        for person in people:
            birth = person.birth
            year, month, day = birth.year, birth.month, birth.day
            first_name_keys = person.first_name_keys
            letters = len(first_name_keys) - first_name_keys.count(" ")
            add_person((
                person_id, import_id, person.person_ref, person.usage_name, person.birth_name,
                person.first_names, person.sex, year, month, day, first_name_keys, letters,
            ))
            for key in person.name_keys:
                add_key((person_id, key, year, month, day, import_id, first_name_keys, letters))
            for aid in person.aids:
                start, end = aid.start, aid.end
                add_aid((
                    aid_id, person_id, import_id, aid.code, aid.label,
                    start.isoformat() if start else None, end.isoformat() if end else None,
                ))
                aid_id += 1
            person_id += 1


class GenerationWriter:
    """Write, list and delete register generations over one raw driver connection.

    Subclasses implement the driver calls, and this class contains the batch logic.
    """

    # The driver's exception for a broken unique constraint.
    unique_violation: type[Exception] = Exception

    def __init__(self, engine: Engine):
        self.engine = engine
        self._fairy = None
        self.connection = None
        self.next_person_id = 1
        self.next_aid_id = 1

    def open(self) -> None:
        self._fairy = self.engine.raw_connection()
        self.connection = self._fairy.driver_connection
        self._prepare()
        self.next_person_id = self._scalar("SELECT COALESCE(MAX(id), 0) FROM person") + 1
        self.next_aid_id = self._scalar("SELECT COALESCE(MAX(id), 0) FROM aid") + 1
        self.connection.commit()

    def close(self) -> None:
        if self._fairy is None:
            return
        try:
            self.connection.rollback()
        finally:
            # The connection's settings were changed for a bulk load: it must not go
            # back to the pool for other work.
            self._fairy.detach()
            self._fairy.close()
            self._fairy = self.connection = None

    def write_batch(self, import_id: int, people: list[CheckedPerson]) -> list[CheckedPerson]:
        """Store ``people`` in one transaction; return those left out as duplicates.

        A person id already stored by an earlier batch of this import breaks the unique
        index on (import_id, person_ref). The batch is then rolled back, the duplicates
        are looked up and the rest is written again: a rare, slower path.
        """
        duplicates = []
        while people:
            rows = BatchRows(people, import_id, self.next_person_id, self.next_aid_id)
            try:
                self._insert(rows)
                self.connection.commit()
            except self.unique_violation:
                self.connection.rollback()
                stored = self._stored_refs(import_id, [person.person_ref for person in people])
                if not stored:
                    raise
                duplicates.extend(person for person in people if person.person_ref in stored)
                people = [person for person in people if person.person_ref not in stored]
                continue
            self.next_person_id += len(rows.persons)
            self.next_aid_id += len(rows.aids)
            break
        return duplicates

    def stored_generations(self) -> list[int]:
        rows = self._fetch("SELECT DISTINCT import_id FROM person")
        self.connection.commit()
        return sorted(row[0] for row in rows)

    def delete_generation(self, import_id: int) -> None:
        """Delete every row of a generation, in one transaction."""
        for table in GENERATION_TABLES:
            self._execute(f"DELETE FROM {table} WHERE import_id = {self.placeholder}", (import_id,))
        self.connection.commit()

    def finish(self) -> None:
        """Run what must follow the last batch."""

    def refresh_statistics(self) -> None:
        """Update the query planner's statistics, which a whole new generation outdates."""

    # Driver-specific parts.
    placeholder = "?"

    def _prepare(self) -> None:
        """Tune the connection for a bulk load."""

    def _insert(self, rows: BatchRows) -> None:
        raise NotImplementedError

    def _scalar(self, sql: str, parameters: Sequence = ()):
        return self._fetch(sql, parameters)[0][0]

    def _fetch(self, sql: str, parameters: Sequence = ()) -> list[tuple]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, parameters)
            return cursor.fetchall()
        finally:
            cursor.close()

    def _execute(self, sql: str, parameters: Sequence = ()) -> None:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, parameters)
        finally:
            cursor.close()

    def _stored_refs(self, import_id: int, refs: list[str]) -> set[str]:
        raise NotImplementedError


def _insert_sql(table: str, columns: Iterable[str]) -> str:
    columns = tuple(columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"


class SQLiteWriter(GenerationWriter):
    """Batches through ``executemany`` on the sqlite3 connection."""

    unique_violation = sqlite3.IntegrityError
    # SQLite accepts at least 999 parameters in one statement.
    LOOKUP_CHUNK = 900

    def _prepare(self) -> None:
        # A 32 MB page cache (SQLite's default is 2 MB) keeps more of the indexes' pages in
        # memory during the load. The pragma stays on this connection, which is not given
        # back to the pool.
        self.connection.execute("PRAGMA cache_size=-32768")

    def refresh_statistics(self) -> None:
        # PRAGMA optimize runs ANALYZE only on the tables whose statistics it deems stale.
        self.connection.execute("PRAGMA optimize")
        self.connection.commit()

    def _insert(self, rows: BatchRows) -> None:
        cursor = self.connection.cursor()
        try:
            cursor.executemany(_insert_sql("person", PERSON_COLUMNS), rows.persons)
            cursor.executemany(_insert_sql("person_name_key", NAME_KEY_COLUMNS), rows.keys)
            cursor.executemany(_insert_sql("aid", AID_COLUMNS), rows.aids)
        finally:
            cursor.close()

    def _stored_refs(self, import_id: int, refs: list[str]) -> set[str]:
        stored = set()
        for start in range(0, len(refs), self.LOOKUP_CHUNK):
            chunk = refs[start:start + self.LOOKUP_CHUNK]
            marks = ", ".join("?" for _ in chunk)
            sql = f"SELECT person_ref FROM person WHERE import_id = ? AND person_ref IN ({marks})"
            stored.update(row[0] for row in self._fetch(sql, (import_id, *chunk)))
        self.connection.commit()
        return stored


class PostgreSQLWriter(GenerationWriter):
    """Batches through ``COPY … FROM STDIN`` on the psycopg 3 connection."""

    unique_violation = psycopg.errors.UniqueViolation
    placeholder = "%s"

    def _prepare(self) -> None:
        # Losing the last batches in a server crash is harmless: the generation is not
        # active yet, and the next import deletes it. Activation runs on another
        # connection, with the server's own durability setting.
        self._execute("SET synchronous_commit = off")

    def _insert(self, rows: BatchRows) -> None:
        with self.connection.cursor() as cursor:
            for table, columns, values in (
                ("person", PERSON_COLUMNS, rows.persons),
                ("person_name_key", NAME_KEY_COLUMNS, rows.keys),
                ("aid", AID_COLUMNS, rows.aids),
            ):
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)

    def _stored_refs(self, import_id: int, refs: list[str]) -> set[str]:
        rows = self._fetch(
            "SELECT person_ref FROM person WHERE import_id = %s AND person_ref = ANY(%s)",
            (import_id, refs),
        )
        self.connection.commit()
        return {row[0] for row in rows}

    def refresh_statistics(self) -> None:
        # VACUUM marks the new generation's pages all-visible. Until then an index-only
        # scan also reads the table for each entry, and the lookups of a fresh register
        # ran four times slower (1,000,000 people). It also frees the rows of the
        # generation just deleted. ANALYZE samples a fixed number of rows, so it stays
        # short. VACUUM cannot run inside a transaction, hence autocommit.
        self.connection.commit()
        self.connection.autocommit = True
        try:
            self._execute("VACUUM (ANALYZE) person, person_name_key, aid")
        finally:
            self.connection.autocommit = False

    def finish(self) -> None:
        # Rows inserted with explicit ids leave the serial sequences behind. Moving them
        # past the largest id keeps an ORM insert from colliding with imported rows.
        for table in ("person", "aid"):
            self._execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT MAX(id) FROM {table}), 1))"
            )
        self.connection.commit()


def make_writer(engine: Engine) -> GenerationWriter:
    if engine.dialect.name == "sqlite":
        return SQLiteWriter(engine)
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        return PostgreSQLWriter(engine)
    raise ValueError(
        f"Imports support SQLite and PostgreSQL through psycopg 3, not {engine.dialect.name}+{engine.dialect.driver}."
    )
