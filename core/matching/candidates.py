"""Finding the register people a query could be, through indexed lookups only.

Four lookups run on the active register generation, each on index entries that hold
the person's given names, so that only the people kept are read from the table:

- exact or partial date (``ix_person_name_key_date``): every key of the typed names
  with the typed date, whatever the given names, and with the register's partial
  dates of the typed year (month, or month and day, unknown: a register day is never
  known without its month). A seek per key and date. The PostgreSQL batch finds the
  partial dates with one seek per key of ``ix_person_name_key_partial_date`` instead.
- date typo in the year (``ix_person_name_key_lookup``): every key of the typed names
  in the typed year among people whose given names have as many letters as the typed
  ones, one range per key. The entries kept have one digit of the day or month wrong,
  or day and month swapped.
- other years (``ix_person_name_key_date``): every key of the typed names with the
  typed day and month, one range over all years, keeping the years one digit away.
- by birth date (``ix_person_birth``): the typed date and its swapped form with as
  many given-name letters, so that a typo in the surname is still found.

A partial typed date looks up the surname keys over the whole year (or month) instead.
No lookup reads more than the index entries of those keys and dates.

Apart from the exact date with the surname keys, every lookup keeps only people whose
given names contain every typed given name (a LIKE per word). Where the difference is
a typo (a date variant, or a surname found by its date), their given names must also
have as many letters as the typed ones. Matching rejects the others anyway (see
core.matching.engine.verdict_of), and a frequent surname has hundreds of people
within one typo of a date in a register of a million.
"""

import functools
import re
from dataclasses import dataclass

from core.connectors.records import PartialDate
from core.matching.normalize import folded_surname_keys

PERSON_COLUMNS = (
    "p.id, p.person_ref, p.usage_name, p.birth_name, p.first_names, p.first_name_keys, "
    "p.sex, p.birth_year, p.birth_month, p.birth_day"
)

# The given-name filter uses this many typed words at most: a necessary condition
# stays necessary with fewer words.
MAX_GIVEN_NAME_FILTERS = 4

# On SQLite, lists of keys are padded to a multiple of this size, so that most queries
# share a few SQL texts and the statement cache skips parsing them.
KEY_SLOTS = 4

# The register's birth year differs from the typed one in exactly one of its four
# digits. Written as a condition on each entry rather than a list of years, because
# each year of a list cost one more descent of the index.
ONE_YEAR_DIGIT = (
    "k.birth_year <> :by AND (k.birth_year / 10 = :by / 10"
    " OR (k.birth_year / 100 = :by / 100 AND k.birth_year % 10 = :by % 10)"
    " OR (k.birth_year / 1000 = :by / 1000 AND k.birth_year % 100 = :by % 100)"
    " OR k.birth_year % 1000 = :by % 1000)"
)


def on_key_entries(condition: str) -> str:
    """Return a condition on the person's given names read from the key index entry k.

    The entries repeat the given names, so that the filter runs before the person's
    row is read: a surname has tens of index entries near a date for one person kept.
    """
    return condition.replace("p.first_name_keys", "k.first_name_keys")


# The typed date, and the register's partial dates of the typed year, on index entries
# of ix_person_name_key_date (see the module docstring). ``{given_names}`` is the
# condition on the given names, which the typed date does not need.
EXACT_OR_PARTIAL_DATES = (
    "k.birth_month IN (:bm, 0) AND k.birth_day IN (:bd, 0) AND k.birth_year = :by"
    " AND ((k.birth_month = :bm AND k.birth_day = :bd) OR {given_names})"
)

# The register's partial dates of the typed year, on ix_person_name_key_partial_date
# entries: day unknown, month unknown or the typed one (a register day is never known
# without its month).
PARTIAL_DATES = "k.birth_year = :by AND k.birth_day = 0 AND k.birth_month IN (:bm, 0)"

# A typo in a complete date of the typed year: a digit of the day or month wrong (the
# other digit and the other part the same), or day and month swapped.
TYPO_DATES = (
    "((k.birth_month = :bm AND (k.birth_day / 10 = :bd / 10 OR k.birth_day % 10 = :bd % 10))"
    " OR (k.birth_day = :bd AND (k.birth_month / 10 = :bm / 10 OR k.birth_month % 10 = :bm % 10))"
    " OR (k.birth_month = :sm AND k.birth_day = :sd))"
)


