"""Normalised records that connectors produce from a Département's extraction."""

import datetime
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PartialDate:
    """A date whose month or day may be unknown (0), as in ``00/05/1931``."""

    year: int
    month: int = 0
    day: int = 0

    @property
    def is_complete(self) -> bool:
        return bool(self.month and self.day)

    def to_date(self) -> datetime.date | None:
        return datetime.date(self.year, self.month, self.day) if self.is_complete else None

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


@dataclass
class AidRecord:
    """One aid of a person: its code in the social-aid software, label and dates."""

    code: str
    label: str | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None


@dataclass
class PersonRecord:
    """One person read from an extraction, with all the aids found for them.

    ``line`` is the number (1-based, header included) of the first line the person was
    read from, so that the import can report it.
    """

    line: int
    person_id: str
    usage_name: str
    birth_name: str | None
    first_names: str
    sex: str | None
    birth_date: PartialDate | None
    aids: list[AidRecord] = field(default_factory=list)
    source: str = ""


@dataclass
class RejectedLine:
    """A line of the extraction that could not be read; ``reason`` is in French."""

    line: int
    reason: str
    source: str = ""


class ExtractionError(Exception):
    """The extraction as a whole cannot be read (missing columns, wrong encoding, empty).

    The message is in French, fit to show to the Département's IT in one line.
    """
