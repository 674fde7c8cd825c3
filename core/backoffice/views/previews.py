"""Letters and branding preview: each of the four letters with sample data.

The Département's TOML file is read again on every request, so a change of the
letterhead or of the templates shows here before the service restarts and notaries
receive it.
"""

import logging

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config

from core.i18n import _
from core.letters.branding import load_branding
from core.letters.render import OUTCOMES, LetterRenderingError
from core.letters.service import render_sample_letter
from core.search.outcomes import OUTCOME_WORDINGS
from core.security import PERMISSION_ADMIN
from core.settings import ConfigurationError, load_departement

log = logging.getLogger(__name__)


def current_departement(request):
    """Return the Département as its TOML file reads now (not as loaded at start-up)."""
    return load_departement(request.registry["departement"].path)


@view_config(route_name="letter_previews", renderer="core:backoffice/templates/previews.pt",
             request_method="GET", permission=PERMISSION_ADMIN)
def previews(request):
    try:
        departement = current_departement(request)
        branding = load_branding(departement)
        error = None
    except ConfigurationError as problem:
        branding, error = None, str(problem)
    return {"branding": branding, "error": error, "outcomes": OUTCOMES, "wordings": OUTCOME_WORDINGS}


@view_config(route_name="letter_preview", request_method="GET", permission=PERMISSION_ADMIN)
def preview_pdf(request):
    outcome = request.matchdict["outcome"]
    if outcome not in OUTCOMES:
        raise HTTPNotFound()
    try:
        pdf = render_sample_letter(current_departement(request), outcome)
    except (ConfigurationError, LetterRenderingError) as error:
        log.warning("letter_preview_failed outcome=%s error=%s", outcome, type(error).__name__)
        request.response.status = 500
        request.override_renderer = "core:web/templates/error.pt"
        return {"title": _("Aperçu impossible"), "message": str(error)}
    response = Response(body=pdf, content_type="application/pdf")
    response.content_disposition = f'inline; filename="apercu-{outcome}.pdf"'
    return response
