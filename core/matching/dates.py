"""Birth dates: the typo variants a search probes, and how two dates compare.

A typo-level difference is one digit wrong in JJ/MM/AAAA or the day and month swapped.
"""

import calendar
import datetime

from core.connectors.records import PartialDate

# Birth years outside this range are not probed: nobody born earlier is alive, and the
# upper bound is the current year.
MIN_BIRTH_YEAR = 1850

DIGITS = "0123456789"


def is_valid_date(year: int, month: int, day: int) -> bool:
    return (
        MIN_BIRTH_YEAR <= year <= datetime.date.today().year
        and 1 <= month <= 12
        and 1 <= day <= calendar.monthrange(year, month)[1]
    )


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
    text = f"{date.day:02d}{date.month:02d}{date.year:04d}"
    variants = set()
    for variant in one_digit_variants(text):
        day, month, year = int(variant[:2]), int(variant[2:4]), int(variant[4:])
        if is_valid_date(year, month, day):
            variants.add((year, month, day))
    if date.day != date.month and is_valid_date(date.year, date.day, date.month):
        variants.add((date.year, date.day, date.month))
    variants.discard((date.year, date.month, date.day))
    return sorted(variants)


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
