"""The TOTP step of staff sign-ins: verification, enrolment, failures, expiry."""

import time

import pyotp
import pytest
import webtest
from sqlalchemy import select

from core.accounts.models import Account
from core.audit.models import AuditEvent
from tests.web.fixtures import *  # noqa: F401,F403
from tests.web.fixtures import STAFF_PASSWORD, make_account, sign_in


def form_with(page, field):
    return next(form for form in page.forms.values() if field in form.fields)


def fresh_app(wsgi_app, address="127.0.0.50"):
    return webtest.TestApp(wsgi_app, extra_environ={"REMOTE_ADDR": address})


@pytest.fixture
def enrolled_agent(session_factory):
    return make_account(session_factory, role="agent", login="totp.agent@departement.example",
                        password=STAFF_PASSWORD, email="totp.agent@departement.example",
                        name="Agent TOTP", totp_secret=pyotp.random_base32())


def secret_of(dbsession, account_id):
    dbsession.expire_all()
    return dbsession.get(Account, account_id).totp_secret


def test_enrolled_agent_needs_code(wsgi_app, enrolled_agent, dbsession):
    app = fresh_app(wsgi_app)

    response = sign_in(app, enrolled_agent.login, enrolled_agent.password, status=303)

    assert response.location.endswith("/connexion/verification")
    app.get("/bureau", status=303)  # not signed in yet
    page = response.follow()
    form = form_with(page, "code")
    form["code"] = pyotp.TOTP(secret_of(dbsession, enrolled_agent.id)).now()
    assert form.submit(status=303).location.endswith("/bureau")
    app.get("/bureau", status=200)
    success = dbsession.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in.success")).one()
    assert success.details == {"second_factor": True}


def test_wrong_code_rejected_then_locked_out(wsgi_app, enrolled_agent, dbsession):
    app = fresh_app(wsgi_app)
    page = sign_in(app, enrolled_agent.login, enrolled_agent.password, status=303).follow()

    for attempt in range(4):
        form = form_with(page, "code")
        form["code"] = "000000"
        page = form.submit(status=400)
        assert "Code incorrect" in page.html.find(id="code-error").text
    form = form_with(page, "code")
    form["code"] = "000000"
    response = form.submit(status=303)

    assert response.location.endswith("/connexion")
    assert "Trop de codes incorrects" in response.follow().text
    app.get("/connexion/verification", status=303)
    failures = dbsession.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in.second_factor_failure")).all()
    assert len(failures) == 5


def test_code_reuse_rejected(wsgi_app, enrolled_agent, dbsession):
    code = pyotp.TOTP(secret_of(dbsession, enrolled_agent.id)).now()
    first = fresh_app(wsgi_app, "127.0.0.51")
    form = form_with(sign_in(first, enrolled_agent.login, enrolled_agent.password, status=303).follow(), "code")
    form["code"] = code
    form.submit(status=303)

    second = fresh_app(wsgi_app, "127.0.0.52")
    form = form_with(sign_in(second, enrolled_agent.login, enrolled_agent.password, status=303).follow(), "code")
    form["code"] = code

    assert form.submit(status=400).html.find(id="code-error") is not None


def test_required_totp_enrols_at_sign_in(wsgi_app, agent, dbsession):
    account = dbsession.get(Account, agent.id)
    account.totp_required = True
    dbsession.commit()
    app = fresh_app(wsgi_app)

    page = sign_in(app, agent.login, agent.password, status=303).follow()

    secret = page.html.find(id="totp-secret").text
    assert page.html.find(id="totp-uri")["href"].startswith("otpauth://totp/")
    form = form_with(page, "code")
    form["code"] = pyotp.TOTP(secret).now()
    form.submit(status=303)
    assert secret_of(dbsession, agent.id) == secret
    assert "totp.enrol" in dbsession.scalars(select(AuditEvent.action)).all()


def test_pending_step_expires(wsgi_app, enrolled_agent, monkeypatch):
    from core.backoffice.views import second_factor

    app = fresh_app(wsgi_app)
    sign_in(app, enrolled_agent.login, enrolled_agent.password, status=303).follow()
    started = time.time()
    monkeypatch.setattr(second_factor.time, "time", lambda: started + second_factor.PENDING_LIFETIME + 1)

    response = app.get("/connexion/verification", status=303)

    assert response.location.endswith("/connexion")


def test_verification_page_without_password_step(wsgi_app):
    response = fresh_app(wsgi_app).get("/connexion/verification", status=303)

    assert response.location.endswith("/connexion")


def test_agent_enrols_from_back_office(agent_app, agent, dbsession):
    page = agent_app.get("/bureau/double-authentification")
    secret = page.html.find(id="totp-secret").text
    form = form_with(page, "code")
    form["code"] = "123456" if pyotp.TOTP(secret).now() != "123456" else "654321"
    form.submit(status=400)

    form = form_with(agent_app.get("/bureau/double-authentification"), "code")
    form["code"] = pyotp.TOTP(secret).now()
    page = form.submit(status=303).follow()

    assert "est activée" in page.text
    assert secret_of(dbsession, agent.id) == secret
    # From now on the password alone does not open a session.
    other = fresh_app(agent_app.app, "127.0.0.53")
    assert sign_in(other, agent.login, agent.password, status=303).location.endswith("/connexion/verification")
