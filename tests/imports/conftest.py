"""Fixtures for import tests: a connector fed with records built in the test, and helpers
that read back what an import left in the register."""

import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.connectors import ConnectorManager
from core.connectors.hookspecs import hookimpl
from core.connectors.records import AidRecord, PartialDate, PersonRecord
from core.imports.service import ImportRequest, run_import
from core.register.generations import REGISTER_STATE_ID
from core.register.models import Aid, Person, PersonNameKey, RegisterImport, RegisterState
from core.settings import ImportThresholds

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLES = {name: REPO_ROOT / "plugins" / name / "samples" for name in ("csv_generic", "iodas", "solis")}
TODAY = datetime.date(2025, 6, 1)


class RecordsConnector:
    """A throwaway connector named ``records`` that yields ``self.items`` in order.

    An exception instance among the items is raised at that point, as a connector does
    when it finds the file cut short.
    """

    def __init__(self):
        self.items = []

    @hookimpl
    def dn_connector_name(self):
        return "records"

    @hookimpl
    def dn_connector_settings(self, connector):
        return {} if connector == "records" else None

    @hookimpl
    def dn_read_extraction(self, connector, sources, options):
        if connector != "records":
            return None
        return self._read()

    def _read(self):
        for item in self.items:
            if isinstance(item, Exception):
                raise item
            yield item


def person(line: int, person_id: str | None = None, **fields) -> PersonRecord:
    """Return a valid record; ``fields`` override any attribute."""
    values = dict(
        line=line,
        person_id=person_id or f"ID{line:06d}",
        usage_name="DUPONT",
        birth_name="MARTIN",
        first_names="Marie Louise",
        sex="F",
        birth_date=PartialDate(1931, 5, 2),
        aids=[AidRecord("ASH_PA", "Aide sociale à l'hébergement", datetime.date(2016, 3, 1), None)],
        source="extraction.csv",
    )
    values.update(fields)
    return PersonRecord(**values)


def people(count: int, start: int = 2) -> list[PersonRecord]:
    return [person(line) for line in range(start, start + count)]


@pytest.fixture
def records_connector() -> RecordsConnector:
    return RecordsConnector()


@pytest.fixture
def connectors(records_connector) -> ConnectorManager:
    return ConnectorManager(extra_plugins=[records_connector])


@pytest.fixture
def run(engine, connectors, tmp_path):
    """Run an import of the ``records`` connector (or another), returning its result."""

    def run(connector="records", sources=(), options=None, thresholds=None, **request_fields):
        request_fields.setdefault("report_dir", tmp_path)
        request = ImportRequest(connector=connector, sources=list(sources), options=options or {}, **request_fields)
        return run_import(engine, connectors, request, thresholds or ImportThresholds(), today=TODAY)

    return run


class RegisterView:
    """Read what an import left in the database."""

    def __init__(self, engine):
        self.engine = engine

    def active_import_id(self) -> int | None:
        with Session(self.engine) as session:
            state = session.get(RegisterState, REGISTER_STATE_ID)
            return state.active_import_id if state else None

    def record(self, import_id: int) -> RegisterImport:
        with Session(self.engine) as session:
            return session.get(RegisterImport, import_id)

    def people(self, import_id: int | None = None) -> list[Person]:
        import_id = import_id or self.active_import_id()
        with Session(self.engine) as session:
            query = select(Person).where(Person.import_id == import_id).order_by(Person.person_ref)
            people = session.scalars(query).all()
            for each in people:
                each.aids  # noqa: B018  (load before the session closes)
            return people

    def count(self, model, import_id: int | None = None) -> int:
        with Session(self.engine) as session:
            query = select(func.count()).select_from(model)
            if import_id is not None:
                query = query.where(model.import_id == import_id)
            return session.scalar(query)

    def name_keys(self, person_id: int) -> set[str]:
        with Session(self.engine) as session:
            query = select(PersonNameKey.name_key).where(PersonNameKey.person_id == person_id)
            return set(session.scalars(query))

    def snapshot(self) -> tuple:
        """Return everything a search could see, to compare before and after an import."""
        with Session(self.engine) as session:
            persons = session.execute(select(Person.id, Person.import_id, Person.person_ref).order_by(Person.id)).all()
            aids = session.execute(select(Aid.id, Aid.person_id, Aid.code).order_by(Aid.id)).all()
            keys = session.execute(
                select(PersonNameKey.person_id, PersonNameKey.name_key).order_by(PersonNameKey.person_id, PersonNameKey.name_key)
            ).all()
        return self.active_import_id(), persons, aids, keys


@pytest.fixture
def register(engine) -> RegisterView:
    return RegisterView(engine)
