"""Translations: French by default, English available, one gettext domain.

Message ids are the French texts themselves, so that templates and code read in the
users' language; ``core/locale/en`` holds the English catalog. The language chosen
with the switch in the page header is kept in the session.
"""

from pyramid.i18n import TranslationStringFactory

DOMAIN = "departements_notaires"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
SESSION_KEY = "language"

_ = TranslationStringFactory(DOMAIN)


def negotiate_locale(request) -> str:
    """Return the language stored in the session, else the default (French)."""
    language = request.session.get(SESSION_KEY)
    if language in LANGUAGES:
        return language
    return request.registry.settings.get("pyramid.default_locale_name", DEFAULT_LANGUAGE)


def includeme(config):
    config.add_translation_dirs("core:locale/")
    config.set_locale_negotiator(negotiate_locale)
