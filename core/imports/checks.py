"""Checks common to every connector, applied to each record before it is stored.

Connectors reject what they cannot parse (an impossible date, a short row). What is left
here needs no knowledge of the file format: missing names, dates in the future, values
longer than the register's columns. Duplicate person ids are found while writing, since
the database already indexes them.
"""

import datetime
import functools
from dataclasses import dataclass

from core.connectors.records import AidRecord, PartialDate, PersonRecord
from core.matching.normalize import given_name_words, surname_keys

# Column sizes of core.register.models: longer values are rejected, not cut.
MAX_LENGTHS = {
    "person_id": ("identifiant de personne", 64),
    "usage_name": ("nom d'usage", 200),
    "birth_name": ("nom de naissance", 200),
    "first_names": ("prénoms", 300),
}
_ID_MAX, _USAGE_NAME_MAX, _BIRTH_NAME_MAX, _FIRST_NAMES_MAX = (limit for _, limit in MAX_LENGTHS.values())
MAX_AID_CODE_LENGTH = 64
MAX_AID_LABEL_LENGTH = 200

# Birth years before this are typing errors rather than people of a social-aid register.
EARLIEST_BIRTH_YEAR = 1850

# Caches of name keys: surnames repeat a lot in a register, and normalising them is the
# costliest step of a check. Bounded, so memory stays flat on any file: full, both take
# under 20 MB (measured with tracemalloc on synthetic names).
NAME_KEY_CACHE_SIZE = 20000
_surname_keys = functools.lru_cache(maxsize=NAME_KEY_CACHE_SIZE)(surname_keys)


@functools.lru_cache(maxsize=NAME_KEY_CACHE_SIZE)
def _first_name_keys(first_names: str) -> str:
    return " ".join(given_name_words(first_names))


@dataclass(slots=True)
class CheckedPerson:
    """A person ready to be stored, with its precomputed matching keys."""

    line: int
    source: str
    person_ref: str
    usage_name: str
    birth_name: str | None
    first_names: str
    sex: str | None
    birth: PartialDate
    first_name_keys: str
    name_keys: frozenset[str]
    aids: list[AidRecord]


@dataclass(slots=True)
class CheckOutcome:
    """The result of checking one record.

    ``person`` is None when the whole record is rejected. ``rejections`` lists the French
    reason of each rejected line: the record itself, or some of its aids.
    """

    person: CheckedPerson | None
    rejections: list[str]
    lines: int


