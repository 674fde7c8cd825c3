"""Outcome wordings and explanations as the notary's pages show them, translatable.

The French wordings are those of ``core.search.outcomes``, repeated here as literal
msgids so that the catalog extraction finds them. A test checks that both stay equal.
"""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from core.i18n import _
from core.search.outcomes import (
    AMBIGUOUS,
    POSSIBLE_OVERPAYMENT,
    RECOVERABLE_AID,
    STATUS_ANSWERED,
    STATUS_PENDING_REVIEW,
    UNKNOWN,
)

OUTCOME_LABELS = {
    UNKNOWN: _("inconnu : pas d'aide sociale récupérable"),
    RECOVERABLE_AID: _("connu : bénéficiaire d'une aide sociale récupérable"),
    POSSIBLE_OVERPAYMENT: _("connu : prestation avec indu potentiel"),
    AMBIGUOUS: _("doute : vérification par les services"),
}

OUTCOME_EXPLANATIONS = {
    UNKNOWN: _(
        "Le Département n'a trouvé aucune aide sociale récupérable pour la personne "
        "dont l'état civil a été saisi. Cette réponse repose sur l'exactitude de la saisie."
    ),
    RECOVERABLE_AID: _(
        "La personne a bénéficié d'une aide sociale que le Département peut récupérer sur la "
        "succession (code de l'action sociale et des familles, article L132-8). Le courrier "
        "indique les suites à donner."
    ),
    POSSIBLE_OVERPAYMENT: _(
        "La personne percevait une prestation non récupérable sur la succession, mais des "
        "sommes versées après le décès peuvent être à rembourser (indu). Le courrier indique "
        "les suites à donner."
    ),
    AMBIGUOUS: _(
        "Plusieurs personnes du fichier pourraient correspondre, ou l'état civil saisi diffère "
        "légèrement. Les services du Département vérifient ; la réponse suivra par e-mail."
    ),
}

STATUS_LABELS = {
    STATUS_ANSWERED: _("répondu"),
    STATUS_PENDING_REVIEW: _("en cours de vérification"),
}

# Dates are stored in UTC and shown at the time of the Département, in metropolitan France.
DISPLAY_TIMEZONE = ZoneInfo("Europe/Paris")


def local_time(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc).astimezone(DISPLAY_TIMEZONE)


def format_datetime(value: datetime | None) -> str:
    return local_time(value).strftime("%d/%m/%Y %H:%M") if value else ""


def format_date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""
