"""Benchmark ``dn import`` against each database's own bulk load of the same file.

For each database and file size, in the same run:

- ``dn import`` of a synthetic csv_generic extraction into an empty register, then a
  second time, replacing that register (the daily case), each in its own process whose
  peak resident memory is read from the kernel (``wait4``);
- the database's raw bulk load of the same file into a plain table without indexes:
  ``sqlite3`` ``.import``, and PostgreSQL ``COPY`` through ``psql \\copy``;
- the csv_generic connector alone reading the file, which shows how much of an
  import's time goes to parsing the CSV;
- the import's writer alone: the same people, read and checked beforehand, written in
  batches by the GenerationWriter ``dn import`` uses, with only the writes timed. This
  is the floor of an import's time on the register's indexed tables.

Usage (from the repository root)::

    python bench/bench_import.py                        # 1,000,000 and 250,000 rows, both databases
    python bench/bench_import.py --rows 20000 --also-rows 0 --repeat 1 --backends sqlite

Extractions are cached under bench/data/ (gitignored). PostgreSQL runs in a throwaway
database on the server of ``NOTAIRES_TEST_POSTGRESQL_URL`` (default: the local server,
trust auth), dropped at the end.
"""

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from core.db import make_engine  # noqa: E402
from core.migrations import upgrade_to_head  # noqa: E402
from core.sampledata import EXTRACTION_COLUMNS, write_extraction  # noqa: E402