def date_values(birth: PartialDate) -> dict[str, int]:
    """Return the values the date conditions compare with, for a complete typed date.

    ``sm`` and ``sd`` are the date read with day and month swapped. Without a swap they
    repeat the date itself, so that the SQL text stays the same.
    """
    swapped = swapped_date(birth) or (birth.month, birth.day)
    return {
        "by": birth.year, "bm": birth.month, "bd": birth.day, "sm": swapped[0], "sd": swapped[1],
    }


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


def plan_lookup(
    import_id: int, keys: list[str], given_words: list[str], birth: PartialDate, *, arrays: bool = False
) -> LookupPlan:
    """Build the candidate lookup for one query (see the module docstring).

    With ``arrays`` (PostgreSQL), lists are bound as array parameters, so that every
    query shares one prepared SQL text. A VALUES list of 48 dates took 9 ms to plan
    (PostgreSQL 15, 50,000-person register), longer than the lookup itself.
    """
    parameters = {"import_id": import_id, "letters": sum(len(word) for word in given_words)}
    sql = _PostgresqlSql(parameters) if arrays else _SqliteSql(parameters)
    key_condition = sql.key_condition(keys)
    given_names_condition = sql.given_names_condition(given_words)

    if not birth.is_complete:
        any_given_name = sql.given_names_condition(given_words, require_all=False)
        return LookupPlan((_partial_date_lookup(parameters, key_condition, any_given_name, birth),), parameters)

    parameters.update(date_values(birth))
    by_keys = (
        f"SELECT {PERSON_COLUMNS} FROM person_name_key k {sql.join} person p ON p.id = k.person_id"
        f" WHERE {key_condition} AND k.import_id = :import_id"
    )
    given_names = on_key_entries(given_names_condition)
    statements = (
        f"{by_keys} AND {EXACT_OR_PARTIAL_DATES.format(given_names=given_names)}",
        f"{by_keys} AND k.birth_year = :by AND k.first_name_letters = :letters AND {TYPO_DATES} AND {given_names}",
        f"{by_keys} AND k.birth_month = :bm AND k.birth_day = :bd AND {ONE_YEAR_DIGIT}"
        f" AND k.first_name_letters = :letters AND {given_names}",
        _date_lookup(given_names_condition),
    )
    return LookupPlan(statements, parameters)


def swapped_date(birth: PartialDate) -> tuple[int, int] | None:
    """Return (month, day) of a complete date read with day and month swapped, if it differs."""
    if birth.day != birth.month and birth.day <= 12:
        return birth.day, birth.month
    return None


def given_name_patterns(words: list[str]) -> list[str]:
    """Return the LIKE patterns of the given-name filter, padded to MAX_GIVEN_NAME_FILTERS.

    Padding repeats the last word, which keeps the condition the same.
    """
    return [f"%{word}%" for word in _padded(words[:MAX_GIVEN_NAME_FILTERS], MAX_GIVEN_NAME_FILTERS)]


class _SqliteSql:
    """SQL pieces with one named parameter per list item (SQLite has no arrays)."""

    # SQLite keeps the tables of a CROSS JOIN in the written order: the index entries
    # first, then the people they point to.
    join = "CROSS JOIN"

    def __init__(self, parameters: dict):
        self.parameters = parameters

    def key_condition(self, keys: list[str]) -> str:
        names = self._bind("k", _padded(keys, KEY_SLOTS))
        return f"k.name_key IN ({', '.join(names)})"

    def given_names_condition(self, words: list[str], *, require_all: bool = True) -> str:
        """Return a condition that every typed word (or, if not ``require_all``, one) is in."""
        if not words:
            return "1 = 0"
        patterns = given_name_patterns(words)
        prefix = "g" if require_all else "a"
        joiner = " AND " if require_all else " OR "
        return "(" + joiner.join(f"p.first_name_keys LIKE {name}" for name in self._bind(prefix, patterns)) + ")"

    def _bind(self, prefix: str, values: list) -> list[str]:
        names = []
        for index, value in enumerate(values):
            self.parameters[f"{prefix}{index}"] = value
            names.append(f":{prefix}{index}")
        return names


