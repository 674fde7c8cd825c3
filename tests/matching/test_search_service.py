import datetime

import pytest
from sqlalchemy import func, select

from core.search import outcomes
from core.search.models import Search, SearchCandidate
from core.search.service import RegisterNotLoaded, decide_outcome, parse_query, run_search

DEATH = "2024-06-01"


def _search(dbsession, departement, **fields):
    fields.setdefault("death_date", DEATH)
    query = parse_query(fields)
    return run_search(dbsession, departement, query, account_id=7, channel="web")


@pytest.mark.parametrize("fields, outcome, ref", [
    ({"usage_name": "Martin", "first_names": "Louise", "birth_date": "17/05/1931"}, "recoverable_aid", "R1"),
    ({"birth_name": "dupont", "first_names": "Marie-Louise", "birth_date": "1931-05-17"}, "recoverable_aid", "R1"),
    ({"usage_name": "DUPONT", "first_names": "jeanne, marie", "birth_date": "17/05/1931"}, "recoverable_aid", "R1"),
    ({"usage_name": "d almeida", "first_names": "Jean Pierre", "birth_date": "02/03/1940"}, "possible_overpayment", "R2"),
    ({"usage_name": "Dalmeida", "first_names": "JeanPierre", "birth_date": "02/03/1940"}, "possible_overpayment", "R2"),
    ({"usage_name": "Loeuillet", "first_names": "Francoise", "birth_date": "08/11/1935"}, "unknown", "R3"),
    ({"usage_name": "Lafontaine", "first_names": "Henri", "birth_date": "21/07/1928"}, "unknown", "R4"),
])
def test_cosmetic_variations_answer_at_once(dbsession, register, departement, fields, outcome, ref):
    search = _search(dbsession, departement, **fields)
    assert search.outcome == outcome
    assert search.status == outcomes.STATUS_ANSWERED
    assert search.candidates[0].person_ref == ref
    assert search.candidates[0].verdict == "match"


@pytest.mark.parametrize("fields", [
    {"usage_name": "Martn", "first_names": "Marie Louise Jeanne", "birth_date": "17/05/1931"},
    {"usage_name": "Martin", "first_names": "Marie Louise Jeanne", "birth_date": "17/05/1981"},
    {"usage_name": "Martin", "first_names": "Marie Louise Jeanne", "birth_date": "05/17/1931".replace("05/17", "17/06")},
    {"usage_name": "Chevalier", "first_names": "Simone Odette", "birth_date": "03/12/1933"},
    {"usage_name": "Chevallier", "first_names": "Simone Odette", "birth_date": "12/03/1933"},
    {"usage_name": "Martin", "first_names": "Marie", "birth_date": "00/00/1931"},
])
def test_typos_and_partial_dates_give_doubt(dbsession, register, departement, fields):
    search = _search(dbsession, departement, **fields)
    assert search.outcome == outcomes.AMBIGUOUS
    assert search.status == outcomes.STATUS_PENDING_REVIEW
    assert search.candidates[0].verdict == "possible"
    assert search.matched_person_id is None


def test_homonyms_give_doubt(dbsession, register, departement):
    search = _search(dbsession, departement, usage_name="Bernard", first_names="Paul", birth_date="14/02/1945")
    assert search.outcome == outcomes.AMBIGUOUS
    assert {candidate.person_ref for candidate in search.candidates[:2]} == {"R5", "R6"}


def test_partial_register_date_gives_doubt(dbsession, register, departement):
    search = _search(dbsession, departement, usage_name="Garnier", first_names="Lucien", birth_date="03/04/1929")
    assert search.outcome == outcomes.AMBIGUOUS


def test_other_birth_date_is_another_person(dbsession, register, departement):
    search = _search(dbsession, departement, usage_name="Martin", first_names="Marie", birth_date="02/09/1944")
    assert search.outcome == outcomes.UNKNOWN
    assert all(candidate.verdict == "rejected" for candidate in search.candidates)


