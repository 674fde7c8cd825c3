"""Départements & Notaires: the Pyramid application."""

from pyramid.config import Configurator

from core.settings import apply_environment


def main(global_config, **settings):
    """Build the WSGI application from the ``.ini`` settings."""
    settings = apply_environment(settings)
    with Configurator(settings=settings) as config:
        # The Département's TOML: name, connector, aid categories, letters.
        config.include("core.settings")
        # request.dbsession, committed by pyramid_tm.
        config.include("core.db")
        # Connector plugins from the entry-point group, on the registry.
        config.include("core.connectors")
        # GET /health for monitoring.
        config.include("core.health")
        # French by default, English through the gettext catalogs of core/locale.
        config.include("core.i18n")
        # Signed-cookie sessions, the one security policy, CSRF, security headers.
        config.include("core.security")
        # Official letters: checks the [letters] table of the TOML at start-up.
        config.include("core.letters")
        # Outgoing mail: sent after commit, retried by a thread every mail.retry_interval seconds.
        config.include("core.mail")
        # The notary's pages and the shared layout.
        config.include("core.web")
        # Agents' and administrators' pages under /bureau, and the TOTP sign-in step.
        config.include("core.backoffice")
    return config.make_wsgi_app()