class _PostgresqlSql:
    """SQL pieces with lists bound as array literals, cast in SQL."""

    join = "JOIN"

    def __init__(self, parameters: dict):
        self.parameters = parameters

    def key_condition(self, keys: list[str]) -> str:
        self.parameters["keys"] = _array_literal(keys)
        return "k.name_key = ANY(CAST(:keys AS text[]))"

    def given_names_condition(self, words: list[str], *, require_all: bool = True) -> str:
        """Return a condition that every typed word (or, if not ``require_all``, one) is in."""
        if not words:
            return "1 = 0"
        name = "all_given_patterns" if require_all else "any_given_patterns"
        self.parameters[name] = _array_literal(f"%{word}%" for word in words[:MAX_GIVEN_NAME_FILTERS])
        return f"p.first_name_keys LIKE {'ALL' if require_all else 'ANY'}(CAST(:{name} AS text[]))"


def _array_literal(values) -> str:
    """Return a PostgreSQL array literal, cast in SQL: cheaper to send than a list.

    Safe without quoting because keys and given names are folded to A-Z, and numbers
    and % need none.
    """
    return "{" + ",".join(map(str, values)) + "}"


def _padded(values: list, slots: int) -> list:
    missing = -len(values) % slots
    return values + values[-1:] * missing


@functools.lru_cache(maxsize=512)
def pyformat_sql(sql: str) -> str:
    """Return ``sql`` with psycopg's %(name)s placeholders for sqlite3's :name ones."""
    return re.sub(r":(\w+)", r"%(\1)s", sql.replace("%", "%%"))


def fetch_candidates(cursor, plan: LookupPlan, *, pyformat: bool) -> list[CandidateRow]:
    """Run ``plan`` on a raw DB-API cursor and return each person found once.

    The raw cursor skips SQLAlchemy's parsing of a new SQL text for every query, which
    cost more than the lookups themselves. ``pyformat`` is true for psycopg, whose
    pipeline mode sends every statement before waiting for the first reply.
    """
    people = {}
    if pyformat:
        connection = cursor.connection
        with connection.pipeline():
            cursors = [connection.cursor() for _ in plan.statements]
            for statement_cursor, sql in zip(cursors, plan.statements):
                statement_cursor.execute(pyformat_sql(sql), plan.parameters, prepare=True)
        results = []
        for statement_cursor in cursors:
            results.extend(statement_cursor.fetchall())
            statement_cursor.close()
    else:
        results = []
        for sql in plan.statements:
            cursor.execute(sql, plan.parameters)
            results.extend(cursor.fetchall())
    for row in results:
        people.setdefault(row[0], row)
    return [CandidateRow(*row) for row in people.values()]


def _date_lookup(given_names_condition: str) -> str:
    """Return the lookup by birth date, for a typo in the surname (see the module docstring).

    Reads the date_values() parameters and ``letters``. A typo in the surname needs the
    same given names in full, hence the same letter count.
    """
    # The inner query reads index entries alone (on PostgreSQL the index includes the
    # id), so that only the people it keeps are read from the table. A date has about
    # thirty people in a register of a million, and reading each of their rows was most
    # of a search's time on PostgreSQL. The inner alias hides the outer one.
    return f"SELECT {PERSON_COLUMNS} FROM person p WHERE p.id IN ({_date_lookup_ids(given_names_condition)})"


def _date_lookup_ids(given_names_condition: str) -> str:
    """Return the ids of the lookup by birth date, from ix_person_birth entries alone."""
    return (
        "SELECT p.id FROM person p WHERE p.import_id = :import_id AND p.birth_year = :by"
        # The IN lists let the index seek each date, where with the OR alone SQLite read
        # the whole year of births. They also admit the month of one date with the day of
        # the other, which the OR then removes.
        " AND p.birth_month IN (:bm, :sm) AND p.birth_day IN (:bd, :sd)"
        " AND p.first_name_letters = :letters"
        " AND ((p.birth_month = :bm AND p.birth_day = :bd) OR (p.birth_month = :sm AND p.birth_day = :sd))"
        f" AND {given_names_condition}"
    )


def _partial_date_lookup(parameters: dict, key_condition: str, any_given_name: str, birth: PartialDate) -> str:
    """Return the lookup of a partial typed date: the surname keys over the year (or month).

    Given names contained either way share at least one word, hence ``any_given_name``.
    """
    # NOTE: a partial typed date with a typo in the surname finds no one, because there
    # is no exact date to probe ix_person_birth with. Both at once are two variations.
    parameters.update(by=birth.year, bm=birth.month)
    month_filter = " AND k.birth_month IN (:bm, 0)" if birth.month else ""
    # The given-name filter reads the key index entries, so that only the people kept
    # are read: a frequent surname has about 300 people in a year.
    return (
        f"SELECT {PERSON_COLUMNS} FROM person p WHERE p.id IN ("
        " SELECT k.person_id FROM person_name_key k"
        f" WHERE {key_condition} AND k.import_id = :import_id"
        f" AND k.birth_year = :by{month_filter} AND {on_key_entries(any_given_name)})"
    )


