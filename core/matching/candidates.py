"""Finding the register people a query could be, through indexed lookups only.

Two lookups run in one statement, both on the active register generation:

- by surname key (``ix_person_name_key_lookup``): every key of the typed names, with
  the typed birth date and each of its typo variants (one digit wrong, day and month
  swapped). The register's partial forms of that date (month or day unknown) are
  probed too.
- by birth date (``ix_person_birth``): the typed date and its swapped form, restricted
  to people sharing one typed given name, so that a typo in the surname is still found.

A partial typed date probes the surname keys over the whole year (or month) instead.
No lookup reads more than the index entries of those keys and dates.
"""

import functools
import re
from dataclasses import dataclass

from core.connectors.records import PartialDate
from core.matching import dates
from core.matching.normalize import folded_surname_keys

PERSON_COLUMNS = (
    "p.id, p.person_ref, p.usage_name, p.birth_name, p.first_names, p.first_name_keys, "
    "p.sex, p.birth_year, p.birth_month, p.birth_day"
)

# The date lookup filters on given names with LIKE; more typed words add little.
MAX_GIVEN_NAME_FILTERS = 4

# Lists of keys and probes are padded (by repeating their last item) to multiples of
# these sizes, so that most queries share a few SQL texts: SQLite's statement cache and
# psycopg's prepared statements then skip parsing and planning.
KEY_SLOTS = 4
PROBE_SLOTS = 16


@dataclass(frozen=True, slots=True)
class CandidateRow:
    """The columns of a register person that matching reads."""

    id: int
    person_ref: str
    usage_name: str
    birth_name: str | None
    first_names: str
    first_name_keys: str
    sex: str | None
    birth_year: int
    birth_month: int
    birth_day: int


@dataclass(frozen=True, slots=True)
class LookupPlan:
    """The statements of one query's lookups, sharing one dict of named parameters.

    They run as separate statements: on SQLite one UNION (or UNION ALL) of both took
    twice as long as the two statements, measured on a 50,000-person register.
    """

    statements: tuple[str, ...]
    parameters: dict


def query_keys(typed_surnames: list[str]) -> list[str]:
    """Return the lookup keys of folded typed surnames, compound words included.

    A typed MARTIN-DUPONT also looks up MARTIN and DUPONT, since the register may hold
    them as usage and birth names.
    """
    keys = []
    for surname in typed_surnames:
        keys.extend(folded_surname_keys(surname))
        words = surname.split()
        if len(words) > 1:
            keys.extend(word for word in words if len(word) > 1)
    return list(dict.fromkeys(key for key in keys if key))


def plan_lookup(import_id: int, keys: list[str], given_words: list[str], birth: PartialDate) -> LookupPlan:
    """Build the candidate lookup for one query (see the module docstring)."""
    parameters = {"import_id": import_id}
    key_names = _bind_list(parameters, "k", _padded(keys, KEY_SLOTS))

    if birth.is_complete:
        probes = [(birth.year, birth.month, birth.day), *dates.typo_variants(birth)]
        # People whose register date is partial: the year, or year and month, only.
        probes += [(birth.year, birth.month, 0), (birth.year, 0, 0)]
        probes = _padded(probes, PROBE_SLOTS)
        probe_table, by_name = _exact_date_probes(parameters, key_names, probes)
        by_date = _date_lookup(parameters, birth, given_words)
        statements = (f"WITH {probe_table}\n{by_name}", by_date)
    else:
        statements = (_partial_date_lookup(parameters, key_names, birth),)
    return LookupPlan(statements, parameters)


@functools.lru_cache(maxsize=512)
def _pyformat(sql: str) -> str:
    # psycopg takes %(name)s where sqlite3 takes :name; a literal % must be doubled.
    return re.sub(r":(\w+)", r"%(\1)s", sql.replace("%", "%%"))


def fetch_candidates(cursor, plan: LookupPlan, *, pyformat: bool) -> list[CandidateRow]:
    """Run ``plan`` on a raw DB-API cursor and return each person found once.

    The raw cursor skips SQLAlchemy's parsing of a new SQL text for every query, which
    cost more than the lookups themselves. ``pyformat`` is true for psycopg.
    """
    people = {}
    for sql in plan.statements:
        cursor.execute(_pyformat(sql) if pyformat else sql, plan.parameters)
        for row in cursor.fetchall():
            people.setdefault(row[0], row)
    return [CandidateRow(*row) for row in people.values()]


def _padded(values: list, slots: int) -> list:
    missing = -len(values) % slots
    return values + values[-1:] * missing


def _bind_list(parameters: dict, prefix: str, values: list) -> list[str]:
    names = []
    for index, value in enumerate(values):
        name = f"{prefix}{index}"
        parameters[name] = value
        names.append(f":{name}")
    return names


def _exact_date_probes(parameters: dict, key_names: list[str], probes: list[tuple[int, int, int]]) -> tuple[str, str]:
    """Return the ``probe`` table of dates and the surname-key lookup that joins it."""
    rows = []
    for index, (year, month, day) in enumerate(probes):
        parameters[f"y{index}"], parameters[f"m{index}"], parameters[f"d{index}"] = year, month, day
        rows.append(f"(:y{index}, :m{index}, :d{index})")
    probe_table = f"probe(y, m, d) AS (VALUES {', '.join(rows)})"
    lookup = (
        f"SELECT {PERSON_COLUMNS} FROM person p WHERE p.id IN ("
        " SELECT k.person_id FROM probe JOIN person_name_key k"
        "  ON k.birth_year = probe.y AND k.birth_month = probe.m AND k.birth_day = probe.d"
        f" WHERE k.name_key IN ({', '.join(key_names)}) AND k.import_id = :import_id)"
    )
    return probe_table, lookup


def _date_lookup(parameters: dict, birth: PartialDate, given_words: list[str]) -> str:
    parameters.update(by=birth.year, bm=birth.month, bd=birth.day)
    swapped = ""
    if birth.day != birth.month and birth.day <= 12:
        swapped = " OR (p.birth_month = :bd AND p.birth_day = :bm)"
    likes = []
    words = _padded(given_words[:MAX_GIVEN_NAME_FILTERS], MAX_GIVEN_NAME_FILTERS) if given_words else []
    for index, word in enumerate(words):
        parameters[f"g{index}"] = f"%{word}%"
        likes.append(f"p.first_name_keys LIKE :g{index}")
    return (
        f"SELECT {PERSON_COLUMNS} FROM person p"
        " WHERE p.import_id = :import_id AND p.birth_year = :by"
        f" AND ((p.birth_month = :bm AND p.birth_day = :bd){swapped})"
        f" AND ({' OR '.join(likes) or '1 = 0'})"
    )


def _partial_date_lookup(parameters: dict, key_names: list[str], birth: PartialDate) -> str:
    # NOTE: a partial typed date with a typo in the surname finds nobody, because there
    # is no exact date to probe ix_person_birth with. Both at once are two variations.
    parameters.update(by=birth.year, bm=birth.month)
    month_filter = " AND k.birth_month IN (:bm, 0)" if birth.month else ""
    return (
        f"SELECT {PERSON_COLUMNS} FROM person p WHERE p.id IN ("
        " SELECT k.person_id FROM person_name_key k"
        f" WHERE k.name_key IN ({', '.join(key_names)}) AND k.import_id = :import_id"
        f" AND k.birth_year = :by{month_filter})"
    )
