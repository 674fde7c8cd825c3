"""The queue of doubtful searches and the page where an agent settles one."""

import logging

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from core.accounts.models import Account
from core.audit import utcnow
from core.backoffice import cases
from core.backoffice.differences import mark_date, mark_words
from core.backoffice.views import flash
from core.i18n import _
from core.letters.render import LetterRenderingError
from core.matching.dates import format_date
from core.search.models import Search
from core.search.outcomes import OUTCOME_WORDINGS, STATUS_PENDING_REVIEW
from core.security import PERMISSION_STAFF
from core.settings import ConfigurationError

log = logging.getLogger(__name__)

CASE_TEMPLATE = "core:backoffice/templates/case.pt"
# Names of the parts in ``SearchCandidate.reasons``, in display order.
REASON_LABELS = {
    "names": _("Noms"),
    "first_names": _("Prénoms"),
    "birth_date": _("Date de naissance"),
}
NONE_CHOICE = "aucun"


@view_config(route_name="cases", renderer="core:backoffice/templates/cases.pt",
             request_method="GET", permission=PERMISSION_STAFF)
def case_queue(request):
    return {
        "queue": cases.pending_cases(request.dbsession),
        "recent": cases.recent_decisions(request.dbsession),
        "wordings": OUTCOME_WORDINGS,
    }


def get_case(request) -> Search:
    """Return the search of the URL, if it is or was a doubtful case; else raise 404."""
    search = request.dbsession.scalar(select(Search).where(Search.reference == request.matchdict["reference"]))
    if search is None:
        raise HTTPNotFound()
    if search.status != STATUS_PENDING_REVIEW and cases.decision_of(request.dbsession, search) is None:
        raise HTTPNotFound()
    return search


def _french_date(value: str | None) -> str | None:
    """Return an ISO date of a snapshot (2010-09-29) as French readers write it (29/09/2010)."""
    if not value:
        return None
    return format_date(*map(int, value.split("-")))


def candidate_view(search: Search, candidate) -> dict:
    """Return what the case page shows of one candidate, with the differences marked."""
    person = candidate.snapshot
    return {
        "id": candidate.id,
        "rank": candidate.rank,
        "verdict": candidate.verdict,
        "score": candidate.score,
        "reasons": [
            (REASON_LABELS.get(part, part), detail)
            for part, detail in sorted(candidate.reasons.items(), key=lambda item: list(REASON_LABELS).index(item[0])
                                       if item[0] in REASON_LABELS else 99)
        ],
        "usage_name": mark_words(person.get("usage_name"), search.usage_name, search.birth_name),
        "birth_name": mark_words(person.get("birth_name"), search.usage_name, search.birth_name),
        "first_names": mark_words(person.get("first_names"), search.first_names),
        "birth_date": mark_date(person.get("birth_date"), search.birth_date),
        "sex": person.get("sex"),
        "aids": [
            {**aid, "start": _french_date(aid.get("start")), "end": _french_date(aid.get("end"))}
            for aid in person.get("aids", [])
        ],
        "outcome": candidate.person_outcome,
        "person_ref": candidate.person_ref,
    }


def case_page(request, search: Search, errors=None, message=None) -> dict:
    dbsession = request.dbsession
    office = dbsession.get(Account, search.account_id) if search.account_id else None
    decision = cases.decision_of(dbsession, search)
    return {
        "search": search,
        "office": office,
        "candidates": [candidate_view(search, candidate) for candidate in search.candidates],
        "decision": decision,
        "chosen_rank": _chosen_rank(search, decision),
        "notes": cases.notes_of(dbsession, search),
        "pending": search.status == STATUS_PENDING_REVIEW,
        "waiting_hours": int((utcnow() - search.created_at).total_seconds() // 3600),
        "wordings": OUTCOME_WORDINGS,
        "errors": errors or {},
        "values": {},
        "message": message,
        "none_choice": NONE_CHOICE,
    }


def _chosen_rank(search, decision):
    if decision is None or decision[0].chosen_person_ref is None:
        return None
    return next((item.rank for item in search.candidates if item.person_ref == decision[0].chosen_person_ref), None)


@view_config(route_name="case", renderer=CASE_TEMPLATE, request_method="GET", permission=PERMISSION_STAFF)
def case_view(request):
    return case_page(request, get_case(request))


@view_config(route_name="case", renderer=CASE_TEMPLATE, request_method="POST", permission=PERMISSION_STAFF)
def case_decide(request):
    search = get_case(request)
    choice = request.POST.get("choice", "")
    candidate_id = _chosen_candidate(search, choice)
    if choice != NONE_CHOICE and candidate_id is None:
        request.response.status = 400
        return case_page(request, search, {"choice": _("Choisissez la personne qui correspond, ou « aucune ».")})

    try:
        cases.decide_case(request.dbsession, request.registry["departement"], search,
                          agent=request.identity, candidate_id=candidate_id, request=request)
    except cases.CaseAlreadyDecided:
        # Nothing was written: reload the search to show the other agent's decision.
        request.dbsession.expire_all()
        request.response.status = 409
        message = _("Le cas ${reference} vient d'être tranché par un autre agent : votre décision n'a pas été "
                    "enregistrée. Consultez la décision ci-dessous.", mapping={"reference": search.reference})
        return case_page(request, get_case(request), message=message)
    except (LetterRenderingError, ConfigurationError) as error:
        # Dooming the transaction rolls back the claim too, so the case stays pending.
        request.tm.doom()
        log.error("case_letter_failed search_ref=%s error=%s", search.reference, type(error).__name__)
        request.response.status = 500
        request.override_renderer = "core:web/templates/error.pt"
        return _failure_page()

    flash(request, _("Décision enregistrée pour ${reference} : le courrier est envoyé à l'étude.",
                     mapping={"reference": search.reference}))
    return HTTPSeeOther(request.route_url("cases"))


def _failure_page() -> dict:
    return {"title": _("Courrier impossible à produire"),
            "message": _("La décision n'a pas été enregistrée car le courrier n'a pas pu être produit. "
                         "Vérifiez les modèles et l'en-tête des courriers, puis recommencez.")}


def _chosen_candidate(search: Search, choice: str) -> int | None:
    if not choice.isdigit():
        return None
    candidate_id = int(choice)
    return candidate_id if any(item.id == candidate_id for item in search.candidates) else None


@view_config(route_name="case_note", renderer=CASE_TEMPLATE, request_method="POST", permission=PERMISSION_STAFF)
def case_note(request):
    search = get_case(request)
    text = request.POST.get("note", "")
    try:
        cases.add_note(request.dbsession, search, author=request.identity, text=text, request=request)
    except ValueError:
        request.response.status = 400
        page = case_page(request, search, {"note": _("Saisissez une note de 1 à 2000 caractères.")})
        page["values"] = {"note": text[:cases.MAX_NOTE_LENGTH]}
        return page
    flash(request, _("Note ajoutée."))
    return HTTPSeeOther(request.route_url("case", reference=search.reference) + "#notes")
