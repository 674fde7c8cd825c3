"""Dashboard, statistics and audit pages, and the office CSV import page."""

import csv
import io
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timedelta

import pytest
import webtest
from sqlalchemy import select

from core.accounts.models import Account
from core.audit import record_event, utcnow
from core.audit.models import AuditEvent
from core.mail.models import OutgoingMail
from core.register.models import RegisterImport, RegisterState
from tests.web.fixtures import *  # noqa: F401,F403
from tests.web.fixtures import KNOWN_PEOPLE, sign_in, submit_search


def read_csv(response):
    text = response.body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


# --- dashboard -------------------------------------------------------------------------


def test_dashboard_warns_without_import(agent_app):
    page = agent_app.get("/bureau")

    assert "aucun import du registre n'a encore réussi" in page.html.find(id="register-warning").text


def test_dashboard_fresh_register_no_warning(agent_app, register):
    page = agent_app.get("/bureau")

    assert page.html.find(id="register-warning") is None


def test_dashboard_warns_after_36_hours(agent_app, register, dbsession):
    state = dbsession.get(RegisterState, 1)
    imported = dbsession.get(RegisterImport, state.active_import_id)
    imported.finished_at = utcnow() - timedelta(hours=37)
    dbsession.commit()

    page = agent_app.get("/bureau")

    assert "plus de 36 heures" in page.html.find(id="register-warning").text


# --- statistics ------------------------------------------------------------------------


@pytest.fixture
def searched(wsgi_app, notary, register):
    app = webtest.TestApp(wsgi_app, extra_environ={"REMOTE_ADDR": "127.0.0.40"})
    sign_in(app, notary.login, notary.password, status=303)
    for outcome in ("unknown", "ambiguous", "recoverable_aid", "unknown"):
        submit_search(app, KNOWN_PEOPLE[outcome], status=303)


def test_statistics_page_chart_and_tables(agent_app, searched):
    page = agent_app.get("/bureau/statistiques")

    svg = page.html.find("svg")
    root = ElementTree.fromstring(str(svg))
    assert root.get("role") == "img"
    month = datetime.now().strftime("%Y-%m")
    assert f"{month} : 4 recherche(s)" in root.find("{http://www.w3.org/2000/svg}desc").text
    monthly = page.html.find(id="par-mois").find("table")
    current = next(row for row in monthly.find_all("tr") if month in row.text)
    assert [cell.text for cell in current.find_all(["th", "td"])] == [month, "2", "1", "0", "1", "4"]
    offices = page.html.find(id="par-office").find("table")
    assert "Étude Dupont et associés" in offices.text
    assert "Part des cas douteux (%)" in page.html.find(id="cas-douteux").text
    assert "25.0" in page.html.find(id="cas-douteux").text
    signins = page.html.find(id="connexions").find("table")
    assert month in signins.text


def test_statistics_csv_export(agent_app, searched):
    month = datetime.now().strftime("%Y-%m")
    page = agent_app.get("/bureau/statistiques")

    for link in page.html.select("a[href*='.csv']"):
        response = agent_app.get(link["href"])
        assert response.content_type == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(agent_app.get(page.html.select("#par-mois a[href*='.csv']")[0]["href"]))
    assert rows[0] == ["Mois", "Inconnu", "Aide récupérable", "Indu potentiel", "Doute en attente", "Total"]
    assert [month, "2", "1", "0", "1", "4"] in rows


def test_statistics_period_filter(agent_app, searched):
    page = agent_app.get("/bureau/statistiques", {"du": "2020-01-01", "au": "2020-03-31"})

    rows = page.html.find(id="par-mois").find("tbody").find_all("tr")
    assert [row.find("th").text for row in rows] == ["2020-01", "2020-02", "2020-03"]
    assert all(row.find_all("td")[-1].text == "0" for row in rows)


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"du": "31/02/2026"}, "du", "Date de début invalide"),
        ({"du": "2026-03-01", "au": "2026-01-01"}, "au", "doit suivre"),
        ({"du": "1990-01-01", "au": "2026-01-01"}, "au", "dix ans"),
    ],
)
def test_statistics_period_errors(agent_app, params, field, message):
    page = agent_app.get("/bureau/statistiques", params, status=400)

    assert message in page.html.find(id=f"{field}-error").text


def test_statistics_unknown_table_404(agent_app):
    agent_app.get("/bureau/statistiques/autre.csv", status=404)


# --- audit -----------------------------------------------------------------------------


def test_audit_lists_sign_ins_and_filters(admin_app, web_app, notary, dbsession):
    sign_in(webtest.TestApp(admin_app.app, extra_environ={"REMOTE_ADDR": "127.0.0.9"}), notary.login, "wrong password")

    page = admin_app.get("/bureau/audit", {"action": "sign_in.failure"})

    rows = page.html.find("tbody").find_all("tr")
    assert len(rows) == 1
    assert "69001" in rows[0].text
    assert "127.0.0.9" in rows[0].text
    assert "wrong password" not in page.text


