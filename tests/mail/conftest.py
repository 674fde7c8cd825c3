"""Fixtures of the letter and mail tests: a notary office and searches in the test database."""

from datetime import date, datetime

import pytest
from pyramid.config import Configurator
from webtest import TestApp

from core.accounts.models import Account
from core.mail.service import MailAttachment, queue_mail
from core.search.models import Search
from core.settings import load_departement
from tests.conftest import REPO_ROOT
from tests.smtp import closed_smtp_port, smtp_server, smtp_settings  # noqa: F401

DEMO_TOML = REPO_ROOT / "config" / "departements" / "demo.toml"


@pytest.fixture
def departement():
    return load_departement(DEMO_TOML)


@pytest.fixture
def office(dbsession) -> Account:
    account = Account(
        role="notary",
        login="69001",
        name="Office notarial de Maître Claire Martin",
        address="12 rue des Notaires\n69000 Lyon",
        email="etude.martin@example.fr",
    )
    dbsession.add(account)
    dbsession.commit()
    return account


@pytest.fixture
def make_search(dbsession, office):
    """Create and commit a search of ``outcome``; return it."""

    def make(outcome="unknown", **values):
        fields = {
            "created_at": datetime(2026, 12, 1, 9, 30),
            "account_id": office.id,
            "channel": "web",
            "file_reference": "SUCC/2026/45",
            "usage_name": "DUPONT",
            "birth_name": "MARTIN",
            "first_names": "Jeanne Marie",
            "birth_date": "12/03/1931",
            "death_date": date(2026, 11, 2),
            "death_place": "Lyon 3e",
            "outcome": outcome,
            "status": "pending_review" if outcome == "ambiguous" else "answered",
        }
        fields.update(values)
        search = Search(**fields)
        dbsession.add(search)
        dbsession.flush()
        search.reference = f"DN-2026-{search.id:06d}"
        dbsession.commit()
        return search

    return make


@pytest.fixture
def mail_app(database_url):
    """Build a small real Pyramid app (pyramid_tm, core.db, core.mail) with ``mail.*`` settings.

    Its views queue mails in the request's transaction: ``/queue?count=N`` commits,
    ``/queue-then-fail`` raises after queueing, so that pyramid_tm aborts.
    """
    apps = []

    def make(mail_settings: dict) -> TestApp:
        settings = {
            "sqlalchemy.url": database_url,
            "departement.config": str(DEMO_TOML),
            **mail_settings,
        }
        with Configurator(settings=settings) as config:
            config.include("core.settings")
            config.include("core.db")
            config.include("core.mail")
            config.add_route("queue", "/queue")
            config.add_view(_queue_view, route_name="queue", renderer="json")
            config.add_route("queue_then_fail", "/queue-then-fail")
            config.add_view(_queue_then_fail_view, route_name="queue_then_fail")
            app = config.make_wsgi_app()
        apps.append(app)
        return TestApp(app)

    yield make

    for app in apps:
        app.registry["db.engine"].dispose()


def _queue_view(request):
    count = int(request.params.get("count", 1))
    ids = []
    for number in range(count):
        mail = queue_mail(
            request.dbsession,
            "etude.martin@example.fr",
            f"Message {number}",
            "Corps du message.",
            attachments=[MailAttachment("note.txt", "text/plain", b"bonjour")],
        )
        ids.append(mail.id)
    return {"ids": ids}


class FailingViewError(Exception):
    pass


def _queue_then_fail_view(request):
    queue_mail(request.dbsession, "etude.martin@example.fr", "Jamais envoyé", "Corps.")
    raise FailingViewError("the view failed after queueing a mail")
