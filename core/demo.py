"""``dn demo``: the demo Département on this machine, in one command.

It creates (or reuses) a data folder with a SQLite database, imports a synthetic
register, creates a notary office, an agent and an administrator, writes outgoing mail
as ``.eml`` files into a folder, and serves the application with waitress. Running it
again reuses the folder: the register, the accounts and their passwords are kept.
"""

import json
import logging
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from core.accounts.models import ROLE_ADMIN, ROLE_AGENT, ROLE_NOTARY, Account
from core.accounts.service import create_account, set_password
from core.connectors import ConnectorManager
from core.db import make_engine, make_session_factory
from core.migrations import upgrade_to_head
from core.register.models import RegisterState
from core.sampledata import generate_people, write_extraction
from core.settings import load_departement

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_TOML = REPO_ROOT / "config" / "departements" / "demo.toml"
DEFAULT_DATA_DIR = Path("var") / "demo"
DEFAULT_PORT = 6543
DEFAULT_PEOPLE = 20000
SAMPLE_SEED = 2026

# The demo accounts: role, login, name, e-mail. Passwords are drawn on the first run.
DEMO_ACCOUNTS = (
    (ROLE_NOTARY, "99001", "Étude de démonstration, Maîtres Martin et Roux", "etude.99001@demo-notaires.fr",
     "3 place du Marché\n99000 Démoville"),
    (ROLE_AGENT, "agent@demo-departement.fr", "Agent de démonstration", "agent@demo-departement.fr", ""),
    (ROLE_ADMIN, "admin@demo-departement.fr", "Administrateur de démonstration", "admin@demo-departement.fr", ""),
)


@dataclass
class DemoSite:
    """The data folder, settings, accounts and register that ``prepare_demo`` set up."""

    data_dir: Path
    settings: dict
    credentials: list[dict]
    people: int
    examples: list[dict]

    @property
    def mail_dir(self) -> Path:
        return Path(self.settings["mail.folder"])


def prepare_demo(data_dir: Path, people: int = DEFAULT_PEOPLE) -> DemoSite:
    """Create or reuse the demo database, register and accounts in ``data_dir``."""
    data_dir = data_dir.resolve()
    (data_dir / "mail").mkdir(parents=True, exist_ok=True)
    settings = demo_settings(data_dir)

    engine = make_engine(settings)
    try:
        upgrade_to_head(engine)
        imported = ensure_register(engine, data_dir, people)
        credentials = ensure_accounts(make_session_factory(engine), data_dir)
    finally:
        engine.dispose()
    return DemoSite(data_dir, settings, credentials, imported, example_people(people))


def demo_settings(data_dir: Path) -> dict:
    return {
        "sqlalchemy.url": f"sqlite:///{data_dir / 'demo.sqlite'}",
        "departement.config": str(DEMO_TOML),
        "session.secret": session_secret(data_dir),
        "mail.folder": str(data_dir / "mail"),
        "pyramid.default_locale_name": "fr",
        "pyramid.reload_templates": "false",
    }


def _private_file(path: Path, content: str) -> None:
    # Created readable by the owner only: it contains a secret or passwords.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(content)


