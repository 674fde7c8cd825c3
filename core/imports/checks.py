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
MAX_AID_CODE_LENGTH = 64
MAX_AID_LABEL_LENGTH = 200

# Birth years before this are typing errors rather than people of a social-aid register.
EARLIEST_BIRTH_YEAR = 1850

# Caches of name keys: surnames repeat a lot in a register, and normalising them is the
# costliest step of a check. Bounded, so memory stays flat on any file.
_surname_keys = functools.lru_cache(maxsize=65536)(surname_keys)


@functools.lru_cache(maxsize=65536)
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
        lines = max(1, len(record.aids))
        reason = self._person_problem(record)
        if reason:
            return CheckOutcome(None, [reason], lines)

        usage_name = record.usage_name.strip() if record.usage_name else ""
        birth_name = record.birth_name.strip() if record.birth_name else ""
        first_names = record.first_names.strip()
        # A register entry needs a usage name: software that only fills the birth name
        # means the same person under that name.
        usage_name = usage_name or birth_name
        name_keys = _surname_keys(usage_name, birth_name or None)
        first_name_keys = _first_name_keys(first_names)
        if not name_keys:
            return CheckOutcome(None, ["nom sans aucune lettre : la personne ne pourrait pas être trouvée"], lines)
        if not first_name_keys:
            return CheckOutcome(None, ["prénoms sans aucune lettre : la personne ne pourrait pas être trouvée"], lines)

        aids, rejections = self._checked_aids(record.aids)
        person = CheckedPerson(
            line=record.line,
            source=record.source,
            person_ref=record.person_id.strip(),
            usage_name=usage_name,
            birth_name=birth_name or None,
            first_names=first_names,
            # Matching does not use the sex: a value other than M or F is dropped, not rejected.
            sex=record.sex if record.sex in ("M", "F") else None,
            birth=record.birth_date,
            first_name_keys=first_name_keys,
            name_keys=name_keys,
            aids=aids,
        )
        return CheckOutcome(person, rejections, lines)

    def _person_problem(self, record: PersonRecord) -> str | None:
        """Return why the whole record is rejected, or None."""
        person_id, usage_name, birth_name, first_names = (
            record.person_id, record.usage_name, record.birth_name or "", record.first_names
        )
        if not person_id or not person_id.strip():
            return "identifiant de personne manquant"
        if not (usage_name and usage_name.strip()) and not birth_name.strip():
            return "nom manquant : ni nom d'usage ni nom de naissance"
        if not first_names or not first_names.strip():
            return "prénoms manquants"
        for value, (label, limit) in zip((person_id, usage_name or "", birth_name, first_names), MAX_LENGTHS.values()):
            if len(value) > limit:
                return f"{label} trop long ({len(value)} caractères, {limit} au plus)"
            if "\x00" in value:
                return "caractère nul (octet 0) dans les données : extraction corrompue"
        return self._birth_problem(record.birth_date)

    def _birth_problem(self, birth: PartialDate | None) -> str | None:
        if birth is None:
            return "date de naissance manquante"
        if birth.year < EARLIEST_BIRTH_YEAR:
            return f"date de naissance improbable : année {birth.year} (avant {EARLIEST_BIRTH_YEAR})"
        if birth.year > self.today.year or _earliest_day(birth) > self.today:
            return f"date de naissance dans le futur : {birth}"
        return None

    def _checked_aids(self, aids: list[AidRecord]) -> tuple[list[AidRecord], list[str]]:
        kept, rejections = [], []
        for number, aid in enumerate(aids, start=1):
            reason = self._aid_problem(aid)
            if reason:
                rejections.append(f"aide n° {number} de la personne ignorée : {reason}")
                continue
            code = aid.code.strip()
            if code != aid.code:
                aid = AidRecord(code, aid.label, aid.start, aid.end)
            kept.append(aid)
        return kept, rejections

    def _aid_problem(self, aid: AidRecord) -> str | None:
        code = aid.code.strip() if aid.code else ""
        if not code:
            return "code d'aide manquant"
        if len(code) > MAX_AID_CODE_LENGTH:
            return f"code d'aide trop long ({len(code)} caractères, {MAX_AID_CODE_LENGTH} au plus)"
        if aid.label and len(aid.label) > MAX_AID_LABEL_LENGTH:
            return f"libellé d'aide trop long ({len(aid.label)} caractères, {MAX_AID_LABEL_LENGTH} au plus)"
        if "\x00" in code or (aid.label and "\x00" in aid.label):
            return "caractère nul (octet 0) dans les données : extraction corrompue"
        if aid.start and aid.start > self.today:
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
