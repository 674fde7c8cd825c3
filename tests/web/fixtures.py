"""Reusable web fixtures: the WSGI app on the test database, and signed-in accounts.

Other test packages import them in their ``conftest.py``::

    from tests.web.fixtures import *  # noqa: F401,F403

``web_app`` is a WebTest ``TestApp`` of the real application built from a copy of
``config/demo.ini`` pointing at the test database (SQLite and PostgreSQL). The account
fixtures return an ``AccountInfo`` with the id, login and password; the ``*_app``
fixtures return a ``TestApp`` already signed in as that account.
"""

from dataclasses import dataclass
from datetime import datetime

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
    """Create and commit an account; notary offices have accepted the terms unless told."""
    with session_factory() as dbsession:
        account = create_account(
            dbsession, role=role, login=login, name=name, email=email, address=address, password=password
        )
        if terms_accepted and role == ROLE_NOTARY:
            account.terms_accepted_at = utcnow()
        account.totp_secret = totp_secret
        dbsession.commit()
        return AccountInfo(account.id, account.login, password, email, role)


def sign_in(app: webtest.TestApp, login: str, password: str, status: int | str = "*"):
    """Fill in and submit the sign-in form as a user would; return the response."""
    form = app.get("/connexion").forms[0]
    form["login"] = login
    form["password"] = password
    return form.submit(status=status)


@pytest.fixture
def web_ini(demo_ini, tmp_path):
    """The test .ini; tests may append settings to it before requesting ``web_app``."""
    return demo_ini


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


def as_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value)