# --- a whole chunk of queries at once (batch, SQLite) -----------------------------------

# The lookups of a chunk go into temporary tables, so that four statements per chunk do
# the lookups of every query. The same index seeks run as in plan_lookup's statements,
# but without a statement per query, and in the order of the probe tables' primary
# keys: consecutive seeks of one surname key land on the same index pages. On SQLite,
# CROSS JOIN keeps the written join order, because SQLite never reorders the tables of
# a CROSS JOIN. With a plain JOIN the planner, with no statistics on these tables,
# chose to scan person_name_key.
CHUNK_TABLES = {
    "chunk_query": (
        "query_no INTEGER PRIMARY KEY, g0 TEXT, g1 TEXT, g2 TEXT, g3 TEXT, letters INTEGER,"
        " bm INTEGER, bd INTEGER, sm INTEGER, sd INTEGER"
    ),
    "chunk_key_probe": "name_key TEXT, y INTEGER, query_no INTEGER, PRIMARY KEY (name_key, y, query_no)",
    "chunk_date_probe": (
        "y INTEGER, m INTEGER, d INTEGER, letters INTEGER, query_no INTEGER, PRIMARY KEY (y, m, d, letters, query_no)"
    ),
}
QUERY_VALUES = ("bm", "bd", "sm", "sd")

_CHUNK_GIVEN_NAMES = "(" + " AND ".join(f"p.first_name_keys LIKE q.g{index}" for index in range(MAX_GIVEN_NAME_FILTERS)) + ")"
# The same, on the key index entry k.
_KEY_GIVEN_NAMES = on_key_entries(_CHUNK_GIVEN_NAMES)


def _read_from_row(sql: str) -> str:
    """Return ``sql`` with each named parameter but the import id read from the row q."""
    return re.sub(r":(?!import_id\b)(\w+)", r"q.\1", sql)


def _from_query_row(sql: str) -> str:
    """Return ``sql`` with the query's values read from chunk_query q, its year from the probe."""
    return _read_from_row(sql.replace(":by", "probe.y"))


def _chunk_lookups() -> tuple[str, ...]:
    """Return the four statements of a chunk.

    They hold the same conditions as plan_lookup's statements, with each query's
    values read from its row of chunk_query.
    """
    keys = (
        f"SELECT probe.query_no, {PERSON_COLUMNS} FROM chunk_key_probe probe"
        " CROSS JOIN chunk_query q ON q.query_no = probe.query_no"
    )
    key = "k.name_key = probe.name_key AND k.import_id = :import_id"
    # Both key indexes fit some of these statements: the planner, without statistics
    # on the probes, sometimes took the one that reads more (measured on 1,000,000).
    by_year = "person_name_key k INDEXED BY ix_person_name_key_lookup"
    by_day = "person_name_key k INDEXED BY ix_person_name_key_date"
    person = " CROSS JOIN person p ON p.id = k.person_id"
    exact_or_partial = EXACT_OR_PARTIAL_DATES.format(given_names=_KEY_GIVEN_NAMES)
    return (
        f"{keys} CROSS JOIN {by_day} ON {key} AND {_from_query_row(exact_or_partial)}{person}",
        f"{keys} CROSS JOIN {by_year} ON {key} AND k.birth_year = probe.y AND k.first_name_letters = q.letters{person}"
        f" WHERE {_from_query_row(TYPO_DATES)} AND {_KEY_GIVEN_NAMES}",
        f"{keys} CROSS JOIN {by_day} ON {key} AND k.birth_month = q.bm AND k.birth_day = q.bd{person}"
        f" WHERE {_from_query_row(ONE_YEAR_DIGIT)} AND k.first_name_letters = q.letters AND {_KEY_GIVEN_NAMES}",
        # The typed date or its swapped form, whatever the surname.
        f"SELECT probe.query_no, {PERSON_COLUMNS} FROM chunk_date_probe probe"
        " CROSS JOIN person p"
        "  ON p.import_id = :import_id AND p.birth_year = probe.y AND p.birth_month = probe.m AND p.birth_day = probe.d"
        " AND p.first_name_letters = probe.letters"
        " CROSS JOIN chunk_query q ON q.query_no = probe.query_no"
        f" WHERE {_CHUNK_GIVEN_NAMES}",
    )