def test_audit_filter_by_address_and_dates(admin_app, dbsession):
    old = record_event(dbsession, action="settings.change", actor="dn", details={"key": "x"})
    old.created_at = datetime(2025, 1, 2)
    old.remote_addr = "10.0.0.1"
    dbsession.commit()

    assert len(admin_app.get("/bureau/audit", {"adresse": "10.0.0.1"}).html.find("tbody").find_all("tr")) == 1
    assert len(admin_app.get("/bureau/audit", {"adresse": "10.0.0.1", "du": "03/01/2025"}).html.find("tbody").find_all("tr")) == 0
    assert len(admin_app.get("/bureau/audit", {"adresse": "10.0.0.1", "au": "2025-01-02"}).html.find("tbody").find_all("tr")) == 1
    admin_app.get("/bureau/audit", {"du": "pas une date"}, status=400)


def test_audit_csv_export_is_recorded(admin_app, dbsession):
    response = admin_app.get("/bureau/audit.csv", {"action": "sign_in.success"})

    rows = read_csv(response)
    assert rows[0][:3] == ["Date (UTC)", "Action", "Compte"]
    assert len(rows) == 2
    assert rows[1][1] == "sign_in.success"
    assert rows[1][3] == "admin@departement.example"
    assert "audit.export" in dbsession.scalars(select(AuditEvent.action)).all()


def test_audit_csv_neutralises_formulas(admin_app, dbsession):
    record_event(dbsession, action="sign_in.failure", actor="=HYPERLINK(\"x\")")
    dbsession.commit()

    rows = read_csv(admin_app.get("/bureau/audit.csv", {"action": "sign_in.failure"}))

    assert rows[1][3] == "'=HYPERLINK(\"x\")"


# --- office CSV import -------------------------------------------------------------------


def import_offices(app, content: bytes, filename="offices.csv"):
    page = app.get("/bureau/comptes/import-offices")
    form = next(form for form in page.forms.values() if "file" in form.fields)
    form["file"] = webtest.Upload(filename, content, "text/csv")
    return form.submit(expect_errors=True)


def test_office_import_creates_updates_and_reports(admin_app, notary, dbsession):
    content = (
        "CRPCEN;Nom;Adresse;Courriel\n"
        "69001;Étude Dupont et associés (nouveau nom);1 rue du Palais, 69002 Lyon;etude.69001@notaires.example\n"
        "69301;Étude des Terreaux;5 place des Terreaux, 69001 Lyon;terreaux@notaires.example\n"
        "6930;Étude sans code;Lyon;x@notaires.example\n"
    ).encode("cp1252")

    response = import_offices(admin_app, content)

    assert response.status_int == 200
    report = response.html.find(id="import-report")
    assert "1 étude(s) créée(s)" in report.text
    assert "1 étude(s) mise(s) à jour" in report.text
    assert "1 ligne(s) rejetée(s)" in report.text
    assert "5 chiffres" in report.find("table").text
    created = dbsession.scalars(select(Account).where(Account.login == "69301")).one()
    assert created.name == "Étude des Terreaux"
    assert created.password_hash is None
    dbsession.expire_all()
    assert dbsession.get(Account, notary.id).name == "Étude Dupont et associés (nouveau nom)"
    mails = dbsession.scalars(select(OutgoingMail)).all()
    assert [mail.recipients for mail in mails] == ["terreaux@notaires.example"]
    assert "/invitation/" in mails[0].body


def test_office_import_rejects_staff_login_clash(admin_app, dbsession, session_factory):
    from tests.web.fixtures import make_account

    make_account(session_factory, role="agent", login="69777", password="x" * 16, email="a@departement.example")

    response = import_offices(admin_app, b"69777;Etude;Lyon;e@notaires.example\n")

    assert "compte du Département" in response.html.find(id="import-report").text


def test_office_import_unusable_file(admin_app):
    response = import_offices(admin_app, b"")

    assert response.status_int == 400
    assert "Le fichier est vide" in response.html.find(id="file-error").text


# --- language ----------------------------------------------------------------------------


def test_back_office_in_english(admin_app, searched):
    admin_app.get("/langue/en", {"retour": "/bureau"}, status=303)

    dashboard = admin_app.get("/bureau")
    statistics = admin_app.get("/bureau/statistiques")

    assert "<h1>Dashboard</h1>" in dashboard.text
    assert "Doubtful cases pending" in dashboard.text
    assert "Searches per month and answer" in statistics.text
    assert "Share of doubtful cases (%)" in statistics.text
    assert "Recoverable aid" in str(statistics.html.find("svg"))
