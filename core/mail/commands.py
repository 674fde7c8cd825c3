"""``dn send-mail CONFIG``: send the queued e-mails that are due, e.g. from cron."""

import argparse
import sys

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from core.mail.models import STATUS_FAILED, STATUS_PENDING, OutgoingMail
from core.mail.postman import Postman
from core.mail.service import retry_failed, send_pending
from core.scripting import open_environment
from core.settings import ConfigurationError

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_CONFIGURATION = 2


def send_mail(args) -> int:
    try:
        env = open_environment(args.config)
        postman = Postman(env.settings, fallback_sender=env.departement.section("letters").get("email"))
    except (ConfigurationError, FileNotFoundError) as error:
        print(f"Erreur de configuration : {error}", file=sys.stderr)
        return EXIT_CONFIGURATION

    try:
        if args.retry_failed:
            requeued = retry_failed(env.session_factory)
            print(f"Courriels en échec remis en file d'attente : {requeued}")
        report = send_pending(env.session_factory, postman, limit=args.limit)
        waiting, failed = _queue_counts(env.session_factory)
    except SQLAlchemyError as error:
        print(
            f"Erreur de base de données ({type(error).__name__}) : vérifiez sqlalchemy.url "
            "et lancez « dn init-db CONFIG » si le schéma n'existe pas.",
            file=sys.stderr,
        )
        return EXIT_CONFIGURATION
    finally:
        env.engine.dispose()

    print(f"Courriels envoyés : {report.sent}")
    print(f"Envois échoués, nouvel essai prévu : {report.retry_later}")
    print(f"Envois abandonnés après {postman.settings.max_attempts} essais : {report.gave_up}")
    if report.released:
        print(f"Envois interrompus remis en file d'attente : {report.released}")
    print(f"Restant en file d'attente : {waiting} ; en échec définitif : {failed}")
    if failed:
        print("Pour renvoyer les courriels en échec définitif : dn send-mail CONFIG --retry-failed")
    return EXIT_SOME_FAILED if report.failed else EXIT_OK


def _queue_counts(session_factory) -> tuple[int, int]:
    with session_factory() as session:
        counts = dict(
            session.execute(
                select(OutgoingMail.status, func.count())
                .where(OutgoingMail.status.in_((STATUS_PENDING, STATUS_FAILED)))
                .group_by(OutgoingMail.status)
            ).all()
        )
    return counts.get(STATUS_PENDING, 0), counts.get(STATUS_FAILED, 0)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"nombre entier positif attendu, reçu {text!r}")
    return value


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "send-mail",
        help="send the queued e-mails that are due (retries included)",
        description=(
            "Send the queued e-mails whose next attempt is due. Exits with 1 when a "
            "delivery failed (the mail stays queued), 2 on a configuration error."
        ),
    )
    parser.add_argument("config", metavar="CONFIG", help="path to the .ini file, e.g. config/demo.ini")
    parser.add_argument(
        "--retry-failed",
        action="store_true",
        help="first queue again the mails that failed too many times (status 'failed')",
    )
    parser.add_argument(
        "--limit",
        type=_positive_int,
        default=500,
        metavar="N",
        help="send at most N mails in this run (default: 500)",
    )
    parser.set_defaults(func=send_mail)
