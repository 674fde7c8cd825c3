"""The TOTP step of a staff sign-in, and enrolment of an authenticator app.

After a correct password, the sign-in view stores the account id under
``PENDING_SECOND_FACTOR_KEY`` and redirects here. An account that must use TOTP but has
no secret yet enrols on this same page. The page shows a new secret and its
``otpauth://`` URI, and the first valid code both proves the app works and completes
the sign-in.
"""

import logging
import time

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from core.accounts.models import Account
from core.audit import record_event
from core.backoffice import totp
from core.backoffice.views import flash
from core.i18n import _
from core.security import PENDING_SECOND_FACTOR_KEY, PERMISSION_STAFF, SECOND_FACTOR_ROUTE, sign_in
from core.web.redirects import home_url, safe_next

log = logging.getLogger(__name__)

MAX_CODE_FAILURES = 5
# The second step must follow the password within this many seconds.
PENDING_LIFETIME = 5 * 60
FAILURES_KEY = "second_factor_failures"
STARTED_KEY = "second_factor_started"
SECRET_KEY = "totp_enrolment_secret"

TEMPLATE = "core:backoffice/templates/second_factor.pt"
ENROLMENT_TEMPLATE = "core:backoffice/templates/totp_enrolment.pt"


def _pending_account(request) -> Account | None:
    """Return the account waiting for its code, or None when the step expired or is missing."""
    session = request.session
    account_id = session.get(PENDING_SECOND_FACTOR_KEY)
    if account_id is None:
        return None
    started = session.setdefault(STARTED_KEY, time.time())
    if time.time() - started > PENDING_LIFETIME:
        session.invalidate()
        return None
    account = request.dbsession.get(Account, account_id)
    if account is None or not account.is_active or not account.is_staff:
        session.invalidate()
        return None
    return account


def _restart_sign_in(request, message):
    request.session.invalidate()
    flash(request, message)
    return HTTPSeeOther(request.route_url("sign_in"))


def _page(request, account, errors=None) -> dict:
    page = {"errors": errors or {}, "values": {}, "enrolment": None, "next": safe_next(request.params.get("suivant"))}
    if account.totp_secret is None:
        secret = request.session.setdefault(SECRET_KEY, totp.new_secret())
        page["enrolment"] = {"secret": secret, "uri": totp.provisioning_uri(secret, account.login)}
    return page


@view_config(route_name=SECOND_FACTOR_ROUTE, renderer=TEMPLATE, request_method="GET")
def second_factor_form(request):
    account = _pending_account(request)
    if account is None:
        return _restart_sign_in(request, _("Connectez-vous avec votre identifiant et votre mot de passe."))
    return _page(request, account)


@view_config(route_name=SECOND_FACTOR_ROUTE, renderer=TEMPLATE, request_method="POST")
def second_factor_submit(request):
    account = _pending_account(request)
    if account is None:
        return _restart_sign_in(request, _("La vérification a expiré. Connectez-vous à nouveau."))

    enrolling = account.totp_secret is None
    secret = request.session.get(SECRET_KEY) if enrolling else None
    code = request.POST.get("code", "")
    if (enrolling and secret is None) or not totp.verify_code(request.dbsession, account, code, secret=secret):
        return _refuse_code(request, account)

    if enrolling:
        account.totp_secret = secret
        record_event(request.dbsession, action="totp.enrol", actor=account, request=request, target=account)
    next_path = safe_next(request.POST.get("suivant"))
    sign_in(request, account)
    record_event(request.dbsession, action="sign_in.success", actor=account, request=request,
                 details={"second_factor": True})
    return HTTPSeeOther(next_path or home_url(request, account))


def _refuse_code(request, account):
    failures = request.session.get(FAILURES_KEY, 0) + 1
    request.session[FAILURES_KEY] = failures
    record_event(request.dbsession, action="sign_in.second_factor_failure", actor=account, request=request,
                 details={"failures": failures})
    log.info("second_factor_failed account_id=%s failures=%d", account.id, failures)
    if failures >= MAX_CODE_FAILURES:
        return _restart_sign_in(request, _("Trop de codes incorrects. Connectez-vous à nouveau."))
    request.response.status = 400
    return _page(request, account, {"code": _("Code incorrect ou déjà utilisé. Saisissez le code à 6 chiffres affiché par votre application.")})


@view_config(route_name="totp_enrolment", renderer=ENROLMENT_TEMPLATE, request_method="GET",
             permission=PERMISSION_STAFF)
def enrolment_form(request):
    return _enrolment_page(request)


@view_config(route_name="totp_enrolment", renderer=ENROLMENT_TEMPLATE, request_method="POST",
             permission=PERMISSION_STAFF)
def enrolment_submit(request):
    account = request.identity
    if account.totp_secret is not None:
        return HTTPSeeOther(request.route_url("totp_enrolment"))
    secret = request.session.get(SECRET_KEY)
    if secret is None or not totp.verify_code(request.dbsession, account, request.POST.get("code", ""), secret=secret):
        request.response.status = 400
        return _enrolment_page(request, {"code": _("Code incorrect. Saisissez le code à 6 chiffres affiché par votre application.")})

    account.totp_secret = secret
    del request.session[SECRET_KEY]
    record_event(request.dbsession, action="totp.enrol", actor=account, request=request, target=account)
    flash(request, _("La vérification en deux étapes est activée pour votre compte."))
    return HTTPSeeOther(request.route_url("totp_enrolment"))


def _enrolment_page(request, errors=None) -> dict:
    account = request.identity
    page = {"errors": errors or {}, "values": {}, "enrolment": None, "account": account}
    if account.totp_secret is None:
        secret = request.session.setdefault(SECRET_KEY, totp.new_secret())
        page["enrolment"] = {"secret": secret, "uri": totp.provisioning_uri(secret, account.login)}
    return page
