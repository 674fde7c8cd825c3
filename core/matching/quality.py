"""A labelled quality set for matching, and its confusion table per kind of variation.

The register is synthetic (core.sampledata) with homonyms added on purpose: pairs of
people with the same names and birth date. Each case is what a notary could type about
a person of that register (or about someone absent from it), changed by one kind of
variation, with the outcome a perfect service would give.

Run ``python -m core.matching.quality [--people N] [--cases-per-kind N] [--seed N]
[--database URL]`` to print the confusion table; the test suite asserts on the same
set (tests/matching/test_quality.py).
"""

import argparse
import datetime
import random
import sys
import tempfile
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from core.connectors.records import PartialDate
from core.matching import dates
from core.matching.normalize import PARTICLES, fold, name_key, surname_keys
from core.sampledata import generate_people
from core.search import outcomes
from core.settings import AidCategories

# Kinds whose answer must be the person's own, without doubt (at most 1 % ambiguous).
COSMETIC_KINDS = (
    "case", "accents", "ligature", "hyphen", "apostrophe", "particle", "spaces", "commas",
    "given_name_order",
)
MARRIED_KINDS = ("names_swapped", "usage_name_only", "birth_name_as_usage", "birth_name_only")
GIVEN_NAME_KINDS = ("one_given_name", "compound_given_name", "joined_given_names")
# Kinds that must never be answered "unknown", and at best give a doubt.
TYPO_KINDS = (
    "surname_letter_wrong", "surname_letter_missing", "surname_letter_doubled",
    "given_name_letter_wrong", "date_digit_wrong", "day_month_swapped",
)
PARTIAL_KINDS = ("year_only", "month_and_year")
OTHER_KINDS = ("absent", "same_name_other_date", "homonyms", "no_relevant_aid")

IDENTITY_KINDS = COSMETIC_KINDS + MARRIED_KINDS + GIVEN_NAME_KINDS
ALL_KINDS = IDENTITY_KINDS + TYPO_KINDS + PARTIAL_KINDS + OTHER_KINDS

HOMONYM_SHARE = 0.01
ABSENT_SEED_OFFSET = 7919


@dataclass
class Case:
    """One labelled query: what is typed, who it is about, and the right outcome."""

    kind: str
    fields: dict
    person_ref: str | None
    expected: str
    # The outcome the person's own aids give, when the case is about a register person.
    person_outcome: str | None = None


# --- register --------------------------------------------------------------------------


def build_register(count: int, seed: int) -> list[dict]:
    """Return ``count`` synthetic people plus homonyms: copies with their own ref and aids."""
    people = list(generate_people(count, seed))
    draw = random.Random(seed + 1)
    donors = generate_people(int(count * HOMONYM_SHARE) + 1, seed + 2)
    for number, donor in enumerate(donors, start=1):
        original = draw.choice(people[:count])
        twin = dict(original, person_id=f"H{number:07d}", aids=donor["aids"])
        people.append(twin)
    return people


def person_outcome(person: dict, categories: AidCategories, death_date: datetime.date) -> str:
    """Return the outcome the person's aids give (see core.search.service.decide_outcome)."""
    from core.search.service import decide_outcome

    return decide_outcome([(aid["code"], aid["end"]) for aid in person["aids"]], categories, death_date)


# --- variations ------------------------------------------------------------------------


