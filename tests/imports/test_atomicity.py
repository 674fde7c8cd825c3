"""An import killed midway, or read from while it runs, never shows a broken register."""

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.connectors import ConnectorManager
from core.connectors.records import PartialDate
from core.imports.service import ImportRequest, run_import
from core.register.generations import read_active_import_id
from core.register.models import Aid, Person, RegisterImport
from core.sampledata import write_extraction
from core.search.query import SearchQuery
from core.search.service import match_query
from core.settings import ImportThresholds
from tests.imports.conftest import REPO_ROOT, SAMPLES

DEMO = SAMPLES["csv_generic"] / "demo.csv"
# The demo register's first person, with a recoverable aid.
DEMO_QUERY = SearchQuery(usage_name="DUPONT", birth_name="MARTIN", first_names="Marie", birth_date=PartialDate(1931, 5, 2))


@pytest.fixture(scope="module")
def big_extraction(tmp_path_factory):
    """An extraction large enough that its import is still running when the test acts."""
    path = tmp_path_factory.mktemp("big") / "big.csv"
    write_extraction(path, 150000, seed=11, unit="rows")
    return path


def dn_process(*args, cwd, **popen) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.Popen([sys.executable, "-m", "core.cli", *map(str, args)], cwd=cwd, env=env, **popen)


def dn_run(*args, cwd) -> subprocess.CompletedProcess:
    process = dn_process(*args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def wait_for_rows_of_running_import(engine, process, timeout=120) -> int:
    """Return the id of the running import once some of its rows are committed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the import ended before the test could kill it"
        with Session(engine) as session:
            running = session.scalar(select(RegisterImport.id).where(RegisterImport.status == "running"))
            if running is not None:
                stored = session.scalar(select(func.count()).select_from(Person).where(Person.import_id == running))
                if stored:
                    return running
        time.sleep(0.02)
    raise AssertionError("the import wrote nothing in time")


def search_finds_demo_person(engine) -> bool:
    with Session(engine) as session:
        import_id = read_active_import_id(session)
        result = match_query(session, import_id, DEMO_QUERY)
        return any(candidate.person.person_ref == "100001" for candidate in result.candidates)


def test_kill_9_midway_keeps_previous_register(engine, register, demo_ini, big_extraction, tmp_path):
    first = dn_run("import", demo_ini, "csv_generic", DEMO, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    active = register.active_import_id()
    people_before = register.count(Person, active)
    aids_before = register.count(Aid, active)

    process = dn_process("import", demo_ini, "csv_generic", big_extraction, cwd=tmp_path,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        killed = wait_for_rows_of_running_import(engine, process)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()

    assert register.active_import_id() == active
    assert register.count(Person, active) == people_before
    assert register.count(Aid, active) == aids_before
    assert register.record(killed).status == "running"
    assert search_finds_demo_person(engine)

    again = dn_run("import", demo_ini, "csv_generic", DEMO, cwd=tmp_path)

    assert again.returncode == 0, again.stderr
    assert register.record(killed).status == "interrupted"
    assert register.count(Person, killed) == 0
    assert register.count(Person) == people_before
    assert search_finds_demo_person(engine)


class ConsistencyReader(threading.Thread):
    """Read the register over and over, each time in one transaction, as a search does."""

    def __init__(self, engine):
        super().__init__(daemon=True)
        self.engine = engine
        self.stop = threading.Event()
        self.seen = set()
        self.error = None

    def run(self):
        try:
            while not self.stop.is_set():
                self.seen.add(self.read())
            self.seen.add(self.read())
        except Exception as error:  # reported by the test thread
            self.error = error

    def read(self) -> tuple[int, int, int]:
        if self.engine.dialect.name == "sqlite":
            return self._read_sqlite()
        with Session(self.engine) as session, session.begin():
            import_id = read_active_import_id(session)
            return import_id, *self._counts(session, import_id)

    def _counts(self, session, import_id):
        people = session.scalar(select(func.count()).select_from(Person).where(Person.import_id == import_id))
        aids = session.scalar(
            select(func.count()).select_from(Aid).join(Person, Aid.person_id == Person.id).where(Person.import_id == import_id)
        )
        return people, aids

    def _read_sqlite(self):
        # The sqlite3 module opens no transaction for a SELECT: BEGIN makes the three
        # reads share one WAL snapshot, as a search's reads must.
        connection = sqlite3.connect(self.engine.url.database, isolation_level=None, timeout=30)
        try:
            connection.execute("BEGIN")
            [import_id] = connection.execute("SELECT active_import_id FROM register_state WHERE id = 1").fetchone()
            [people] = connection.execute("SELECT count(*) FROM person WHERE import_id = ?", (import_id,)).fetchone()
            [aids] = connection.execute(
                "SELECT count(*) FROM aid JOIN person ON aid.person_id = person.id WHERE person.import_id = ?", (import_id,)
            ).fetchone()
            connection.execute("COMMIT")
            return import_id, people, aids
        finally:
            connection.close()


def test_search_during_import_sees_one_register(engine, register, tmp_path):
    extraction = tmp_path / "next.csv"
    write_extraction(extraction, 20000, seed=5, unit="rows")
    connectors = ConnectorManager()
    options = {"encoding": "utf-8", "delimiter": ";"}

    def run(path):
        request = ImportRequest("csv_generic", [path], options, report_dir=tmp_path)
        return run_import(engine, connectors, request, ImportThresholds())

    first = run(DEMO)
    reader = ConsistencyReader(engine)
    reader.start()
    try:
        second = run(extraction)
    finally:
        reader.stop.set()
        reader.join(timeout=60)

    assert reader.error is None
    expected = {
        (first.import_id, first.people, first.aids),
        (second.import_id, second.people, second.aids),
    }
    assert reader.seen <= expected
    assert (first.import_id, first.people, first.aids) in reader.seen
    assert (second.import_id, second.people, second.aids) in reader.seen


def test_ctrl_c_midway_reports_and_keeps_register(engine, register, demo_ini, big_extraction, tmp_path):
    first = dn_run("import", demo_ini, "csv_generic", DEMO, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    active = register.active_import_id()
    people_before = register.count(Person, active)

    process = dn_process("import", demo_ini, "csv_generic", big_extraction, cwd=tmp_path,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    interrupted = wait_for_rows_of_running_import(engine, process)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)

    assert process.returncode == 130
    assert "Import interrompu (Ctrl-C)" in err
    assert "Traceback" not in err
    assert register.active_import_id() == active
    assert register.count(Person, active) == people_before
    assert register.record(interrupted).status == "failed"
    assert register.count(Person, interrupted) == 0
