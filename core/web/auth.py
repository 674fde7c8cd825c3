"""Sign-in, sign-out, forgotten password, password set by link, change of password.

A failed sign-in always shows ``SIGN_IN_FAILED``, whatever went wrong, so that the page
never tells whether a CRPCEN or an e-mail has an account.
"""

import logging
from datetime import timedelta

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import forget
from pyramid.view import view_config

from core.accounts import service, tokens
from core.accounts.models import TOKEN_INVITATION, TOKEN_PASSWORD_RESET, utcnow
from core.accounts.passwords import password_problem, verify_password
from core.audit import record_event
from core.i18n import _
from core.security import (
    PENDING_SECOND_FACTOR_KEY,
    PERMISSION_ACCOUNT,
    SECOND_FACTOR_ROUTE,
    requires_second_factor,
    reset_session,
    second_factor_available,
    sign_in,
)
from core.web.mails import send_password_link
from core.web.redirects import home_url, safe_next

log = logging.getLogger(__name__)

SIGN_IN_FAILED = _(
    "Identifiant ou mot de passe incorrect. Après 5 essais infructueux, le compte est "
    "bloqué pendant 15 minutes."
)
# A new reset link is not sent more often than this, so the form cannot flood an office.
RESET_LINK_INTERVAL = timedelta(minutes=2)


@view_config(route_name="sign_in", renderer="core:web/templates/sign_in.pt", request_method="GET")
def sign_in_form(request):
    if request.identity is not None:
        return HTTPSeeOther(home_url(request))
    return {"values": {}, "errors": {}, "next": safe_next(request.GET.get("suivant"))}


@view_config(route_name="sign_in", renderer="core:web/templates/sign_in.pt", request_method="POST")
def sign_in_submit(request):
    login = request.POST.get("login", "").strip()
    password = request.POST.get("password", "")
    next_path = safe_next(request.POST.get("suivant"))
    page = {"values": {"login": login}, "errors": {}, "next": next_path, "failure": None}

    if not login:
        page["errors"]["login"] = _("Saisissez votre identifiant (code CRPCEN ou adresse e-mail).")
    if not password:
        page["errors"]["password"] = _("Saisissez votre mot de passe.")
    if page["errors"]:
        return page

    result = service.authenticate(request.dbsession, login, password, request.client_addr)
    if not result.ok:
        return _refuse_sign_in(request, result, login, page)

    account = result.account
    if requires_second_factor(account):
        return _start_second_factor(request, account, next_path, page)

    sign_in(request, account)
    record_event(request.dbsession, action="sign_in.success", actor=account, request=request)
    return HTTPSeeOther(next_path or home_url(request, account))


def _refuse_sign_in(request, result, login, page):
    action = "sign_in.locked" if result.reason == service.REASON_LOCKED else "sign_in.failure"
    # The typed login is kept (a CRPCEN or a staff e-mail), never the password.
    actor = result.account if result.account is not None else login[:200]
    record_event(request.dbsession, action=action, actor=actor, request=request, details={"reason": result.reason})
    if result.reason == service.REASON_THROTTLED:
        page["failure"] = _(
            "Trop de tentatives de connexion depuis votre adresse. Patientez quelques minutes avant de réessayer."
        )
    else:
        page["failure"] = SIGN_IN_FAILED
    request.response.status = 400
    return page


def _start_second_factor(request, account, next_path, page):
    if not second_factor_available(request):
        # TOTP is required but no verification page is installed: refuse rather than skip it.
        log.error("second_factor_unavailable account_id=%s", account.id)
        page["failure"] = _("La vérification en deux étapes est indisponible. Contactez l'administrateur du service.")
        request.response.status = 503
        return page
    reset_session(request)[PENDING_SECOND_FACTOR_KEY] = account.id
    query = {"suivant": next_path} if next_path else {}
    return HTTPSeeOther(request.route_url(SECOND_FACTOR_ROUTE, _query=query))


@view_config(route_name="sign_out", request_method="POST", permission=PERMISSION_ACCOUNT)
def sign_out(request):
    record_event(request.dbsession, action="sign_out", actor=request.identity, request=request)
    forget(request)
    request.session.flash(_("Vous êtes déconnecté."), "info")
    return HTTPSeeOther(request.route_url("sign_in"))


