"""The notary's web pages: sign-in, passwords, terms of use, search, answer, history.

``core.web.layout`` also serves the back office: its pages fill the same
``core:templates/layout.pt`` macro and add their links with ``config.add_navigation_link``.
"""

from core.i18n import _
from core.security import PERMISSION_ACCOUNT, PERMISSION_NOTARY


def add_routes(config) -> None:
    config.add_route("home", "/")
    config.add_route("sign_in", "/connexion")
    config.add_route("sign_out", "/deconnexion")
    config.add_route("forgot_password", "/mot-de-passe-oublie")
    config.add_route("reset_password", "/reinitialiser/{token}")
    config.add_route("invitation", "/invitation/{token}")
    config.add_route("change_password", "/mot-de-passe")
    config.add_route("terms", "/conditions")
    config.add_route("language", "/langue/{code}")
    config.add_route("search", "/recherche")
    config.add_route("answer", "/recherche/{reference}")
    config.add_route("letter", "/recherche/{reference}/courrier.pdf")
    config.add_route("history", "/historique")


def includeme(config):
    config.include("pyramid_chameleon")
    config.include("core.web.layout")
    config.add_static_view("static", "core:static/", cache_max_age=3600)
    add_routes(config)

    config.add_navigation_link("search", _("Nouvelle recherche"), PERMISSION_NOTARY, order=10)
    config.add_navigation_link("history", _("Historique"), PERMISSION_NOTARY, order=20)
    config.add_navigation_link("change_password", _("Mot de passe"), PERMISSION_ACCOUNT, order=90)
    config.scan("core.web")