def session_secret(data_dir: Path) -> str:
    """Return the demo's session secret, drawn on the first run and kept in the folder."""
    path = data_dir / "session-secret"
    if not path.exists():
        _private_file(path, secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip()


def ensure_register(engine, data_dir: Path, people: int) -> int:
    """Import a synthetic register unless one is active; return the number of people."""
    from core.imports.service import ImportRequest, run_import

    with engine.connect() as connection:
        active = connection.scalar(select(RegisterState.active_import_id))
    if active is not None:
        from core.health import register_summary

        with make_session_factory(engine)() as dbsession:
            return register_summary(dbsession)["people"]

    extraction = data_dir / "extraction-demo.csv"
    write_extraction(extraction, people, seed=SAMPLE_SEED)
    departement = load_departement(DEMO_TOML)
    request = ImportRequest(
        connector=departement.connector,
        sources=[extraction],
        options=departement.connector_options,
        report_dir=data_dir,
        started_by="dn demo",
    )
    result = run_import(engine, ConnectorManager(), request, departement.import_thresholds)
    return result.people


def ensure_accounts(session_factory, data_dir: Path) -> list[dict]:
    """Create the demo accounts missing from the database; return every demo credential."""
    path = data_dir / "comptes-demo.json"
    known = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    with session_factory() as dbsession:
        for role, login, name, email, address in DEMO_ACCOUNTS:
            account = dbsession.scalar(select(Account).where(Account.login == login))
            if account is not None and login in known:
                continue
            password = "-".join(secrets.token_hex(3) for _ in range(4))
            if account is None:
                create_account(dbsession, role=role, login=login, name=name, email=email,
                               address=address, password=password)
            else:
                # The passwords file was lost: give the account a new, printed password.
                set_password(account, password)
            known[login] = {"role": role, "login": login, "password": password}
        dbsession.commit()

    _private_file(path, json.dumps(known, indent=2, ensure_ascii=False))
    return [known[login] for _role, login, *_rest in DEMO_ACCOUNTS]


def example_people(people: int) -> list[dict]:
    """Return people of the sample register worth searching for, one per kind of answer."""
    departement = load_departement(DEMO_TOML)
    recoverable = departement.aid_categories.recoverable
    overpayment = departement.aid_categories.overpayment_risk
    wanted = {
        "recoverable_aid": lambda codes, open_codes: bool(codes & recoverable),
        "possible_overpayment": lambda codes, open_codes: not codes & recoverable and bool(open_codes & overpayment),
        "unknown": lambda codes, open_codes: not codes,
    }
    examples = {}
    for person in generate_people(min(people, 2000), SAMPLE_SEED):
        if not person["birth_date"].is_complete:
            continue
        codes = {aid["code"] for aid in person["aids"]}
        open_codes = {aid["code"] for aid in person["aids"] if aid["end"] is None}
        for kind, test in wanted.items():
            if kind not in examples and test(codes, open_codes):
                examples[kind] = person
        if len(examples) == len(wanted):
            break
    return [{"kind": kind, **examples[kind]} for kind in wanted if kind in examples]


EXAMPLE_TITLES = {
    "recoverable_aid": "aide récupérable",
    "possible_overpayment": "indu potentiel",
    "unknown": "sans aide récupérable",
}
ROLE_TITLES = {ROLE_NOTARY: "Étude notariale (CRPCEN)", ROLE_AGENT: "Agent", ROLE_ADMIN: "Administrateur"}


def print_summary(site: DemoSite, url: str, stream=sys.stdout) -> None:
    lines = [
        "",
        "Départements & Notaires : démonstration",
        f"  Adresse :            {url}",
        f"  Dossier de données : {site.data_dir}",
        f"  Registre :           {site.people} personnes fictives",
        f"  E-mails envoyés :    écrits dans {site.mail_dir}",
        "",
        "Comptes :",
    ]
    for credential in site.credentials:
        lines.append(f"  {ROLE_TITLES[credential['role']]:<26} {credential['login']:<28} mot de passe : {credential['password']}")
    lines += ["", "Personnes du registre fictif à rechercher (date de décès : n'importe quelle date récente) :"]
    for person in site.examples:
        birth = person["birth_date"]
        lines.append(
            f"  {EXAMPLE_TITLES[person['kind']]:<22} {person['usage_name']} {person['first_names']}, "
            f"{'née' if person['sex'] == 'F' else 'né'} le {birth.day:02d}/{birth.month:02d}/{birth.year}"
        )
    lines += ["", "Arrêt : Ctrl+C.", ""]
    print("\n".join(lines), file=stream, flush=True)


def demo_command(args) -> int:
    if not 0 < args.port < 65536:
        print(f"Port invalide : {args.port}. Choisissez un nombre entre 1 et 65535.", file=sys.stderr)
        return 2
    if args.people < 1:
        print(f"Nombre de personnes invalide : {args.people}. Choisissez au moins 1.", file=sys.stderr)
        return 2
    from core.imports.service import ImportFailed, ImportRefused

    # Configured only once the arguments are valid, so a refused command installs no handler.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-5.5s [%(name)s] %(message)s")
    try:
        site = prepare_demo(Path(args.data_dir), args.people)
    except OSError as error:
        print(f"Impossible de préparer le dossier de données {args.data_dir} : {error.strerror or error}", file=sys.stderr)
        return 1
    except (ImportFailed, ImportRefused) as error:
        print(f"L'import du registre de démonstration a échoué : {error}", file=sys.stderr)
        return 1
    serve(site, args.port)
    return 0


def serve(site: DemoSite, port: int) -> None:
    import waitress

    from core import main

    app = main({}, **site.settings)
    print_summary(site, f"http://localhost:{port}")
    waitress.serve(app, listen=f"localhost:{port}", threads=4)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the demo Département on http://localhost:6543 (SQLite, sample register, demo accounts)",
        description=(
            "Create or reuse a data folder with a SQLite database, import a synthetic register, create a "
            "demo notary office, agent and administrator (passwords printed), write outgoing mail as .eml "
            "files into a folder, and serve the application."
        ),
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N", help=f"port to serve on (default {DEFAULT_PORT})")
    parser.add_argument(
        "--data-dir", default=str(DEFAULT_DATA_DIR), metavar="DIR",
        help=f"folder for the database, mail and demo passwords (default {DEFAULT_DATA_DIR}; reused when it exists)",
    )
    parser.add_argument(
        "--people", type=int, default=DEFAULT_PEOPLE, metavar="N",
        help=f"people in the synthetic register imported on the first run (default {DEFAULT_PEOPLE})",
    )
    parser.set_defaults(func=demo_command)
