"""The labelled quality set: the bounds matching must keep on a synthetic register.

One test per backend, because building the register and running the set is the slow part.
"""

from core.matching import quality
from core.matching.register_loader import load_people

PEOPLE = 6000
CASES_PER_KIND = 100


def test_quality_set_bounds(engine, departement):
    people = quality.build_register(PEOPLE, seed=11)
    cases = quality.build_cases(people, departement.aid_categories, per_kind=CASES_PER_KIND, seed=11)
    with engine.begin() as connection:
        load_people(connection, people)
    with engine.connect() as connection:
        results = quality.evaluate(connection, departement, cases)
    print(quality.confusion_table(results))

    assert {result.case.kind for result in results} == set(quality.ALL_KINDS)
    figures = quality.summary(results)
    assert figures["unknown_for_register_person"] == 0
    assert figures["wrong_automatic"] == 0
    assert figures["ambiguous_share_identity"] <= 0.01
    for result in results:
        if result.case.kind in ("absent", "same_name_other_date"):
            assert result.outcome == "unknown", result.case.fields
        if result.case.kind == "homonyms":
            assert result.outcome == "ambiguous", result.case.fields
