"""Sign-in, lockout, throttling, sign-out, sessions, CSRF and security headers."""

import time
from datetime import timedelta

import webtest
from sqlalchemy import select

from core.accounts import throttle
from core.accounts.models import Account, SignInThrottle, utcnow
from core.audit.models import AuditEvent
from tests.web.fixtures import sign_in

GENERIC_FAILURE = "Identifiant ou mot de passe incorrect"


def audit_actions(session_factory) -> list[str]:
    with session_factory() as dbsession:
        return list(dbsession.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_sign_in_page_is_french_and_labelled(web_app):
    page = web_app.get("/connexion")
    assert '<html' in page.text
    assert 'lang="fr"' in page.text
    assert "<title>Connexion" in page.text
    assert '<label for="login">' in page.text
    assert '<label for="password">' in page.text


def test_notary_signs_in_and_lands_on_search(web_app, notary, session_factory):
    response = sign_in(web_app, notary.login, notary.password, status=303)
    assert response.location.endswith("/recherche")
    with session_factory() as dbsession:
        account = dbsession.get(Account, notary.id)
        assert account.last_login_at is not None
    assert "sign_in.success" in audit_actions(session_factory)


def test_login_ignores_case_and_spaces(web_app, agent):
    response = sign_in(web_app, "  AGENT@Departement.example ", agent.password, status=303)
    assert response.status_int == 303


def test_wrong_password_and_unknown_login_read_the_same(web_app, notary, session_factory):
    wrong = sign_in(web_app, notary.login, "wrong password!!", status=400)
    unknown = sign_in(web_app, "99999", "wrong password!!", status=400)
    assert GENERIC_FAILURE in wrong.text
    assert GENERIC_FAILURE in unknown.text
    assert wrong.html.find(class_="error-summary").text == unknown.html.find(class_="error-summary").text
    assert audit_actions(session_factory).count("sign_in.failure") == 2


def test_empty_fields_get_messages_next_to_them(web_app):
    form = web_app.get("/connexion").forms[0]
    page = form.submit()
    login_input = page.html.find("input", id="login")
    assert login_input["aria-invalid"] == "true"
    assert "login-error" in login_input["aria-describedby"]
    assert "Saisissez votre identifiant" in page.html.find(id="login-error").text
    assert "Saisissez votre mot de passe" in page.html.find(id="password-error").text


def test_five_failures_lock_the_account(web_app, notary, session_factory):
    for _ in range(5):
        sign_in(web_app, notary.login, "not the password", status=400)
    with session_factory() as dbsession:
        account = dbsession.get(Account, notary.id)
        assert account.locked_until is not None
        assert account.locked_until > utcnow() + timedelta(minutes=14)

    # Even the right password is refused while locked, with the same message.
    page = sign_in(web_app, notary.login, notary.password, status=400)
    assert GENERIC_FAILURE in page.text
    assert "sign_in.locked" in audit_actions(session_factory)


def test_lock_ends_after_fifteen_minutes(web_app, notary, session_factory):
    with session_factory() as dbsession:
        account = dbsession.get(Account, notary.id)
        account.locked_until = utcnow() - timedelta(seconds=1)
        dbsession.commit()
    sign_in(web_app, notary.login, notary.password, status=303)


def test_disabled_account_cannot_sign_in(web_app, notary, session_factory):
    with session_factory() as dbsession:
        dbsession.get(Account, notary.id).is_active = False
        dbsession.commit()
    page = sign_in(web_app, notary.login, notary.password, status=400)
    assert GENERIC_FAILURE in page.text


def test_repeated_failures_from_one_address_are_slowed(web_app, notary, session_factory):
    # Different logins, so no account lock is involved: only the address counts.
    for number in range(throttle.FREE_FAILURES):
        sign_in(web_app, f"7{number:04d}", "not the password", status=400)
    sign_in(web_app, "70999", "not the password", status=400)
    with session_factory() as dbsession:
        row = dbsession.get(SignInThrottle, "127.0.0.1")
        assert row.failures == throttle.FREE_FAILURES + 1
        assert row.blocked_until > utcnow()

    page = sign_in(web_app, notary.login, notary.password, status=400)
    assert "Trop de tentatives" in page.text

    # Another address is not affected.
    other = webtest.TestApp(web_app.app, extra_environ={"REMOTE_ADDR": "127.0.0.9"})
    sign_in(other, notary.login, notary.password, status=303)


def test_throttle_blocks_grow_and_reset_after_quiet_hour(dbsession):
    now = utcnow()
    for number in range(throttle.FREE_FAILURES + 3):
        throttle.record_failure(dbsession, "10.0.0.1", now=now)
    first_block = throttle.blocked_for(dbsession, "10.0.0.1", now=now)
    assert first_block == throttle.FIRST_BLOCK * 4

    later = now + throttle.WINDOW + timedelta(minutes=1)
    throttle.record_failure(dbsession, "10.0.0.1", now=later)
    assert throttle.blocked_for(dbsession, "10.0.0.1", now=later) is None
    assert dbsession.get(SignInThrottle, "10.0.0.1").failures == 1


def test_next_path_is_followed_only_on_this_site(web_app, notary):
    page = web_app.get("/mot-de-passe", status=303).follow()
    form = page.forms[0]
    assert form["suivant"].value == "/mot-de-passe"
    form["login"], form["password"] = notary.login, notary.password
    assert form.submit(status=303).location.endswith("/mot-de-passe")

    web_app.reset()
    form = web_app.get("/connexion?suivant=//evil.example/x").forms[0]
    assert "suivant" not in form.fields


def test_sign_out_ends_the_session(notary_app, session_factory):
    page = notary_app.get("/mot-de-passe")
    sign_out_form = next(form for form in page.forms.values() if form.action.endswith("/deconnexion"))
    response = sign_out_form.submit(status=303)
    assert response.location.endswith("/connexion")
    assert "Vous êtes déconnecté" in response.follow().text
    notary_app.get("/mot-de-passe", status=303)
    assert "sign_out" in audit_actions(session_factory)


def test_post_without_csrf_token_is_refused(notary_app):
    page = notary_app.post("/deconnexion", status=400)
    assert "Formulaire expiré" in page.text
    notary_app.get("/mot-de-passe", status=200)


def test_sign_in_without_csrf_token_is_refused(web_app, notary):
    web_app.post("/connexion", {"login": notary.login, "password": notary.password}, status=400)


def test_session_expires_after_idle_timeout(web_ini, engine, notary):
    text = web_ini.read_text(encoding="utf-8").replace(
        "[app:main]\n", "[app:main]\nsession.idle_timeout = 1\n"
    )
    web_ini.write_text(text, encoding="utf-8")
    from pyramid.paster import get_app

    app = webtest.TestApp(get_app(str(web_ini), "main"), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    sign_in(app, notary.login, notary.password, status=303)
    app.get("/mot-de-passe", status=200)
    time.sleep(2.2)
    response = app.get("/mot-de-passe", status=303)
    page = response.follow()
    assert "Votre session a expiré" in page.text


def test_security_headers_on_every_page(web_app):
    for path, status in (("/connexion", 200), ("/nulle-part", 404), ("/health", "*")):
        response = web_app.get(path, status=status)
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in headers


def test_hsts_when_served_over_https(web_app):
    response = web_app.get("/connexion", extra_environ={"wsgi.url_scheme": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_is_http_only(web_app):
    response = web_app.get("/connexion")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_pages_are_not_cached(notary_app):
    assert notary_app.get("/mot-de-passe").headers["Cache-Control"] == "no-store"


def test_missing_session_secret_fails_at_start(tmp_path, web_ini, engine):
    import pytest
    from pyramid.paster import get_app

    from core.settings import ConfigurationError

    text = web_ini.read_text(encoding="utf-8").replace("session.secret =", "session.unused =")
    web_ini.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError, match="session.secret"):
        get_app(str(web_ini), "main")


def test_staff_land_on_the_back_office(web_app, agent):
    response = sign_in(web_app, agent.login, agent.password, status=303)
    assert response.location.endswith("/bureau")


def test_staff_with_totp_go_to_the_second_step(web_app, agent, session_factory):
    with session_factory() as dbsession:
        dbsession.get(Account, agent.id).totp_required = True
        dbsession.commit()
    response = sign_in(web_app, agent.login, agent.password, status=303)
    assert "/connexion/verification" in response.location
    # The password alone opens no session.
    web_app.get("/mot-de-passe", status=303)


def test_notary_has_no_second_step(web_app, notary, session_factory):
    with session_factory() as dbsession:
        dbsession.get(Account, notary.id).totp_required = True
        dbsession.commit()
    assert sign_in(web_app, notary.login, notary.password, status=303).location.endswith("/recherche")


def test_session_cookie_is_secure_when_configured(web_ini, engine):
    from pyramid.paster import get_app

    from tests.web.fixtures import set_app_settings

    set_app_settings(web_ini, {"session.secure": "true"})
    app = webtest.TestApp(get_app(str(web_ini), "main"))
    response = app.get("/connexion", extra_environ={"wsgi.url_scheme": "https"})
    assert "secure" in response.headers["Set-Cookie"].lower()
