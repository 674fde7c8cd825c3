"""Answer page benchmark: the server time of a notary's search, without the letter's PDF.

For each query, on the search benchmark's cached register (bench/data/, built by
bench_search.py when missing):

- store: what the POST of the search form does before the letter, in one transaction
  (form checks, ``parse_query``, ``run_search``, the audit record, commit);
- page: ``GET /recherche/<reference>`` through the real WSGI app, signed in as a notary
  office (session, security policy, query, template rendering).

It prints p50, p95 and p99 in milliseconds of each part and of their sum. The letter
is left out because bench_letters.py measures its rendering.

    python bench/bench_web.py --people 1000000 --queries 1000 --backend sqlite
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

import webtest  # noqa: E402
from sqlalchemy import select  # noqa: E402

import bench_search  # noqa: E402
from core import main  # noqa: E402
from core.accounts.models import Account, utcnow  # noqa: E402
from core.accounts.service import create_account  # noqa: E402
from core.audit import record_event  # noqa: E402
from core.db import make_engine, make_session_factory  # noqa: E402
from core.search.service import parse_query, run_search  # noqa: E402
from core.settings import load_departement  # noqa: E402
from core.web.search_form import read_search_form  # noqa: E402

DEMO_TOML = REPO_ROOT / "config" / "departements" / "demo.toml"
OFFICE_LOGIN = "99998"
OFFICE_PASSWORD = "benchmark office password"
# Queries of the search benchmark may leave the death date empty; the form requires one.
DEFAULT_DEATH_DATE = "10/01/2026"


def form_fields(row: dict) -> dict:
    """Return the search form's fields for a query row, dates written JJ/MM/AAAA."""
    return {
        "usage_name": row["last_name"],
        "birth_name": row["birth_name"],
        "first_names": row["first_names"],
        "birth_date": day_first(row["birth_date"]),
        "death_date": day_first(row["death_date"]) or DEFAULT_DEATH_DATE,
    }


def day_first(text: str) -> str:
    if len(text) == 10 and text[4] == "-":
        year, month, day = text.split("-")
        return f"{day}/{month}/{year}"
    return text


def ensure_office(session_factory) -> int:
    with session_factory() as dbsession:
        account = dbsession.scalar(select(Account).where(Account.login == OFFICE_LOGIN))
        if account is None:
            account = create_account(
                dbsession, role="notary", login=OFFICE_LOGIN, name="Étude du banc d'essai",
                email="etude.banc@notaires.example", password=OFFICE_PASSWORD,
            )
            account.terms_accepted_at = utcnow()
            dbsession.commit()
        return account.id


def signed_in_app(settings: dict) -> webtest.TestApp:
    app = webtest.TestApp(main({}, **settings), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    form = app.get("/connexion").forms[0]
    form["login"] = OFFICE_LOGIN
    form["password"] = OFFICE_PASSWORD
    form.submit(status=303)
    return app


def store_search(session_factory, departement, account_id: int, fields: dict) -> str | None:
    """Do the POST's work up to the letter; return the reference, or None if the form is refused."""
    with session_factory() as dbsession:
        form = read_search_form(fields)
        if not form.is_valid:
            return None
        search = run_search(dbsession, departement, parse_query(form.values), account_id=account_id, channel="web")
        record_event(dbsession, action="search", actor=f"bench {account_id}", target=search,
                     details={"reference": search.reference, "outcome": search.outcome})
        dbsession.commit()
        return search.reference


def measure(settings: dict, rows: list[dict]) -> dict[str, list[float]]:
    engine = make_engine(settings)
    session_factory = make_session_factory(engine)
    departement = load_departement(DEMO_TOML)
    account_id = ensure_office(session_factory)
    app = signed_in_app(settings)

    timings = {"store": [], "page": [], "total": []}
    for row in rows:
        started = time.perf_counter()
        reference = store_search(session_factory, departement, account_id, form_fields(row))
        stored = time.perf_counter()
        if reference is None:
            continue
        app.get(f"/recherche/{reference}", status=200)
        finished = time.perf_counter()
        timings["store"].append((stored - started) * 1000)
        timings["page"].append((finished - stored) * 1000)
        timings["total"].append((finished - started) * 1000)
    engine.dispose()
    return timings


def load_queries(people: int, count: int) -> list[dict]:
    """Return ``count`` queries, reusing the search benchmark's query file when one is big enough."""
    for path in sorted(bench_search.DATA_DIR.glob(f"queries-{people}-*.csv")):
        size = int(path.stem.rsplit("-", 1)[1])
        if size >= count:
            return bench_search.build_queries(people, size, path)[:count]
    size = max(count, 2000)
    return bench_search.build_queries(people, size, bench_search.DATA_DIR / f"queries-{people}-{size}.csv")[:count]


def main_command(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50000, help="register size (default 50000)")
    parser.add_argument("--queries", type=int, default=500, help="searches to time (default 500)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args(argv)

    url = bench_search.database_url(args.backend, args.people)
    engine = make_engine({"sqlalchemy.url": url})
    bench_search.ensure_register(engine, args.people)
    engine.dispose()
    rows = load_queries(args.people, args.queries)

    with tempfile.TemporaryDirectory() as mail_dir:
        settings = {
            "sqlalchemy.url": url,
            "departement.config": str(DEMO_TOML),
            "session.secret": "benchmark-only-secret-0123456789abcdef0123456789",
            "mail.folder": mail_dir,
        }
        timings = measure(settings, rows)

    print(f"answer page, {args.backend}, {args.people} people, {len(timings['total'])} searches")
    for part in ("store", "page", "total"):
        values = timings[part]
        print(
            f"  {part:<6} p50 {bench_search.percentile(values, 0.50):7.1f} ms   "
            f"p95 {bench_search.percentile(values, 0.95):7.1f} ms   "
            f"p99 {bench_search.percentile(values, 0.99):7.1f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main_command())
