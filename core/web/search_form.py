"""The search form: reading and checking what the notary typed, field by field.

Each problem gets a message in the user's language, shown next to its field. What
passes these checks is handed to ``core.search`` unchanged, as typed.
"""

import calendar
import datetime
import re
from dataclasses import dataclass, field

from core.i18n import _
from core.web.inputs import clean_text

FIELDS = (
    "usage_name",
    "birth_name",
    "first_names",
    "birth_date",
    "death_date",
    "death_place",
    "file_reference",
)
MAX_LENGTHS = {
    "usage_name": 200,
    "birth_name": 200,
    "first_names": 300,
    "birth_date": 20,
    "death_date": 20,
    "death_place": 200,
    "file_reference": 100,
}
MAX_AGE_YEARS = 125

# JJ/MM/AAAA, also with "." or "-" between the parts; 00 stands for an unknown day or month.
DATE_PATTERN = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")


@dataclass
class TypedDate:
    """A date as read from the form; ``month`` and ``day`` are 0 when unknown."""

    year: int
    month: int
    day: int

    @property
    def earliest(self) -> datetime.date:
        return datetime.date(self.year, self.month or 1, self.day or 1)

    @property
    def is_complete(self) -> bool:
        return bool(self.month and self.day)


@dataclass
class SearchForm:
    values: dict[str, str]
    errors: dict = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def read_search_form(params, today: datetime.date | None = None) -> SearchForm:
    """Read the posted fields and check them; ``errors`` maps a field to its message."""
    today = today or datetime.date.today()
    values = {name: clean_text(params.get(name, "")) for name in FIELDS}
    form = SearchForm(values)

    for name, limit in MAX_LENGTHS.items():
        if len(values[name]) > limit:
            form.errors[name] = _("Ce champ est trop long (${count} caractères au plus).", mapping={"count": limit})

    _check_names(form)
    birth = _read_date(form, "birth_date", today, allow_partial=True)
    death = _read_date(form, "death_date", today, allow_partial=False)
    if birth and death:
        _check_lifespan(form, birth, death)
    return form


def _has_letter(text: str) -> bool:
    return any(character.isalpha() for character in text)


def _check_names(form: SearchForm) -> None:
    values, errors = form.values, form.errors
    if not values["usage_name"] and not values["birth_name"]:
        errors.setdefault("usage_name", _("Indiquez le nom d'usage ou le nom de naissance du défunt."))
    for name in ("usage_name", "birth_name"):
        if values[name] and not _has_letter(values[name]):
            errors.setdefault(name, _("Un nom doit contenir au moins une lettre."))
    if not values["first_names"]:
        errors.setdefault("first_names", _("Indiquez au moins un prénom du défunt."))
    elif not _has_letter(values["first_names"]):
        errors.setdefault("first_names", _("Un prénom doit contenir au moins une lettre."))


def _read_date(form: SearchForm, name: str, today: datetime.date, *, allow_partial: bool) -> TypedDate | None:
    text = form.values[name]
    if name in form.errors:
        return None
    if not text:
        form.errors[name] = (
            _("Indiquez la date de naissance, au format JJ/MM/AAAA.")
            if name == "birth_date"
            else _("Indiquez la date de décès, au format JJ/MM/AAAA.")
        )
        return None

    match = DATE_PATTERN.fullmatch(text)
    if match is None:
        form.errors[name] = _("Écrivez la date au format JJ/MM/AAAA, par exemple 17/05/1931.")
        return None
    day, month, year = (int(part) for part in match.groups())
    problem = _date_problem(year, month, day, allow_partial)
    if problem:
        form.errors[name] = problem
        return None

    date = TypedDate(year, month, day)
    if date.earliest > today:
        form.errors[name] = _("Cette date est dans le futur.")
        return None
    return date


def _date_problem(year: int, month: int, day: int, allow_partial: bool):
    if not allow_partial and (month == 0 or day == 0):
        return _("La date de décès doit être complète (jour, mois et année).")
    if year < 1800 or month > 12 or (month == 0 and day):
        return _("Cette date n'existe pas : vérifiez le jour, le mois et l'année.")
    if month and day > calendar.monthrange(year, month)[1]:
        return _("Cette date n'existe pas : ce mois n'a pas de jour ${day}.", mapping={"day": day})
    return None


def _check_lifespan(form: SearchForm, birth: TypedDate, death: TypedDate) -> None:
    if birth.earliest > death.earliest:
        form.errors["death_date"] = _(
            "La date de décès est avant la date de naissance : vérifiez les deux dates."
        )
        return
    age = death.earliest.year - birth.earliest.year
    if (death.earliest.month, death.earliest.day) < (birth.earliest.month, birth.earliest.day):
        age -= 1
    if age > MAX_AGE_YEARS:
        form.errors["death_date"] = _(
            "La personne aurait eu plus de ${years} ans à son décès : vérifiez les deux dates.",
            mapping={"years": MAX_AGE_YEARS},
        )
