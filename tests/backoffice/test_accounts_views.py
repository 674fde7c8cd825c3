"""Administrators manage offices and staff accounts; invitations go by e-mail."""

import pyotp
import pytest
from sqlalchemy import select

from core.accounts.models import SYSTEM_NAME, Account
from core.accounts.service import system_account_id
from core.audit.models import AuditEvent
from core.mail.models import OutgoingMail
from tests.web.fixtures import *  # noqa: F401,F403
from tests.web.fixtures import sign_in


def actions(dbsession):
    dbsession.expire_all()
    return [event.action for event in dbsession.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def form_with(page, field):
    """Return the page's form that has ``field`` (the header's sign-out form has none)."""
    return next(form for form in page.forms.values() if field in form.fields)


def fill_account_form(form, **values):
    for name, value in values.items():
        form[name] = value
    return form


def test_create_office_sends_invitation(admin_app, dbsession):
    form = form_with(admin_app.get("/bureau/comptes/nouveau?role=notary"), "name")
    fill_account_form(form, login="69123", name="Étude Lumière", email="Etude.Lumiere@example.fr",
                      address="3 quai Saint-Antoine\n69002 Lyon")

    response = form.submit(status=303).follow()

    assert "Une invitation à choisir un mot de passe a été envoyée à etude.lumiere@example.fr" in response.text
    account = dbsession.scalars(select(Account).where(Account.login == "69123")).one()
    assert (account.role, account.name, account.email) == ("notary", "Étude Lumière", "etude.lumiere@example.fr")
    assert account.password_hash is None
    mail = dbsession.scalars(select(OutgoingMail)).one()
    assert mail.recipients == "etude.lumiere@example.fr"
    assert "/invitation/" in mail.body
    assert "valable 7 jours" in mail.body
    assert {"account.create", "account.invite"} <= set(actions(dbsession))


def test_invitation_link_sets_password(admin_app, dbsession):
    form = form_with(admin_app.get("/bureau/comptes/nouveau?role=notary"), "name")
    fill_account_form(form, login="69124", name="Étude B", email="b@example.fr")
    form.submit(status=303)
    link = dbsession.scalars(select(OutgoingMail.body)).one().split("\n")
    path = next(line for line in link if "/invitation/" in line).strip().replace("http://localhost", "")
    form_with(admin_app.get("/bureau"), "csrf_token").submit(status=303)

    page = admin_app.get(path)
    form = form_with(page, "password")
    form["password"] = "un mot de passe tout neuf"
    form["confirmation"] = "un mot de passe tout neuf"
    form.submit(status=303)

    assert sign_in(admin_app, "69124", "un mot de passe tout neuf").status_int == 303


def test_create_staff_uses_email_as_login(admin_app, dbsession):
    form = form_with(admin_app.get("/bureau/comptes/nouveau?role=agent"), "name")
    fill_account_form(form, role="agent", name="Nouvel Agent", email="nouvel.agent@departement.example")
    form["totp_required"] = True

    form.submit(status=303)

    account = dbsession.scalars(select(Account).where(Account.role == "agent", Account.name == "Nouvel Agent")).one()
    assert account.login == "nouvel.agent@departement.example"
    assert account.totp_required is True


@pytest.mark.parametrize(
    "values, field, message",
    [
        ({"login": "6912", "name": "X", "email": "x@example.fr"}, "login", "5 chiffres"),
        ({"login": "69125", "name": "", "email": "x@example.fr"}, "name", "Saisissez le nom"),
        ({"login": "69125", "name": "X", "email": "pas-une-adresse"}, "email", "Adresse e-mail invalide"),
        ({"login": "69001", "name": "X", "email": "x@example.fr"}, "login", "déjà cet identifiant"),
    ],
)
def test_create_account_rejects_bad_input(admin_app, notary, dbsession, values, field, message):
    form = fill_account_form(form_with(admin_app.get("/bureau/comptes/nouveau?role=notary"), "name"), **values)

    response = form.submit(status=400)

    assert message in response.html.find(id=f"{field}-error").text
    assert dbsession.scalars(select(OutgoingMail)).all() == []


def test_edit_office_records_changed_fields(admin_app, notary, dbsession):
    form = form_with(admin_app.get(f"/bureau/comptes/{notary.id}"), "name")
    form["name"] = "Étude Dupont, Martin et associés"

    form.submit(status=303)

    account = dbsession.get(Account, notary.id)
    dbsession.refresh(account)
    assert account.name == "Étude Dupont, Martin et associés"
    event = dbsession.scalars(select(AuditEvent).where(AuditEvent.action == "account.update")).one()
    assert event.details == {"fields": ["name"]}
    assert event.target_id == str(notary.id)


def test_office_cannot_become_staff(admin_app, notary):
    form = form_with(admin_app.get(f"/bureau/comptes/{notary.id}"), "name")
    form["role"] = "agent"

    response = form.submit(status=400)

    assert "ne peut pas devenir" in response.text


def test_disable_then_enable_account(admin_app, web_app, wsgi_app, notary, dbsession):
    import webtest

    office_app = webtest.TestApp(wsgi_app, extra_environ={"REMOTE_ADDR": "127.0.0.3"})
    sign_in(office_app, notary.login, notary.password, status=303)
    page = admin_app.get(f"/bureau/comptes/{notary.id}")
    disable = next(form for form in page.forms.values() if form.action.endswith("/activation"))

    disable.submit(status=303)

    # The open session of the office ends at once, and it cannot sign in again.
    assert office_app.get("/historique", status=303).location.startswith("http://localhost/connexion")
    assert sign_in(office_app, notary.login, notary.password).status_int == 400
    page = admin_app.get(f"/bureau/comptes/{notary.id}")
    enable = next(form for form in page.forms.values() if form.action.endswith("/activation"))
    assert enable["action"].value == "enable"
    enable.submit(status=303)
    assert sign_in(office_app, notary.login, notary.password).status_int == 303
    assert ["account.disable", "account.enable"] == [
        action for action in actions(dbsession) if action.startswith("account.")
    ]


def test_admin_cannot_disable_self(admin_app, admin, dbsession):
    page = admin_app.get(f"/bureau/comptes/{admin.id}")
    disable = next(form for form in page.forms.values() if form.action.endswith("/activation"))

    response = disable.submit(status=303).follow()

    assert "propre compte" in response.text
    assert dbsession.get(Account, admin.id).is_active


def test_account_list_filters(admin_app, notary, other_notary, agent):
    page = admin_app.get("/bureau/comptes", {"role": "notary", "q": "vienne"})

    rows = page.html.select("tbody tr")
    assert len(rows) == 1
    assert "38002" in rows[0].text


def test_unknown_account_is_404(admin_app):
    admin_app.get("/bureau/comptes/999999", status=404)


def test_system_account_not_managed(admin_app, dbsession):
    system_id = system_account_id(dbsession)
    dbsession.commit()

    assert SYSTEM_NAME not in admin_app.get("/bureau/comptes").text
    admin_app.get(f"/bureau/comptes/{system_id}", status=404)


def test_totp_reset_by_admin(admin_app, session_factory, dbsession):
    from tests.web.fixtures import make_account

    staff = make_account(session_factory, role="agent", login="totp@departement.example", password="x" * 16,
                         email="totp@departement.example", totp_secret=pyotp.random_base32())
    page = admin_app.get(f"/bureau/comptes/{staff.id}")
    reset = next(form for form in page.forms.values() if "double-authentification" in form.action)

    reset.submit(status=303)

    dbsession.expire_all()
    assert dbsession.get(Account, staff.id).totp_secret is None
    assert "totp.reset" in actions(dbsession)
