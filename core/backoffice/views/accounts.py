"""Administrators manage notary offices and staff accounts.

A new account has no password: it receives an invitation e-mail with a single-use
link to choose one (valid as long as ``TOKEN_LIFETIMES[TOKEN_INVITATION]``, 7 days).
Accounts are disabled, never deleted, so that searches and the audit trail keep
naming them.
"""

import logging

from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import delete, func, or_, select

from core.accounts import tokens
from core.accounts.models import ROLE_NOTARY, ROLES, TOKEN_INVITATION, Account
from core.accounts.service import create_account
from core.audit import record_event
from core.backoffice.account_forms import ROLE_LABELS, check_account_form, read_account_form
from core.backoffice.models import TotpUse
from core.backoffice.office_csv import MAX_FILE_BYTES, OfficeFileError, parse_offices_csv
from core.backoffice.offices import import_offices
from core.backoffice.views import flash
from core.i18n import _
from core.security import PERMISSION_ADMIN
from core.web.mails import send_password_link

log = logging.getLogger(__name__)

PAGE_SIZE = 50
EDITABLE_FIELDS = ("role", "login", "name", "address", "email", "totp_required")


def get_account(request) -> Account:
    account = request.dbsession.get(Account, int(request.matchdict["id"]))
    # The system account of command-line searches is not managed here.
    if account is None or account.role not in ROLES:
        raise HTTPNotFound()
    return account


def invite(request, account: Account) -> None:
    """Replace any earlier invitation of ``account`` and e-mail a new link."""
    tokens.revoke_tokens(request.dbsession, account, TOKEN_INVITATION)
    token = tokens.issue_token(request.dbsession, account, TOKEN_INVITATION)
    send_password_link(request, account, token, TOKEN_INVITATION)
    record_event(request.dbsession, action="account.invite", request=request, target=account)


@view_config(route_name="accounts", renderer="core:backoffice/templates/accounts.pt",
             request_method="GET", permission=PERMISSION_ADMIN)
