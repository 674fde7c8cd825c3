"""Writing synthetic people straight into a register generation, for tests and benchmarks.

The real way in is ``dn import`` through a connector. This loader skips the file and
the checks, so that a quality run or a benchmark builds a large register in seconds.
It computes the same keys as the import (see core.matching.normalize).
"""

import datetime
import functools
from collections.abc import Iterable

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from core.matching.normalize import given_name_words, surname_keys
from core.register.models import Aid, Person, PersonNameKey, RegisterImport, RegisterState

CHUNK_SIZE = 5000

_surname_keys = functools.lru_cache(maxsize=65536)(surname_keys)


@functools.lru_cache(maxsize=65536)
def _first_name_keys(first_names: str) -> str:
    return " ".join(given_name_words(first_names))


def load_people(connection: Connection, people: Iterable[dict], *, activate: bool = True) -> int:
    """Write ``people`` (dicts shaped like core.sampledata.generate_people) as a new generation.

    Returns the new import id; makes it the active register when ``activate``.
    """
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    import_id = connection.execute(
        insert(RegisterImport).returning(RegisterImport.id),
        {"connector": "synthetic", "sources": "", "status": "running", "started_at": now,
         "people": 0, "aids": 0, "rejected": 0, "forced": False, "dry_run": False},
    ).scalar_one()
    next_id = (connection.execute(select(Person.id).order_by(Person.id.desc()).limit(1)).scalar() or 0) + 1

    count = 0
    persons, keys, aids = [], [], []
    for person in people:
        _add_rows(person, next_id + count, import_id, persons, keys, aids)
        count += 1
        if len(persons) >= CHUNK_SIZE:
            _flush(connection, persons, keys, aids)
    _flush(connection, persons, keys, aids)

    connection.execute(
        update(RegisterImport).where(RegisterImport.id == import_id).values(status="succeeded", people=count, finished_at=now)
    )
    if activate:
        activate_import(connection, import_id)
    return import_id


def activate_import(connection: Connection, import_id: int) -> None:
    """Make ``import_id`` the register that searches read."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    changed = connection.execute(update(RegisterState).values(active_import_id=import_id, activated_at=now)).rowcount
    if not changed:
        connection.execute(insert(RegisterState).values(id=1, active_import_id=import_id, activated_at=now))


def _add_rows(person: dict, person_id: int, import_id: int, persons: list, keys: list, aids: list) -> None:
    birth = person["birth_date"]
    birth_name = person.get("birth_name") or None
    first_name_keys = _first_name_keys(person["first_names"])
    letters = len(first_name_keys.replace(" ", ""))
    persons.append({
        "id": person_id,
        "import_id": import_id,
        "person_ref": person["person_id"],
        "usage_name": person["usage_name"] or birth_name,
        "birth_name": birth_name,
        "first_names": person["first_names"],
        "sex": person.get("sex"),
        "birth_year": birth.year,
        "birth_month": birth.month,
        "birth_day": birth.day,
        "first_name_keys": first_name_keys,
        "first_name_letters": letters,
    })
    for key in _surname_keys(person["usage_name"] or birth_name, birth_name):
        keys.append({
            "person_id": person_id, "name_key": key, "import_id": import_id,
            "birth_year": birth.year, "birth_month": birth.month, "birth_day": birth.day,
            "first_name_keys": first_name_keys, "first_name_letters": letters,
        })
    for aid in person.get("aids", ()):
        aids.append({
            "person_id": person_id, "import_id": import_id, "code": aid["code"],
            "label": aid.get("label"), "start_date": aid.get("start"), "end_date": aid.get("end"),
        })


def _flush(connection: Connection, persons: list, keys: list, aids: list) -> None:
    for table, rows in ((Person, persons), (PersonNameKey, keys), (Aid, aids)):
        if rows:
            connection.execute(insert(table), rows)
            rows.clear()
