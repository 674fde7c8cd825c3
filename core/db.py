"""Database wiring: declarative base, engine, and the request-bound session.

Views never commit: ``request.dbsession`` joins the request's transaction through
zope.sqlalchemy, and pyramid_tm commits or aborts it when the view returns or raises.
"""

import logging

import zope.sqlalchemy
from sqlalchemy import MetaData, String, engine_from_config, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.functions import FunctionElement

from core.matching.normalize import fold

log = logging.getLogger(__name__)

# Stable constraint names, so that Alembic migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _configure_sqlite(dbapi_connection, connection_record):
    # WAL lets searches read the current register while an import writes the next one.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    dbapi_connection.create_function("dn_fold", 1, _fold_or_null, deterministic=True)


def _fold_or_null(value: str | None) -> str | None:
    return None if value is None else fold(value)


class folded(FunctionElement):
    """SQL for a text column folded as core.matching.normalize.fold() folds names.

    Upper-case ASCII letters with every other character run made one space, so that a
    filter typed without accents, hyphens or apostrophes still matches. SQLite calls
    fold() itself (a function registered on each connection). PostgreSQL, which has no
    unaccent() without an extension, translates the accented letters of French and of
    the neighbouring languages.
    """

    type = String()
    inherit_cache = True


# NOTE: letters missing here (such as Polish or Czech ones) become a space on PostgreSQL,
# where fold() would keep their base letter.
_ACCENTED = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝŸ"
_PLAIN = "aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUYY"


@compiles(folded, "sqlite")
def _folded_sqlite(element, compiler, **kw):
    return f"dn_fold({compiler.process(element.clauses, **kw)})"


@compiles(folded, "postgresql")
def _folded_postgresql(element, compiler, **kw):
    column = compiler.process(element.clauses, **kw)
    plain = f"translate({column}, '{_ACCENTED}', '{_PLAIN}')"
    for ligature, letters in (("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE"), ("ß", "ss")):
        plain = f"replace({plain}, '{ligature}', '{letters}')"
    return f"trim(regexp_replace(upper({plain}), '[^A-Z]+', ' ', 'g'))"


def make_engine(settings: dict, prefix: str = "sqlalchemy.") -> Engine:
    """Create the engine from ``sqlalchemy.*`` settings, with SQLite tuned for concurrency."""
    engine = engine_from_config(settings, prefix)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_tm_session(session_factory: sessionmaker, transaction_manager, request=None) -> Session:
    """Return a session joined to ``transaction_manager``, so pyramid_tm commits it."""
    dbsession = session_factory(info={"request": request})
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


def includeme(config):
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    config.include("pyramid_tm")

    engine = make_engine(settings)
    session_factory = make_session_factory(engine)
    config.registry["db.engine"] = engine
    config.registry["db.session_factory"] = session_factory

    def dbsession(request):
        # Tests may hand in their own session through the WSGI environ.
        session = request.environ.get("app.dbsession")
        if session is None:
            session = get_tm_session(session_factory, request.tm, request=request)
        return session

    config.add_request_method(dbsession, reify=True)
