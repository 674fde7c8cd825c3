"""Fixtures of the back-office tests: accounts of each role in the test database."""

import pytest
from argon2 import PasswordHasher

from core.accounts.models import ROLE_ADMIN, ROLE_AGENT, ROLE_NOTARY
from core.accounts.service import create_account

STAFF_PASSWORD = "mot-de-passe-du-personnel"
NOTARY_PASSWORD = "mot-de-passe-de-l-etude"


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Hash passwords with the cheapest Argon2 parameters in these tests.

    The production parameters take about half a second per hash on a loaded 2-core
    machine, and every back-office test creates and signs in several accounts. The
    hashes stay real Argon2 hashes, verified by the same code.
    """
    from core.accounts import passwords

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def new_account(dbsession):
    """Create and commit an account of ``role``; return it."""

    def make(role=ROLE_AGENT, login=None, **values):
        defaults = {
            ROLE_NOTARY: ("69001", "Étude Martin", "etude.martin@example.fr", NOTARY_PASSWORD),
            ROLE_AGENT: ("agent@departement.example.fr", "Alex Agent", "agent@departement.example.fr", STAFF_PASSWORD),
            ROLE_ADMIN: ("admin@departement.example.fr", "Ada Admin", "admin@departement.example.fr", STAFF_PASSWORD),
        }[role]
        account = create_account(
            dbsession,
            role=role,
            login=login or defaults[0],
            name=values.pop("name", defaults[1]),
            email=values.pop("email", defaults[2]),
            password=values.pop("password", defaults[3]),
        )
        for key, value in values.items():
            setattr(account, key, value)
        dbsession.commit()
        return account

    return make


@pytest.fixture
def make_search(dbsession):
    """Create and commit a search with candidates; return it."""
    from datetime import date, datetime

    from core.search.models import Search, SearchCandidate

    counter = iter(range(1, 10_000))

    def make(created_at=None, outcome="ambiguous", status="pending_review", account=None, candidates=2, **values):
        number = next(counter)
        search = Search(
            reference=f"DN-TEST-{number:06d}",
            created_at=created_at or datetime(2026, 1, 15, 10, 0),
            account_id=account.id if account is not None else None,
            channel="web",
            file_reference=values.pop("file_reference", "Succession Dupont"),
            usage_name=values.pop("usage_name", "DUPONT"),
            birth_name=values.pop("birth_name", "MARTIN"),
            first_names=values.pop("first_names", "Jeanne Marie"),
            birth_date=values.pop("birth_date", "02/03/1931"),
            death_date=values.pop("death_date", date(2025, 12, 1)),
            death_place=values.pop("death_place", "Lyon"),
            outcome=outcome,
            status=status,
            **values,
        )
        for rank in range(candidates):
            search.candidates.append(
                SearchCandidate(
                    rank=rank,
                    person_id=100 + rank,
                    person_ref=f"P{100 + rank}",
                    verdict="possible",
                    score=0.9 - rank / 10,
                    reasons={},
                    snapshot={"usage_name": "DUPOND", "first_names": "Jeanne", "aids": []},
                )
            )
        dbsession.add(search)
        dbsession.commit()
        return search

    return make
