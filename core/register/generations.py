"""Reading the active register generation safely while an import may switch it."""

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from core.register.models import RegisterState

# The id of the single register_state row.
REGISTER_STATE_ID = 1


def read_active_import_id(session: Session) -> int | None:
    """Return the id of the active generation, or None before the first import.

    On PostgreSQL the ``register_state`` row stays share-locked until the caller's
    transaction ends, and an import waits for that lock before it switches generations.
    So a search that reads the id and its candidates in one transaction never sees the
    old generation half-deleted. On SQLite the caller's transaction is begun here, with
    the write lock, so that its later reads share this one's snapshot.
    """
    return read_active_import_id_on(session.connection())


def read_active_import_id_on(connection: Connection, *, will_write: bool = True) -> int | None:
    """Return the active generation's id as :func:`read_active_import_id` does, on a Connection.

    With ``will_write`` false the transaction only reads: on SQLite it then shares one
    snapshot without taking the write lock, so that other writers go on meanwhile.
    """
    query = select(RegisterState.active_import_id).where(RegisterState.id == REGISTER_STATE_ID)
    dialect = connection.dialect.name
    if dialect == "postgresql":
        query = query.with_for_update(read=True)
    elif dialect == "sqlite":
        begin_sqlite_transaction(connection, immediate=will_write)
    return connection.scalar(query)


def begin_sqlite_transaction(connection: Connection, *, immediate: bool = True) -> None:
    """Begin the transaction of a SQLite connection now, unless one is open already.

    pysqlite opens a transaction only before a write, so each SELECT would otherwise
    read its own snapshot, and an import could switch and delete generations between
    the id and the candidates. An explicit BEGIN makes the reads share one snapshot.
    ``immediate`` takes the write lock at once, for a transaction that writes after it
    reads: a deferred read transaction that later writes fails with "database is
    locked" when another writer committed in between.
    """
    if not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
