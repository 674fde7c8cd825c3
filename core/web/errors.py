"""Error pages in the user's language: 400, 403, 404, and a last-resort 500.

Anonymous users meeting a 403 go to the sign-in page, and notary offices that have not
accepted the terms of use go to them, so that a bookmark never shows a bare error.
"""

import logging

from pyramid.csrf import BadCSRFOrigin, BadCSRFToken
from pyramid.exceptions import URLDecodeError
from pyramid.httpexceptions import HTTPBadRequest, HTTPSeeOther
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from core.accounts.models import ROLE_NOTARY
from core.i18n import _

log = logging.getLogger(__name__)

ERROR_TEMPLATE = "core:web/templates/error.pt"


def error_page(request, status: int, title, message) -> dict:
    request.response.status = status
    return {"title": title, "message": message}


@notfound_view_config(renderer=ERROR_TEMPLATE)
def not_found(request):
    return error_page(
        request, 404, _("Page introuvable"),
        _("Cette page n'existe pas ou ne vous est pas accessible. Vérifiez l'adresse, ou revenez à l'accueil."),
    )


@forbidden_view_config(renderer=ERROR_TEMPLATE)
def forbidden(request):
    account = request.identity
    if account is None:
        query = {"suivant": request.path_qs} if request.method == "GET" else {}
        return HTTPSeeOther(request.route_url("sign_in", _query=query))
    if account.role == ROLE_NOTARY and account.terms_accepted_at is None:
        return HTTPSeeOther(request.route_url("terms"))
    return error_page(
        request, 403, _("Accès refusé"),
        _("Votre compte ne donne pas accès à cette page."),
    )


@exception_view_config(BadCSRFToken, renderer=ERROR_TEMPLATE)
@exception_view_config(BadCSRFOrigin, renderer=ERROR_TEMPLATE)
def bad_csrf(request):
    return error_page(
        request, 400, _("Formulaire expiré"),
        _("Ce formulaire a expiré ou ne vient pas de ce site. Rechargez la page et recommencez."),
    )


@exception_view_config(URLDecodeError, renderer=ERROR_TEMPLATE)
def undecodable_address(request):
    return error_page(
        request, 400, _("Adresse invalide"),
        _("Cette adresse contient des caractères invalides. Vérifiez le lien, ou revenez à l'accueil."),
    )


@exception_view_config(HTTPBadRequest, renderer=ERROR_TEMPLATE)
def bad_request(request):
    detail = request.exception.detail
    return error_page(
        request, 400, _("Requête invalide"),
        detail or _("La requête est invalide. Revenez à la page précédente et vérifiez votre saisie."),
    )


@exception_view_config(Exception, renderer=ERROR_TEMPLATE)
def server_error(request):
    # The traceback goes to the log without the request's parameters, which may hold
    # the civil status of a deceased person.
    log.error("unexpected_error path=%s", request.environ.get("PATH_INFO", "")[:200], exc_info=request.exception)
    return error_page(
        request, 500, _("Erreur du service"),
        _("Une erreur inattendue s'est produite. Réessayez dans quelques instants ; "
          "si elle persiste, contactez le Département."),
    )
