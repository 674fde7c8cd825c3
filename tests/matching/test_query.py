import datetime

import pytest

from core.connectors.records import PartialDate
from core.search.query import QueryError, parse_query

TODAY = datetime.date(2026, 1, 15)


def _parse(**fields):
    base = {"usage_name": "Martin", "first_names": "Marie", "birth_date": "17/05/1931"}
    base.update(fields)
    return parse_query(base, today=TODAY)


@pytest.mark.parametrize("text, expected", [
    ("17/05/1931", PartialDate(1931, 5, 17)),
    ("1931-05-17", PartialDate(1931, 5, 17)),
    ("17.05.1931", PartialDate(1931, 5, 17)),
    ("00/00/1931", PartialDate(1931)),
    ("00/05/1931", PartialDate(1931, 5)),
    ("1931", PartialDate(1931)),
])
def test_birth_date_forms(text, expected):
    assert _parse(birth_date=text).birth_date == expected


@pytest.mark.parametrize("fields, field, words", [
    ({"usage_name": "", "birth_name": " "}, "usage_name", "nom"),
    ({"first_names": " , "}, "first_names", "prénom"),
    ({"birth_date": ""}, "birth_date", "date de naissance"),
    ({"birth_date": "31/02/1931"}, "birth_date", "impossible"),
    ({"birth_date": "17/13/1931"}, "birth_date", "mois 13"),
    ({"birth_date": "hier"}, "birth_date", "illisible"),
    ({"birth_date": "1700"}, "birth_date", "avant"),
    ({"birth_date": "2027"}, "birth_date", "futur"),
    ({"death_date": "1931"}, "death_date", "complète"),
    ({"death_date": "01/01/1920"}, "death_date", "avant la date de naissance"),
    ({"usage_name": "X" * 201}, "usage_name", "trop long"),
])
def test_invalid_fields_are_reported(fields, field, words):
    with pytest.raises(QueryError) as raised:
        _parse(**fields)
    assert field in raised.value.errors
    assert words in raised.value.errors[field]


def test_every_error_is_listed():
    with pytest.raises(QueryError) as raised:
        parse_query({"usage_name": "", "first_names": "", "birth_date": ""}, today=TODAY)
    assert set(raised.value.errors) == {"usage_name", "first_names", "birth_date"}


def test_birth_name_alone_is_enough():
    query = _parse(usage_name="", birth_name="Dupont")
    assert query.usage_name is None
    assert query.birth_name == "Dupont"
