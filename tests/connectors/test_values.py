"""Cell parsers shared by the connectors: dates, partial dates, sex codes."""

import datetime

import pytest

from core.connectors.records import ExtractionError, PartialDate
from core.connectors.values import (
    InvalidValue,
    cell_text,
    compile_date_format,
    first_day,
    last_day,
    parse_partial_date,
    parse_sex,
)

AUTO = compile_date_format("auto")
DAY_FIRST = compile_date_format("%d/%m/%Y")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1931-05-02", PartialDate(1931, 5, 2)),
        ("02/05/1931", PartialDate(1931, 5, 2)),
        ("2/5/1931", PartialDate(1931, 5, 2)),
        ("00/00/1931", PartialDate(1931, 0, 0)),
        ("00/05/1931", PartialDate(1931, 5, 0)),
        ("1931-00-00", PartialDate(1931, 0, 0)),
        ("1931-05-00", PartialDate(1931, 5, 0)),
        ("1931", PartialDate(1931, 0, 0)),
        ("  1931-05-02 ", PartialDate(1931, 5, 2)),
        ("1931-05-02 00:00:00", PartialDate(1931, 5, 2)),
        ("1931-05-02T10:30", PartialDate(1931, 5, 2)),
        ("29/02/1928", PartialDate(1928, 2, 29)),
        # A day without its month is dropped: only the year can be compared.
        ("15/00/1931", PartialDate(1931, 0, 0)),
        ("", None),
        (None, None),
        ("0000-00-00", None),
        ("00/00/0000", None),
    ],
)
def test_auto_date_format_reads(text, expected):
    assert parse_partial_date(text, AUTO, "date de naissance") == expected


@pytest.mark.parametrize(
    "text, reason",
    [
        ("31/02/1940", "date de naissance impossible : « 31/02/1940 »"),
        ("29/02/1930", "date de naissance impossible : « 29/02/1930 »"),
        ("1939-13-01", "date de naissance impossible (mois 13)"),
        ("1700-01-01", "date de naissance impossible (année avant 1800)"),
        ("le 3 mars 1950", "date de naissance illisible"),
        ("05/1931", "date de naissance illisible"),
        ("1931/05/02", "date de naissance illisible"),
    ],
)
def test_impossible_dates_rejected(text, reason):
    with pytest.raises(InvalidValue) as caught:
        parse_partial_date(text, AUTO, "date de naissance")

    assert reason in str(caught.value)


def test_day_first_format_rejects_iso():
    assert parse_partial_date("02/05/1931", DAY_FIRST, "date") == PartialDate(1931, 5, 2)
    with pytest.raises(InvalidValue):
        parse_partial_date("1931-05-02", DAY_FIRST, "date")


@pytest.mark.parametrize(
    "date_format, text",
    [("%Y%m%d", "19310502"), ("%d.%m.%Y", "02.05.1931"), ("%m/%d/%Y", "05/02/1931"), ("%Y-%m-%d", "1931-05-02")],
)
def test_custom_date_formats(date_format, text):
    assert parse_partial_date(text, compile_date_format(date_format), "date") == PartialDate(1931, 5, 2)


@pytest.mark.parametrize("date_format", ["%d/%m", "%d/%m/%y", "%Y-%m-%d-%d", "jj/mm/aaaa", "", 5, None])
def test_invalid_date_format_option(date_format):
    with pytest.raises(ExtractionError, match="date_format"):
        compile_date_format(date_format)


def test_database_dates_taken_as_is():
    assert parse_partial_date(datetime.date(1931, 5, 2), DAY_FIRST, "date") == PartialDate(1931, 5, 2)
    assert parse_partial_date(datetime.datetime(1931, 5, 2, 8, 0), DAY_FIRST, "date") == PartialDate(1931, 5, 2)


def test_partial_date_bounds():
    assert first_day(PartialDate(2010, 0, 0)) == datetime.date(2010, 1, 1)
    assert first_day(PartialDate(2010, 5, 0)) == datetime.date(2010, 5, 1)
    assert last_day(PartialDate(2010, 0, 0)) == datetime.date(2010, 12, 31)
    assert last_day(PartialDate(2012, 2, 0)) == datetime.date(2012, 2, 29)
    assert last_day(PartialDate(2010, 5, 3)) == datetime.date(2010, 5, 3)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("M", "M"), ("H", "M"), ("1", "M"), (1, "M"), ("homme", "M"), ("Masculin", "M"), ("M.", "M"),
        ("F", "F"), ("2", "F"), (2, "F"), ("Féminin", "F"), ("Mme", "F"), (" f ", "F"),
        ("", None), (None, None), ("I", None), ("Indéterminé", None), ("9", None),
    ],
)
def test_sex_codes(value, expected):
    assert parse_sex(value) == expected


@pytest.mark.parametrize("value", ["Z", "3", "MF"])
def test_unknown_sex_rejected(value):
    with pytest.raises(InvalidValue, match="sexe"):
        parse_sex(value)


def test_cell_text_strips_and_converts():
    assert cell_text("  DUPONT ") == "DUPONT"
    assert cell_text(None) == ""
    assert cell_text(100001) == "100001"
