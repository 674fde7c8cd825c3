"""Outgoing mail: a queue in the database, sent after commit and retried.

``includeme`` puts a ``Postman`` (``mail.*`` settings) on the registry as
``registry["mail.postman"]``, which ``queue_mail`` uses to send right after the
request's commit, and starts the retry thread unless ``mail.retry_interval`` is 0.
"""


def includeme(config):
    from core.mail.postman import Postman
    from core.mail.retry import RetryThread

    settings = config.get_settings()
    departement = config.registry.get("departement")
    fallback_sender = departement.section("letters").get("email") if departement else None
    postman = Postman(settings, fallback_sender=fallback_sender)
    config.registry["mail.postman"] = postman

    interval = postman.settings.retry_interval
    if interval:
        thread = RetryThread(config.registry["db.session_factory"], postman, interval)
        config.registry["mail.retry_thread"] = thread
        thread.start()
