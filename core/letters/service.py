"""Create, find and e-mail the official letters; render samples for the back office.

The API other features use:

- ``create_letter(dbsession, departement, search, office)``: render the letter of the
  search's current outcome and store it with the search (an acknowledgement while the
  search is ambiguous);
- ``letter_for_search(dbsession, search_id)``: the latest letter of a search;
- ``mail_letter(dbsession, departement, letter, search, office)``: queue the e-mail to
  the office with the letter attached, sent once the caller's transaction commits;
- ``render_sample_letter(departement, outcome)``: PDF bytes of a letter with made-up
  data and the Département's current branding.
"""

import logging
from datetime import date, datetime

from pyramid.i18n import TranslationStringFactory
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.letters.branding import load_branding
from core.letters.models import Letter
from core.letters.render import (
    CIVIL_STATUS_FIELDS,
    DEFAULT_LANGUAGE,
    OUTCOMES,
    LetterData,
    LetterRenderingError,
    local_date,
    localizer_for,
    render_letter,
)
from core.letters.sample import sample_letter_data
from core.mail.service import queue_mail, utcnow
from core.settings import ConfigurationError, DepartementConfig
from letters import TRANSLATION_DOMAIN

log = logging.getLogger(__name__)

_ = TranslationStringFactory(TRANSLATION_DOMAIN)


def create_letter(dbsession: Session, departement: DepartementConfig, search, office, language: str = DEFAULT_LANGUAGE) -> Letter:
    """Render the letter of ``search``'s outcome for ``office`` and add it to ``dbsession``.

    ``search`` is a ``core.search.models.Search`` with its reference set; ``office`` an
    ``Account`` (name, address, login = CRPCEN), or None for a search without an
    office. Returns the flushed ``Letter``.

    :raises LetterRenderingError: when the outcome has no template, a template fails or
        the Département's ``[letters]`` table is invalid.
    """
    if search.outcome not in OUTCOMES:
        raise LetterRenderingError(f"Aucun modèle de courrier pour le résultat « {search.outcome} ».")

    data = letter_data(search, office, letter_date=utcnow())
    rendered = render_letter(_branding(departement), data, language)
    letter = Letter(
        search_id=search.id,
        outcome=search.outcome,
        language=rendered.language,
        filename=rendered.filename,
        pdf=rendered.pdf,
        template_hash=rendered.template_hash,
        created_at=data.letter_date,
    )
    dbsession.add(letter)
    dbsession.flush()
    log.info(
        "letter_created letter_id=%s search_ref=%s outcome=%s bytes=%s",
        letter.id, search.reference, letter.outcome, len(letter.pdf),
    )
    return letter


def _branding(departement: DepartementConfig):
    # The table was checked at start-up, but a file it names may have gone since.
    try:
        return load_branding(departement)
    except ConfigurationError as error:
        raise LetterRenderingError(str(error)) from error


def letter_for_search(dbsession: Session, search_id: int) -> Letter | None:
    """Return the latest letter of a search: after an acknowledgement, the final letter."""
    return dbsession.scalars(
        select(Letter)
        .where(Letter.search_id == search_id)
        .order_by(Letter.created_at.desc(), Letter.id.desc())
        .limit(1)
    ).first()


def letters_for_search(dbsession: Session, search_id: int) -> list[Letter]:
    """Return every letter of a search, oldest first."""
    return list(
        dbsession.scalars(select(Letter).where(Letter.search_id == search_id).order_by(Letter.created_at, Letter.id))
    )


def render_sample_letter(departement: DepartementConfig, outcome: str, language: str = DEFAULT_LANGUAGE) -> bytes:
    """Return the PDF of ``outcome``'s letter with made-up data and the current branding.

    :raises LetterRenderingError: for an unknown outcome, a failing template or an
        invalid ``[letters]`` table.
    """
    if outcome not in OUTCOMES:
        raise LetterRenderingError(f"Aucun modèle de courrier pour le résultat « {outcome} ».")
    return render_letter(_branding(departement), sample_letter_data(outcome, utcnow()), language).pdf


