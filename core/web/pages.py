"""Home redirect, language switch and the terms of use."""

from pyramid.httpexceptions import HTTPBadRequest, HTTPSeeOther
from pyramid.view import view_config

from core.accounts.models import ROLE_NOTARY, utcnow
from core.audit import record_event
from core.i18n import LANGUAGES, SESSION_KEY, _
from core.security import PERMISSION_ACCOUNT
from core.web.redirects import home_url, safe_next


@view_config(route_name="home", request_method="GET")
def home(request):
    return HTTPSeeOther(home_url(request))


@view_config(route_name="language", request_method="GET")
def switch_language(request):
    code = request.matchdict["code"]
    if code not in LANGUAGES:
        raise HTTPBadRequest(_("Langue inconnue."))
    request.session[SESSION_KEY] = code
    return HTTPSeeOther(safe_next(request.GET.get("retour")) or request.route_url("home"))


@view_config(route_name="terms", renderer="core:web/templates/terms.pt", request_method="GET")
def terms(request):
    return {"errors": {}, "values": {}}


@view_config(route_name="terms", renderer="core:web/templates/terms.pt", request_method="POST",
             permission=PERMISSION_ACCOUNT)
def accept_terms(request):
    account = request.identity
    if account.role != ROLE_NOTARY or account.terms_accepted_at is not None:
        return HTTPSeeOther(home_url(request))
    if request.POST.get("accept") != "yes":
        request.response.status = 400
        return {"errors": {"accept": _("Cochez la case pour accepter les conditions d'utilisation.")}, "values": {}}

    account.terms_accepted_at = utcnow()
    record_event(request.dbsession, action="terms.accept", actor=account, request=request, target=account)
    return HTTPSeeOther(request.route_url("search"))
