"""The synthetic register generator: deterministic, varied, and in the default CSV layout."""

import csv
import itertools

from core.connectors.records import PartialDate
from core.sampledata import AIDS, EXTRACTION_COLUMNS, LAST_AID_DATE, generate_people, write_extraction


def test_same_seed_same_people():
    first = list(generate_people(200, seed=7))
    second = list(generate_people(200, seed=7))
    assert first == second


def test_other_seed_other_people():
    first = [person["usage_name"] for person in generate_people(200, seed=1)]
    second = [person["usage_name"] for person in generate_people(200, seed=2)]
    assert first != second


def test_person_ids_are_unique():
    ids = [person["person_id"] for person in generate_people(5000)]
    assert len(set(ids)) == 5000


def test_people_cover_hard_names():
    people = list(generate_people(20000, seed=3))
    surnames = {person["usage_name"] for person in people} | {person["birth_name"] for person in people}
    assert any(name.startswith("D'") for name in surnames)
    assert any(name.startswith("DE LA ") for name in surnames)
    assert any(name.startswith("LE ") for name in surnames)
    assert any("Œ" in name for name in surnames)
    assert any("-" in name for name in surnames)
    assert any("É" in name or "È" in name for name in surnames)
    given = [person["first_names"] for person in people]
    assert any("-" in names for names in given)
    assert any(len(names.split()) == 4 for names in given)
    married = [p for p in people if p["sex"] == "F" and p["birth_name"] and p["usage_name"] != p["birth_name"]]
    assert len(married) > len(people) * 0.2


def test_birth_dates_mostly_1915_to_1960():
    dates = [person["birth_date"] for person in generate_people(20000, seed=4)]
    assert all(isinstance(value, PartialDate) for value in dates)
    in_range = sum(1915 <= value.year <= 1960 for value in dates)
    assert in_range > len(dates) * 0.8
    assert any(value.month == 0 and value.day == 0 for value in dates)
    assert any(value.month != 0 and value.day == 0 for value in dates)
    complete = [value for value in dates if value.is_complete]
    assert all(value.to_date() for value in complete)


def test_aids_use_demo_codes_and_sane_dates():
    people = list(generate_people(20000, seed=5))
    without_aid = sum(not person["aids"] for person in people)
    assert without_aid > len(people) * 0.4
    codes = {aid["code"] for person in people for aid in person["aids"]}
    assert codes == set(AIDS)
    for person in people:
        for aid in person["aids"]:
            assert aid["start"].year > person["birth_date"].year
            assert aid["start"] <= LAST_AID_DATE
            if aid["end"] is not None:
                assert aid["start"] <= aid["end"] <= LAST_AID_DATE
            assert aid["label"] == AIDS[aid["code"]][0]


def test_extraction_people_unit(tmp_path):
    path = tmp_path / "people.csv"
    counts = write_extraction(path, 300, seed=9)
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream, delimiter=";"))
    assert tuple(rows[0]) == EXTRACTION_COLUMNS
    assert counts["rows"] == len(rows) - 1
    assert counts["people"] == 300
    assert len({row[0] for row in rows[1:]}) == 300
    assert all(len(row) == len(EXTRACTION_COLUMNS) for row in rows)


def test_extraction_rows_unit_is_exact(tmp_path):
    path = tmp_path / "rows.csv"
    counts = write_extraction(path, 1000, seed=9, unit="rows")
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream, delimiter=";"))
    assert counts["rows"] == 1000
    assert len(rows) == 1001
    assert counts["people"] == len({row[0] for row in rows[1:]})


def test_person_without_aid_empty_columns(tmp_path):
    path = tmp_path / "people.csv"
    write_extraction(path, 50, seed=2)
    people = {person["person_id"]: person for person in generate_people(50, seed=2)}
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream, delimiter=";"))
    for row in rows:
        if not people[row["person_id"]]["aids"]:
            assert [row[name] for name in EXTRACTION_COLUMNS[6:]] == ["", "", "", ""]
        else:
            assert row["aid_code"] in AIDS


def test_partial_dates_written_day_first(tmp_path):
    path = tmp_path / "people.csv"
    write_extraction(path, 3000, seed=1)
    people = {person["person_id"]: person for person in generate_people(3000, seed=1)}
    with path.open(encoding="utf-8", newline="") as stream:
        for row in itertools.islice(csv.DictReader(stream, delimiter=";"), 3000):
            birth = people[row["person_id"]]["birth_date"]
            if birth.is_complete:
                assert row["birth_date"] == birth.to_date().isoformat()
            else:
                assert row["birth_date"] == f"{birth.day:02d}/{birth.month:02d}/{birth.year}"
