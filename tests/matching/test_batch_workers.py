"""``dn search --batch`` with worker processes: the same outcomes, recorded the same way.

Workers read and match chunks on their own connections. On PostgreSQL they write them
too, with ids reserved in the order of the file. On SQLite this process writes them.
The results must not depend on the number of workers.
"""

import datetime
import gc
import os
import pickle
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.cli import main
from core.matching import quality
from core.matching.register_loader import load_people
from core.search import batch
from core.search.batch import BatchSearcher
from core.search.models import Search, SearchCandidate
from core.search.service import RegisterNotLoaded

HEADER = "query_id,last_name,birth_name,first_names,birth_date,death_date\n"


def batch_rows(departement, count=120):
    people = quality.build_register(400, seed=31)
    cases = quality.build_cases(people, departement.aid_categories, per_kind=6, seed=31)
    # Every few cases, so that each kind of variation is in.
    cases = cases[:: max(1, len(cases) // count)][:count]
    rows = [
        {
            "query_id": f"Q{number}",
            "last_name": case.fields.get("usage_name") or "",
            "birth_name": case.fields.get("birth_name") or "",
            "first_names": case.fields.get("first_names") or "",
            "birth_date": case.fields.get("birth_date") or "",
            "death_date": "2024-06-01",
        }
        for number, case in enumerate(cases)
    ]
    # A malformed row in the middle, whose outcome is 'error' in its place.
    rows.insert(len(rows) // 2, {"query_id": "BAD", "last_name": "Martin", "first_names": "Louise", "birth_date": "31/02/1931"})
    return people, rows


def run(engine, departement, rows, workers):
    with engine.connect() as connection:
        searcher = BatchSearcher(connection, departement, chunk_size=7, workers=workers)
        return list(searcher.run(rows))


def test_workers_keep_outcomes_and_order(engine, departement):
    people, rows = batch_rows(departement)
    with engine.begin() as connection:
        load_people(connection, people)

    alone = run(engine, departement, rows, workers=1)
    parallel = run(engine, departement, rows, workers=2)

    assert [result.query_id for result in parallel] == [row["query_id"] for row in rows]
    assert [(r.outcome, r.person_ref) for r in parallel] == [(r.outcome, r.person_ref) for r in alone]
    assert {result.outcome for result in parallel} >= {"recoverable_aid", "ambiguous", "unknown", "error"}
    references = [result.reference for result in alone + parallel if result.outcome != "error"]
    assert len(set(references)) == len(references) == 2 * (len(rows) - 1)


def test_workers_record_searches_and_candidates(engine, departement):
    people, rows = batch_rows(departement, count=40)
    with engine.begin() as connection:
        load_people(connection, people)
    results = run(engine, departement, rows, workers=2)

    with Session(engine) as session:
        searches = session.scalars(select(Search).order_by(Search.id)).all()
        assert [search.reference for search in searches] == [r.reference for r in results if r.outcome != "error"]
        assert [search.file_reference for search in searches] == [r.query_id for r in results if r.outcome != "error"]
        # Written through the driver, read back through the models.
        assert {search.death_date for search in searches} == {datetime.date(2024, 6, 1)}
        assert all(isinstance(search.created_at, datetime.datetime) for search in searches)
        assert all(search.reference.startswith(f"DN-{search.created_at.year}-") for search in searches)
        doubtful = next(search for search in searches if search.outcome == "ambiguous")
        candidate = doubtful.candidates[0]
        # Written as serialised text, read back as JSON like any other search.
        assert candidate.reasons["birth_date"]["level"] in {"exact", "typo", "partial"}
        assert candidate.snapshot["first_names"]
        assert session.scalar(select(func.count()).select_from(SearchCandidate)) >= len(searches) // 2


def test_workers_without_register(engine, departement):
    with engine.connect() as connection, pytest.raises(RegisterNotLoaded, match="dn import"):
        BatchSearcher(connection, departement, workers=2)


def test_register_not_loaded_survives_pickling():
    # Raised in a worker, it comes back to the parent process pickled.
    error = pickle.loads(pickle.dumps(RegisterNotLoaded()))
    assert isinstance(error, RegisterNotLoaded)
    assert "dn import" in str(error)


def test_command_workers_option(demo_ini, register, tmp_path, capsys):
    queries = tmp_path / "q.csv"
    queries.write_text(HEADER + "a,Martin,,Louise,17/05/1931,2024-06-01\n", encoding="utf-8")
    output = tmp_path / "r.csv"
    assert main(["search", str(demo_ini), "--batch", str(queries), "--output", str(output), "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
    assert not output.exists()
    assert main(["search", str(demo_ini), "--batch", str(queries), "--output", str(output), "--workers", "2"]) == 0
    assert "recoverable_aid" in output.read_text(encoding="utf-8")
    # The summary writes seconds the French way, with a decimal comma.
    assert re.search(r"^1 requête traitée en \d+,\d s \(recoverable_aid : 1\)", capsys.readouterr().err, re.MULTILINE)


def _die_in_worker(rows, ids):
    # Stands in for a worker killed mid-chunk (out of memory, kill -9).
    os._exit(9)


def test_dead_worker_stops_batch(demo_ini, register, tmp_path, capsys, monkeypatch):
    queries = tmp_path / "q.csv"
    queries.write_text(HEADER + "a,Martin,,Louise,17/05/1931,2024-06-01\n", encoding="utf-8")
    output = tmp_path / "r.csv"
    # Forked workers inherit the patched module, so the chunk's worker exits at once.
    monkeypatch.setattr(batch, "_read_in_worker", _die_in_worker)

    status = main(["search", str(demo_ini), "--batch", str(queries), "--output", str(output), "--workers", "2"])

    assert status == 1
    assert "s'est arrêté brutalement" in capsys.readouterr().err
    assert not output.exists()


def test_batch_restores_collector_thresholds(engine, departement):
    people, rows = batch_rows(departement, count=10)
    with engine.begin() as connection:
        load_people(connection, people)
    before = gc.get_threshold()
    seen = []
    with engine.connect() as connection:
        for result in BatchSearcher(connection, departement, chunk_size=4).run(rows):
            seen.append(gc.get_threshold())
    assert seen[0] == batch.BATCH_GC_THRESHOLDS
    assert batch.BATCH_GC_THRESHOLDS != before
    assert gc.get_threshold() == before


def test_batch_closed_early_stops_searching(engine, departement):
    people, rows = batch_rows(departement, count=60)
    with engine.begin() as connection:
        load_people(connection, people)
    with engine.connect() as connection:
        results = BatchSearcher(connection, departement, chunk_size=2, workers=2).run(rows)
        next(results)
        # The caller stops. No further chunk is handed out, and those no worker has
        # started are dropped.
        results.close()
    with Session(engine) as session:
        recorded = session.scalar(select(func.count()).select_from(Search))
    # At most the chunks handed out before the first result (two per worker and one
    # more, of two rows each), far fewer than the 60 rows.
    handed_out = 2 * (2 * 2 + 1)
    assert recorded >= 1
    assert recorded <= handed_out
    assert handed_out < len(rows)
