"""Reusable web fixtures: the WSGI app on the test database, and signed-in accounts.

Other test packages import them in their ``conftest.py``::

    from tests.web.fixtures import *  # noqa: F401,F403

``web_app`` is a WebTest ``TestApp`` of the real application built from a copy of
``config/demo.ini`` pointing at the test database (SQLite and PostgreSQL). The account
fixtures return an ``AccountInfo`` with the id, login and password; the ``*_app``
fixtures return a ``TestApp`` already signed in as that account.
"""

from dataclasses import dataclass
from pathlib import Path

import pytest
import webtest
from pyramid.paster import get_app

from core.accounts.models import ROLE_ADMIN, ROLE_AGENT, ROLE_NOTARY, utcnow
from core.accounts.service import create_account

NOTARY_PASSWORD = "correct horse battery staple"
STAFF_PASSWORD = "agent password for tests"
ADMIN_PASSWORD = "admin password for tests"


@dataclass
class AccountInfo:
    id: int
    login: str
    password: str
    email: str
    role: str


def make_account(session_factory, *, role, login, password, email, name="Étude de test",
                 address="1 rue du Palais\n69002 Lyon", terms_accepted: bool = True,
                 totp_secret: str | None = None) -> AccountInfo:
    """Create and commit an account; a notary office has accepted the terms unless ``terms_accepted`` is False."""
    with session_factory() as dbsession:
        account = create_account(
            dbsession, role=role, login=login, name=name, email=email, address=address, password=password
        )
        if terms_accepted and role == ROLE_NOTARY:
            account.terms_accepted_at = utcnow()
        account.totp_secret = totp_secret
        dbsession.commit()
        return AccountInfo(account.id, account.login, password, email, role)


def submit_search(app: webtest.TestApp, fields: dict, status: int | str = "*"):
    """Fill in and submit the search form; return the response."""
    form = app.get("/recherche").forms["search-form"]
    for name, value in fields.items():
        form[name] = value
    return form.submit(status=status)


def sign_in(app: webtest.TestApp, login: str, password: str, status: int | str = "*"):
    """Fill in and submit the sign-in form as a user would; return the response."""
    form = app.get("/connexion").forms[0]
    form["login"] = login
    form["password"] = password
    return form.submit(status=status)


REGISTER_CSV = Path(__file__).with_name("register.csv")

# People of REGISTER_CSV and the outcome a search for each gives.
KNOWN_PEOPLE = {
    "recoverable_aid": {"usage_name": "Dupont", "birth_name": "Martin", "first_names": "Marie",
                        "birth_date": "02/05/1931", "death_date": "10/01/2026"},
    "possible_overpayment": {"usage_name": "de la Fontaine", "first_names": "Jean-Pierre",
                             "birth_date": "17/11/1938", "death_date": "10/01/2026"},
    "unknown": {"usage_name": "Leroy", "first_names": "Paul", "birth_date": "09/01/1940",
                "death_date": "10/01/2026"},
    "ambiguous": {"usage_name": "Bernard", "first_names": "Jean", "birth_date": "03/03/1945",
                  "death_date": "10/01/2026"},
}


def set_app_settings(ini_path: Path, settings: dict) -> None:
    """Add or replace ``settings`` in the ``[app:main]`` section of ``ini_path``."""
    lines = ini_path.read_text(encoding="utf-8").splitlines()
    lines = [line for line in lines if line.split("=")[0].strip() not in settings]
    index = lines.index("[app:main]") + 1
    lines[index:index] = [f"{key} = {value}" for key, value in settings.items()]
    ini_path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def import_register(engine, report_dir: Path, path: Path = REGISTER_CSV) -> None:
    """Import ``path`` through the csv_generic connector, as ``dn import`` does."""
    from core.connectors import ConnectorManager
    from core.imports.service import ImportRequest, run_import
    from core.settings import ImportThresholds

    request = ImportRequest(
        connector="csv_generic", sources=[path], options={"encoding": "utf-8", "delimiter": ";"},
        report_dir=report_dir,
    )
    run_import(engine, ConnectorManager(), request, ImportThresholds())


@pytest.fixture
def mail_folder(tmp_path) -> Path:
    return tmp_path / "mail"


@pytest.fixture
def web_ini(demo_ini, mail_folder):
    """The test .ini; outgoing mail goes to ``mail_folder`` unless a test changes it."""
    set_app_settings(demo_ini, {"mail.folder": str(mail_folder)})
    return demo_ini


@pytest.fixture
def register(engine, tmp_path):
    """The small register of REGISTER_CSV, imported into the test database."""
    import_register(engine, tmp_path)


@pytest.fixture
def wsgi_app(web_ini, engine):
    # ``engine`` empties the tables after the test.
    return get_app(str(web_ini), "main")


@pytest.fixture
def web_app(wsgi_app):
    return webtest.TestApp(wsgi_app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})


@pytest.fixture
def notary(session_factory) -> AccountInfo:
    return make_account(
        session_factory, role=ROLE_NOTARY, login="69001", password=NOTARY_PASSWORD,
        email="etude.69001@notaires.example", name="Étude Dupont et associés",
    )


@pytest.fixture
def other_notary(session_factory) -> AccountInfo:
    return make_account(
        session_factory, role=ROLE_NOTARY, login="38002", password=NOTARY_PASSWORD,
        email="etude.38002@notaires.example", name="Office notarial de Vienne",
    )


@pytest.fixture
def agent(session_factory) -> AccountInfo:
    return make_account(
        session_factory, role=ROLE_AGENT, login="agent@departement.example", password=STAFF_PASSWORD,
        email="agent@departement.example", name="Alex Agent",
    )


@pytest.fixture
def admin(session_factory) -> AccountInfo:
    return make_account(
        session_factory, role=ROLE_ADMIN, login="admin@departement.example", password=ADMIN_PASSWORD,
        email="admin@departement.example", name="Ada Admin",
    )


@pytest.fixture
def notary_app(web_app, notary):
    sign_in(web_app, notary.login, notary.password, status=303)
    return web_app


@pytest.fixture
def other_notary_app(wsgi_app, other_notary):
    app = webtest.TestApp(wsgi_app, extra_environ={"REMOTE_ADDR": "127.0.0.2"})
    sign_in(app, other_notary.login, other_notary.password, status=303)
    return app


@pytest.fixture
def agent_app(web_app, agent):
    sign_in(web_app, agent.login, agent.password, status=303)
    return web_app


@pytest.fixture
def admin_app(web_app, admin):
    sign_in(web_app, admin.login, admin.password, status=303)
    return web_app