def _column_count(columns: str) -> int:
    return len(columns.split(", PRIMARY KEY")[0].split(","))


# SQLite tables keyed on their primary key alone are smaller and faster WITHOUT ROWID.
CHUNK_CREATE = tuple(
    f"CREATE TEMP TABLE IF NOT EXISTS {name} ({columns})" + ("" if name == "chunk_query" else " WITHOUT ROWID")
    for name, columns in CHUNK_TABLES.items()
)
CHUNK_INSERTS = {
    name: f"INSERT INTO {name} VALUES ({', '.join('?' * _column_count(columns))})"
    for name, columns in CHUNK_TABLES.items()
}
CHUNK_LOOKUPS = _chunk_lookups()


def fits_chunk_lookup(given_words: list[str], birth: PartialDate) -> bool:
    """Tell whether a query can go through the chunk lookups (complete date, given names)."""
    return birth.is_complete and bool(given_words)


def create_chunk_tables(cursor) -> None:
    """Create the temporary tables of chunk lookups, if this connection has none yet."""
    for statement in CHUNK_CREATE:
        cursor.execute(statement)


def fetch_chunk_candidates(
    cursor, import_id: int, lookups: list[tuple[list[str], list[str], PartialDate]]
) -> list[list[CandidateRow]]:
    """Return the candidates of each (keys, given words, birth date) lookup, on SQLite.

    Finds the same people as plan_lookup and fetch_candidates would, query by query.
    Every lookup must fit (see fits_chunk_lookup). Writes only to temporary tables.
    """
    query_rows, key_probes, birth_probes = [], set(), set()
    for query_no, (keys, given_words, birth) in enumerate(lookups):
        values = date_values(birth)
        letters = sum(len(word) for word in given_words)
        query_rows.append((query_no, *given_name_patterns(given_words), letters, *(values[name] for name in QUERY_VALUES)))
        key_probes.update((key, birth.year, query_no) for key in keys)
        birth_probes.add((birth.year, birth.month, birth.day, letters, query_no))
        birth_probes.add((birth.year, values["sm"], values["sd"], letters, query_no))
    rows = {
        "chunk_query": query_rows,
        "chunk_key_probe": sorted(key_probes),
        "chunk_date_probe": sorted(birth_probes),
    }

    create_chunk_tables(cursor)
    for table, table_rows in rows.items():
        cursor.execute(f"DELETE FROM {table}")
        cursor.executemany(CHUNK_INSERTS[table], table_rows)
    # Without statistics on these tables, the planner expects so many probes that it
    # first builds a Bloom filter over all of person_name_key, which took longer than
    # the lookups themselves.
    cursor.execute("ANALYZE temp")

    people = [{} for _ in lookups]
    for statement in CHUNK_LOOKUPS:
        cursor.execute(statement, {"import_id": import_id})
        for row in cursor.fetchall():
            people[row[0]].setdefault(row[1], row[1:])
    return [[CandidateRow(*row) for row in found.values()] for found in people]


# --- a whole chunk of queries at once (batch, PostgreSQL) -------------------------------

# On PostgreSQL the chunk's values go as arrays, unnested into one row per query and one
# per (query, surname key). Each row's lookups run in a LATERAL subquery with the
# conditions of plan_lookup's statements, each parameter read from the row, and one
# statement does the lookups of a whole chunk. It reads index entries only, keeps each
# (query, person) once, and only then reads the people kept. The lookups find the same
# person up to three times, since the typed date is also in the typo range and in the
# date lookup, and each read of a person row cost as much as an index seek.

# The columns of a chunk's arrays. A key row repeats its query's values, because with a
# join of key rows to query rows the planner expected five times as many rows and read
# the whole person table.
_GIVEN_NAME_PATTERNS = tuple(f"g{index}" for index in range(MAX_GIVEN_NAME_FILTERS))
_QUERY_ROW = ("n", "by", "bm", "bd", "sm", "sd", *_GIVEN_NAME_PATTERNS, "letters")
_KEY_ROW = (*_QUERY_ROW, "name_key")
_TEXT_COLUMNS = frozenset({"name_key", *_GIVEN_NAME_PATTERNS})
# Each row's typed given-name patterns, padded as in given_name_patterns(): unnest()
# cannot give an array per row, and splitting one text for each index entry cost more
# than the lookup.
_ROW_GIVEN_NAMES = "(" + " AND ".join(f"p.first_name_keys LIKE :{name}" for name in _GIVEN_NAME_PATTERNS) + ")"