def test_absent_person_is_unknown(dbsession, register, departement):
    search = _search(dbsession, departement, usage_name="Zyx", first_names="Paul", birth_date="01/01/1950")
    assert search.outcome == outcomes.UNKNOWN
    assert search.candidates == []


def test_search_is_recorded_with_snapshot(dbsession, register, departement):
    search = _search(dbsession, departement, usage_name="Martin", first_names="Louise", birth_date="17/05/1931", file_reference="ETUDE-42")
    dbsession.commit()
    stored = dbsession.get(Search, search.id)
    assert stored.reference == f"DN-{stored.created_at.year}-{stored.id:06d}"
    assert stored.account_id == 7
    assert stored.channel == "web"
    assert stored.file_reference == "ETUDE-42"
    assert stored.birth_date == "17/05/1931"
    assert stored.import_id == register
    candidate = stored.candidates[0]
    assert candidate.snapshot["birth_date"] == "17/05/1931"
    assert candidate.snapshot["aids"][0]["code"] == "ASH_PA"
    assert candidate.person_outcome == "recoverable_aid"
    assert set(candidate.reasons) == {"names", "first_names", "birth_date"}
    assert candidate.reasons["first_names"]["level"] == "exact"


def test_references_are_unique(dbsession, register, departement):
    references = {
        _search(dbsession, departement, usage_name="Martin", first_names="Louise", birth_date="17/05/1931").reference
        for _ in range(5)
    }
    dbsession.commit()
    assert len(references) == 5
    assert dbsession.scalar(select(func.count()).select_from(Search)) == 5
    assert dbsession.scalar(select(func.count()).select_from(SearchCandidate)) >= 5


def test_no_register_raises(dbsession, departement):
    query = parse_query({"usage_name": "Martin", "first_names": "Marie", "birth_date": "1931"})
    with pytest.raises(RegisterNotLoaded, match="dn import"):
        run_search(dbsession, departement, query, account_id=None, channel="cli")


def test_overpayment_depends_on_death_date(dbsession, register, departement):
    closed_before = _search(dbsession, departement, usage_name="Loeuillet", first_names="Françoise", birth_date="08/11/1935", death_date="2020-01-31")
    closed_after = _search(dbsession, departement, usage_name="Loeuillet", first_names="Françoise", birth_date="08/11/1935", death_date="2020-02-01")
    assert closed_before.outcome == outcomes.POSSIBLE_OVERPAYMENT
    assert closed_after.outcome == outcomes.UNKNOWN


def test_decide_outcome_rules(departement):
    categories = departement.aid_categories
    death = datetime.date(2024, 1, 1)
    assert decide_outcome([("ASH_PA", datetime.date(2000, 1, 1))], categories, death) == "recoverable_aid"
    assert decide_outcome([("APA_DOMICILE", None)], categories, death) == "possible_overpayment"
    assert decide_outcome([("APA_DOMICILE", datetime.date(2023, 12, 31))], categories, death) == "unknown"
    assert decide_outcome([("RSA", None)], categories, death) == "unknown"
    today = datetime.date(2024, 5, 1)
    assert decide_outcome([("PCH", datetime.date(2024, 6, 1))], categories, None, today=today) == "possible_overpayment"
    assert decide_outcome([("PCH", datetime.date(2024, 4, 1))], categories, None, today=today) == "unknown"


def test_references_unique_under_concurrency(session_factory, register, departement):
    from concurrent.futures import ThreadPoolExecutor

    query = parse_query({"usage_name": "Martin", "first_names": "Louise", "birth_date": "17/05/1931"})

    def search_five(_):
        references = []
        for _ in range(5):
            with session_factory() as dbsession:
                references.append(run_search(dbsession, departement, query, account_id=None, channel="web").reference)
                dbsession.commit()
        return references

    with ThreadPoolExecutor(max_workers=4) as pool:
        references = [reference for batch in pool.map(search_five, range(4)) for reference in batch]
    assert len(references) == 20
    assert len(set(references)) == 20
