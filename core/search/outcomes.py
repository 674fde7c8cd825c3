"""The four outcomes of a search, their French wordings and the review statuses.

Web pages, letters and the command line read the wordings from here, so that a notary
sees the same sentence everywhere.
"""

UNKNOWN = "unknown"
RECOVERABLE_AID = "recoverable_aid"
POSSIBLE_OVERPAYMENT = "possible_overpayment"
AMBIGUOUS = "ambiguous"

OUTCOMES = (UNKNOWN, RECOVERABLE_AID, POSSIBLE_OVERPAYMENT, AMBIGUOUS)

# The answers given without an agent, because they name an aid of one identified person.
KNOWN_OUTCOMES = (RECOVERABLE_AID, POSSIBLE_OVERPAYMENT)

OUTCOME_WORDINGS = {
    UNKNOWN: "inconnu : pas d'aide sociale récupérable",
    RECOVERABLE_AID: "connu : bénéficiaire d'une aide sociale récupérable",
    POSSIBLE_OVERPAYMENT: "connu : prestation avec indu potentiel",
    AMBIGUOUS: "doute : vérification par les services",
}

# A search is answered at once, or waits until an agent settles the doubt.
STATUS_ANSWERED = "answered"
STATUS_PENDING_REVIEW = "pending_review"
STATUSES = (STATUS_ANSWERED, STATUS_PENDING_REVIEW)

CHANNEL_WEB = "web"
CHANNEL_CLI = "cli"
CHANNEL_BATCH = "batch"
CHANNELS = (CHANNEL_WEB, CHANNEL_CLI, CHANNEL_BATCH)


def outcome_wording(outcome: str) -> str:
    """Return the French sentence shown to a notary for ``outcome``."""
    return OUTCOME_WORDINGS[outcome]


def status_for(outcome: str) -> str:
    """Return the status of a new search: a doubt waits for an agent, the rest is answered."""
    return STATUS_PENDING_REVIEW if outcome == AMBIGUOUS else STATUS_ANSWERED
