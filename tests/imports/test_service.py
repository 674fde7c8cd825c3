"""The import service: generations, common checks, guards and the rejected-lines report."""

import csv
import datetime

import pytest

from core.connectors.records import AidRecord, ExtractionError, PartialDate, RejectedLine
from core.imports import service
from core.imports.service import ImportFailed, ImportRefused
from core.matching.normalize import given_name_words, surname_keys
from core.register.models import Aid, Person, PersonNameKey, RegisterImport
from core.settings import ImportThresholds
from tests.imports.conftest import person, people


def read_report(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream, delimiter=";"))


def test_import_activates_new_generation(run, records_connector, register):
    records_connector.items = people(5)

    result = run()

    assert result.status == "succeeded"
    assert result.people == 5
    assert result.aids == 5
    assert result.rejected == 0
    assert register.active_import_id() == result.import_id
    record = register.record(result.import_id)
    assert record.status == "succeeded"
    assert record.people == 5
    assert record.finished_at is not None
    assert len(register.people()) == 5


def test_import_stores_fields_and_keys(run, records_connector, register):
    records_connector.items = [
        person(2, "A1", usage_name="DE LA FONTAINE", birth_name="LŒUILLET", first_names="Jean-Pierre Émile",
               sex="M", birth_date=PartialDate(1931, 0, 0),
               aids=[AidRecord("APA_DOMICILE", "APA", datetime.date(2019, 1, 1), datetime.date(2020, 2, 3)),
                     AidRecord("ASH_PA", None, None, None)]),
    ]

    run()

    [stored] = register.people()
    assert stored.person_ref == "A1"
    assert stored.usage_name == "DE LA FONTAINE"
    assert stored.birth_name == "LŒUILLET"
    assert stored.first_names == "Jean-Pierre Émile"
    assert stored.sex == "M"
    assert (stored.birth_year, stored.birth_month, stored.birth_day) == (1931, 0, 0)
    assert stored.first_name_keys == " ".join(given_name_words("Jean-Pierre Émile"))
    assert register.name_keys(stored.id) == surname_keys("DE LA FONTAINE", "LŒUILLET")
    aids = sorted((aid.code, aid.label, aid.start_date, aid.end_date) for aid in stored.aids)
    assert aids == [
        ("APA_DOMICILE", "APA", datetime.date(2019, 1, 1), datetime.date(2020, 2, 3)),
        ("ASH_PA", None, None, None),
    ]


def test_usage_name_falls_back_to_birth_name(run, records_connector, register):
    records_connector.items = [person(2, usage_name="", birth_name="MARTIN")]

    run()

    [stored] = register.people()
    assert stored.usage_name == "MARTIN"


def test_second_import_replaces_and_deletes_first(run, records_connector, register):
    records_connector.items = people(5)
    first = run()
    records_connector.items = people(6, start=100)

    second = run()

    assert register.active_import_id() == second.import_id
    assert register.count(Person, first.import_id) == 0
    assert register.count(PersonNameKey, first.import_id) == 0
    assert register.count(Aid, first.import_id) == 0
    assert register.count(Person) == 6
    assert {p.person_ref for p in register.people()} == {f"ID{line:06d}" for line in range(100, 106)}
    assert second.previous_people == 5


def test_dry_run_leaves_register_unchanged(run, records_connector, register):
    records_connector.items = people(5)
    run()
    before = register.snapshot()
    records_connector.items = people(7, start=50) + [RejectedLine(60, "date impossible", "extraction.csv")]

    result = run(dry_run=True, force=True)

    assert result.status == "dry_run"
    assert result.people == 7
    assert result.rejected == 1
    assert register.snapshot() == before
    assert register.record(result.import_id).status == "dry_run"
    assert register.record(result.import_id).dry_run is True
    assert read_report(result.report_path)[1] == ["extraction.csv", "60", "date impossible"]


def test_dry_run_finds_duplicates(run, records_connector, monkeypatch):
    monkeypatch.setattr(service, "BATCH_SIZE", 3)
    records_connector.items = people(5) + [person(20, "ID000002")]

    result = run(dry_run=True, force=True)

    assert result.people == 5
    assert result.rejected == 1