@view_config(route_name="forgot_password", renderer="core:web/templates/forgot_password.pt", request_method="GET")
def forgot_password_form(request):
    return {"values": {}, "errors": {}, "sent": False}


@view_config(route_name="forgot_password", renderer="core:web/templates/forgot_password.pt", request_method="POST")
def forgot_password_submit(request):
    login = request.POST.get("login", "").strip()
    if not login:
        request.response.status = 400
        return {
            "values": {},
            "errors": {"login": _("Saisissez votre identifiant (code CRPCEN ou adresse e-mail).")},
            "sent": False,
        }

    account = service.find_account(request.dbsession, login)
    if account is not None and account.is_active and not _link_sent_recently(account):
        tokens.revoke_tokens(request.dbsession, account, TOKEN_PASSWORD_RESET)
        token = tokens.issue_token(request.dbsession, account, TOKEN_PASSWORD_RESET)
        send_password_link(request, account, token, TOKEN_PASSWORD_RESET)
        record_event(request.dbsession, action="password.reset_request", actor=account, request=request, target=account)
    # Same page whether the login exists or not.
    return {"values": {"login": login}, "errors": {}, "sent": True}


def _link_sent_recently(account) -> bool:
    since = utcnow() - RESET_LINK_INTERVAL
    return any(
        token.purpose == TOKEN_PASSWORD_RESET and token.created_at > since for token in account.tokens
    )


@view_config(route_name="reset_password", renderer="core:web/templates/set_password.pt", request_method="GET")
@view_config(route_name="invitation", renderer="core:web/templates/set_password.pt", request_method="GET")
def set_password_form(request):
    purpose = _token_purpose(request)
    found = tokens.find_token(request.dbsession, request.matchdict["token"], purpose)
    if found is None:
        request.response.status = 404
    return {"values": {}, "errors": {}, "valid": found is not None, "purpose": purpose,
            "login": found.account.login if found else None}


@view_config(route_name="reset_password", renderer="core:web/templates/set_password.pt", request_method="POST")
@view_config(route_name="invitation", renderer="core:web/templates/set_password.pt", request_method="POST")
def set_password_submit(request):
    purpose = _token_purpose(request)
    token = request.matchdict["token"]
    found = tokens.find_token(request.dbsession, token, purpose)
    page = {"values": {}, "errors": {}, "valid": found is not None, "purpose": purpose,
            "login": found.account.login if found else None}
    if found is None:
        request.response.status = 404
        return page

    password = request.POST.get("password", "")
    problem = password_problem(password, request.POST.get("confirmation", ""), found.account.login)
    if problem:
        page["errors"]["password"] = problem
        request.response.status = 400
        return page

    account = tokens.use_token(request.dbsession, token, purpose)
    if account is None:
        # The same link was used a moment ago in another tab.
        page["valid"] = False
        request.response.status = 404
        return page
    service.set_password(account, password)
    record_event(request.dbsession, action="password.set", actor=account, request=request,
                 target=account, details={"purpose": purpose})
    request.session.flash(_("Votre mot de passe est enregistré. Vous pouvez vous connecter."), "info")
    return HTTPSeeOther(request.route_url("sign_in"))


def _token_purpose(request) -> str:
    return TOKEN_INVITATION if request.matched_route.name == "invitation" else TOKEN_PASSWORD_RESET


@view_config(route_name="change_password", renderer="core:web/templates/change_password.pt",
             request_method="GET", permission=PERMISSION_ACCOUNT)
def change_password_form(request):
    return {"values": {}, "errors": {}}


@view_config(route_name="change_password", renderer="core:web/templates/change_password.pt",
             request_method="POST", permission=PERMISSION_ACCOUNT)
def change_password_submit(request):
    account = request.identity
    errors = {}
    if not verify_password(account.password_hash, request.POST.get("current_password", "")):
        errors["current_password"] = _("Le mot de passe actuel est incorrect.")
    password = request.POST.get("password", "")
    problem = password_problem(password, request.POST.get("confirmation", ""), account.login)
    if problem:
        errors["password"] = problem
    if errors:
        request.response.status = 400
        return {"values": {}, "errors": errors}

    service.set_password(account, password)
    # The password change ended every session of the account; this one goes on.
    sign_in(request, account)
    record_event(request.dbsession, action="password.change", actor=account, request=request, target=account)
    request.session.flash(_("Votre mot de passe a été modifié."), "info")
    return HTTPSeeOther(home_url(request, account))
