"""Which register generation is active, read safely while an import may switch it."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.register.models import RegisterState

# The id of the single register_state row.
REGISTER_STATE_ID = 1


def read_active_import_id(session: Session) -> int | None:
    """Return the id of the active generation, or None before the first import.

    On PostgreSQL the ``register_state`` row stays share-locked until the caller's
    transaction ends, and an import waits for that lock before it switches generations.
    So a search that reads the id and its candidates in one transaction never sees the
    old generation half-deleted. SQLite readers get the same guarantee from WAL
    snapshots, as long as their reads share one transaction.
    """
    query = select(RegisterState.active_import_id).where(RegisterState.id == REGISTER_STATE_ID)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    return session.scalar(query)
