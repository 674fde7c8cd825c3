"""What a notary types about a deceased person, read and checked before any matching.

Every message here is shown to the notary (or written in a batch result row), so it is
French and says which field is wrong and how to write it.
"""

import calendar
import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass

from core.connectors.records import PartialDate
from core.matching.normalize import fold, given_name_words

# Earlier birth years are typing errors: nobody that old can have died recently.
MIN_BIRTH_YEAR = 1850

FIELD_LABELS = {
    "usage_name": "nom d'usage",
    "birth_name": "nom de naissance",
    "first_names": "prénoms",
    "birth_date": "date de naissance",
    "death_date": "date de décès",
    "death_place": "lieu de décès",
    "file_reference": "référence du dossier",
}

MAX_LENGTHS = {
    "usage_name": 200,
    "birth_name": 200,
    "first_names": 300,
    "death_place": 200,
    "file_reference": 100,
}

DATE_HINT = "écrivez-la JJ/MM/AAAA (par exemple 17/05/1931), AAAA-MM-JJ, 00/00/1931 ou 1931"

_DAY_FIRST = re.compile(r"(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_MONTH_YEAR = re.compile(r"(\d{1,2})[/.\- ](\d{4})")
_YEAR = re.compile(r"\d{4}")


@dataclass
class SearchQuery:
    """The civil status of a deceased person as a notary typed it.

    ``usage_name`` is the "Nom d'usage" field (``--last-name`` on the command line).
    ``birth_date`` has month and day 0 when the notary did not know them.
    ``birth_date_text`` keeps the date as typed, for the search record.
    """

    usage_name: str | None
    birth_name: str | None
    first_names: str
    birth_date: PartialDate | None
    death_date: datetime.date | None = None
    death_place: str | None = None
    file_reference: str | None = None
    birth_date_text: str | None = None

    @property
    def birth_date_display(self) -> str:
        """Return the birth date as typed, or in ISO form when built in code."""
        if self.birth_date_text:
            return self.birth_date_text
        return str(self.birth_date) if self.birth_date else ""


class QueryError(ValueError):
    """The query cannot be searched; ``errors`` maps each bad field to a French message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__(" ; ".join(self.errors.values()))


class DateError(ValueError):
    """A date that cannot be read; the message is the French reason."""


def parse_partial_date(text: str, label: str, *, today: datetime.date | None = None) -> PartialDate:
    """Read a date typed by a notary, with month or day possibly unknown.

    Accepted: ``17/05/1931`` (also with ``.`` or ``-``), ``1931-05-17``, ``00/05/1931``,
    ``05/1931``, ``00/00/1931`` and ``1931``. Raises DateError naming ``label``.
    """
    text = text.strip()
    day = month = 0
    if match := _DAY_FIRST.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _MONTH_YEAR.fullmatch(text):
        month, year = (int(part) for part in match.groups())
    elif _YEAR.fullmatch(text):
        year = int(text)
    else:
        raise DateError(f"La {label} « {text} » est illisible : {DATE_HINT}.")
    return _checked_partial_date(year, month, day, text, label, today or datetime.date.today())


def _checked_partial_date(year, month, day, text, label, today) -> PartialDate:
    if year < MIN_BIRTH_YEAR:
        raise DateError(f"La {label} « {text} » est impossible : l'année est avant {MIN_BIRTH_YEAR}.")
    if month > 12:
        raise DateError(f"La {label} « {text} » est impossible : le mois {month} n'existe pas.")
    if month == 0 and day:
        raise DateError(f"La {label} « {text} » est impossible : un jour est donné sans son mois.")
    if month and day > calendar.monthrange(year, month)[1]:
        raise DateError(f"La {label} « {text} » est impossible : ce jour n'existe pas dans ce mois.")
    date = PartialDate(year, month, day)
    earliest = datetime.date(year, month or 1, day or 1)
    if earliest > today:
        raise DateError(f"La {label} « {text} » est dans le futur.")
    return date


def parse_full_date(text: str, label: str, *, today: datetime.date | None = None) -> datetime.date:
    """Read a complete date (``17/05/2024`` or ``2024-05-17``); raise DateError otherwise."""
    date = parse_partial_date(text, label, today=today)
    if not date.is_complete:
        raise DateError(f"La {label} « {text.strip()} » doit être complète (jour, mois et année).")
    return date.to_date()


def parse_query(fields: Mapping[str, str | None], *, today: datetime.date | None = None) -> SearchQuery:
    """Build a SearchQuery from raw form or CSV strings; raise QueryError listing every problem.

    Keys are the SearchQuery field names. At least one of the two names, one given name
    and the birth date are required; the death date, when given, must be a complete
    date after the birth date and not in the future.
    """
    values = {key: _clean(fields.get(key)) for key in FIELD_LABELS}
    errors = _length_errors(values)

    if not fold(values["usage_name"]) and not fold(values["birth_name"]):
        errors.setdefault("usage_name", "Indiquez le nom d'usage ou le nom de naissance du défunt.")
    if not given_name_words(values["first_names"]):
        errors.setdefault("first_names", "Indiquez au moins un prénom du défunt.")

    birth_date = death_date = None
    if not values["birth_date"]:
        errors["birth_date"] = f"Indiquez la date de naissance du défunt : {DATE_HINT}."
    else:
        try:
            birth_date = parse_partial_date(values["birth_date"], "date de naissance", today=today)
        except DateError as error:
            errors["birth_date"] = str(error)
    if values["death_date"]:
        try:
            death_date = parse_full_date(values["death_date"], "date de décès", today=today)
        except DateError as error:
            errors["death_date"] = str(error)
    if birth_date and death_date and datetime.date(birth_date.year, birth_date.month or 1, birth_date.day or 1) > death_date:
        errors["death_date"] = "La date de décès est avant la date de naissance : vérifiez les deux dates."

    if errors:
        raise QueryError(errors)
    return SearchQuery(
        usage_name=values["usage_name"] or None,
        birth_name=values["birth_name"] or None,
        first_names=values["first_names"],
        birth_date=birth_date,
        death_date=death_date,
        death_place=values["death_place"] or None,
        file_reference=values["file_reference"] or None,
        birth_date_text=values["birth_date"],
    )


def _clean(value) -> str:
    # Collapse runs of blanks, so that the stored input reads as typed but tidy.
    return " ".join(str(value).split()) if value is not None else ""


def _length_errors(values: dict[str, str]) -> dict[str, str]:
    errors = {}
    for key, limit in MAX_LENGTHS.items():
        if len(values[key]) > limit:
            errors[key] = f"Le champ « {FIELD_LABELS[key]} » est trop long ({limit} caractères au plus)."
    return errors
