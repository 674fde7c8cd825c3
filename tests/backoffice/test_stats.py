"""Statistics queries: months, offices, doubtful cases, sign-ins."""

from datetime import date, datetime

from core.accounts.models import ROLE_NOTARY, SYSTEM_NAME, Account
from core.accounts.service import system_account_id
from core.audit import record_event
from core.backoffice.models import CaseDecision
from core.backoffice.stats import (
    Period,
    default_period,
    doubtful_cases,
    searches_by_month,
    searches_by_office,
    sign_ins_by_month,
)

PERIOD = Period(date(2026, 1, 1), date(2026, 3, 31))


def test_period_months_cross_year():
    assert Period(date(2025, 11, 20), date(2026, 2, 1)).months() == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_default_period_is_twelve_months():
    assert default_period(date(2026, 12, 4)) == Period(date(2026, 1, 1), date(2026, 12, 4))
    assert default_period(date(2026, 3, 10)) == Period(date(2025, 4, 1), date(2026, 3, 10))


def test_searches_by_month_counts_outcomes(dbsession, make_search):
    make_search(created_at=datetime(2026, 1, 5), outcome="unknown", status="answered")
    make_search(created_at=datetime(2026, 1, 31, 23, 59), outcome="unknown", status="answered")
    make_search(created_at=datetime(2026, 3, 2), outcome="recoverable_aid", status="answered")
    make_search(created_at=datetime(2026, 3, 3), outcome="ambiguous")
    make_search(created_at=datetime(2026, 4, 1), outcome="unknown", status="answered")

    table = searches_by_month(dbsession, PERIOD)

    assert table.headers == ["Mois", "Inconnu", "Aide récupérable", "Indu potentiel", "Doute en attente", "Total"]
    assert table.rows == [
        ["2026-01", 2, 0, 0, 0, 2],
        ["2026-02", 0, 0, 0, 0, 0],
        ["2026-03", 0, 1, 0, 1, 2],
    ]


def test_searches_by_office_busiest_first(dbsession, make_search, new_account):
    first = new_account(ROLE_NOTARY, login="69001", name="Étude A")
    second = new_account(ROLE_NOTARY, login="69002", name="Étude B", email="b@example.fr")
    make_search(created_at=datetime(2026, 2, 1), outcome="unknown", status="answered", account=first)
    for _ in range(2):
        make_search(created_at=datetime(2026, 2, 1), outcome="possible_overpayment", status="answered", account=second)
    make_search(created_at=datetime(2026, 2, 1), outcome="unknown", status="answered")

    table = searches_by_office(dbsession, PERIOD)

    assert table.rows[0] == ["69002", "Étude B", 0, 0, 2, 0, 2]
    assert ["69001", "Étude A", 1, 0, 0, 0, 1] in table.rows
    assert ["—", "Sans compte (ligne de commande)", 1, 0, 0, 0, 1] in table.rows


def test_searches_by_office_system_account(dbsession, make_search):
    system = dbsession.get(Account, system_account_id(dbsession))
    make_search(created_at=datetime(2026, 2, 1), outcome="unknown", status="answered", account=system)

    table = searches_by_office(dbsession, PERIOD)

    # The system account's login is no CRPCEN code.
    assert table.rows == [["—", SYSTEM_NAME, 1, 0, 0, 0, 1]]


def test_doubtful_cases_share_and_waits(dbsession, make_search):
    settled = make_search(created_at=datetime(2026, 2, 1, 8, 0), outcome="unknown", status="answered")
    dbsession.add(CaseDecision(search_id=settled.id, none_matches=True, outcome="unknown",
                               decided_at=datetime(2026, 2, 1, 14, 0)))
    make_search(created_at=datetime(2026, 3, 30, 12, 0))
    make_search(created_at=datetime(2026, 2, 2), outcome="unknown", status="answered")
    make_search(created_at=datetime(2026, 2, 3), outcome="unknown", status="answered")
    dbsession.commit()

    table = dict(doubtful_cases(dbsession, PERIOD, now=datetime(2026, 3, 31, 12, 0)).rows)

    assert table["Recherches"] == 4
    assert table["Cas douteux"] == 2
    assert table["Part des cas douteux (%)"] == "50.0"
    assert table["Cas tranchés"] == 1
    assert table["Attente médiane avant décision (heures)"] == "6.0"
    assert table["Cas en attente"] == 1
    assert table["Attente du plus ancien cas en attente (heures)"] == "24.0"


def test_doubtful_cases_empty_period(dbsession):
    table = dict(doubtful_cases(dbsession, PERIOD, now=datetime(2026, 3, 31)).rows)

    assert table["Recherches"] == 0
    assert table["Part des cas douteux (%)"] == "—"


def test_sign_ins_by_month(dbsession):
    for action, created_at in [
        ("sign_in.success", datetime(2026, 1, 3)),
        ("sign_in.success", datetime(2026, 1, 4)),
        ("sign_in.failure", datetime(2026, 2, 4)),
        ("search", datetime(2026, 2, 4)),
    ]:
        record_event(dbsession, action=action).created_at = created_at
    dbsession.commit()

    table = sign_ins_by_month(dbsession, PERIOD)

    assert table.rows == [["2026-01", 2, 0], ["2026-02", 0, 1], ["2026-03", 0, 0]]
