"""One import at a time per database.

The lock dies with the process that holds it, even under ``kill -9``: a file lock
(``flock``) next to an SQLite database, a session advisory lock on PostgreSQL, which the
server drops when the connection closes. So an import that finds the lock free can conclude
that every import still marked "running" is dead.
"""

import contextlib
import fcntl
import logging
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

# Any fixed 64-bit number, the same for every process of the application.
ADVISORY_LOCK_KEY = 0x646E5F696D706F72

# A killed client's PostgreSQL session may take a moment to end and free its lock.
LOCK_WAIT_SECONDS = 10.0
LOCK_POLL_SECONDS = 0.25


class ImportBusyError(RuntimeError):
    """Another import holds the lock; the message is in French."""


@contextlib.contextmanager
def import_lock(engine: Engine, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold the database's import lock for the ``with`` block, or raise ImportBusyError.

    Waits up to ``wait_seconds`` (default :data:`LOCK_WAIT_SECONDS`) for another import to end.
    """
    if wait_seconds is None:
        wait_seconds = LOCK_WAIT_SECONDS
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, wait_seconds):
            yield
    else:
        with _file_lock(engine.url.database, wait_seconds):
            yield


def _busy() -> ImportBusyError:
    return ImportBusyError(
        "un autre import est en cours sur cette base de données : attendez qu'il se termine, puis relancez."
    )


@contextlib.contextmanager
def _advisory_lock(engine: Engine, wait_seconds: float) -> Iterator[None]:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        deadline = time.monotonic() + wait_seconds
        while not connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}):
            if time.monotonic() >= deadline:
                raise _busy()
            time.sleep(LOCK_POLL_SECONDS)
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})


@contextlib.contextmanager
def _file_lock(database: str | None, wait_seconds: float) -> Iterator[None]:
    if not database or database == ":memory:":
        # An in-memory database lives in one process, which cannot run two imports.
        yield
        return
    path = Path(f"{database}-import.lock")
    with path.open("a") as stream:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(stream, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _busy() from None
                time.sleep(LOCK_POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(stream, fcntl.LOCK_UN)
