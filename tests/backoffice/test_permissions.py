"""Every back-office view, tried by an anonymous user, a notary, an agent and an administrator."""

import pytest
import webtest

from tests.web.fixtures import *  # noqa: F401,F403
from tests.web.fixtures import sign_in

# (method, path, lowest role allowed): "agent" views are open to administrators too.
VIEWS = [
    ("GET", "/bureau", "agent"),
    ("GET", "/bureau/double-authentification", "agent"),
    ("POST", "/bureau/double-authentification", "agent"),
    ("GET", "/bureau/cas", "agent"),
    ("GET", "/bureau/cas/DN-2026-000001", "agent"),
    ("POST", "/bureau/cas/DN-2026-000001", "agent"),
    ("POST", "/bureau/cas/DN-2026-000001/note", "agent"),
    ("GET", "/bureau/statistiques", "agent"),
    ("GET", "/bureau/statistiques/recherches-par-mois.csv", "agent"),
    ("GET", "/bureau/comptes", "admin"),
    ("GET", "/bureau/comptes/nouveau", "admin"),
    ("POST", "/bureau/comptes/nouveau", "admin"),
    ("GET", "/bureau/comptes/import-offices", "admin"),
    ("POST", "/bureau/comptes/import-offices", "admin"),
    ("GET", "/bureau/comptes/1", "admin"),
    ("POST", "/bureau/comptes/1", "admin"),
    ("POST", "/bureau/comptes/1/activation", "admin"),
    ("POST", "/bureau/comptes/1/invitation", "admin"),
    ("POST", "/bureau/comptes/1/double-authentification", "admin"),
    ("GET", "/bureau/imports", "admin"),
    ("POST", "/bureau/imports", "admin"),
    ("GET", "/bureau/imports/1/lignes-rejetees.csv", "admin"),
    ("GET", "/bureau/audit", "admin"),
    ("GET", "/bureau/audit.csv", "admin"),
    ("GET", "/bureau/courriers", "admin"),
    ("GET", "/bureau/courriers/unknown.pdf", "admin"),
]
ALLOWED = {"agent": {"agent", "admin"}, "admin": {"admin"}}


def request(app, method, path, status):
    if method == "GET":
        return app.get(path, status=status)
    # A real CSRF token, so that the permission check is what decides.
    token = app.get("/connexion").maybe_follow().html.find("input", attrs={"name": "csrf_token"})["value"]
    return app.post(path, {"csrf_token": token}, status=status)


@pytest.fixture
def apps(wsgi_app, notary, agent, admin):
    result = {"anonymous": webtest.TestApp(wsgi_app, extra_environ={"REMOTE_ADDR": "127.0.0.20"})}
    for index, account in enumerate((notary, agent, admin)):
        app = webtest.TestApp(wsgi_app, extra_environ={"REMOTE_ADDR": f"127.0.0.{21 + index}"})
        sign_in(app, account.login, account.password, status=303)
        result[account.role] = app
    return result


def test_every_view_checks_role(apps):
    for method, path, lowest in VIEWS:
        anonymous = request(apps["anonymous"], method, path, status="*")
        if method == "GET":
            assert anonymous.status_int == 303, (method, path)
            assert "/connexion" in anonymous.location, (method, path)
        else:
            assert anonymous.status_int in (303, 403), (method, path)

        assert request(apps["notary"], method, path, status="*").status_int == 403, (method, path)

        for role in ("agent", "admin"):
            status = request(apps[role], method, path, status="*").status_int
            if role in ALLOWED[lowest]:
                assert status != 403, (role, method, path)
            else:
                assert status == 403, (role, method, path)


def test_navigation_shows_allowed_links(apps):
    notary_links = {link.text.strip() for link in apps["notary"].get("/recherche").html.select("nav.main-nav a")}
    agent_links = {link.text.strip() for link in apps["agent"].get("/bureau").html.select("nav.main-nav a")}
    admin_links = {link.text.strip() for link in apps["admin"].get("/bureau").html.select("nav.main-nav a")}

    assert "Cas douteux" not in notary_links
    assert {"Tableau de bord", "Cas douteux", "Statistiques"} <= agent_links
    assert "Comptes" not in agent_links
    assert {"Comptes", "Imports", "Audit", "Courriers"} <= admin_links


def test_staff_lands_on_dashboard(wsgi_app, agent):
    app = webtest.TestApp(wsgi_app, extra_environ={"REMOTE_ADDR": "127.0.0.30"})

    response = sign_in(app, agent.login, agent.password, status=303)

    assert response.location.endswith("/bureau")
