"""Fixtures of the letter and mail tests: a notary office and searches in the test database."""

from datetime import date, datetime

import pytest

from core.accounts.models import Account
from core.search.models import Search
from core.settings import load_departement
from tests.conftest import REPO_ROOT
from tests.smtp import closed_smtp_port, smtp_server, smtp_settings  # noqa: F401

DEMO_TOML = REPO_ROOT / "config" / "departements" / "demo.toml"


@pytest.fixture
def departement():
    return load_departement(DEMO_TOML)


@pytest.fixture
def office(dbsession) -> Account:
    account = Account(
        role="notary",
        login="69001",
        name="Office notarial de Maître Claire Martin",
        address="12 rue des Notaires\n69000 Lyon",
        email="etude.martin@example.fr",
    )
    dbsession.add(account)
    dbsession.commit()
    return account


@pytest.fixture
def make_search(dbsession, office):
    """Create and commit a search of ``outcome``; return it."""

    def make(outcome="unknown", **values):
        fields = {
            "created_at": datetime(2026, 12, 1, 9, 30),
            "account_id": office.id,
            "channel": "web",
            "file_reference": "SUCC/2026/45",
            "usage_name": "DUPONT",
            "birth_name": "MARTIN",
            "first_names": "Jeanne Marie",
            "birth_date": "12/03/1931",
            "death_date": date(2026, 11, 2),
            "death_place": "Lyon 3e",
            "outcome": outcome,
            "status": "pending_review" if outcome == "ambiguous" else "answered",
        }
        fields.update(values)
        search = Search(**fields)
        dbsession.add(search)
        dbsession.flush()
        search.reference = f"DN-2026-{search.id:06d}"
        dbsession.commit()
        return search

    return make