def mail_letter(dbsession: Session, departement: DepartementConfig, letter: Letter, search, office, language: str = DEFAULT_LANGUAGE):
    """Queue the e-mail that sends ``letter`` to ``office``; return the ``OutgoingMail``.

    The mail leaves once the caller's transaction commits (see ``core.mail.service``).
    Its text names the reference and the outcome, never the deceased, because an
    e-mail travels less safely than the attached letter is stored.
    """
    localizer = localizer_for(language)
    mapping = {
        "departement": departement.name,
        "reference": search.reference,
        "file_reference": search.file_reference or "",
        "date": local_date(search.created_at, _branding(departement).timezone).strftime("%d/%m/%Y"),
    }
    subject = localizer.translate(_mail_subject(letter.outcome, search.file_reference, mapping))
    if letter.outcome in OUTCOME_WORDINGS:
        mapping["outcome"] = localizer.translate(OUTCOME_WORDINGS[letter.outcome])
    body = localizer.translate(_mail_body(letter.outcome, mapping, departement))
    return queue_mail(dbsession, office.email, subject, body, attachments=[letter], search_id=search.id)


def _mail_subject(outcome: str, file_reference: str | None, mapping: dict):
    if outcome == "ambiguous":
        if file_reference:
            return _("Demande ${reference} (vos références : ${file_reference}) : vérification en cours", mapping=mapping)
        return _("Demande ${reference} : vérification en cours", mapping=mapping)
    if file_reference:
        return _("Réponse à votre demande ${reference} (vos références : ${file_reference})", mapping=mapping)
    return _("Réponse à votre demande ${reference}", mapping=mapping)


def _mail_body(outcome: str, mapping: dict, departement: DepartementConfig):
    letters = departement.section("letters")
    contact = " — ".join(part for part in (letters.get("email"), letters.get("phone")) if part)
    mapping = dict(mapping, contact=contact or departement.name)
    if outcome == "ambiguous":
        return _(
            "Maître,\n\n"
            "Votre demande ${reference} du ${date} est en cours de vérification par les "
            "services du ${departement} : plusieurs personnes connues pourraient correspondre "
            "à l’état civil saisi. La réponse vous sera envoyée par courrier électronique dès "
            "que cette vérification sera faite.\n\n"
            "L’accusé de réception est joint à ce message, au format PDF.\n\n"
            "Ce message est envoyé automatiquement : merci de ne pas y répondre. Pour toute "
            "question : ${contact}\n",
            mapping=mapping,
        )
    return _(
        "Maître,\n\n"
        "Vous trouverez ci-joint, au format PDF, la réponse du ${departement} à votre "
        "demande ${reference} du ${date}.\n\n"
        "Réponse du Département — ${outcome}\n\n"
        "Ce courrier reste disponible dans l’historique de vos demandes.\n\n"
        "Ce message est envoyé automatiquement : merci de ne pas y répondre. Pour toute "
        "question : ${contact}\n",
        mapping=mapping,
    )


# The wordings of core.search.outcomes, in the ``letters`` domain so that the mail
# is translated as a whole.
OUTCOME_WORDINGS = {
    "unknown": _("inconnu : pas d’aide sociale récupérable"),
    "recoverable_aid": _("connu : bénéficiaire d’une aide sociale récupérable"),
    "possible_overpayment": _("connu : prestation avec indu potentiel"),
}


def letter_data(search, office, letter_date: datetime) -> LetterData:
    """Return what a letter states about ``search``, with the civil status as typed."""
    civil_status = []
    for attribute, label in CIVIL_STATUS_FIELDS:
        value = getattr(search, attribute, None)
        if value in (None, ""):
            continue
        if isinstance(value, date):
            value = value.strftime("%d/%m/%Y")
        civil_status.append((label, str(value)))

    return LetterData(
        outcome=search.outcome,
        reference=search.reference or "",
        searched_at=search.created_at,
        letter_date=letter_date,
        deceased_name=_deceased_name(search),
        civil_status=tuple(civil_status),
        file_reference=search.file_reference or "",
        **_office_fields(office),
    )


def _office_fields(office) -> dict:
    if office is None:
        return {"office_name": ""}
    address = tuple(line.strip() for line in (office.address or "").splitlines() if line.strip())
    # A notary office's login is its CRPCEN code; staff accounts have none to print.
    crpcen = office.login if office.role == "notary" else ""
    return {"office_name": office.name, "office_address": address, "office_crpcen": crpcen}


def _deceased_name(search) -> str:
    surname = search.usage_name or search.birth_name or ""
    return " ".join(part for part in (search.first_names, surname) if part)
