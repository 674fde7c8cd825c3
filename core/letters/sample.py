"""Made-up letter data, for the back office preview of the branding and the benchmark.

Every name, address and reference here is fictional.
"""

from datetime import datetime, timedelta

from core.letters.render import CIVIL_STATUS_LABELS, LetterData

SAMPLE_CIVIL_STATUS = tuple(
    (CIVIL_STATUS_LABELS[field], value)
    for field, value in (
        ("usage_name", "EXEMPLE"),
        ("birth_name", "MODÈLE"),
        ("first_names", "Jeanne Marie Louise"),
        ("birth_date", "14/07/1932"),
        ("death_date", "03/11/2026"),
        ("death_place", "Démoville"),
    )
)


def sample_letter_data(outcome: str, letter_date: datetime) -> LetterData:
    """Return the data of a fictional search of ``outcome``, with its letter dated ``letter_date``."""
    return LetterData(
        outcome=outcome,
        reference=f"DN-{letter_date.year}-000000",
        searched_at=letter_date - timedelta(days=2) if outcome == "ambiguous" else letter_date,
        letter_date=letter_date,
        deceased_name="Jeanne Marie Louise EXEMPLE",
        civil_status=SAMPLE_CIVIL_STATUS,
        office_name="Office notarial de Maître Claire Fictive",
        office_address=("12 rue de l’Exemple", "99000 Démoville"),
        office_crpcen="99000",
        file_reference="SUCC-EXEMPLE-001",
    )


