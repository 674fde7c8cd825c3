"""Search benchmark: single-search latency and ``--batch`` rate, with two references.

On a synthetic register (core.sampledata, cached under bench/data/), for SQLite and
PostgreSQL:

- single search: ``run_search`` + commit, one query at a time (p50, p95, p99 in ms);
- batch: the BatchSearcher behind ``dn search --batch`` on the query file, with as
  many worker processes as ``dn search --batch`` uses by default (searches/s, the
  median of ``--repeat`` runs);
- naive reference: rapidfuzz ``process.extract`` of each query against every name of
  the register, on a few queries (searches/s);
- Splink 5 on DuckDB: a link-only model blocked on surname key + birth year and on
  birth date, with name and date comparisons, timed on ``predict()`` alone (the
  median of ``--repeat`` runs).

The machine these figures come from is shared, so a single run of the batch or of
Splink can be a tenth off. The ratios therefore compare medians measured in the same
run.

Queries are register people typed with a cosmetic variation (80 %) and absent people
(20 %). Peak memory is the process's maximum resident set size, printed once after
the searches and once after the references.

    python bench/bench_search.py --people 1000000 --queries 10000
"""

import argparse
import csv
import fcntl
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from core.db import make_engine, make_session_factory  # noqa: E402
from core.matching import quality  # noqa: E402
from core.matching.normalize import fold, name_key  # noqa: E402
from core.matching.register_loader import load_people  # noqa: E402
from core.migrations import upgrade_to_head  # noqa: E402
from core.register.models import Person  # noqa: E402
from core.sampledata import generate_people  # noqa: E402
from core.search.batch import BatchSearcher  # noqa: E402
from core.search.query import parse_query  # noqa: E402
from core.search.service import run_search  # noqa: E402
from core.settings import load_departement  # noqa: E402