class RecordChecker:
    """Check records against rules that hold whatever the connector."""

    def __init__(self, today: datetime.date):
        self.today = today

    def check(self, record: PersonRecord) -> CheckOutcome:
        # Called once per person of the extraction: plain statements, and the rare
        # problems spelled out in helpers off the common path.
        lines = len(record.aids) or 1
        reason = self._person_problem(record)
        if reason:
            return CheckOutcome(None, [reason], lines)

        birth_name = record.birth_name.strip() if record.birth_name else ""
        # A register entry needs a usage name: software that only fills the birth name
        # means the same person under that name.
        usage_name = (record.usage_name.strip() if record.usage_name else "") or birth_name
        first_names = record.first_names.strip()
        name_keys = _surname_keys(usage_name, birth_name or None)
        if not name_keys:
            return CheckOutcome(None, ["nom sans aucune lettre : la personne ne pourrait pas être trouvée"], lines)
        first_name_keys = _first_name_keys(first_names)
        if not first_name_keys:
            return CheckOutcome(None, ["prénoms sans aucune lettre : la personne ne pourrait pas être trouvée"], lines)

        aids, rejections = self._checked_aids(record.aids)
        birth = record.birth_date
        if not birth.month and birth.day:
            # A day without its month cannot be compared with anything, and the search's
            # lookups of partial dates expect none: keep the year only, as the built-in
            # connectors do.
            birth = PartialDate(birth.year)
        sex = record.sex
        person = CheckedPerson(
            record.line,
            record.source,
            record.person_id.strip(),
            usage_name,
            birth_name or None,
            first_names,
            # Matching does not use the sex: a value other than M or F is dropped, not rejected.
            sex if sex == "F" or sex == "M" else None,
            birth,
            first_name_keys,
            name_keys,
            aids,
        )
        return CheckOutcome(person, rejections, lines)

    def _person_problem(self, record: PersonRecord) -> str | None:
        """Return why the whole record is rejected, or None."""
        person_id, usage_name, birth_name, first_names = (
            record.person_id or "", record.usage_name or "", record.birth_name or "", record.first_names or ""
        )
        if not person_id.strip():
            return "identifiant de personne manquant"
        if not usage_name.strip() and not birth_name.strip():
            return "nom manquant : ni nom d'usage ni nom de naissance"
        if not first_names.strip():
            return "prénoms manquants"
        if (
            len(person_id) > _ID_MAX or len(usage_name) > _USAGE_NAME_MAX
            or len(birth_name) > _BIRTH_NAME_MAX or len(first_names) > _FIRST_NAMES_MAX
            or "\x00" in person_id or "\x00" in usage_name or "\x00" in birth_name or "\x00" in first_names
        ):
            return _text_problem((person_id, usage_name, birth_name, first_names))

        birth = record.birth_date
        if birth is None:
            return "date de naissance manquante"
        year = birth.year
        if year < EARLIEST_BIRTH_YEAR:
            return f"date de naissance improbable : année {year} (avant {EARLIEST_BIRTH_YEAR})"
        today = self.today
        if year > today.year or (year == today.year and _earliest_day(birth) > today):
            return f"date de naissance dans le futur : {birth}"
        return None

    def _checked_aids(self, aids: list[AidRecord]) -> tuple[list[AidRecord], list[str]]:
        kept, rejections = [], []
        today = self.today
        for number, aid in enumerate(aids, start=1):
            code, label, start, end = aid.code or "", aid.label, aid.start, aid.end
            plain = (
                code and len(code) <= MAX_AID_CODE_LENGTH and "\x00" not in code
                and (not label or (len(label) <= MAX_AID_LABEL_LENGTH and "\x00" not in label))
                and (not start or (start <= today and (not end or end >= start)))
            )
            reason = None if plain and code.strip() else _aid_problem(aid, today)
            if reason:
                rejections.append(f"aide n° {number} de la personne ignorée : {reason}")
                continue
            if code != code.strip():
                aid = AidRecord(code.strip(), label, start, end)
            kept.append(aid)
        return kept, rejections


def _text_problem(values: tuple[str, str, str, str]) -> str:
    """Return which of the person's text values is too long or contains a NUL byte."""
    for value, (label, limit) in zip(values, MAX_LENGTHS.values()):
        if len(value) > limit:
            return f"{label} trop long ({len(value)} caractères, {limit} au plus)"
    return "caractère nul (octet 0) dans les données : extraction corrompue"


def _aid_problem(aid: AidRecord, today: datetime.date) -> str | None:
    """Return why an aid is rejected, or None."""
    code = aid.code.strip() if aid.code else ""
    if not code:
        return "code d'aide manquant"
    if len(code) > MAX_AID_CODE_LENGTH:
        return f"code d'aide trop long ({len(code)} caractères, {MAX_AID_CODE_LENGTH} au plus)"
    if aid.label and len(aid.label) > MAX_AID_LABEL_LENGTH:
        return f"libellé d'aide trop long ({len(aid.label)} caractères, {MAX_AID_LABEL_LENGTH} au plus)"
    if "\x00" in code or (aid.label and "\x00" in aid.label):
        return "caractère nul (octet 0) dans les données : extraction corrompue"
    if aid.start and aid.start > today:
        return f"date de début de l'aide {code} dans le futur : {aid.start.isoformat()}"
    if aid.start and aid.end and aid.end < aid.start:
        return (
            f"date de fin de l'aide {code} ({aid.end.isoformat()}) "
            f"antérieure à sa date de début ({aid.start.isoformat()})"
        )
    return None


def _earliest_day(birth: PartialDate) -> datetime.date:
    """Return the first day the partial date may mean, so that 00/00/<this year> is not future."""
    return datetime.date(birth.year, birth.month or 1, birth.day or 1)
