"""A temporary SQLite file of the aids, looked up by person id while reading the persons.

The aids file is loaded first, in batches, then each person read from the persons file
fetches its aids through an index. Memory stays flat: only one batch of rows is held at
a time. The disk cost is about the size of the aids file, in the system's temporary
folder (``TMPDIR``).
"""

import datetime
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from core.connectors.records import AidRecord, RejectedLine
from core.connectors.tabular import RecordParser, Row
from core.connectors.values import InvalidValue

BATCH_SIZE = 5000


class AidStore:
    """The aids of the extraction by person id, and the ids of the people read so far."""

    def __init__(self, path: Path):
        # The reading generator may be resumed from another thread than the one that opened it.
        self.connection = sqlite3.connect(path, check_same_thread=False)
        # A throwaway file: durability is not needed, speed is.
        self.connection.execute("PRAGMA journal_mode = OFF")
        self.connection.execute("PRAGMA synchronous = OFF")
        self.connection.execute(
            "CREATE TABLE aid (person_id TEXT, line INTEGER, source TEXT, code TEXT, label TEXT, start TEXT, end TEXT)"
        )
        self.connection.execute("CREATE TABLE person_read (person_id TEXT)")
        self._read_batch: list[tuple[str]] = []

    def __enter__(self) -> "AidStore":
        return self

    def __exit__(self, *exc_info) -> None:
        self.connection.close()

    def load(self, rows: Iterable[Row], parser: RecordParser) -> Iterator[RejectedLine]:
        """Store the aids of ``rows``, yielding a RejectedLine for each row that cannot be read."""
        batch = []
        for line, source, cells, problem in rows:
            if problem:
                yield RejectedLine(line, problem, source)
                continue
            try:
                batch.append(_aid_row(line, source, cells, parser))
            except InvalidValue as error:
                yield RejectedLine(line, str(error), source)
                continue
            if len(batch) >= BATCH_SIZE:
                self._insert_aids(batch)
                batch = []
        self._insert_aids(batch)
        self.connection.execute("CREATE INDEX aid_person ON aid (person_id, line)")

    def _insert_aids(self, batch: list[tuple]) -> None:
        self.connection.executemany("INSERT INTO aid VALUES (?, ?, ?, ?, ?, ?, ?)", batch)

    def aids_of(self, person_id: str) -> list[AidRecord]:
        """Return the person's aids in the order of the aids file."""
        rows = self.connection.execute(
            "SELECT code, label, start, end FROM aid WHERE person_id = ? ORDER BY line", (person_id,)
        )
        return [AidRecord(code, label, _date(start), _date(end)) for code, label, start, end in rows]

    def mark_read(self, person_id: str) -> None:
        """Record that the persons file contains this person, to find orphan aids at the end."""
        self._read_batch.append((person_id,))
        if len(self._read_batch) >= BATCH_SIZE:
            self._flush_read()

    def _flush_read(self) -> None:
        self.connection.executemany("INSERT INTO person_read VALUES (?)", self._read_batch)
        self._read_batch = []

    def orphans(self, persons_source: Path) -> Iterator[RejectedLine]:
        """Yield a RejectedLine for each aid whose person was not read from the persons file."""
        self._flush_read()
        self.connection.execute("CREATE INDEX person_read_id ON person_read (person_id)")
        rows = self.connection.execute(
            "SELECT line, source, person_id FROM aid WHERE person_id NOT IN (SELECT person_id FROM person_read) ORDER BY line"
        )
        for line, source, person_id in rows:
            yield RejectedLine(
                line,
                f"aucune personne d'identifiant {person_id} lue dans {persons_source} "
                "(absente ou rejetée)",
                source,
            )


def _aid_row(line: int, source: str, cells: tuple, parser: RecordParser) -> tuple:
    person_id = cells[0]
    if not person_id:
        raise InvalidValue("identifiant de la personne manquant")
    aid = parser.aid(cells)
    if aid is None:
        raise InvalidValue("code d'aide manquant")
    return (person_id, line, source, aid.code, aid.label, _iso(aid.start), _iso(aid.end))


def _iso(date: datetime.date | None) -> str | None:
    return date.isoformat() if date else None


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None
