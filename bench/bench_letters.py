"""Benchmark of letter rendering: Chameleon to HTML, WeasyPrint to PDF/A-3b, and storage.

Usage::

    python bench/bench_letters.py [--letters N] [--database URL] [--language fr|en]

Renders N letters (default 200), cycling through the four outcomes, and prints the
p50, p95 and p99 of two timings:

- ``render``: ``render_letter`` alone (template, HTML, PDF/A), what a notary waits for
  between the answer page and the letter;
- ``create_letter``: the same plus inserting the ``Letter`` row into a migrated database
  (a temporary SQLite file unless ``--database`` names another one), committed per letter.

The first letter of the process is excluded and reported apart as ``cold``: it loads
the fonts and compiles the templates, which a running service does once. Rendering
reads no register table, so the register's size does not change these figures.

``render cpu`` is the process CPU time of the same renders: on a machine shared with
other jobs, wall-clock times grow with the load while CPU time mostly does not, so the
two together tell a slow renderer from a busy machine. The load average is printed too.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from core.accounts.models import Account  # noqa: E402
from core.db import make_engine, make_session_factory  # noqa: E402
from core.letters.branding import load_branding  # noqa: E402
from core.letters.render import OUTCOMES, render_letter  # noqa: E402
from core.letters.sample import sample_letter_data  # noqa: E402
from core.letters.service import create_letter  # noqa: E402
from core.migrations import upgrade_to_head  # noqa: E402
from core.search.models import Search  # noqa: E402
from core.settings import load_departement  # noqa: E402

DEMO_TOML = REPO_ROOT / "config" / "departements" / "demo.toml"
TARGET_P95_MS = 200.0


def percentile(values: list[float], fraction: float) -> float:
    """Return the ``fraction`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))
    return ordered[rank]


def summary(name: str, timings_ms: list[float]) -> str:
    return (
        f"{name:14s} n={len(timings_ms):4d}  p50={percentile(timings_ms, 0.50):7.1f} ms  "
        f"p95={percentile(timings_ms, 0.95):7.1f} ms  p99={percentile(timings_ms, 0.99):7.1f} ms  "
        f"mean={statistics.fmean(timings_ms):7.1f} ms"
    )


def bench_render(departement, count: int, language: str) -> tuple[float, list[float], list[float]]:
    """Return the cold render time, then the wall-clock and CPU times of ``count`` renders."""
    branding = load_branding(departement)
    wall, cpu = [], []
    for number in range(count + 1):
        data = sample_letter_data(OUTCOMES[number % len(OUTCOMES)], datetime.now())
        started, started_cpu = time.perf_counter(), time.process_time()
        render_letter(branding, data, language)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall[0], wall[1:], cpu[1:]


def bench_create_letter(departement, count: int, language: str, database_url: str) -> list[float]:
    engine = make_engine({"sqlalchemy.url": database_url})
    upgrade_to_head(engine)
    session_factory = make_session_factory(engine)
    timings = []
    with session_factory() as session:
        office = Account(
            role="notary", login="99000", name="Office notarial de démonstration",
            address="1 rue de l’Exemple\n99000 Démoville", email="etude@example.fr",
        )
        session.add(office)
        session.commit()
        for number in range(count):
            search = _search(session, OUTCOMES[number % len(OUTCOMES)], office.id)
            started = time.perf_counter()
            create_letter(session, departement, search, office, language=language)
            session.commit()
            timings.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    return timings


def _search(session, outcome: str, account_id: int) -> Search:
    created = datetime.now() - timedelta(minutes=1)
    search = Search(
        created_at=created, account_id=account_id, channel="web", file_reference="BENCH-1",
        usage_name="EXEMPLE", birth_name="MODÈLE", first_names="Jeanne Marie", birth_date="14/07/1932",
        death_date=created.date(), death_place="Démoville", outcome=outcome,
        status="pending_review" if outcome == "ambiguous" else "answered",
    )
    session.add(search)
    session.flush()
    search.reference = f"DN-{created.year}-{search.id:06d}"
    session.commit()
    return search


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Measure letter rendering times.")
    parser.add_argument("--letters", type=int, default=200, help="letters to render per timing (default 200)")
    parser.add_argument("--database", help="database URL for create_letter (default: a temporary SQLite file)")
    parser.add_argument("--language", default="fr", choices=("fr", "en"))
    args = parser.parse_args(argv)

    departement = load_departement(DEMO_TOML)
    load_before = os.getloadavg()[0]
    cold, render_timings, render_cpu = bench_render(departement, args.letters, args.language)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        create_timings = bench_create_letter(departement, args.letters, args.language, url)

    print(f"load average (1 min) before: {load_before:.2f}, after: {os.getloadavg()[0]:.2f}, cores: {os.cpu_count()}")
    print(f"cold first render: {cold:.1f} ms")
    print(summary("render", render_timings))
    print(summary("render cpu", render_cpu))
    print(summary("create_letter", create_timings))
    p95 = percentile(create_timings, 0.95)
    verdict = "OK" if p95 < TARGET_P95_MS else "ABOVE TARGET"
    print(f"create_letter p95 {p95:.1f} ms, target < {TARGET_P95_MS:.0f} ms: {verdict}")
    return 0 if p95 < TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