@pytest.mark.parametrize("batch_size", [1000, 2])
def test_duplicate_ids_rejected_first_kept(run, records_connector, register, monkeypatch, batch_size):
    monkeypatch.setattr(service, "BATCH_SIZE", batch_size)
    records_connector.items = people(5) + [person(30, "ID000003", usage_name="AUTRE")] + people(3, start=40)

    result = run(force=True)

    assert result.people == 8
    assert result.rejected == 1
    kept = [p for p in register.people() if p.person_ref == "ID000003"]
    assert [p.usage_name for p in kept] == ["DUPONT"]
    rows = read_report(result.report_path)
    assert rows[0] == ["fichier", "ligne", "motif"]
    assert rows[1][:2] == ["extraction.csv", "30"]
    assert "en double" in rows[1][2]
    # The aids of the rejected duplicate are not stored either.
    assert register.count(Aid, result.import_id) == 8


REJECTED_RECORDS = [
    ("missing names", dict(usage_name="", birth_name=None), "nom manquant"),
    ("missing given names", dict(first_names="  "), "prénoms manquants"),
    ("missing id", dict(person_id=" "), "identifiant de personne manquant"),
    ("no letters in name", dict(usage_name="???", birth_name=""), "nom sans aucune lettre"),
    ("future birth", dict(birth_date=PartialDate(2031, 1, 1)), "date de naissance dans le futur"),
    ("future birth this year", dict(birth_date=PartialDate(2025, 7, 0)), "date de naissance dans le futur"),
    ("birth too old", dict(birth_date=PartialDate(1700, 1, 1)), "date de naissance improbable"),
    ("missing birth date", dict(birth_date=None), "date de naissance manquante"),
    ("long name", dict(usage_name="X" * 201), "nom d'usage trop long"),
    ("nul byte", dict(first_names="Jean\x00"), "caractère nul"),
]


@pytest.mark.parametrize("fields, reason", [case[1:] for case in REJECTED_RECORDS], ids=[case[0] for case in REJECTED_RECORDS])
def test_bad_record_rejected_not_crash(run, records_connector, register, fields, reason):
    bad = person(7, **{key: value for key, value in fields.items() if key != "person_id"})
    if "person_id" in fields:
        bad.person_id = fields["person_id"]
    records_connector.items = people(3) + [bad]

    result = run(force=True)

    assert result.status == "succeeded"
    assert result.people == 3
    assert result.rejected == 1
    [header, row] = read_report(result.report_path)
    assert row[1] == "7"
    assert reason in row[2]


def test_partial_birth_date_of_this_year_accepted(run, records_connector, register):
    records_connector.items = [person(2, birth_date=PartialDate(2025, 0, 0))]

    result = run()

    assert result.people == 1


def test_day_without_month_keeps_year(run, records_connector, register):
    records_connector.items = [person(2, birth_date=PartialDate(1931, 0, 17))]

    result = run()

    [stored] = register.people(result.import_id)
    assert (stored.birth_year, stored.birth_month, stored.birth_day) == (1931, 0, 0)


REJECTED_AIDS = [
    ("future start", AidRecord("ASH_PA", None, datetime.date(2025, 6, 2), None), "dans le futur"),
    ("end before start", AidRecord("PCH", None, datetime.date(2020, 1, 1), datetime.date(2019, 1, 1)), "antérieure"),
    ("missing code", AidRecord(" ", "Aide", None, None), "code d'aide manquant"),
    ("long code", AidRecord("C" * 65, None, None, None), "code d'aide trop long"),
]


@pytest.mark.parametrize("aid, reason", [case[1:] for case in REJECTED_AIDS], ids=[case[0] for case in REJECTED_AIDS])
def test_bad_aid_rejected_person_kept(run, records_connector, register, aid, reason):
    good_aid = AidRecord("APA_DOMICILE", None, datetime.date(2019, 1, 1), None)
    records_connector.items = people(200) + [person(900, "KEEP", aids=[good_aid, aid])]

    result = run()

    assert result.rejected == 1
    [kept] = [p for p in register.people() if p.person_ref == "KEEP"]
    assert [stored.code for stored in kept.aids] == ["APA_DOMICILE"]
    rows = read_report(result.report_path)
    assert rows[1][1] == "900"
    assert "aide n° 2" in rows[1][2]
    assert reason in rows[1][2]


