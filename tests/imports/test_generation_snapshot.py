"""A search's reads share one view of the register while an import may switch it."""

from sqlalchemy import text

from core.register.generations import read_active_import_id


def test_read_begins_transaction(dbsession, backend):
    read_active_import_id(dbsession)
    connection = dbsession.connection()
    if backend == "sqlite":
        assert connection.connection.driver_connection.in_transaction
    else:
        # The share lock taken on register_state is held by the open transaction.
        locks = connection.execute(
            text("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND mode = 'RowShareLock'")
        ).scalar()
        assert locks >= 1
    dbsession.rollback()


def test_read_inside_open_transaction_is_allowed(dbsession):
    dbsession.execute(text("SELECT 1"))
    dbsession.execute(text("UPDATE register_state SET activated_at = activated_at"))
    assert read_active_import_id(dbsession) is None
    dbsession.rollback()
