"""Back office: doubtful cases, accounts, imports, statistics, audit, letter previews.

Every page is under ``/bureau`` and states ``PERMISSION_STAFF`` (agents and
administrators) or ``PERMISSION_ADMIN``. Notary offices get a 403, and the shared
forbidden view sends anonymous users to the sign-in page.
"""

from core.i18n import _
from core.security import PERMISSION_ADMIN, PERMISSION_STAFF, SECOND_FACTOR_ROUTE


def add_routes(config) -> None:
    config.add_route(SECOND_FACTOR_ROUTE, "/connexion/verification")
    config.add_route("backoffice", "/bureau")
    config.add_route("totp_enrolment", "/bureau/double-authentification")

    config.add_route("cases", "/bureau/cas")
    config.add_route("case", "/bureau/cas/{reference}")
    config.add_route("case_note", "/bureau/cas/{reference}/note")

    config.add_route("accounts", "/bureau/comptes")
    config.add_route("account_new", "/bureau/comptes/nouveau")
    config.add_route("offices_import", "/bureau/comptes/import-offices")
    config.add_route("account", "/bureau/comptes/{id:\\d+}")
    config.add_route("account_active", "/bureau/comptes/{id:\\d+}/activation")
    config.add_route("account_invite", "/bureau/comptes/{id:\\d+}/invitation")
    config.add_route("account_totp_reset", "/bureau/comptes/{id:\\d+}/double-authentification")

    config.add_route("imports", "/bureau/imports")
    config.add_route("import_report", "/bureau/imports/{id:\\d+}/lignes-rejetees.csv")

    config.add_route("statistics", "/bureau/statistiques")
    config.add_route("statistics_csv", "/bureau/statistiques/{table}.csv")

    config.add_route("audit", "/bureau/audit")
    config.add_route("audit_csv", "/bureau/audit.csv")

    config.add_route("letter_previews", "/bureau/courriers")
    config.add_route("letter_preview", "/bureau/courriers/{outcome}.pdf")


def includeme(config):
    add_routes(config)
    config.add_navigation_link("backoffice", _("Tableau de bord"), PERMISSION_STAFF, order=10)
    config.add_navigation_link("cases", _("Cas douteux"), PERMISSION_STAFF, order=20)
    config.add_navigation_link("statistics", _("Statistiques"), PERMISSION_STAFF, order=30)
    config.add_navigation_link("accounts", _("Comptes"), PERMISSION_ADMIN, order=40)
    config.add_navigation_link("imports", _("Imports"), PERMISSION_ADMIN, order=50)
    config.add_navigation_link("audit", _("Audit"), PERMISSION_ADMIN, order=60)
    config.add_navigation_link("letter_previews", _("Courriers"), PERMISSION_ADMIN, order=70)
    config.scan("core.backoffice.views")
