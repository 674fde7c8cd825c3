"""Matching a query against the register: find candidates, assess each one, decide.

The decision follows the rule of the four outcomes. Exactly one person identified on
every part (up to cosmetic differences), with no other possible person, gives an
automatic outcome from their aids. No possible person gives "unknown". Anything else
(several people, a typo-level or partial match) is a doubt for an agent.
"""

from dataclasses import dataclass, field

from core.connectors.records import PartialDate
from core.matching.candidates import CandidateRow
from core.matching.compare import (
    EXACT,
    MISMATCH,
    PARTIAL,
    TYPO,
    PartComparison,
    compare_birth_dates,
    compare_given_names,
    compare_surnames,
)
from core.matching.normalize import given_name_words, split_surnames

VERDICT_MATCH = "match"
VERDICT_POSSIBLE = "possible"
VERDICT_REJECTED = "rejected"
VERDICT_ORDER = {VERDICT_MATCH: 0, VERDICT_POSSIBLE: 1, VERDICT_REJECTED: 2}

DECISION_NONE = "none"
DECISION_SINGLE = "single"
DECISION_AMBIGUOUS = "ambiguous"

# Weights of the parts in a candidate's score, which only ranks candidates for agents.
WEIGHTS = {"names": 0.4, "first_names": 0.3, "birth_date": 0.3}

# Rejected candidates kept with a search, to show an agent the nearest misses.
MAX_REJECTED_KEPT = 3
MIN_REJECTED_SCORE = 60.0


@dataclass(frozen=True, slots=True)
class NormalizedQuery:
    """The parts of a query that matching compares, folded once."""

    surnames: list[str]
    given_names: list[str]
    birth: PartialDate

    @classmethod
    def from_fields(cls, usage_name: str | None, birth_name: str | None, first_names: str, birth: PartialDate):
        surnames = list(dict.fromkeys(split_surnames(usage_name) + split_surnames(birth_name)))
        return cls(surnames, given_name_words(first_names), birth)


@dataclass(slots=True)
class Assessment:
    """One candidate with its verdict, score and the comparison of each part."""

    person: CandidateRow
    verdict: str
    score: float
    parts: dict[str, PartComparison]

    def reasons(self) -> dict:
        return {name: part.as_dict() for name, part in self.parts.items()}

    def reasons_json(self) -> str:
        """Return reasons() as JSON text, as json.dumps writes it, from each part's text."""
        return "{" + ", ".join(f'"{name}": {part.as_json()}' for name, part in self.parts.items()) + "}"


@dataclass(slots=True)
class MatchResult:
    """The decision and the candidates worth keeping, best first."""

    decision: str
    candidates: list[Assessment] = field(default_factory=list)

    @property
    def matched(self) -> Assessment | None:
        """The one identified person when the decision is ``single``."""
        return self.candidates[0] if self.decision == DECISION_SINGLE else None


_NAMES_WEIGHT, _FIRST_NAMES_WEIGHT, _BIRTH_DATE_WEIGHT = WEIGHTS["names"], WEIGHTS["first_names"], WEIGHTS["birth_date"]


def assess(query: NormalizedQuery, person: CandidateRow) -> Assessment:
    """Compare every part of ``person`` with the query and give the verdict."""
    names = compare_surnames(query.surnames, person.usage_name, person.birth_name)
    first_names = compare_given_names(query.given_names, person.first_name_keys.split())
    birth_date = compare_birth_dates(query.birth, person.birth_year, person.birth_month, person.birth_day)
    parts = {"names": names, "first_names": first_names, "birth_date": birth_date}
    score = (
        _NAMES_WEIGHT * names.similarity + _FIRST_NAMES_WEIGHT * first_names.similarity
        + _BIRTH_DATE_WEIGHT * birth_date.similarity
    )
    if names.level == EXACT and first_names.level == EXACT and birth_date.level == EXACT:
        # The most frequent case, without verdict_of's lists.
        return Assessment(person, VERDICT_MATCH, round(score, 1), parts)
    return Assessment(person, verdict_of(parts), round(score, 1), parts)


def verdict_of(parts: dict[str, PartComparison]) -> str:
    """Return 'match', 'possible' or 'rejected' from the comparison of each part.

    A possible person differs from the query in one part only, since a notary's slip
    changes one thing. When that part is a typo (in the surname or the date), the given
    names must be the same in full too: a neighbour born one digit apart who shares only
    one given name is another person. When it is the register's partial date or a
    compound surname typed in part, the typed given names must be among the register's:
    the register holding fewer given names than typed is a second difference. A date
    the notary typed partially accepts given names contained either way, since that is
    all a notary with little information can type.
    """
    levels = [part.level for part in parts.values()]
    if MISMATCH in levels:
        return VERDICT_REJECTED
    different = [name for name, part in parts.items() if part.level != EXACT]
    if not different:
        return VERDICT_MATCH
    if len(different) > 1:
        return VERDICT_REJECTED
    differing = parts[different[0]]
    given_names = parts["first_names"]
    if different[0] == "first_names" or differing.code == "query_partial":
        return VERDICT_POSSIBLE
    if differing.level == TYPO and not given_names.same:
        return VERDICT_REJECTED
    if differing.level == PARTIAL and not given_names.within:
        return VERDICT_REJECTED
    return VERDICT_POSSIBLE


def decide(query: NormalizedQuery, people: list[CandidateRow]) -> MatchResult:
    """Assess ``people`` and return the decision with the candidates to keep."""
    assessments = sorted(
        (assess(query, person) for person in people),
        key=lambda item: (VERDICT_ORDER[item.verdict], -item.score, item.person.id),
    )
    matches = [item for item in assessments if item.verdict == VERDICT_MATCH]
    possibles = [item for item in assessments if item.verdict == VERDICT_POSSIBLE]
    rejected = [
        item for item in assessments
        if item.verdict == VERDICT_REJECTED and item.score >= MIN_REJECTED_SCORE
    ][:MAX_REJECTED_KEPT]

    if len(matches) == 1 and not possibles:
        decision = DECISION_SINGLE
    elif matches or possibles:
        decision = DECISION_AMBIGUOUS
    else:
        decision = DECISION_NONE
    return MatchResult(decision, matches + possibles + rejected)
