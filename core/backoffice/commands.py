"""``dn purge``: remove personal data past its retention period."""

import sys

from sqlalchemy.exc import SQLAlchemyError

from core.audit import record_event
from core.backoffice.purge import purge, retention_policy
from core.scripting import open_environment
from core.settings import ConfigurationError

REPORT_LABELS = {
    "searches_anonymised": "recherches anonymisées",
    "candidates_deleted": "candidats supprimés",
    "notes_deleted": "notes internes supprimées",
    "decisions_anonymised": "décisions anonymisées",
    "letters_deleted": "courriers supprimés",
    "mail_bodies_deleted": "contenus d'e-mails supprimés",
    "import_reports_deleted": "rapports de rejets d'import supprimés",
    "audit_events_deleted": "événements d'audit supprimés",
}


def run_purge(args) -> int:
    try:
        env = open_environment(args.config)
    except FileNotFoundError:
        print(f"Erreur : fichier de configuration introuvable : {args.config}", file=sys.stderr)
        return 2
    except ConfigurationError as error:
        print(f"Erreur : configuration invalide : {error}", file=sys.stderr)
        return 2
    try:
        policy = retention_policy(env.departement)
    except ConfigurationError as error:
        env.engine.dispose()
        print(f"Erreur : {error}", file=sys.stderr)
        return 2

    try:
        with env.session_factory() as dbsession:
            report = purge(dbsession, policy)
            record_event(dbsession, action="purge.run", actor="dn purge", details=dict(report.items()))
            dbsession.commit()
    except SQLAlchemyError as error:
        print(f"Erreur : la purge a échoué et rien n'a été supprimé ({type(error).__name__}). "
              "Vérifiez la base de données (dn init-db CONFIG) puis relancez.", file=sys.stderr)
        return 1
    finally:
        env.engine.dispose()

    print(
        f"Purge terminée : données personnelles des recherches de plus de {policy.searches_months} mois, "
        f"événements d'audit de plus de {policy.audit_months} mois."
    )
    for name, count in report.items():
        print(f"  {REPORT_LABELS[name]} : {count}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "purge",
        help="remove personal data older than the retention periods of [retention] in the TOML",
        description=(
            "Blank the names and dates of searches older than [retention] searches_months "
            "(12 by default), delete their candidates, notes, letters and e-mail bodies, and "
            "delete audit events older than [retention] audit_months (24 by default). "
            "Anonymous counts stay for the statistics. Safe to run daily."
        ),
    )
    parser.add_argument("config", metavar="CONFIG", help="path to the .ini file, e.g. config/production.ini")
    parser.set_defaults(func=run_purge)
