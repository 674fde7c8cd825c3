import json

from core.connectors.records import PartialDate
from core.matching import compare, quality
from core.matching.candidates import CandidateRow
from core.matching.dates import typo_variants
from core.matching.engine import NormalizedQuery, assess, verdict_of
from core.matching.compare import EXACT, MISMATCH, PARTIAL, TYPO, PartComparison


def test_surnames_either_field_matches():
    assert compare.compare_surnames(["DUPONT"], "MARTIN", "DUPONT").level == EXACT
    assert compare.compare_surnames(["MARTIN"], "MARTIN", "DUPONT").level == EXACT


def test_surname_compound_of_both_names_is_exact():
    assert compare.compare_surnames(["MARTIN DUPONT"], "MARTIN", "DUPONT").level == EXACT


def test_surname_one_letter_is_typo():
    for typed in ("MARTN", "MARTTIN", "MARTIM", "MATRIN"):
        assert compare.compare_surnames([typed], "MARTIN", None).level == TYPO, typed


def test_surname_other_name_is_mismatch():
    assert compare.compare_surnames(["DURAND"], "MARTIN", "DUPONT").level == MISMATCH


def test_surname_part_of_compound_is_partial():
    assert compare.compare_surnames(["MARTIN"], "MARTIN-DURAND", None).level == PARTIAL


def test_given_names_subset_and_order():
    stored = ["MARIE", "LOUISE", "JEANNE"]
    assert compare.compare_given_names(["LOUISE"], stored).level == EXACT
    assert compare.compare_given_names(["MARIE", "LOUISE"], stored).level == EXACT
    assert compare.compare_given_names(["JEANNE", "MARIE", "LOUISE"], stored).same


def test_given_names_glued_compound():
    assert compare.compare_given_names(["JEANPIERRE"], ["JEAN", "PIERRE"]).same


def test_given_names_overlap_is_mismatch():
    assert compare.compare_given_names(["MARIE", "CLAIRE"], ["MARIE", "LOUISE"]).level == MISMATCH


def test_given_names_short_names_not_typos():
    assert compare.compare_given_names(["LEA"], ["LEO"]).level == MISMATCH


def test_dates_levels():
    typed = PartialDate(1931, 5, 17)
    assert compare.compare_birth_dates(typed, 1931, 5, 17).level == EXACT
    assert compare.compare_birth_dates(typed, 1931, 5, 18).level == TYPO
    assert compare.compare_birth_dates(PartialDate(1931, 5, 12), 1931, 12, 5).level == TYPO
    assert compare.compare_birth_dates(typed, 1931, 0, 0).level == PARTIAL
    assert compare.compare_birth_dates(PartialDate(1931), 1931, 5, 17).level == PARTIAL
    assert compare.compare_birth_dates(typed, 1936, 8, 2).level == MISMATCH


def test_typo_variants_are_valid_and_one_typo_away():
    variants = typo_variants(PartialDate(1931, 5, 12))
    assert (1931, 12, 5) in variants
    assert (1931, 5, 13) in variants
    assert (1981, 5, 12) in variants
    assert (1931, 5, 12) not in variants
    assert all(1 <= month <= 12 for _, month, _ in variants)


def _parts(names, first_names, date, same=True, within=True, date_code=""):
    return {
        "names": PartComparison(names, 100, ""),
        "first_names": PartComparison(first_names, 100, "", same=same, within=within),
        "birth_date": PartComparison(date, 100, "", code=date_code),
    }


def test_verdict_rules():
    assert verdict_of(_parts(EXACT, EXACT, EXACT)) == "match"
    assert verdict_of(_parts(TYPO, EXACT, EXACT)) == "possible"
    assert verdict_of(_parts(EXACT, EXACT, TYPO, same=False)) == "rejected"
    assert verdict_of(_parts(EXACT, EXACT, PARTIAL, same=False)) == "possible"
    assert verdict_of(_parts(EXACT, EXACT, PARTIAL, same=False, within=False, date_code="register_partial")) == "rejected"
    assert verdict_of(_parts(EXACT, EXACT, PARTIAL, same=False, within=False, date_code="query_partial")) == "possible"
    assert verdict_of(_parts(PARTIAL, EXACT, EXACT, same=False, within=False)) == "rejected"
    assert verdict_of(_parts(TYPO, EXACT, TYPO)) == "rejected"
    assert verdict_of(_parts(EXACT, MISMATCH, EXACT)) == "rejected"


def test_normalized_query_merges_fields():
    query = NormalizedQuery.from_fields("Dupont ép. Martin", "martin", "Jean-Pierre", PartialDate(1931))
    assert query.surnames == ["DUPONT", "MARTIN"]
    assert query.given_names == ["JEAN", "PIERRE"]


def test_reasons_json_matches_json_dumps(departement):
    """The batch writes reasons_json() where a single search stores reasons(): same text."""
    people = quality.build_register(200, seed=3)
    cases = quality.build_cases(people, departement.aid_categories, per_kind=3, seed=3)
    typed_queries = [NormalizedQuery.from_fields("MARTIN", None, "Marie Louise", PartialDate(1931, 5, 17))]
    for case in cases[:20]:
        fields = case.fields
        typed_queries.append(NormalizedQuery.from_fields(
            fields.get("usage_name"), fields.get("birth_name"), fields["first_names"], PartialDate(1931, 5, 17),
        ))

    compared = 0
    for number, person in enumerate(people):
        born = person["birth_date"]
        row = CandidateRow(
            number, person["person_id"], person["usage_name"], person["birth_name"], person["first_names"],
            compare.fold(person["first_names"]), None, born.year, born.month, born.day,
        )
        for typed in typed_queries:
            item = assess(typed, row)
            assert item.reasons_json() == json.dumps(item.reasons())
            compared += 1
    assert compared > 1000
