"""Birth dates: the typo variants a search probes, and how two dates compare.

A typo-level difference is one digit wrong in JJ/MM/AAAA or the day and month swapped.
"""

import calendar
import datetime
import functools

from core.connectors.records import PartialDate

# Birth years before this one are not probed, because such people died long ago. The
# upper bound is the current year.
MIN_BIRTH_YEAR = 1850

DIGITS = "0123456789"


def is_valid_date(year: int, month: int, day: int, last_year: int | None = None) -> bool:
    return (
        MIN_BIRTH_YEAR <= year <= (last_year or datetime.date.today().year)
        and 1 <= month <= 12
        and 1 <= day <= (29 if month == 2 and calendar.isleap(year) else _MONTH_DAYS[month])
    )


# Days in each month of a common year (index 0 unused).
_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def one_digit_variants(text: str) -> list[str]:
    """Return every string that differs from ``text`` by exactly one digit."""
    variants = []
    for position, digit in enumerate(text):
        for replacement in DIGITS:
            if replacement != digit:
                variants.append(text[:position] + replacement + text[position + 1 :])
    return variants


def typo_variants(date: PartialDate) -> list[tuple[int, int, int]]:
    """Return the complete dates one typo away from ``date``: one digit wrong, or swapped.

    ``date`` must be complete. The date itself is not included.
    """
    return list(_typo_variants(date.year, date.month, date.day, datetime.date.today().year))


@functools.lru_cache(maxsize=65536)
def _typo_variants(year: int, month: int, day: int, last_year: int) -> tuple[tuple[int, int, int], ...]:
    text = f"{day:02d}{month:02d}{year:04d}"
    variants = set()
    for variant in one_digit_variants(text):
        other = (int(variant[4:]), int(variant[2:4]), int(variant[:2]))
        if is_valid_date(*other, last_year):
            variants.add(other)
    if day != month and is_valid_date(year, day, month, last_year):
        variants.add((year, day, month))
    variants.discard((year, month, day))
    return tuple(sorted(variants))


def year_typo_variants(year: int) -> tuple[int, ...]:
    """Return the birth years one digit away from ``year``, within the probed years."""
    return _year_typo_variants(year, datetime.date.today().year)


@functools.lru_cache(maxsize=1024)
def _year_typo_variants(year: int, last_year: int) -> tuple[int, ...]:
    variants = {int(variant) for variant in one_digit_variants(f"{year:04d}")}
    return tuple(sorted(variant for variant in variants if MIN_BIRTH_YEAR <= variant <= last_year))


@functools.lru_cache(maxsize=16)
def month_typo_variants(month: int) -> tuple[int, ...]:
    """Return the months (1 to 12) one digit away from ``month`` written on two digits."""
    return tuple(sorted({variant for variant in map(int, one_digit_variants(f"{month:02d}")) if 1 <= variant <= 12}))


def is_typo_of(query: PartialDate, year: int, month: int, day: int) -> str | None:
    """Return how a complete register date is one typo from a complete query, or None.

    The result is "swap" (day and month swapped) or "digit" (one digit wrong).
    """
    if (year, month, day) == (query.year, query.day, query.month) and query.day != query.month:
        return "swap"
    typed = f"{query.day:02d}{query.month:02d}{query.year:04d}"
    stored = f"{day:02d}{month:02d}{year:04d}"
    if sum(a != b for a, b in zip(typed, stored)) == 1:
        return "digit"
    return None


def is_compatible(query: PartialDate, year: int, month: int, day: int) -> bool:
    """Return whether two dates, one of them partial, agree on every part both know."""
    if query.year != year:
        return False
    if query.month and month and query.month != month:
        return False
    if query.day and day and query.day != day:
        return False
    return True


def format_date(year: int, month: int, day: int) -> str:
    """Format a register date as JJ/MM/AAAA, with 00 for an unknown day or month."""
    return f"{day:02d}/{month:02d}/{year:04d}"