DATA_DIR = REPO_ROOT / "bench" / "data"
SEED = 42
# Raised when the register's keys change (core.matching.normalize), so that cached
# registers built with older keys are not reused.
KEYS_VERSION = 3
POSTGRESQL_ADMIN_URL = os.environ.get("NOTAIRES_BENCH_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
VARIATIONS = ("case", "accents", "hyphen", "apostrophe", "spaces", "commas", "given_name_order", "usage_name_only", "names_swapped")


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_worker_memory_mb() -> float:
    """Return the largest peak resident set of the batch worker processes, once they ended."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


# --- data ------------------------------------------------------------------------------


def build_queries(people_count: int, query_count: int, path: Path) -> list[dict]:
    """Write (once) and return the query file: varied register people and absent people."""
    if path.exists():
        with path.open(encoding="utf-8") as stream:
            return list(csv.DictReader(stream))
    draw = random.Random(SEED)
    wanted = set(draw.sample(range(people_count), int(query_count * 0.8)))
    rows = []
    for index, person in enumerate(generate_people(people_count, SEED)):
        if index in wanted:
            fields = None
            for kind in draw.sample(VARIATIONS, len(VARIATIONS)):
                fields = quality._vary(kind, person, draw)
                if fields:
                    break
            rows.append(_query_row(len(rows), fields or quality._fields(person)))
    for person in generate_people(query_count - len(rows), SEED + 1000):
        rows.append(_query_row(len(rows), quality._fields(person)))
    draw.shuffle(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


def _query_row(number: int, fields: dict) -> dict:
    return {
        "query_id": f"Q{number:06d}",
        "last_name": fields["usage_name"],
        "birth_name": fields["birth_name"],
        "first_names": fields["first_names"],
        "birth_date": fields["birth_date"],
        "death_date": "2024-06-01",
    }


def database_url(backend: str, people_count: int) -> str:
    if backend == "sqlite":
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DATA_DIR / f'register-{people_count}-v{KEYS_VERSION}.sqlite'}"
    name = f"dn_bench_{people_count}_v{KEYS_VERSION}"
    admin = create_engine(POSTGRESQL_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).scalar():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin.url.set(database=name).render_as_string(hide_password=False)


def ensure_register(engine, people_count: int) -> None:
    """Load the register once; later runs reuse the cached database.

    A lock file makes a second benchmark process (bench_web.py uses this function too)
    wait for the first one's load rather than load the same people again.
    """
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    lock_path = DATA_DIR / f"register-{engine.dialect.name}-{people_count}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        upgrade_to_head(engine)
        with engine.connect() as connection:
            if connection.execute(select(func.count()).select_from(Person)).scalar() >= people_count:
                return
        started = time.perf_counter()
        with engine.begin() as connection:
            load_people(connection, generate_people(people_count, SEED))
        # As dn import does: statistics, and on PostgreSQL the visibility map that lets
        # index-only scans skip the table (VACUUM runs outside a transaction).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
        print(f"  register loaded in {time.perf_counter() - started:.0f} s", flush=True)


# --- measures --------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure_single(engine, departement, rows: list[dict], count: int) -> dict:
    session_factory = make_session_factory(engine)
    timings = []
    for row in rows[:count]:
        query = parse_query({"usage_name": row["last_name"], "birth_name": row["birth_name"], "first_names": row["first_names"], "birth_date": row["birth_date"], "death_date": row["death_date"]})
        # One session per search, as a web request has.
        started = time.perf_counter()
        with session_factory() as dbsession:
            run_search(dbsession, departement, query, account_id=None, channel="cli")
            dbsession.commit()
        timings.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": percentile(timings, 0.50), "p95_ms": percentile(timings, 0.95), "p99_ms": percentile(timings, 0.99)}


def measure_batch(engine, departement, rows: list[dict], workers: int) -> float:
    with engine.connect() as connection:
        searcher = BatchSearcher(connection, departement, workers=workers)
        started = time.perf_counter()
        results = list(searcher.run(rows))
        elapsed = time.perf_counter() - started
    assert len(results) == len(rows)
    return len(rows) / elapsed


def measure_naive(people_count: int, rows: list[dict], count: int) -> float:
    """Return searches/s of rapidfuzz process.extract over every register name."""
    from rapidfuzz import fuzz, process

    choices = [f"{name_key(person['usage_name'])} {fold(person['first_names'])} {person['birth_date']}" for person in generate_people(people_count, SEED)]
    started = time.perf_counter()
    for row in rows[:count]:
        typed = f"{name_key(row['last_name'])} {fold(row['first_names'])}"
        process.extract(typed, choices, scorer=fuzz.WRatio, limit=5)
    return count / (time.perf_counter() - started)


def measure_splink(people_count: int, rows: list[dict], repeat: int) -> list[float]:
    """Return searches/s of each of ``repeat`` runs of Splink's predict() on DuckDB."""
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    register_path = DATA_DIR / f"splink-register-{people_count}.csv"
    queries_path = DATA_DIR / f"splink-queries-{people_count}-{len(rows)}.csv"
    columns = ["unique_id", "surname", "first_name", "birth_year", "birth_date"]
    if not register_path.exists():
        with register_path.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(columns)
            for number, person in enumerate(generate_people(people_count, SEED)):
                born = person["birth_date"]
                writer.writerow(_splink_row(number, person["usage_name"], person["first_names"], born))
    with queries_path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(columns)
        for number, row in enumerate(rows):
            born = parse_query({"usage_name": row["last_name"], "birth_name": row["birth_name"], "first_names": row["first_names"], "birth_date": row["birth_date"]}).birth_date
            writer.writerow(_splink_row(number, row["last_name"] or row["birth_name"], row["first_names"], born))

    connection = duckdb.connect()
    for table, path in (("register", register_path), ("queries", queries_path)):
        connection.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, header = true, all_varchar = true)", [str(path)])
    api = DuckDBAPI(connection)
    settings = SettingsCreator(
        link_type="link_only",
        # Comparable to the indexed lookups: same surname key and birth year, or same date.
        blocking_rules_to_generate_predictions=[block_on("surname", "birth_year"), block_on("birth_date")],
        comparisons=[
            cl.JaroWinklerAtThresholds("surname", [0.95, 0.88]),
            cl.JaroWinklerAtThresholds("first_name", [0.95, 0.88]),
            cl.DamerauLevenshteinAtThresholds("birth_date", [1, 2]),
        ],
    )
    linker = Linker([api.register("register"), api.register("queries")], settings, log_level=40)
    linker.training.estimate_u_using_random_sampling(max_pairs=200_000)
    rates = []
    for _ in range(repeat):
        started = time.perf_counter()
        predictions = linker.inference.predict(threshold_match_probability=0.5)
        predictions.physical_name  # materialised by predict(); nothing else is timed
        rates.append(len(rows) / (time.perf_counter() - started))
    connection.close()
    return rates