def _strip_accents(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(char for char in text if not unicodedata.combining(char))


def _date_text(date: PartialDate) -> str:
    return f"{date.day:02d}/{date.month:02d}/{date.year:04d}"


def _fields(person: dict, **changes) -> dict:
    fields = {
        "usage_name": person["usage_name"],
        "birth_name": person["birth_name"],
        "first_names": person["first_names"],
        "birth_date": _date_text(person["birth_date"]),
    }
    fields.update(changes)
    return fields


def _typo(text: str, draw: random.Random, how: str) -> str | None:
    """Change one letter of ``text`` (wrong, missing or doubled); None if too short."""
    # Plain letters only: a slip on Œ or É changes two folded letters, not one.
    positions = [index for index, char in enumerate(text) if char.isascii() and char.isalpha()]
    if len(positions) < 4:
        return None
    index = draw.choice(positions[1:])
    if how == "missing":
        return text[:index] + text[index + 1 :]
    if how == "doubled":
        return text[:index] + text[index] + text[index:]
    letters = [letter for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if letter != fold(text[index])]
    return text[:index] + draw.choice(letters) + text[index + 1 :]


def _vary(kind: str, person: dict, draw: random.Random) -> dict | None:
    """Return the typed fields for ``kind`` of variation of ``person``, or None if n/a."""
    usage, birth, given = person["usage_name"], person["birth_name"], person["first_names"]
    birth_date = person["birth_date"]
    married = bool(birth) and fold(birth) != fold(usage)
    words = given.split()

    if kind == "case":
        return _fields(person, usage_name=usage.lower(), birth_name=birth.title(), first_names=given.upper())
    if kind == "accents":
        if _strip_accents(usage + birth + given) == usage + birth + given:
            return None
        return _fields(person, usage_name=_strip_accents(usage), birth_name=_strip_accents(birth), first_names=_strip_accents(given))
    if kind == "ligature":
        if not any(char in usage + birth for char in "ŒÆ"):
            return None
        replace = lambda text: text.replace("Œ", "OE").replace("Æ", "AE")  # noqa: E731
        return _fields(person, usage_name=replace(usage), birth_name=replace(birth))
    if kind == "hyphen":
        if "-" not in usage + birth + given:
            return None
        return _fields(person, usage_name=usage.replace("-", " "), birth_name=birth.replace("-", " "), first_names=given.replace("-", " "))
    if kind == "apostrophe":
        if "'" not in usage + birth:
            return None
        style = draw.choice(("", " ", "’"))
        return _fields(person, usage_name=usage.replace("'", style), birth_name=birth.replace("'", style))
    if kind == "particle":
        surname_words = usage.split()
        if len(surname_words) < 2 or fold(surname_words[0]) not in PARTICLES:
            return None
        variant = draw.choice(("glued", "dropped"))
        typed = "".join(surname_words) if variant == "glued" else " ".join(surname_words[1:])
        return _fields(person, usage_name=typed, birth_name="" if married else typed)
    if kind == "spaces":
        return _fields(person, usage_name=f"  {usage.replace(' ', '   ')} ", first_names=" " + given.replace(" ", "    ") + "  ")
    if kind == "commas":
        if len(words) < 2:
            return None
        return _fields(person, first_names=", ".join(words))
    if kind == "given_name_order":
        if len(words) < 2:
            return None
        shuffled = words[:]
        while shuffled == words:
            draw.shuffle(shuffled)
        return _fields(person, first_names=" ".join(shuffled))

    if kind in MARRIED_KINDS:
        if not married:
            return None
        if kind == "names_swapped":
            return _fields(person, usage_name=birth, birth_name=usage)
        if kind == "usage_name_only":
            return _fields(person, birth_name="")
        if kind == "birth_name_as_usage":
            return _fields(person, usage_name=birth, birth_name="")
        return _fields(person, usage_name="", birth_name=birth)

    if kind == "one_given_name":
        if len(words) < 2:
            return None
        return _fields(person, first_names=draw.choice(words))
    if kind == "compound_given_name":
        compound = [word for word in words if "-" in word]
        if not compound:
            return None
        return _fields(person, first_names=draw.choice(compound).replace("-", draw.choice((" ", ""))))
    if kind == "joined_given_names":
        if len(words) < 2 or any("-" in word for word in words[:2]):
            return None
        return _fields(person, first_names=f"{words[0]}-{words[1]}")

    if kind.startswith("surname_letter_"):
        typed = _typo(usage, draw, kind.rsplit("_", 1)[1])
        # A slip that lands on another spelling of the same key (a particle) is cosmetic.
        if not typed or surname_keys(typed) & surname_keys(usage, birth):
            return None
        return _fields(person, usage_name=typed, birth_name="" if married else typed)
    if kind == "given_name_letter_wrong":
        typed = _typo(words[0], draw, "wrong")
        return typed and _fields(person, first_names=" ".join([typed] + words[1:]))
    if kind == "date_digit_wrong":
        if not birth_date.is_complete:
            return None
        variants = [variant for variant in dates.typo_variants(birth_date) if variant != (birth_date.year, birth_date.day, birth_date.month)]
        year, month, day = draw.choice(variants)
        return _fields(person, birth_date=_date_text(PartialDate(year, month, day)))
    if kind == "day_month_swapped":
        if not birth_date.is_complete or birth_date.day > 12 or birth_date.day == birth_date.month:
            return None
        return _fields(person, birth_date=f"{birth_date.month:02d}/{birth_date.day:02d}/{birth_date.year}")
    if kind == "year_only":
        return _fields(person, birth_date=f"00/00/{birth_date.year}")
    if kind == "month_and_year":
        if not birth_date.month:
            return None
        return _fields(person, birth_date=f"00/{birth_date.month:02d}/{birth_date.year}")
    raise ValueError(f"unknown kind of variation: {kind}")


# --- the labelled set ------------------------------------------------------------------


class _RegisterIndex:
    """An index of register people by surname key and birth year, to label absent-people cases."""

    def __init__(self, people: list[dict]):
        self.by_key_year = defaultdict(list)
        for person in people:
            for name in (person["usage_name"], person["birth_name"]):
                if name:
                    self.by_key_year[(name_key(name), person["birth_date"].year)].append(person)

    def has_near(self, surname: str, date: PartialDate) -> bool:
        """Return whether someone of that surname is born on ``date`` or one typo from it."""
        near = {(date.year, date.month, date.day), *dates.typo_variants(date)}
        for year in {year for year, _, _ in near}:
            for person in self.by_key_year.get((name_key(surname), year), ()):
                born = person["birth_date"]
                if (born.year, born.month, born.day) in near or not born.is_complete:
                    return True
        return False


def build_cases(people: list[dict], categories: AidCategories, *, per_kind: int, seed: int) -> list[Case]:
    """Return up to ``per_kind`` labelled cases of each kind, drawn from ``people``."""
    draw = random.Random(seed)
    index = _RegisterIndex(people)
    twins = {person["person_id"] for person in people if person["person_id"].startswith("H")}
    twin_originals = _twin_originals(people)
    singles = [person for person in people if person["person_id"] not in twins and person["person_id"] not in twin_originals]
    death_date = datetime.date(2024, 6, 1)

    cases = []
    for kind in IDENTITY_KINDS + TYPO_KINDS + PARTIAL_KINDS:
        cases.extend(_variation_cases(kind, singles, categories, death_date, per_kind, draw))
    cases.extend(_no_aid_cases(singles, categories, death_date, per_kind, draw))
    cases.extend(_homonym_cases(people, twins, death_date, per_kind))
    cases.extend(_absent_cases(index, death_date, per_kind, seed))
    cases.extend(_other_date_cases(singles, index, death_date, per_kind, draw))
    return cases


def _twin_originals(people: list[dict]) -> set[str]:
    identities = defaultdict(list)
    for person in people:
        identities[(person["usage_name"], person["first_names"], str(person["birth_date"]))].append(person["person_id"])
    return {ref for refs in identities.values() if len(refs) > 1 for ref in refs}


def _variation_cases(kind, people, categories, death_date, per_kind, draw) -> list[Case]:
    cases = []
    for person in draw.sample(people, len(people)):
        if len(cases) >= per_kind:
            break
        fields = _vary(kind, person, draw)
        if fields is None:
            continue
        # Partial register dates give a doubt whatever is typed: they have their own kinds.
        if kind not in PARTIAL_KINDS and not person["birth_date"].is_complete:
            continue
        own = person_outcome(person, categories, death_date)
        expected = own if kind in IDENTITY_KINDS else outcomes.AMBIGUOUS
        cases.append(Case(kind, dict(fields, death_date=death_date.isoformat()), person["person_id"], expected, own))
    return cases


def _no_aid_cases(people, categories, death_date, per_kind, draw) -> list[Case]:
    cases = []
    for person in draw.sample(people, len(people)):
        if len(cases) >= per_kind:
            break
        if person["birth_date"].is_complete and person_outcome(person, categories, death_date) == outcomes.UNKNOWN:
            fields = dict(_fields(person), death_date=death_date.isoformat())
            cases.append(Case("no_relevant_aid", fields, person["person_id"], outcomes.UNKNOWN, outcomes.UNKNOWN))
    return cases


def _homonym_cases(people, twins, death_date, per_kind) -> list[Case]:
    cases = []
    for person in people:
        if person["person_id"] in twins and len(cases) < per_kind:
            fields = dict(_fields(person), death_date=death_date.isoformat())
            cases.append(Case("homonyms", fields, None, outcomes.AMBIGUOUS))
    return cases


def _absent_cases(index: _RegisterIndex, death_date, per_kind, seed) -> list[Case]:
    cases = []
    for person in generate_people(per_kind * 3, seed + ABSENT_SEED_OFFSET):
        if len(cases) >= per_kind:
            break
        if not person["birth_date"].is_complete:
            continue
        if any(index.has_near(name, person["birth_date"]) for name in (person["usage_name"], person["birth_name"]) if name):
            continue
        fields = dict(_fields(person), death_date=death_date.isoformat())
        cases.append(Case("absent", fields, None, outcomes.UNKNOWN))
    return cases


def _other_date_cases(people, index: _RegisterIndex, death_date, per_kind, draw) -> list[Case]:
    cases = []
    for person in draw.sample(people, len(people)):
        if len(cases) >= per_kind:
            break
        born = person["birth_date"]
        year = born.year + draw.choice((-1, 1)) * draw.randint(3, 15)
        month = draw.choice([month for month in range(1, 13) if month != born.month])
        other = PartialDate(year, month, draw.randint(1, 28))
        if year > 2000 or any(index.has_near(name, other) for name in (person["usage_name"], person["birth_name"]) if name):
            continue
        fields = dict(_fields(person, birth_date=_date_text(other)), death_date=death_date.isoformat())
        cases.append(Case("same_name_other_date", fields, None, outcomes.UNKNOWN))
    return cases


# --- evaluation ------------------------------------------------------------------------


@dataclass
class CaseResult:
    case: Case
    outcome: str
    matched_ref: str | None


def evaluate(connection, departement, cases: list[Case]) -> list[CaseResult]:
    """Run every case through matching and the outcome rule, without recording searches."""
    from core.search.batch import BatchSearcher
    from core.search.query import parse_query
    from core.search.service import outcome_of

    searcher = BatchSearcher(connection, departement)
    cursor = connection.connection.driver_connection.cursor()
    results = []
    for case in cases:
        query = parse_query(case.fields)
        result = searcher.match(cursor, query)
        aids = searcher._load_aids([item.person.id for item in result.candidates if item.verdict != "rejected"])
        outcome = outcome_of(result, aids, departement.aid_categories, query.death_date)
        matched = result.matched.person.person_ref if result.matched else None
        results.append(CaseResult(case, outcome, matched))
    cursor.close()
    return results


def is_wrong_automatic(result: CaseResult) -> bool:
    """Return whether a known outcome was given for another person, or not from their aids."""
    if result.outcome not in outcomes.KNOWN_OUTCOMES:
        return False
    return result.matched_ref != result.case.person_ref or result.outcome != result.case.person_outcome


def confusion_table(results: list[CaseResult]) -> str:
    """Return the per-kind table: counts of each outcome, correct, wrong automatic answers."""
    columns = outcomes.OUTCOMES
    header = f"{'kind':<26}{'cases':>6}" + "".join(f"{name[:12]:>13}" for name in columns) + f"{'correct':>9}{'wrong auto':>11}"
    lines = [header, "-" * len(header)]
    by_kind = defaultdict(list)
    for result in results:
        by_kind[result.case.kind].append(result)
    for kind in ALL_KINDS:
        rows = by_kind.get(kind, [])
        if not rows:
            continue
        counts = Counter(result.outcome for result in rows)
        correct = sum(result.outcome == result.case.expected for result in rows)
        wrong = sum(is_wrong_automatic(result) for result in rows)
        lines.append(
            f"{kind:<26}{len(rows):>6}" + "".join(f"{counts[name]:>13}" for name in columns)
            + f"{100 * correct / len(rows):>8.1f}%{wrong:>11}"
        )
    return "\n".join(lines)


def summary(results: list[CaseResult]) -> dict:
    """Return the three figures the quality requirements bound."""
    identity = [result for result in results if result.case.kind in IDENTITY_KINDS]
    # "unknown" is right for a register person only when that very person was identified
    # and their own aids give it.
    about_person = [result for result in results if result.case.kind in IDENTITY_KINDS + TYPO_KINDS]
    wrong_unknown = [
        result for result in about_person
        if result.outcome == outcomes.UNKNOWN
        and (result.matched_ref != result.case.person_ref or result.case.person_outcome != outcomes.UNKNOWN)
    ]
    return {
        "unknown_for_register_person": len(wrong_unknown),
        "wrong_automatic": sum(is_wrong_automatic(result) for result in results),
        "ambiguous_share_identity": (
            sum(result.outcome == outcomes.AMBIGUOUS for result in identity) / len(identity) if identity else 0.0
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the matching confusion table on a synthetic labelled set.")
    parser.add_argument("--people", type=int, default=50_000, help="people in the synthetic register")
    parser.add_argument("--cases-per-kind", type=int, default=400, help="cases drawn for each kind of variation")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", help="database URL to build the register in (default: a temporary SQLite file)")
    args = parser.parse_args(argv)

    from core.db import make_engine
    from core.matching.register_loader import load_people
    from core.migrations import upgrade_to_head
    from core.settings import load_departement

    departement = load_departement(Path(__file__).resolve().parents[2] / "config" / "departements" / "demo.toml")
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{folder}/quality.sqlite"
        engine = make_engine({"sqlalchemy.url": url})
        upgrade_to_head(engine)
        people = build_register(args.people, args.seed)
        cases = build_cases(people, departement.aid_categories, per_kind=args.cases_per_kind, seed=args.seed)
        with engine.begin() as connection:
            load_people(connection, people)
        with engine.connect() as connection:
            results = evaluate(connection, departement, cases)
        engine.dispose()

    print(f"Register: {len(people)} people ({args.people} + homonyms), seed {args.seed}; {len(cases)} cases")
    print(confusion_table(results))
    figures = summary(results)
    print(
        f"\nunknown for a register person (typo, cosmetic, married, given names): {figures['unknown_for_register_person']}"
        f"\nwrong automatic answers: {figures['wrong_automatic']}"
        f"\nambiguous among cosmetic, married-name and given-name variations: {100 * figures['ambiguous_share_identity']:.2f} %"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