def test_sex_other_than_m_or_f_dropped(run, records_connector, register):
    records_connector.items = [person(2, sex="X")]

    run()

    assert register.people()[0].sex is None


def test_no_report_without_rejection(run, records_connector, tmp_path):
    records_connector.items = people(3)

    result = run()

    assert result.report_path is None
    assert list(tmp_path.glob("import-*")) == []


# -------------------------------------------------------------------------
# Guards
# -------------------------------------------------------------------------


def assert_refused_unchanged(run, register, before, forceable, **kwargs) -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        run(**kwargs)
    assert caught.value.forceable is forceable
    assert register.snapshot() == before
    assert register.record(caught.value.result.import_id).status == "refused"
    assert "\n" not in str(caught.value)
    return caught.value


@pytest.fixture
def previous(run, records_connector, register):
    """A register of 100 people, active before the import under test."""
    records_connector.items = people(100)
    run()
    return register.snapshot()


def test_rejected_share_over_threshold_refused(run, records_connector, register, previous):
    records_connector.items = people(98) + [RejectedLine(200, "date impossible : 31/02/1940", "f.csv")] * 2

    refusal = assert_refused_unchanged(run, register, previous, forceable=True)

    assert "2,0 % des lignes rejetées" in str(refusal)
    assert refusal.result.report_path is not None
    assert register.record(refusal.result.import_id).report_path == str(refusal.result.report_path)


def test_rejected_share_forced(run, records_connector, register, previous):
    records_connector.items = people(98) + [RejectedLine(200, "date impossible", "f.csv")] * 2

    result = run(force=True)

    assert result.status == "succeeded"
    assert register.active_import_id() == result.import_id
    assert "lignes rejetées" in register.record(result.import_id).message
    assert register.record(result.import_id).forced is True


def test_rejected_share_at_threshold_accepted(run, records_connector, previous):
    records_connector.items = people(99) + [RejectedLine(200, "date impossible", "f.csv")]

    result = run()

    assert result.status == "succeeded"


def test_rejected_threshold_configurable(run, records_connector, register, previous):
    records_connector.items = people(99) + [RejectedLine(200, "date impossible", "f.csv")]

    assert_refused_unchanged(run, register, previous, forceable=True, thresholds=ImportThresholds(max_rejected_ratio=0.005))


def test_shrinking_register_refused(run, records_connector, register, previous):
    records_connector.items = people(79)

    refusal = assert_refused_unchanged(run, register, previous, forceable=True)

    assert "le registre passerait de 100 à 79 personnes" in str(refusal)


def test_shrinking_within_threshold_accepted(run, records_connector, previous):
    records_connector.items = people(80)

    assert run().status == "succeeded"


def test_shrinking_forced(run, records_connector, register, previous):
    records_connector.items = people(10)

    result = run(force=True)

    assert register.active_import_id() == result.import_id
    assert register.count(Person) == 10


def test_shrink_threshold_configurable(run, records_connector, register, previous):
    records_connector.items = people(95)

    assert_refused_unchanged(run, register, previous, forceable=True, thresholds=ImportThresholds(max_shrink_ratio=0.01))


def test_unreadable_extraction_refused_even_forced(run, records_connector, register, previous):
    records_connector.items = [ExtractionError("Colonnes manquantes dans f.csv : « birth_date ».")]

    refusal = assert_refused_unchanged(run, register, previous, forceable=False, force=True)

    assert str(refusal) == "colonnes manquantes dans f.csv : « birth_date »"


def test_extraction_cut_short_refused(run, records_connector, register, previous):
    records_connector.items = people(100) + [ExtractionError("Le fichier f.csv semble tronqué.")]

    refusal = assert_refused_unchanged(run, register, previous, forceable=True)

    assert "tronqué" in str(refusal)
    assert "100 personnes lues avant l'erreur" in str(refusal)