def account_list(request):
    role = request.GET.get("role", "")
    state = request.GET.get("etat", "")
    text = request.GET.get("q", "").strip()[:100]
    query = select(Account).where(Account.role.in_(ROLES))
    if role in ROLES:
        query = query.where(Account.role == role)
    if state in ("actif", "inactif"):
        query = query.where(Account.is_active.is_(state == "actif"))
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(or_(
            func.lower(Account.login).like(pattern),
            func.lower(Account.name).like(pattern),
            func.lower(Account.email).like(pattern),
        ))
    total = request.dbsession.scalar(select(func.count()).select_from(query.subquery()))
    page = _page_number(request)
    accounts = request.dbsession.scalars(
        query.order_by(Account.role, Account.login).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return {
        "accounts": accounts,
        "role_labels": ROLE_LABELS,
        "filters": {"role": role, "etat": state, "q": text},
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "total": total,
    }


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


@view_config(route_name="account_new", renderer="core:backoffice/templates/account_form.pt",
             request_method="GET", permission=PERMISSION_ADMIN)
def account_new_form(request):
    role = request.GET.get("role", ROLE_NOTARY)
    return {"account": None, "values": {"role": role if role in ROLES else ROLE_NOTARY}, "errors": {},
            "role_labels": ROLE_LABELS}


@view_config(route_name="account_new", renderer="core:backoffice/templates/account_form.pt",
             request_method="POST", permission=PERMISSION_ADMIN)
def account_new_submit(request):
    values = read_account_form(request.POST)
    clean, errors = check_account_form(request.dbsession, values)
    if errors:
        request.response.status = 400
        return {"account": None, "values": values, "errors": errors, "role_labels": ROLE_LABELS}

    account = create_account(
        request.dbsession, role=clean.role, login=clean.login, name=clean.name,
        email=clean.email, address=clean.address,
    )
    account.totp_required = clean.totp_required
    record_event(request.dbsession, action="account.create", request=request, target=account,
                 details={"role": clean.role})
    invite(request, account)
    flash(request, _("Compte créé. Une invitation à choisir un mot de passe a été envoyée à ${email}.",
                            mapping={"email": account.email}))
    return HTTPSeeOther(request.route_url("account", id=account.id))


@view_config(route_name="account", renderer="core:backoffice/templates/account_form.pt",
             request_method="GET", permission=PERMISSION_ADMIN)
def account_edit_form(request):
    account = get_account(request)
    values = {name: getattr(account, name) for name in EDITABLE_FIELDS}
    return {"account": account, "values": values, "errors": {}, "role_labels": ROLE_LABELS}


@view_config(route_name="account", renderer="core:backoffice/templates/account_form.pt",
             request_method="POST", permission=PERMISSION_ADMIN)
def account_edit_submit(request):
    account = get_account(request)
    values = read_account_form(request.POST)
    clean, errors = check_account_form(request.dbsession, values, existing=account)
    if not errors and account.id == request.identity.id and clean.role != account.role:
        errors["role"] = _("Vous ne pouvez pas changer le rôle de votre propre compte.")
    if errors:
        request.response.status = 400
        return {"account": account, "values": values, "errors": errors, "role_labels": ROLE_LABELS}

    changed = [name for name in EDITABLE_FIELDS if getattr(account, name) != getattr(clean, name)]
    for name in changed:
        setattr(account, name, getattr(clean, name))
    if changed:
        record_event(request.dbsession, action="account.update", request=request, target=account,
                     details={"fields": changed})
        flash(request, _("Modifications enregistrées."))
    else:
        flash(request, _("Aucune modification."))
    return HTTPSeeOther(request.route_url("account", id=account.id))


@view_config(route_name="account_active", request_method="POST", permission=PERMISSION_ADMIN)
def account_set_active(request):
    account = get_account(request)
    action = request.POST.get("action")
    if action not in ("disable", "enable"):
        raise HTTPBadRequest(_("Action inconnue."))
    if action == "disable" and account.id == request.identity.id:
        flash(request, _("Vous ne pouvez pas désactiver votre propre compte."))
        return HTTPSeeOther(request.route_url("account", id=account.id))

    active = action == "enable"
    if account.is_active != active:
        account.is_active = active
        # Raising the session version ends the account's open sessions at once.
        account.session_version = (account.session_version or 1) + 1
        record_event(request.dbsession, action=f"account.{action}", request=request, target=account)
    message = _("Compte réactivé.") if active else _("Compte désactivé : il ne peut plus se connecter.")
    flash(request, message)
    return HTTPSeeOther(request.route_url("account", id=account.id))


@view_config(route_name="account_invite", request_method="POST", permission=PERMISSION_ADMIN)
def account_invite(request):
    account = get_account(request)
    if not account.is_active:
        flash(request, _("Réactivez le compte avant de renvoyer une invitation."))
    else:
        invite(request, account)
        flash(request, _("Invitation envoyée à ${email}.", mapping={"email": account.email}))
    return HTTPSeeOther(request.route_url("account", id=account.id))


@view_config(route_name="account_totp_reset", request_method="POST", permission=PERMISSION_ADMIN)
def account_totp_reset(request):
    account = get_account(request)
    if account.totp_secret is not None:
        account.totp_secret = None
        request.dbsession.execute(delete(TotpUse).where(TotpUse.account_id == account.id))
        record_event(request.dbsession, action="totp.reset", request=request, target=account)
    flash(request, _("Vérification en deux étapes réinitialisée : le compte configurera une nouvelle application."))
    return HTTPSeeOther(request.route_url("account", id=account.id))


@view_config(route_name="offices_import", renderer="core:backoffice/templates/offices_import.pt",
             request_method="GET", permission=PERMISSION_ADMIN)
def offices_import_form(request):
    return {"errors": {}, "values": {}, "report": None}


@view_config(route_name="offices_import", renderer="core:backoffice/templates/offices_import.pt",
             request_method="POST", permission=PERMISSION_ADMIN)
def offices_import_submit(request):
    upload = request.POST.get("file")
    if upload is None or not hasattr(upload, "file"):
        request.response.status = 400
        return {"errors": {"file": _("Choisissez le fichier CSV des offices.")}, "values": {}, "report": None}
    try:
        # One byte over the limit is enough for the parser to reject the file.
        parsed = parse_offices_csv(upload.file.read(MAX_FILE_BYTES + 1))
    except OfficeFileError as error:
        request.response.status = 400
        return {"errors": {"file": str(error)}, "values": {}, "report": None}

    report = import_offices(request.dbsession, parsed, actor=request.identity, request=request)
    for account in report.created:
        invite(request, account)
    return {"errors": {}, "values": {}, "report": report}
