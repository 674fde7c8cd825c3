"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, emptied after each test.

PostgreSQL tests use a throwaway database created on the server named by
``NOTAIRES_TEST_POSTGRESQL_URL`` (default: the local server, trust auth, database
``test``), so that several test runs on one machine do not collide. They are skipped
when no server answers, except under CI where that is a failure.
"""

import os
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from core.db import Base, make_engine, make_session_factory
from core.migrations import upgrade_to_head

REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRESQL_ADMIN_URL = os.environ.get(
    "NOTAIRES_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgresql")


def _create_postgresql_database() -> tuple[str, object]:
    admin = create_engine(POSTGRESQL_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"dn_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        message = f"PostgreSQL not reachable at {POSTGRESQL_ADMIN_URL}: {error.orig}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    return url, admin


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory):
    """Lazily created database URLs, one per backend, for the whole session."""
    created = {}
    admins = []

    def get(backend: str) -> str:
        if backend not in created:
            if backend == "sqlite":
                created[backend] = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite'}"
            else:
                url, admin = _create_postgresql_database()
                admins.append((admin, url))
                created[backend] = url
            engine = make_engine({"sqlalchemy.url": created[backend]})
            upgrade_to_head(engine)
            engine.dispose()
        return created[backend]

    yield get

    for admin, url in admins:
        name = url.rsplit("/", 1)[1]
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, database_urls) -> str:
    """The URL of a migrated, empty database of the current backend."""
    return database_urls(backend)


@pytest.fixture
def engine(database_url):
    engine = make_engine({"sqlalchemy.url": database_url})
    yield engine
    _empty_all_tables(engine)
    engine.dispose()


@pytest.fixture
def session_factory(engine):
    return make_session_factory(engine)


@pytest.fixture
def dbsession(session_factory):
    with session_factory() as session:
        yield session


def _empty_all_tables(engine) -> None:
    import core.models  # noqa: F401  (every table known to the metadata)

    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            quoted = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                connection.execute(text(f'DELETE FROM "{name}"'))


@pytest.fixture
def demo_ini(tmp_path, database_url) -> Path:
    """An .ini file like config/demo.ini, pointing at the test database."""
    source = (REPO_ROOT / "config" / "demo.ini").read_text(encoding="utf-8")
    source = re.sub(r"(?m)^sqlalchemy\.url = .*$", lambda _: f"sqlalchemy.url = {database_url}", source)
    source = source.replace("%(here)s/departements/demo.toml", str(REPO_ROOT / "config" / "departements" / "demo.toml"))
    path = tmp_path / "test.ini"
    path.write_text(source, encoding="utf-8")
    return path
