"""Fixtures of the matching and search tests: a small register written straight to the database."""

import datetime

import pytest

from core.connectors.records import PartialDate
from core.matching.register_loader import load_people
from core.settings import load_departement
from tests.conftest import REPO_ROOT


def person(ref, usage, birth, first_names, born, aids=(), sex="F"):
    """Return a register person dict like core.sampledata.generate_people yields."""
    return {
        "person_id": ref,
        "usage_name": usage,
        "birth_name": birth,
        "first_names": first_names,
        "sex": sex,
        "birth_date": born if isinstance(born, PartialDate) else PartialDate(*born),
        "aids": [
            {"code": code, "label": None, "start": datetime.date(2015, 1, 1), "end": end}
            for code, end in aids
        ],
    }


REGISTER = [
    person("R1", "MARTIN", "DUPONT", "Marie Louise Jeanne", (1931, 5, 17), [("ASH_PA", None)]),
    person("R2", "D'ALMEIDA", "D'ALMEIDA", "Jean-Pierre", (1940, 3, 2), [("APA_DOMICILE", None)], sex="M"),
    person("R3", "LŒUILLET", "", "Françoise", (1935, 11, 8), [("APA_DOMICILE", datetime.date(2020, 1, 31))]),
    person("R4", "DE LA FONTAINE", "DE LA FONTAINE", "Henri", (1928, 7, 21), [("RSA", None)], sex="M"),
    # Homonyms: same names, same birth date.
    person("R5", "BERNARD", "BERNARD", "Paul", (1945, 2, 14), [("ASH_PA", None)], sex="M"),
    person("R6", "BERNARD", "BERNARD", "Paul", (1945, 2, 14), [], sex="M"),
    # Partial birth date in the register.
    person("R7", "GARNIER", "GARNIER", "Lucien", PartialDate(1929), [("ASH_PA", None)], sex="M"),
    person("R8", "CHEVALLIER", "MOREAU", "Simone Odette", (1933, 12, 3), [("PCH", None), ("AIDE_MENAGERE", datetime.date(2019, 5, 1))]),
]


@pytest.fixture
def departement():
    return load_departement(REPO_ROOT / "config" / "departements" / "demo.toml")


@pytest.fixture
def register(engine):
    """The small REGISTER above, active; returns its import id."""
    with engine.begin() as connection:
        return load_people(connection, REGISTER)
