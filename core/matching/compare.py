"""Comparison of one query with one register person, part by part.

Each part (names, given names, birth date) gets a level and a French reason that an
agent reads when settling a doubtful search:

- ``exact``: identical once cosmetic differences are folded away;
- ``typo``: one typo away, which is a letter wrong, missing, doubled or swapped in a
  name, or a digit wrong or day and month swapped in the date;
- ``partial``: compatible but not enough to identify (a partial date, one word of a
  compound surname);
- ``mismatch``: another person.

Similarities are rapidfuzz ratios (0 to 100), kept to rank candidates for the agent.
"""

import functools
import json
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from core.connectors.records import PartialDate
from core.matching import dates
from core.matching.normalize import PARTICLES, fold, folded_surname_keys

EXACT = "exact"
TYPO = "typo"
PARTIAL = "partial"
MISMATCH = "mismatch"

# Better levels first: a part takes the best level over the pairs it compares.
LEVEL_ORDER = {EXACT: 0, TYPO: 1, PARTIAL: 2, MISMATCH: 3}

# Names of this many letters or more tolerate two edits rather than one: a long name keeps
# its shape after two slips, and one wrong letter typed for Œ is two edits of OE.
LONG_NAME_LENGTH = 8

# Given names shorter than this are not compared letter by letter: LEA and LEO are
# different names, not a typo of each other.
MIN_FUZZY_GIVEN_NAME_LENGTH = 4


@dataclass(frozen=True, slots=True)
class PartComparison:
    """The verdict on one part: level, similarity (0 to 100) and a French reason.

    ``same`` is true when the part is identical up to cosmetic differences in full, not
    only contained in the other side. ``within`` is true when what was typed is contained
    in the register (given names typed as a subset of the register's). ``code`` names
    the case within the level, such as ``register_partial`` for a birth date.
    """

    level: str
    similarity: float
    reason: str
    same: bool = False
    within: bool = False
    code: str = ""

    def as_dict(self) -> dict:
        return {"level": self.level, "similarity": round(self.similarity, 1), "reason": self.reason}

    def as_json(self) -> str:
        """Return as_dict() as JSON text, as json.dumps writes it."""
        return _part_json(self)


# Most parts are one of a few exact comparisons, so their JSON text is kept.
@functools.lru_cache(maxsize=4096)
def _part_json(part: PartComparison) -> str:
    return json.dumps(part.as_dict())


def _better(first: PartComparison | None, second: PartComparison) -> PartComparison:
    if first is None:
        return second
    if LEVEL_ORDER[second.level] != LEVEL_ORDER[first.level]:
        return second if LEVEL_ORDER[second.level] < LEVEL_ORDER[first.level] else first
    return second if second.similarity > first.similarity else first


# --- surnames ------------------------------------------------------------------------


def _typo_tolerance(first: str, second: str) -> int:
    return 2 if min(len(first), len(second)) >= LONG_NAME_LENGTH else 1


@functools.lru_cache(maxsize=65536)
def _significant_words(folded: str) -> frozenset[str]:
    return frozenset(word for word in folded.split() if word not in PARTICLES and len(word) > 1)


# The register's two names, as the reasons name them.
USAGE_FIELD, BIRTH_FIELD = "nom d'usage", "nom de naissance"
_SAME_SURNAME = {
    field: PartComparison(EXACT, 100.0, f"nom identique au {field} du registre") for field in (USAGE_FIELD, BIRTH_FIELD)
}


def _compare_two_surnames(typed: str, stored: str, field: str) -> PartComparison:
    """Compare one folded surname typed by the notary with one of the register."""
    typed_keys = folded_surname_keys(typed)
    stored_keys = folded_surname_keys(stored)
    if typed_keys[0] == stored_keys[0]:
        return _SAME_SURNAME[field]
    if set(typed_keys) & set(stored_keys):
        return PartComparison(EXACT, 100.0, f"nom identique au {field} du registre, à la particule près")
    # Only the levels below exact show a similarity, so it is computed for them alone.
    similarity = fuzz.ratio(typed_keys[0], stored_keys[0])

    for typed_key in typed_keys:
        for stored_key in stored_keys:
            tolerance = _typo_tolerance(typed_key, stored_key)
            distance = OSA.distance(typed_key, stored_key, score_cutoff=tolerance)
            if distance <= tolerance:
                return PartComparison(
                    TYPO, similarity,
                    f"nom proche du {field} du registre ({distance} lettre(s) de différence)",
                )

    typed_words, stored_words = _significant_words(typed), _significant_words(stored)
    if typed_words and stored_words and (typed_words <= stored_words or stored_words <= typed_words):
        return PartComparison(PARTIAL, similarity, f"nom composé : une partie seulement est commune avec le {field} du registre")
    return PartComparison(MISMATCH, similarity, "nom différent")


# Register surnames repeat (a million people share a few tens of thousands of them), and
# every search folds its candidates' names again.
_fold_register_name = functools.lru_cache(maxsize=16384)(fold)