DATA_DIR = REPO_ROOT / "bench" / "data"
POSTGRESQL_ADMIN_URL = os.environ.get(
    "NOTAIRES_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
RAW_TABLE = "raw_extraction (" + ", ".join(f"{column} TEXT" for column in EXTRACTION_COLUMNS) + ")"


@dataclass
class Run:
    """The measures of one repetition for one database and one file size."""

    import_seconds: float
    import_cpu_seconds: float
    reimport_seconds: float
    peak_rss_mb: float
    raw_seconds: float
    write_seconds: float
    load_average: float


@dataclass
class Series:
    backend: str
    rows: int
    people: int = 0
    runs: list[Run] = field(default_factory=list)

    def median(self, name: str) -> float:
        return statistics.median(getattr(run, name) for run in self.runs)


def extraction(rows: int, seed: int) -> tuple[Path, int]:
    """Return the cached extraction of ``rows`` data rows and its number of people."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / f"import-{rows}-seed{seed}.csv"
    people_file = path.with_suffix(".people")
    if not path.exists() or not people_file.exists():
        print(f"writing {path} …", flush=True)
        counts = write_extraction(path, rows, seed=seed, unit="rows")
        people_file.write_text(str(counts["people"]))
    return path, int(people_file.read_text())


# -------------------------------------------------------------------------
# Throwaway databases
# -------------------------------------------------------------------------


class SQLiteDatabase:
    name = "sqlite"

    def __init__(self, folder: Path):
        self.path = folder / f"bench-{uuid.uuid4().hex[:8]}.sqlite"
        self.url = f"sqlite:///{self.path}"

    def raw_load(self, csv_path: Path) -> float:
        """Time sqlite3's own CSV import of the file into a plain table."""
        raw = self.path.with_name(self.path.stem + "-raw.sqlite")
        script = f"CREATE TABLE {RAW_TABLE};\n.mode csv\n.separator ;\n.import --skip 1 {csv_path} raw_extraction\n"
        started = time.perf_counter()
        subprocess.run(["sqlite3", str(raw)], input=script, text=True, check=True)
        seconds = time.perf_counter() - started
        raw.unlink()
        return seconds

    def drop(self) -> None:
        for suffix in ("", "-wal", "-shm", "-import.lock"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


class PostgreSQLDatabase:
    name = "postgresql"

    def __init__(self, folder: Path):
        self.admin = create_engine(POSTGRESQL_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.database = f"dn_bench_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.database}"'))
        url = make_url(POSTGRESQL_ADMIN_URL).set(database=self.database)
        self.url = url.render_as_string(hide_password=False)
        # psql takes a libpq URL, without SQLAlchemy's "+driver".
        self.libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)

    def raw_load(self, csv_path: Path) -> float:
        """Time PostgreSQL's COPY of the file into a plain table, through psql."""
        subprocess.run(["psql", "-q", self.libpq_url, "-c", f"CREATE TABLE {RAW_TABLE}"], check=True)
        copy = f"\\copy raw_extraction FROM '{csv_path}' WITH (FORMAT csv, DELIMITER ';', HEADER true)"
        started = time.perf_counter()
        subprocess.run(["psql", "-q", self.libpq_url, "-c", copy], check=True)
        seconds = time.perf_counter() - started
        subprocess.run(["psql", "-q", self.libpq_url, "-c", "DROP TABLE raw_extraction"], check=True)
        return seconds

    def drop(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
        self.admin.dispose()


# -------------------------------------------------------------------------
# Measures
# -------------------------------------------------------------------------


def write_ini(folder: Path, database_url: str) -> Path:
    source = (REPO_ROOT / "config" / "demo.ini").read_text(encoding="utf-8")
    source = source.replace("sqlalchemy.url = sqlite:///%(here)s/../var/demo.sqlite", f"sqlalchemy.url = {database_url}")
    source = source.replace("%(here)s/departements/demo.toml", str(REPO_ROOT / "config" / "departements" / "demo.toml"))
    path = folder / f"bench-{uuid.uuid4().hex[:8]}.ini"
    path.write_text(source, encoding="utf-8")
    return path


def timed_import(ini: Path, csv_path: Path, folder: Path) -> tuple[float, float, float]:
    """Run ``dn import`` in a child process.

    Returns the wall-clock seconds, the CPU seconds (user and system) of that process and
    its peak resident memory in MB. On a shared machine the CPU time varies less than
    the wall-clock time.
    """
    command = [sys.executable, "-m", "core.cli", "import", str(ini), "csv_generic", str(csv_path)]
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    with (folder / "import.log").open("w") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
        # wait4 returns the resource usage of this child alone, unlike RUSAGE_CHILDREN.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"dn import failed ({process.returncode}); see {folder / 'import.log'}")
    # Linux reports ru_maxrss in kilobytes.
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


READ_ONLY_SCRIPT = """
import sys
from pathlib import Path
from core.connectors import ConnectorManager
for record in ConnectorManager().read("csv_generic", [Path(sys.argv[1])], {"encoding": "utf-8", "delimiter": ";"}):
    pass
"""


def timed_read(csv_path: Path) -> float:
    """Time the csv_generic connector alone reading the file, with no check and no database."""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", READ_ONLY_SCRIPT, str(csv_path)], env=env, check=True)
    return time.perf_counter() - started


WRITE_ONLY_SCRIPT = """
import datetime, sys, time
from pathlib import Path
from core.connectors import ConnectorManager
from core.db import make_engine
from core.imports.checks import RecordChecker
from core.imports.service import BATCH_SIZE, ImportRequest, _record_start
from core.imports.writers import make_writer

engine = make_engine({"sqlalchemy.url": sys.argv[2]})
import_id = _record_start(engine, ImportRequest("csv_generic", [Path(sys.argv[1])]))
writer = make_writer(engine)
writer.open()
checker = RecordChecker(datetime.date.today())
seconds, batch = 0.0, []

def write(batch):
    started = time.perf_counter()
    writer.write_batch(import_id, batch)
    return time.perf_counter() - started

for record in ConnectorManager().read("csv_generic", [Path(sys.argv[1])], {"encoding": "utf-8", "delimiter": ";"}):
    person = checker.check(record).person
    if person is not None:
        batch.append(person)
    if len(batch) >= BATCH_SIZE:
        seconds += write(batch)
        batch = []
seconds += write(batch)
started = time.perf_counter()
writer.finish()
writer.refresh_statistics()
seconds += time.perf_counter() - started
writer.close()
print(seconds)
"""


def timed_writes(csv_path: Path, database_url: str) -> float:
    """Time the import's writer alone on already checked people (see the module docstring)."""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    output = subprocess.run(
        [sys.executable, "-c", WRITE_ONLY_SCRIPT, str(csv_path), database_url],
        env=env, check=True, capture_output=True, text=True,
    ).stdout
    return float(output.split()[-1])


@contextlib.contextmanager
def fresh_database(backend: str, folder: Path):
    """Yield a throwaway database of ``backend`` with the schema at head; drop it after."""
    database = SQLiteDatabase(folder) if backend == "sqlite" else PostgreSQLDatabase(folder)
    try:
        engine = make_engine({"sqlalchemy.url": database.url})
        upgrade_to_head(engine)
        engine.dispose()
        yield database
    finally:
        database.drop()


def measure(backend: str, csv_path: Path, folder: Path) -> Run:
    with fresh_database(backend, folder) as database:
        ini = write_ini(folder, database.url)
        first_seconds, first_cpu, first_rss = timed_import(ini, csv_path, folder)
        second_seconds, _, second_rss = timed_import(ini, csv_path, folder)
        raw_seconds = database.raw_load(csv_path)
    # The writer alone starts from an empty register too.
    with fresh_database(backend, folder) as database:
        write_seconds = timed_writes(csv_path, database.url)
    # The 1-minute load average of the machine, since other jobs share its cores.
    load_average = os.getloadavg()[0]
    return Run(first_seconds, first_cpu, second_seconds, max(first_rss, second_rss), raw_seconds, write_seconds, load_average)


def report(series: list[Series]) -> str:
    header = (
        "| database | rows | people | import (s) | import CPU (s) | rows/s | re-import (s) "
        "| peak RSS (MB) | raw bulk load (s) | import / raw | writes alone (s) | writes alone / raw | load average |"
    )
    lines = [header, "|" + "---|" * 13]
    for item in series:
        import_seconds = item.median("import_seconds")
        raw_seconds = item.median("raw_seconds")
        lines.append(
            f"| {item.backend} | {item.rows:,} | {item.people:,} | {import_seconds:.1f} "
            f"| {item.median('import_cpu_seconds'):.1f} "
            f"| {item.rows / import_seconds:,.0f} | {item.median('reimport_seconds'):.1f} "
            f"| {max(run.peak_rss_mb for run in item.runs):.0f} | {raw_seconds:.1f} "
            f"| {import_seconds / raw_seconds:.1f}× | {item.median('write_seconds'):.1f} "
            f"| {item.median('write_seconds') / raw_seconds:.1f}× | {item.median('load_average'):.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark dn import against the databases' own bulk loads.")
    parser.add_argument("--rows", type=int, default=1_000_000, help="data rows of the main extraction (default 1,000,000)")
    parser.add_argument(
        "--also-rows", type=int, default=250_000,
        help="data rows of a second, smaller extraction, to show that memory stays flat (0: none; default 250,000)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per database and size; medians are printed (default 3)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql (default both)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic extraction (default 0)")
    args = parser.parse_args(argv)
    if not shutil.which("sqlite3") or not shutil.which("psql"):
        sys.exit("The sqlite3 and psql command-line tools are needed for the raw bulk loads.")

    sizes = [size for size in (args.also_rows, args.rows) if size > 0]
    series = []
    with tempfile.TemporaryDirectory(prefix="dn-bench-import-") as folder:
        for backend in args.backends.split(","):
            for rows in sizes:
                csv_path, people = extraction(rows, args.seed)
                item = Series(backend, rows, people)
                for repetition in range(args.repeat):
                    run = measure(backend, csv_path, Path(folder))
                    item.runs.append(run)
                    print(
                        f"{backend} {rows:,} rows, run {repetition + 1}: import {run.import_seconds:.1f} s "
                        f"({run.import_cpu_seconds:.1f} s CPU), re-import {run.reimport_seconds:.1f} s, "
                        f"peak {run.peak_rss_mb:.0f} MB, raw {run.raw_seconds:.1f} s, "
                        f"writes alone {run.write_seconds:.1f} s, load {run.load_average:.1f}",
                        flush=True,
                    )
                series.append(item)
        reads = {rows: statistics.median(timed_read(extraction(rows, args.seed)[0]) for _ in range(args.repeat)) for rows in sizes}
    print()
    print(report(series))
    print()
    for rows, seconds in reads.items():
        print(f"csv_generic reading {rows:,} rows alone (no checks, no database): {seconds:.1f} s (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
