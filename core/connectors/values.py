"""Parsing of the cell values every connector meets: dates, sex codes, free text.

Each parser raises :class:`InvalidValue` with a French reason fit for the rejected-lines
report, so a connector turns one bad cell into one rejected line, never a crash.
"""

import calendar
import functools
import datetime
import re

from core.connectors.records import ExtractionError, PartialDate
from core.matching.normalize import fold

# Earlier years are typing errors: no one in a social-aid register was born before 1800.
# 0000-00-00, a common "no date" placeholder of database exports, is read as empty.
MIN_YEAR = 1800

AUTO_DATE_FORMAT = "auto"

# A time of day after the date, as database exports often write it ("1931-05-02 00:00:00").
_TIME_SUFFIX = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DIRECTIVES = {"%d": r"(?P<day>\d{1,2})", "%m": r"(?P<month>\d{1,2})", "%Y": r"(?P<year>\d{4})"}
_YEAR_ONLY = re.compile(r"(?P<year>\d{4})")

SEX_CODES = {
    "M": "M", "H": "M", "1": "M", "HOMME": "M", "MASCULIN": "M", "MR": "M", "MONSIEUR": "M",
    "F": "F", "2": "F", "FEMME": "F", "FEMININ": "F", "MME": "F", "MLLE": "F", "MADAME": "F",
}
# Codes that mean "unknown" on purpose, read as no sex rather than rejected.
UNKNOWN_SEX_CODES = frozenset({"", "I", "X", "U", "0", "9", "INCONNU", "INDETERMINE", "NR"})


class InvalidValue(ValueError):
    """A cell that cannot be read; the message is the French reason for the report."""


def compile_date_format(date_format: str) -> list[re.Pattern]:
    """Return the patterns a ``date_format`` option accepts, in the order they are tried.

    ``auto`` accepts ``YYYY-MM-DD`` and ``DD/MM/YYYY``; any other value is a strftime-style
    layout made of ``%d``, ``%m`` and ``%Y`` (``%d.%m.%Y``, ``%Y%m%d`` …). A lone year is
    always accepted as a date whose day and month are unknown.
    """
    if not isinstance(date_format, str):
        date_format = repr(date_format)
    if date_format == AUTO_DATE_FORMAT:
        layouts = ["%Y-%m-%d", "%d/%m/%Y"]
    else:
        layouts = [date_format]

    patterns = []
    for layout in layouts:
        pieces = re.split(r"(%.)", layout)
        directives = [piece for piece in pieces if piece.startswith("%") and len(piece) == 2]
        if sorted(directives) != ["%Y", "%d", "%m"] or any(d not in _DIRECTIVES for d in directives):
            raise ExtractionError(
                f"Format de date « {date_format} » invalide dans [connector.options] date_format : "
                "utilisez %d, %m et %Y une fois chacun (par exemple « %d/%m/%Y ») ou « auto »."
            )
        regex = "".join(_DIRECTIVES.get(piece, re.escape(piece)) for piece in pieces)
        patterns.append(re.compile(regex + _TIME_SUFFIX))
    patterns.append(re.compile(_YEAR_ONLY.pattern + _TIME_SUFFIX))
    return patterns


def parse_partial_date(value, patterns: list[re.Pattern], date_label: str) -> PartialDate | None:
    """Read a cell into a PartialDate (0 for an unknown day or month), or None when empty.

    ``value`` is text, or a ``datetime.date`` when it comes from a database. ``date_label``
    names the date in the French reason ("date de naissance" …).
    """
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return PartialDate(value.year, value.month, value.day)

    text = (value or "").strip()
    if not text:
        return None
    for pattern in patterns:
        match = pattern.fullmatch(text)
        if match:
            return _checked_date(match.groupdict(), text, date_label)
    raise InvalidValue(f"{date_label} illisible : « {text} »")


def _checked_date(parts: dict, text: str, date_label: str) -> PartialDate | None:
    year = int(parts["year"])
    month = int(parts.get("month") or 0)
    day = int(parts.get("day") or 0)
    if year == 0 and month == 0 and day == 0:
        return None
    if year < MIN_YEAR:
        raise InvalidValue(f"{date_label} impossible (année avant {MIN_YEAR}) : « {text} »")
    if month > 12:
        raise InvalidValue(f"{date_label} impossible (mois {month}) : « {text} »")
    if month == 0:
        # A day without its month cannot be compared with anything: keep the year only.
        return PartialDate(year)
    if day > 28 and day > calendar.monthrange(year, month)[1]:
        raise InvalidValue(f"{date_label} impossible : « {text} »")
    return PartialDate(year, month, day)


def first_day(date: PartialDate) -> datetime.date:
    """Return the earliest day a partial date can stand for (01/05/2010 for 00/05/2010)."""
    return datetime.date(date.year, date.month or 1, date.day or 1)


def last_day(date: PartialDate) -> datetime.date:
    """Return the latest day a partial date can stand for (31/05/2010 for 00/05/2010)."""
    month = date.month or 12
    return datetime.date(date.year, month, date.day or calendar.monthrange(date.year, month)[1])


@functools.lru_cache(maxsize=1024)
def parse_sex(value) -> str | None:
    """Return ``"M"``, ``"F"`` or None for an unknown sex; raise InvalidValue otherwise."""
    text = cell_text(value)
    # fold() keeps letters only, so digit codes (1, 2) are looked up as written.
    code = fold(text).replace(" ", "") or text
    if code in SEX_CODES:
        return SEX_CODES[code]
    if code in UNKNOWN_SEX_CODES:
        return None
    raise InvalidValue(f"sexe « {value} » non reconnu (attendu M, F, H, 1 ou 2)")


def cell_text(value) -> str:
    """Return a cell as text without surrounding spaces; None and database NULL give ""."""
    if value is None:
        return ""
    return str(value).strip()