def compare_surnames(typed_names: list[str], usage_name: str | None, birth_name: str | None) -> PartComparison:
    """Compare the folded surnames typed (either field) with the register's two names.

    Any typed name may be the register's usage name or birth name; the best pair wins.
    A typed compound name whose words are the register's usage and birth names
    (MARTIN-DUPONT for usage MARTIN, birth DUPONT) is exact too.
    """
    stored = [(_fold_register_name(usage_name), USAGE_FIELD), (_fold_register_name(birth_name), BIRTH_FIELD)]
    stored = [(name, field) for name, field in stored if name]
    best = None
    for typed in typed_names:
        for name, field in stored:
            best = _better(best, _compare_two_surnames(typed, name, field))
            if best.level == EXACT:
                return best

    stored_words = set().union(*(_significant_words(name) for name, _ in stored)) if stored else set()
    for typed in typed_names:
        words = _significant_words(typed)
        if len(words) > 1 and words <= stored_words:
            return PartComparison(EXACT, 100.0, "nom composé des noms d'usage et de naissance du registre")
    return best or PartComparison(MISMATCH, 0.0, "aucun nom au registre")


# --- given names ---------------------------------------------------------------------


def _with_joined_pairs(words: list[str]) -> frozenset[str]:
    """Return the words plus each pair of neighbours glued (JEAN PIERRE → JEANPIERRE)."""
    return _joined_pairs(tuple(words))


@functools.lru_cache(maxsize=65536)
def _joined_pairs(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(words + tuple(first + second for first, second in zip(words, words[1:])))


def _fuzzy_covered(words: list[str], extended: frozenset[str]) -> bool:
    """Return whether each word is in ``extended`` up to one typo (long enough words only)."""
    for word in words:
        if word in extended:
            continue
        if len(word) < MIN_FUZZY_GIVEN_NAME_LENGTH:
            return False
        # Lengths more than one apart are more than one typo apart: no distance to compute.
        if not any(
            -1 <= len(word) - len(candidate) <= 1 and OSA.distance(word, candidate, score_cutoff=1) <= 1
            for candidate in extended
        ):
            return False
    return True


_SAME_GIVEN_NAMES = PartComparison(EXACT, 100.0, "prénoms identiques", same=True, within=True)
_TYPED_GIVEN_NAMES_WITHIN = PartComparison(EXACT, 100.0, "prénoms saisis présents parmi ceux du registre", within=True)
_STORED_GIVEN_NAMES_WITHIN = PartComparison(EXACT, 100.0, "prénoms du registre présents parmi ceux saisis")


def compare_given_names(typed: list[str], stored: list[str]) -> PartComparison:
    """Compare given-name words: any one of the person's given names identifies them.

    Exact when one list is contained in the other, in any order, a compound name
    counting with or without its hyphen. Names that only overlap (MARIE CLAIRE against
    MARIE LOUISE) are a mismatch: each side has a given name the other lacks, as two
    sisters born the same day would.
    """
    if not stored:
        return PartComparison(PARTIAL, 0.0, "prénoms absents du registre")
    if typed == stored:
        return _SAME_GIVEN_NAMES
    # Each side's words with its neighbours glued, which the other side's words may be.
    typed_extended, stored_extended = _with_joined_pairs(typed), _with_joined_pairs(stored)
    typed_in_stored = all(word in stored_extended for word in typed)
    stored_in_typed = all(word in typed_extended for word in stored)
    # Same letters overall: the same names, reordered or with a compound name glued.
    if (typed_in_stored or stored_in_typed) and sorted("".join(typed)) == sorted("".join(stored)):
        return _SAME_GIVEN_NAMES
    if typed_in_stored:
        return _TYPED_GIVEN_NAMES_WITHIN
    if stored_in_typed:
        return _STORED_GIVEN_NAMES_WITHIN
    # Only the levels below exact show a similarity, so it is computed for them alone.
    similarity = fuzz.token_set_ratio(" ".join(typed), " ".join(stored))
    if _fuzzy_covered(typed, stored_extended) or _fuzzy_covered(stored, typed_extended):
        return PartComparison(TYPO, similarity, "prénom proche de celui du registre (une lettre de différence)")
    if typed_extended & stored_extended:
        return PartComparison(MISMATCH, similarity, "un prénom en commun, mais d'autres prénoms différents de part et d'autre")
    return PartComparison(MISMATCH, similarity, "prénoms différents")


# --- birth dates ---------------------------------------------------------------------


_SAME_BIRTH_DATE = PartComparison(EXACT, 100.0, "date de naissance identique")


def compare_birth_dates(typed: PartialDate, year: int, month: int, day: int) -> PartComparison:
    """Compare the typed birth date with the register's (month and day 0 when unknown)."""
    if typed.is_complete and month and day:
        if typed.year == year and typed.month == month and typed.day == day:
            return _SAME_BIRTH_DATE
        stored_text = dates.format_date(year, month, day)
        typo = dates.is_typo_of(typed, year, month, day)
        if typo == "swap":
            return PartComparison(TYPO, 90.0, f"jour et mois inversés (registre : {stored_text})")
        if typo == "digit":
            return PartComparison(TYPO, 90.0, f"un chiffre diffère (registre : {stored_text})")
        return PartComparison(MISMATCH, _date_similarity(typed.year, year), f"date de naissance différente (registre : {stored_text})")

    stored_text = dates.format_date(year, month, day)
    if dates.is_compatible(typed, year, month, day):
        code = "register_partial" if typed.is_complete else "query_partial"
        return PartComparison(PARTIAL, 80.0, f"date de naissance partielle, compatible (registre : {stored_text})", code=code)
    return PartComparison(MISMATCH, _date_similarity(typed.year, year), f"date de naissance différente (registre : {stored_text})")


def _date_similarity(first_year: int, second_year: int) -> float:
    # Falls by 10 points per year apart, to rank near misses above distant ones.
    return max(0.0, 80.0 - 10.0 * abs(first_year - second_year))
