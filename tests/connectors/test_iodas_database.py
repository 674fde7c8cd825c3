"""The iodas connector reading from a real SQLite and PostgreSQL database standing in for IODAS's."""

import re
import socket
import time

import pytest
from sqlalchemy import create_engine, text

from core.connectors import ConnectorManager
from core.connectors.records import ExtractionError, PersonRecord, RejectedLine
from plugins.iodas import database
from tests.connectors.vendor import QUERY, SAMPLES


@pytest.fixture(scope="module")
def manager():
    return ConnectorManager()


def options(url, **extra):
    # SQLite hands dates back as ISO text, PostgreSQL as dates; the birth date is day-first text.
    return {"database_url": url, "query": QUERY, "date_format": "auto", **extra}


def test_reads_vendor_database(manager, vendor_url):
    records = list(manager.read("iodas", [], options(vendor_url)))

    people = [record for record in records if isinstance(record, PersonRecord)]
    assert len(people) == 42
    assert sum(len(person.aids) for person in people) == 39
    assert not [record for record in records if isinstance(record, RejectedLine)]


def test_database_matches_file_extraction(manager, vendor_url):
    from_database = [r for r in manager.read("iodas", [], options(vendor_url)) if isinstance(r, PersonRecord)]
    from_file = [r for r in manager.read("iodas", [SAMPLES / "extraction_iodas.csv"], {}) if isinstance(r, PersonRecord)]

    def comparable(person):
        # The file's given names are upper-case as IODAS exports them; the database's are not.
        return (person.person_id, person.usage_name, person.birth_name, person.first_names.upper(),
                person.sex, person.birth_date, sorted((a.code, a.label, a.start, a.end) for a in person.aids))

    assert [comparable(p) for p in from_database] == [comparable(p) for p in from_file]


def test_source_hides_password(manager, vendor_url, backend):
    if backend == "postgresql":
        # Trust authentication ignores the password, so the URL still connects.
        vendor_url = vendor_url.replace("postgres@", "postgres:motdepasse@")

    first = next(iter(manager.read("iodas", [], options(vendor_url))))

    assert first.line == 1
    assert "motdepasse" not in first.source
    assert first.source == vendor_url.replace("motdepasse", "***")


def test_small_fetch_size(manager, vendor_url):
    people = [r for r in manager.read("iodas", [], options(vendor_url, fetch_size=3)) if isinstance(r, PersonRecord)]

    assert len(people) == 42


def test_postgresql_uses_server_side_cursor(manager, vendor_url, backend):
    if backend != "postgresql":
        pytest.skip("SQLite cursors are lazy without a server")
    records = manager.read("iodas", [], options(vendor_url, fetch_size=5))
    next(records)

    # While the reading waits, its session's last statement is a FETCH from a named cursor.
    engine = create_engine(vendor_url)
    with engine.connect() as connection:
        statements = connection.execute(
            text("SELECT query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        ).scalars().all()
    engine.dispose()
    records.close()

    assert any(re.match(r"\s*FETCH", statement, re.IGNORECASE) for statement in statements), statements


def test_check_ok(manager, vendor_url):
    assert manager.check("iodas", options(vendor_url)) == "ok"


def test_missing_columns(manager, vendor_url):
    query = "SELECT num_individu AS NUM_INDIVIDU, nom_usage AS NOM_USAGE FROM individu"

    with pytest.raises(ExtractionError, match="Colonnes manquantes .*« PRENOMS », « SEXE », « DATE_NAISSANCE »"):
        list(manager.read("iodas", [], options(vendor_url, query=query)))
    assert "PRENOMS" in manager.check("iodas", options(vendor_url, query=query))


def test_renamed_columns(manager, vendor_url):
    query = "SELECT num_individu, nom_usage, prenoms, date_naissance FROM individu ORDER BY num_individu"
    columns = {"person_id": "num_individu", "usage_name": "nom_usage", "first_names": "prenoms",
               "birth_date": "date_naissance", "birth_name": "", "sex": ""}

    people = list(manager.read("iodas", [], options(vendor_url, query=query, columns=columns)))

    assert len(people) == 42
    assert all(person.aids == [] for person in people)


def test_query_error(manager, vendor_url):
    with pytest.raises(ExtractionError, match="La requête sur .* a échoué : .*table_absente"):
        list(manager.read("iodas", [], options(vendor_url, query="SELECT * FROM table_absente")))
    assert "a échoué" in manager.check("iodas", options(vendor_url, query="SELECT * FROM table_absente"))


def test_query_without_rows(manager, vendor_url):
    with pytest.raises(ExtractionError, match="ne renvoie aucune ligne"):
        list(manager.read("iodas", [], options(vendor_url, query=QUERY.replace("ORDER BY", "AND 1 = 0 ORDER BY"))))


def test_writing_query_rejected(manager, vendor_url):
    with pytest.raises(ExtractionError, match="doit être un SELECT"):
        list(manager.read("iodas", [], options(vendor_url, query="DELETE FROM prestation")))


def test_writing_query_never_committed(manager, vendor_url, backend):
    query = "WITH gone AS (DELETE FROM prestation RETURNING num_individu) SELECT 1 AS x"
    if backend == "sqlite":
        # SQLite has no DELETE inside WITH; its equivalent statement starts with WITH too.
        query = "WITH gone AS (SELECT 1) DELETE FROM prestation"

    with pytest.raises(ExtractionError):
        list(manager.read("iodas", [], options(vendor_url, query=query)))

    engine = create_engine(vendor_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM prestation")).scalar() == 39
    engine.dispose()


def test_unreachable_database(manager):
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/dn_database_that_does_not_exist"

    with pytest.raises(ExtractionError, match="Base IODAS injoignable"):
        list(manager.read("iodas", [], options(url)))
    assert manager.check("iodas", options(url)).startswith("Base IODAS injoignable")


def test_silent_server_times_out(manager, monkeypatch):
    monkeypatch.setattr(database, "CONNECT_TIMEOUT_SECONDS", 1)
    with socket.socket() as silent:
        # The kernel completes the TCP handshake, but nothing ever responds.
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"postgresql+psycopg://postgres@127.0.0.1:{silent.getsockname()[1]}/iodas"
        started = time.monotonic()

        message = manager.check("iodas", options(url))

    assert message.startswith("Base IODAS injoignable")
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"query": ""}, "sans query"),
        ({"fetch_size": 0}, "fetch_size « 0 » invalide"),
        ({"fetch_size": "100"}, "fetch_size « 100 » invalide"),
        ({"database_url": "pas une url"}, "database_url invalide"),
        ({"database_url": 5}, "doivent être des textes"),
        ({"query": ["SELECT 1"]}, "doivent être des textes"),
        ({"database_url": "oracle+nopilote://x/y"}, "Pilote de base de données non installé"),
    ],
)
def test_bad_database_options(manager, extra, message):
    settings = {**options("sqlite://"), **extra}

    with pytest.raises(ExtractionError, match=message):
        list(manager.read("iodas", [], settings))
    assert message.split(" «")[0] in manager.check("iodas", settings)