def test_cut_short_forced_keeps_read_part(run, records_connector, register, monkeypatch):
    monkeypatch.setattr(service, "BATCH_SIZE", 7)
    records_connector.items = people(30) + [ExtractionError("Le fichier f.csv semble tronqué.")]

    result = run(force=True)

    assert result.people == 30
    assert register.active_import_id() == result.import_id
    assert register.count(Person) == 30


def test_no_valid_person_refused_even_forced(run, records_connector, register, previous):
    records_connector.items = [RejectedLine(2, "date impossible", "f.csv")]

    refusal = assert_refused_unchanged(run, register, previous, forceable=False, force=True)

    assert "aucune personne valide" in str(refusal)


def test_first_import_of_nothing_refused(run, records_connector, register):
    records_connector.items = []

    with pytest.raises(ImportRefused) as caught:
        run(force=True)

    assert caught.value.forceable is False
    assert register.active_import_id() is None


def test_failure_leaves_register_and_records_failed(run, records_connector, register, previous, monkeypatch):
    monkeypatch.setattr(service, "BATCH_SIZE", 10)

    def broken_records():
        yield from people(50)
        raise RuntimeError("connector bug")

    records_connector._read = broken_records

    with pytest.raises(ImportFailed) as caught:
        run()

    assert register.snapshot() == previous
    record = register.record(caught.value.result.import_id)
    assert record.status == "failed"
    assert "RuntimeError" in record.message
    assert register.count(Person, caught.value.result.import_id) == 0


def test_crashed_import_marked_interrupted_and_cleaned(run, records_connector, register, previous, engine):
    # What a killed import leaves: a "running" record and rows of its generation.
    from sqlalchemy.orm import Session

    with Session(engine) as session, session.begin():
        crashed = RegisterImport(connector="records", status="running", started_at=datetime.datetime(2025, 1, 1),
                                 people=0, aids=0, rejected=0, forced=False, dry_run=False, sources="")
        session.add(crashed)
        session.flush()
        session.add(Person(import_id=crashed.id, person_ref="LEFT", usage_name="X", first_names="Y",
                           birth_year=1930, birth_month=0, birth_day=0, first_name_keys="Y", first_name_letters=1))
        crashed_id = crashed.id
    records_connector.items = people(100, start=1000)

    result = run()

    assert register.record(crashed_id).status == "interrupted"
    assert register.count(Person, crashed_id) == 0
    assert register.count(Person) == 100
    assert result.status == "succeeded"


def test_unknown_connector_raises(run):
    from core.connectors import UnknownConnectorError

    with pytest.raises(UnknownConnectorError):
        run(connector="nothing_like_this")


def test_started_by_and_sources_recorded(run, records_connector, register, tmp_path):
    records_connector.items = people(2)

    result = run(sources=[tmp_path / "a.csv", tmp_path / "b.csv"], started_by="admin")

    record = register.record(result.import_id)
    assert record.started_by == "admin"
    assert record.sources.splitlines() == [str(tmp_path / "a.csv"), str(tmp_path / "b.csv")]
    assert record.connector == "records"


def test_second_concurrent_import_stops(run, records_connector, register, engine, monkeypatch):
    from core.imports import locking

    monkeypatch.setattr(locking, "LOCK_WAIT_SECONDS", 0.3)
    records_connector.items = people(3)

    with locking.import_lock(engine):
        with pytest.raises(locking.ImportBusyError) as caught:
            run()

    assert "un autre import est en cours" in str(caught.value)
    assert register.active_import_id() is None
    assert run().status == "succeeded"


def test_orm_insert_after_import_gets_free_id(run, records_connector, register, engine):
    from sqlalchemy.orm import Session

    records_connector.items = people(20)
    result = run()
    largest_imported_id = max(person.id for person in register.people(result.import_id))

    with Session(engine) as session, session.begin():
        added = Person(import_id=result.import_id, person_ref="ORM", usage_name="X", first_names="Y",
                       birth_year=1930, birth_month=0, birth_day=0, first_name_keys="Y", first_name_letters=1)
        session.add(added)
        session.flush()
        assert added.id > largest_imported_id
