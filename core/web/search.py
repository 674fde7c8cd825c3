"""The search form, the answer page and the letter download of a notary office.

A search is matched, stored, given its letter and its e-mail in one transaction; the
e-mail leaves once that transaction commits. Another office's search is a 404, never
a 403, so that references cannot be probed.
"""

import logging
import re

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import select

from core.audit import record_event
from core.i18n import _
from core.letters.models import Letter
from core.letters.render import LetterRenderingError
from core.letters.service import create_letter, letter_for_search, mail_letter
from core.search.models import Search
from core.search.service import QueryError, RegisterNotLoaded, parse_query, run_search
from core.security import PERMISSION_NOTARY
from core.settings import ConfigurationError
from core.web.search_form import read_search_form

log = logging.getLogger(__name__)

# Search references look like DN-2026-000123; anything else cannot name a search.
REFERENCE_PATTERN = re.compile(r"[A-Z0-9-]{1,32}")


def find_own_search(request) -> Search:
    """Return the signed-in office's search named in the URL, or raise a 404."""
    reference = request.matchdict["reference"]
    if not REFERENCE_PATTERN.fullmatch(reference):
        raise HTTPNotFound()
    search = request.dbsession.scalar(
        select(Search).where(Search.reference == reference, Search.account_id == request.identity.id)
    )
    if search is None:
        raise HTTPNotFound()
    return search


@view_config(route_name="search", renderer="core:web/templates/search.pt", request_method="GET",
             permission=PERMISSION_NOTARY)
def search_form(request):
    return {"values": {}, "errors": {}}


@view_config(route_name="search", renderer="core:web/templates/search.pt", request_method="POST",
             permission=PERMISSION_NOTARY)
def search_submit(request):
    form = read_search_form(request.POST)
    if form.is_valid:
        try:
            query = parse_query(form.values)
        except QueryError as error:
            # The engine's own checks, in French only; the form's checks catch the
            # usual mistakes first, in the user's language.
            form.errors.update(error.errors)
    if not form.is_valid:
        request.response.status = 400
        return {"values": form.values, "errors": form.errors}

    try:
        search = answer_search(request, query)
    except RegisterNotLoaded:
        log.error("search_without_register account_id=%s", request.identity.id)
        request.response.status = 503
        return {"values": form.values, "errors": {}, "unavailable": True}
    return HTTPSeeOther(request.route_url("answer", reference=search.reference))


def answer_search(request, query) -> Search:
    """Match ``query``, store the search with its letter, and queue the letter's e-mail."""
    account = request.identity
    departement = request.registry["departement"]
    search = run_search(request.dbsession, departement, query, account_id=account.id, channel="web")
    record_event(
        request.dbsession, action="search", actor=account, request=request, target=search,
        details={"reference": search.reference, "outcome": search.outcome},
    )
    try:
        letter = create_letter(request.dbsession, departement, search, account, language=request.locale_name)
    except (LetterRenderingError, ConfigurationError):
        # The answer is still shown without its letter: the page says so, and the log names the search.
        log.exception("letter_failed search_ref=%s", search.reference)
        return search
    mail_letter(request.dbsession, departement, letter, search, account, language=request.locale_name)
    return search


@view_config(route_name="answer", renderer="core:web/templates/answer.pt", request_method="GET",
             permission=PERMISSION_NOTARY)
def answer(request):
    search = find_own_search(request)
    return {"search": search, "letter": latest_letter_summary(request.dbsession, search.id)}


def latest_letter_summary(dbsession, search_id: int):
    """Return the id and outcome of the search's latest letter, without loading its PDF."""
    return dbsession.execute(
        select(Letter.id, Letter.outcome)
        .where(Letter.search_id == search_id)
        .order_by(Letter.created_at.desc(), Letter.id.desc())
        .limit(1)
    ).first()


@view_config(route_name="letter", request_method="GET", permission=PERMISSION_NOTARY)
def download_letter(request):
    search = find_own_search(request)
    letter = letter_for_search(request.dbsession, search.id)
    if letter is None:
        raise HTTPNotFound(_("Le courrier de cette recherche n'est pas disponible."))
    record_event(
        request.dbsession, action="letter.download", actor=request.identity, request=request,
        target=("letter", letter.id), details={"reference": search.reference},
    )
    response = Response(body=letter.pdf, content_type="application/pdf")
    response.content_disposition = f'attachment; filename="{letter.filename}"'
    return response
