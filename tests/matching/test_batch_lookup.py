"""The chunk lookups of ``dn search --batch`` find the same people as a single search.

The batch looks up a whole chunk at once: four statements on SQLite, one on
PostgreSQL. A single search runs its own statements. Both must find the same
candidates, and so give the same decisions, on every kind of labelled variation.
"""

from core.matching import quality
from core.matching.candidates import PERSON_COLUMNS, CandidateRow, fetch_candidates
from core.matching.compare import MISMATCH, compare_birth_dates
from core.matching.dates import year_typo_variants
from core.matching.engine import VERDICT_REJECTED, NormalizedQuery, assess, decide
from core.matching.register_loader import load_people
from core.search.batch import BatchSearcher
from core.search.query import parse_query

PEOPLE = 3000
CASES_PER_KIND = 30


def normalized_cases(departement):
    people = quality.build_register(PEOPLE, seed=23)
    cases = quality.build_cases(people, departement.aid_categories, per_kind=CASES_PER_KIND, seed=23)
    fields = [case.fields for case in cases] + swapped_with_typo(people)
    queries = []
    for typed in fields:
        query = parse_query(typed)
        queries.append(NormalizedQuery.from_fields(query.usage_name, query.birth_name, query.first_names, query.birth_date))
    return people, queries


def swapped_with_typo(people, count=30):
    """Return queries with a surname typo and day and month swapped: only the date lookup finds them."""
    fields = []
    for person in people:
        born = person["birth_date"]
        if born.is_complete and born.day <= 12 and born.day != born.month and len(person["usage_name"]) > 3:
            surname = person["usage_name"][:-1] + ("A" if person["usage_name"][-1] != "A" else "E")
            fields.append({
                "usage_name": surname,
                "first_names": person["first_names"],
                "birth_date": f"{born.month:02d}/{born.day:02d}/{born.year:04d}",
            })
        if len(fields) == count:
            break
    return fields


def by_id(row):
    return row.id


def test_chunk_lookup_same_candidates(engine, departement):
    people, queries = normalized_cases(departement)
    with engine.begin() as connection:
        load_people(connection, people)

    with engine.connect() as connection:
        searcher = BatchSearcher(connection, departement)
        together = searcher.fetch(queries)
        cursor = connection.connection.driver_connection.cursor()
        alone = [fetch_candidates(cursor, searcher._plan_of(query), pyformat=searcher._pyformat) for query in queries]
        cursor.close()

    assert any(together), "the cases found no one: the comparison would prove nothing"
    for query, chunk_people, single_people in zip(queries, together, alone):
        assert sorted(chunk_people, key=by_id) == sorted(single_people, key=by_id), query
        chunk_result = decide(query, chunk_people)
        single_result = decide(query, single_people)
        assert chunk_result.decision == single_result.decision, query
        assert [item.person.id for item in chunk_result.candidates] == [item.person.id for item in single_result.candidates]


def test_chunk_lookup_empty_chunk(engine, departement):
    with engine.begin() as connection:
        load_people(connection, quality.build_register(10, seed=5))
    with engine.connect() as connection:
        assert BatchSearcher(connection, departement).fetch([]) == []


def test_each_chunk_reads_active_generation(engine, departement):
    from sqlalchemy import select

    from core.search.models import Search

    people = quality.build_register(50, seed=5)
    with engine.begin() as connection:
        first = load_people(connection, people)
    row = {"query_id": "1", "last_name": people[0]["usage_name"], "birth_name": "",
           "first_names": people[0]["first_names"], "birth_date": str(people[0]["birth_date"]), "death_date": ""}

    with engine.connect() as connection:
        searcher = BatchSearcher(connection, departement, chunk_size=1)
        results = iter(searcher.run([row, dict(row, query_id="2")]))
        next(results)
        # An import activates a new generation between two chunks of the same batch.
        with engine.begin() as other:
            second = load_people(other, people)
        next(results)

    with engine.connect() as connection:
        generations = connection.execute(select(Search.import_id).order_by(Search.id)).scalars().all()
    assert generations == [first, second]


def test_lookups_find_every_person_matching_would_keep(engine, departement):
    """No register person that matching would keep is missed by the indexed lookups."""
    people, queries = normalized_cases(departement)
    with engine.begin() as connection:
        load_people(connection, people)
    with engine.connect() as connection:
        found = BatchSearcher(connection, departement).fetch(queries)
        register = [CandidateRow(*row) for row in connection.exec_driver_sql(f"SELECT {PERSON_COLUMNS} FROM person p")]

    by_year = {}
    for person in register:
        by_year.setdefault(person.birth_year, []).append(person)
    checked = 0
    for query, people_found in zip(queries, found):
        # Any person kept has the typed birth year or a year one digit away (see compare).
        years = {query.birth.year, *year_typo_variants(query.birth.year)}
        # A person whose birth date is a mismatch is rejected: assess only the others.
        nearby = [
            person for year in years for person in by_year.get(year, ())
            if compare_birth_dates(query.birth, person.birth_year, person.birth_month, person.birth_day).level != MISMATCH
        ]
        kept_ids = {person.id for person in nearby if assess(query, person).verdict != VERDICT_REJECTED}
        assert kept_ids <= {person.id for person in people_found}, query
        checked += len(kept_ids)
    assert checked > len(queries) / 2, "too few people kept: the check would prove little"