def _splink_row(number: int, surname: str, first_names: str, born) -> list:
    return [
        number,
        name_key(surname),
        (fold(first_names).split() or [""])[0],
        born.year,
        f"{born.year:04d}{born.month:02d}{born.day:02d}",
    ]


def _rates(rates: list[float]) -> str:
    return ", ".join(f"{rate:,.0f}" for rate in rates)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000, help="people in the register")
    parser.add_argument("--queries", type=int, default=10_000, help="queries of the batch")
    parser.add_argument("--single", type=int, default=1000, help="queries timed one by one")
    parser.add_argument("--naive", type=int, default=20, help="queries timed with the naive reference")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="batch worker processes (default: processors)")
    parser.add_argument("--no-splink", action="store_true", help="skip the Splink reference")
    parser.add_argument(
        "--repeat", type=int, default=3,
        help="runs of the batch and of Splink's predict(); medians are compared (default 3)",
    )
    args = parser.parse_args(argv)

    departement = load_departement(REPO_ROOT / "config" / "departements" / "demo.toml")
    rows = build_queries(args.people, args.queries, DATA_DIR / f"queries-{args.people}-{args.queries}.csv")
    print(f"register {args.people} people, {len(rows)} queries, {time.strftime('%Y-%m-%d %H:%M')}", flush=True)

    batch_rates = {}
    for backend in args.backends.split(","):
        engine = make_engine({"sqlalchemy.url": database_url(backend, args.people)})
        ensure_register(engine, args.people)
        single = measure_single(engine, departement, rows, args.single)
        rates = [measure_batch(engine, departement, rows, args.workers) for _ in range(args.repeat)]
        rate = batch_rates[backend] = statistics.median(rates)
        print(f"{backend:<11} single p50 {single['p50_ms']:.2f} ms  p95 {single['p95_ms']:.2f} ms  p99 {single['p99_ms']:.2f} ms  batch {rate:,.0f} searches/s ({args.workers} workers, median of {_rates(rates)})", flush=True)
        engine.dispose()

    # Measured before the references, which hold the whole register in memory themselves.
    print(f"peak memory of the searches: {peak_memory_mb():,.0f} MB, of a batch worker: {peak_worker_memory_mb():,.0f} MB", flush=True)
    print(f"naive rapidfuzz process.extract: {measure_naive(args.people, rows, args.naive):,.2f} searches/s", flush=True)
    if not args.no_splink:
        splink_rates = measure_splink(args.people, rows, args.repeat)
        splink_rate = statistics.median(splink_rates)
        print(f"splink 5 predict (duckdb): {splink_rate:,.0f} searches/s (median of {_rates(splink_rates)})", flush=True)
        for backend, rate in batch_rates.items():
            print(f"batch / splink on {backend}: {rate / splink_rate:.2f}x (target: at least 2x)", flush=True)
    print(f"peak memory with the references: {peak_memory_mb():,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
