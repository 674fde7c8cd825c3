"""Marking what differs between the notary's input and a candidate of the register.

Comparison ignores what matching treats as cosmetic (case, accents, hyphens,
apostrophes, word order), so that only real differences are highlighted.
"""

from dataclasses import dataclass

from core.matching.normalize import fold


@dataclass(frozen=True)
class Segment:
    """A piece of the candidate's value and whether the input lacks it."""

    text: str
    differs: bool


def mark_words(value: str | None, *typed_values: str | None) -> list[Segment]:
    """Split ``value`` into words, each marked when no typed value contains it."""
    if not value:
        return []
    typed_words = set()
    for typed in typed_values:
        typed_words.update(fold(typed).split())
    segments = []
    for index, word in enumerate(value.split()):
        folded = fold(word).split()
        differs = bool(folded) and not all(part in typed_words for part in folded)
        if index:
            segments.append(Segment(" ", False))
        segments.append(Segment(word, differs))
    return segments


def mark_date(value: str | None, typed: str | None) -> list[Segment]:
    """Split a ``JJ/MM/AAAA`` date into day, month and year, each marked when it differs."""
    if not value:
        return []
    parts = value.split("/")
    typed_parts = (typed or "").strip().split("/")
    if len(parts) != 3 or len(typed_parts) != 3:
        return [Segment(value, value != typed)]
    segments = []
    for index, (part, typed_part) in enumerate(zip(parts, typed_parts)):
        if index:
            segments.append(Segment("/", False))
        segments.append(Segment(part, _as_number(part) != _as_number(typed_part)))
    return segments


def _as_number(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None
