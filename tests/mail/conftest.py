"""Fixtures of the mail tests: a small real Pyramid app that queues mails in its requests."""

import pytest
from pyramid.config import Configurator
from webtest import TestApp

from core.mail.service import MailAttachment, queue_mail
from tests.letters.conftest import DEMO_TOML, departement, make_search, office  # noqa: F401
from tests.smtp import closed_smtp_port, smtp_server, smtp_settings  # noqa: F401


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
