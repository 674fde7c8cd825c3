"""Forgotten password, single-use links, invitations and change of password."""

import re
from datetime import timedelta
from email import message_from_bytes, policy

from sqlalchemy import select, update

from core.accounts import tokens
from core.accounts.models import TOKEN_INVITATION, Account, AccountToken, utcnow
from core.accounts.passwords import verify_password
from tests.web.fixtures import sign_in

NEW_PASSWORD = "a brand new passphrase"


def sent_mails(mail_folder) -> list:
    if not mail_folder.exists():
        return []
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(mail_folder.glob("*.eml"))
    ]


def link_in(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://localhost(/\S+)", body).group(1)


def request_reset(app, login: str):
    form = app.get("/mot-de-passe-oublie").forms[0]
    form["login"] = login
    return form.submit()


def test_reset_link_is_e_mailed_and_works_once(web_app, notary, mail_folder, session_factory):
    page = request_reset(web_app, notary.login)
    assert "Si un compte correspond" in page.text
    mails = sent_mails(mail_folder)
    assert len(mails) == 1
    assert mails[0]["To"] == notary.email
    link = link_in(mails[0])
    assert link.startswith("/reinitialiser/")

    form = web_app.get(link).forms[0]
    form["password"] = NEW_PASSWORD
    form["confirmation"] = NEW_PASSWORD
    response = form.submit(status=303)
    assert "Votre mot de passe est enregistré" in response.follow().text
    sign_in(web_app, notary.login, NEW_PASSWORD, status=303)

    # The link works only once.
    web_app.reset()
    page = web_app.get(link, status=404)
    assert "Ce lien n'est plus valable" in page.text


def test_unknown_login_gets_the_same_page_and_no_mail(web_app, mail_folder):
    page = request_reset(web_app, "12345")
    assert "Si un compte correspond" in page.text
    assert sent_mails(mail_folder) == []


def test_reset_link_expires_after_one_hour(web_app, notary, session_factory, mail_folder):
    request_reset(web_app, notary.login)
    link = link_in(sent_mails(mail_folder)[0])
    with session_factory() as dbsession:
        dbsession.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        dbsession.commit()
    web_app.get(link, status=404)


def test_reset_lifetime_is_one_hour(dbsession, session_factory, notary):
    account = dbsession.get(Account, notary.id)
    before = utcnow()
    tokens.issue_token(dbsession, account, "password_reset", now=before)
    token = dbsession.scalar(select(AccountToken))
    assert token.expires_at - token.created_at == timedelta(hours=1)


def test_reset_requests_are_not_repeated_within_two_minutes(web_app, notary, mail_folder):
    request_reset(web_app, notary.login)
    request_reset(web_app, notary.login)
    assert len(sent_mails(mail_folder)) == 1


def test_short_or_mismatched_password_is_refused(web_app, notary, mail_folder):
    request_reset(web_app, notary.login)
    link = link_in(sent_mails(mail_folder)[0])
    form = web_app.get(link).forms[0]
    form["password"] = "short"
    form["confirmation"] = "short"
    page = form.submit(status=400)
    assert "au moins 12 caractères" in page.html.find(id="password-error").text
    form = page.forms[0]
    form["password"] = NEW_PASSWORD
    form["confirmation"] = NEW_PASSWORD + "x"
    page = form.submit(status=400)
    assert "différents" in page.html.find(id="password-error").text
    # A refused attempt leaves the link usable.
    web_app.get(link, status=200)


def test_bogus_token_is_404(web_app):
    web_app.get("/reinitialiser/not-a-token", status=404)
    web_app.get("/invitation/" + "x" * 500, status=404)


def test_invitation_link_sets_the_first_password(web_app, session_factory):
    from core.accounts.service import create_account

    with session_factory() as dbsession:
        account = create_account(dbsession, role="notary", login="21004", name="Étude de Dijon",
                                 email="etude.21004@notaires.example")
        token = tokens.issue_token(dbsession, account, TOKEN_INVITATION)
        dbsession.commit()
    sign_in(web_app, "21004", "anything at all", status=400)

    form = web_app.get(f"/invitation/{token}").forms[0]
    form["password"] = NEW_PASSWORD
    form["confirmation"] = NEW_PASSWORD
    form.submit(status=303)
    assert sign_in(web_app, "21004", NEW_PASSWORD, status=303).location.endswith("/conditions")
    # An invitation token is not a reset token.
    web_app.get(f"/reinitialiser/{token}", status=404)


def test_change_password(notary_app, notary, session_factory):
    form = notary_app.get("/mot-de-passe").forms[1]
    form["current_password"] = "wrong current password"
    form["password"] = NEW_PASSWORD
    form["confirmation"] = NEW_PASSWORD
    page = form.submit(status=400)
    assert "Le mot de passe actuel est incorrect" in page.html.find(id="current_password-error").text

    form = page.forms[1]
    form["current_password"] = notary.password
    form["password"] = NEW_PASSWORD
    form["confirmation"] = NEW_PASSWORD
    form.submit(status=303)
    # This session goes on; the password is the new one.
    notary_app.get("/mot-de-passe", status=200)
    with session_factory() as dbsession:
        assert verify_password(dbsession.get(Account, notary.id).password_hash, NEW_PASSWORD)


def test_password_change_ends_other_sessions(wsgi_app, notary):
    import webtest

    first = webtest.TestApp(wsgi_app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    second = webtest.TestApp(wsgi_app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    sign_in(first, notary.login, notary.password, status=303)
    sign_in(second, notary.login, notary.password, status=303)

    form = first.get("/mot-de-passe").forms[1]
    form["current_password"] = notary.password
    form["password"] = NEW_PASSWORD
    form["confirmation"] = NEW_PASSWORD
    form.submit(status=303)

    first.get("/mot-de-passe", status=200)
    second.get("/mot-de-passe", status=303)


def test_password_is_stored_as_argon2(notary, session_factory):
    with session_factory() as dbsession:
        stored = dbsession.get(Account, notary.id).password_hash
    assert stored.startswith("$argon2id$")
    assert notary.password not in stored
