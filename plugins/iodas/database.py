"""Reading the IODAS extraction straight from a database through a configured SELECT.

Rows are streamed (``yield_per``: a server-side cursor on PostgreSQL) so memory does not
grow with the register. The connection never commits. PostgreSQL runs the query in a
read-only transaction and SQLite with ``query_only``, so a query that writes fails.
NOTE: other databases rely on the account in ``database_url`` being read-only.
"""

import datetime
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from core.connectors.records import ExtractionError
from core.connectors.tabular import FIELDS, ColumnMapping, Row

log = logging.getLogger(__name__)

DEFAULT_FETCH_SIZE = 1000
# Without a timeout, a server that accepts the connection but never responds would hold
# /health and the import indefinitely. A URL may set its own connect_timeout.
CONNECT_TIMEOUT_SECONDS = 10
_READ_STATEMENT = re.compile(r"^\s*(?:--[^\n]*\n\s*)*\(?\s*(SELECT|WITH)\b", re.IGNORECASE)


@dataclass
class DatabaseSettings:
    """Source of the extraction: the vendor database's URL, the SELECT and its fetch size."""

    url: str
    query: str
    fetch_size: int

    @cached_property
    def source(self) -> str:
        """The URL without its password, as shown in reports and messages."""
        return make_url(self.url).render_as_string(hide_password=True)


def settings(options: Mapping) -> DatabaseSettings:
    """Check the database options and return them; raise ExtractionError naming a bad one."""
    url = options["database_url"]
    query = options.get("query") or ""
    if not isinstance(url, str) or not isinstance(query, str):
        raise ExtractionError("database_url et query de [connector.options] doivent être des textes entre guillemets.")
    query = query.strip().rstrip(";").strip()
    if not query:
        raise ExtractionError("database_url est configuré sans query dans [connector.options] : indiquez le SELECT à exécuter.")
    if not _READ_STATEMENT.match(query):
        raise ExtractionError("La requête query de [connector.options] doit être un SELECT (ou WITH … SELECT).")

    fetch_size = options.get("fetch_size", DEFAULT_FETCH_SIZE)
    if not isinstance(fetch_size, int) or isinstance(fetch_size, bool) or fetch_size < 1:
        raise ExtractionError(f"fetch_size « {fetch_size} » invalide dans [connector.options] : indiquez un entier positif.")

    try:
        make_url(url)
    except ArgumentError:
        raise ExtractionError(
            "database_url invalide dans [connector.options] : indiquez une URL SQLAlchemy, "
            "par exemple postgresql+psycopg://utilisateur@serveur/base."
        ) from None
    return DatabaseSettings(url, query, fetch_size)


def _engine(settings: DatabaseSettings) -> Engine:
    url = make_url(settings.url)
    connect_args = {}
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    try:
        return create_engine(url, connect_args=connect_args)
    except NoSuchModuleError:
        raise ExtractionError(
            f"Pilote de base de données non installé pour {settings.source} : installez le pilote "
            "Python correspondant ou corrigez database_url."
        ) from None


def _connect(engine: Engine, settings: DatabaseSettings):
    try:
        connection = engine.connect()
    except DBAPIError as error:
        log.error("iodas_database_unreachable error=%s", type(error.orig).__name__)
        raise ExtractionError(f"Base IODAS injoignable ({settings.source}) : {_first_line(error.orig)}") from None
    if engine.dialect.name == "postgresql":
        connection = connection.execution_options(postgresql_readonly=True)
    elif engine.dialect.name == "sqlite":
        # Python's sqlite3 commits a "WITH … DELETE" at once, so a rollback would not undo it.
        connection.exec_driver_sql("PRAGMA query_only = ON")
    return connection


def rows(settings: DatabaseSettings, mapping: ColumnMapping) -> Iterator[Row]:
    """Yield the rows of the configured SELECT; ``line`` is the row's rank in the result, from 1."""
    engine = _engine(settings)
    try:
        with _connect(engine, settings) as connection:
            streaming = connection.execution_options(yield_per=settings.fetch_size)
            result = _execute(streaming, settings.query, settings)
            positions = mapping.resolve(list(result.keys()), f"la requête sur {settings.source}")
            indexes = [positions.get(name) for name in FIELDS]
            source = settings.source
            number = 0
            try:
                for number, row in enumerate(result, start=1):
                    yield number, source, tuple([_cell(row, index) for index in indexes]), None
            except DBAPIError as error:
                raise _query_failed(error, settings) from None
            if number == 0:
                raise ExtractionError(f"La requête sur {settings.source} ne renvoie aucune ligne : vérifiez query.")
    finally:
        engine.dispose()


def check(settings: DatabaseSettings, mapping: ColumnMapping) -> None:
    """Run the SELECT without fetching a row, to check the database and the columns."""
    engine = _engine(settings)
    try:
        with _connect(engine, settings) as connection:
            probe = f"SELECT * FROM ({settings.query}) AS extraction WHERE 1 = 0"
            result = _execute(connection, probe, settings)
            mapping.resolve(list(result.keys()), f"la requête sur {settings.source}")
            result.close()
    finally:
        engine.dispose()


def _execute(connection, query: str, settings: DatabaseSettings):
    try:
        # Every ":" is escaped so that text() reads none as a bind parameter; text() also
        # escapes "%" for drivers that use it for parameters (psycopg).
        result = connection.execute(text(query.replace(":", "\\:")))
    except DBAPIError as error:
        raise _query_failed(error, settings) from None
    except SQLAlchemyError as error:
        raise ExtractionError(f"La requête sur {settings.source} a échoué : {_first_line(error)}") from None
    if not result.returns_rows:
        raise ExtractionError(
            f"La requête sur {settings.source} ne renvoie pas de lignes : query doit être un SELECT."
        )
    return result


def _query_failed(error: DBAPIError, settings: DatabaseSettings) -> ExtractionError:
    log.error("iodas_query_failed error=%s", type(error.orig).__name__)
    return ExtractionError(f"La requête sur {settings.source} a échoué : {_first_line(error.orig)}. Corrigez query dans [connector.options].")


def _cell(row, index: int | None):
    """Return one cell as the record parser takes it: stripped text, or a date as is."""
    if index is None:
        return ""
    value = row[index]
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime.date):
        return value
    return str(value).strip()


def _first_line(error) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