def _unnest(columns: tuple[str, ...], prefix: str) -> str:
    arrays = ", ".join(
        f"CAST(:{prefix}{name} AS {'text' if name in _TEXT_COLUMNS else 'int'}[])" for name in columns
    )
    return f"unnest({arrays}) AS q({', '.join(columns)})"


def _chunk_statement() -> str:
    """Return the one statement of a chunk's lookups on PostgreSQL (see above)."""
    keys = "k.name_key = :name_key AND k.import_id = :import_id"
    given_names = on_key_entries(_ROW_GIVEN_NAMES)
    by_keys = "SELECT k.person_id FROM person_name_key k WHERE " + keys
    # One index seek or range each: the typed date (ix_person_name_key_date), the
    # register's partial dates of the year (ix_person_name_key_partial_date), a date
    # typo in the year (ix_person_name_key_lookup), the years one digit away
    # (ix_person_name_key_date). With one condition for the first two (an IN list of
    # the row's values), the planner read the whole year of the key instead.
    key_lookups = " UNION ALL ".join((
        f"{by_keys} AND k.birth_month = :bm AND k.birth_day = :bd AND k.birth_year = :by",
        f"{by_keys} AND {PARTIAL_DATES} AND {given_names}",
        f"{by_keys} AND k.birth_year = :by AND k.first_name_letters = :letters AND {TYPO_DATES} AND {given_names}",
        f"{by_keys} AND k.birth_month = :bm AND k.birth_day = :bd AND {ONE_YEAR_DIGIT}"
        f" AND k.first_name_letters = :letters AND {given_names}",
    ))
    # The person row of each (query, person) kept, read by its id. OFFSET 0 keeps the
    # subquery a nested loop over the few people kept. As a join, the planner could
    # read the whole table in id order instead.
    person = f"SELECT {PERSON_COLUMNS} FROM person p WHERE p.id = found.person_id OFFSET 0"
    sql = (
        f"SELECT found.n, p.* FROM ("
        f"SELECT q.n, k.person_id FROM {_unnest(_KEY_ROW, 'key_')}"
        f" CROSS JOIN LATERAL ({_read_from_row(key_lookups)}) k"
        f" UNION SELECT q.n, d.id FROM {_unnest(_QUERY_ROW, '')}"
        f" CROSS JOIN LATERAL ({_read_from_row(_date_lookup_ids(_ROW_GIVEN_NAMES))}) d"
        f") found CROSS JOIN LATERAL ({person}) p"
    )
    return pyformat_sql(sql)


POSTGRESQL_CHUNK_STATEMENT = _chunk_statement()


def fetch_postgresql_chunk_candidates(
    connection, import_id: int, lookups: list[tuple[list[str], list[str], PartialDate]]
) -> list[list[CandidateRow]]:
    """Return the candidates of each (keys, given words, birth date) lookup, on PostgreSQL.

    Finds the same people as plan_lookup and fetch_candidates would, query by query.
    Every lookup must fit (see fits_chunk_lookup). ``connection`` is a psycopg one.
    """
    query_rows, key_rows = [], []
    for number, (keys, given_words, birth) in enumerate(lookups):
        swapped = swapped_date(birth) or (birth.month, birth.day)
        # In the order of _QUERY_ROW.
        row = (
            number, birth.year, birth.month, birth.day, *swapped,
            *given_name_patterns(given_words), sum(len(word) for word in given_words),
        )
        query_rows.append(row)
        key_rows.extend((*row, key) for key in keys)
    # Each column goes as one array literal, sent as text, because psycopg adapts a
    # Python list item by item.
    parameters = {"import_id": import_id}
    for prefix, columns, rows in (("", _QUERY_ROW, query_rows), ("key_", _KEY_ROW, key_rows)):
        values = list(zip(*rows)) or [()] * len(columns)
        parameters.update((prefix + name, _array_literal(column)) for name, column in zip(columns, values))

    people = [{} for _ in lookups]
    cursor = connection.cursor()
    try:
        # The planner's cost for a chunk can pass jit_above_cost, and compiling the
        # statement took longer than running it.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(POSTGRESQL_CHUNK_STATEMENT, parameters, prepare=True)
        for row in cursor.fetchall():
            people[row[0]][row[1]] = row[1:]
    finally:
        cursor.close()
    return [[CandidateRow(*row) for row in found.values()] for found in people]
