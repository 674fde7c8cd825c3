"""E-mails sent by the account pages: password reset and invitation links."""

from core.accounts.models import TOKEN_INVITATION
from core.accounts.tokens import TOKEN_LIFETIMES
from core.i18n import _


def send_password_link(request, account, token: str, purpose: str) -> None:
    """Queue the e-mail carrying a single-use link; it leaves once the transaction commits."""
    from core.mail.service import queue_mail

    route = "invitation" if purpose == TOKEN_INVITATION else "reset_password"
    link = request.route_url(route, token=token)
    lifetime = TOKEN_LIFETIMES[purpose]
    departement = request.registry["departement"]
    translate = request.localizer.translate

    if purpose == TOKEN_INVITATION:
        subject = _("Votre accès au service Départements & Notaires")
        body = _(
            "Bonjour,\n\n${departement} vous invite à utiliser le service Départements & Notaires.\n"
            "Votre identifiant : ${login}\n\nChoisissez votre mot de passe en ouvrant ce lien, "
            "valable ${days} jours et utilisable une seule fois :\n${link}\n",
            mapping={"departement": departement.name, "login": account.login, "days": lifetime.days, "link": link},
        )
    else:
        subject = _("Réinitialisation de votre mot de passe")
        body = _(
            "Bonjour,\n\nUne réinitialisation du mot de passe du compte ${login} a été demandée.\n"
            "Pour choisir un nouveau mot de passe, ouvrez ce lien, valable ${hours} heure et "
            "utilisable une seule fois :\n${link}\n\n"
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de "
            "passe reste inchangé.\n",
            mapping={"login": account.login, "hours": int(lifetime.total_seconds() // 3600), "link": link},
        )
    queue_mail(request.dbsession, [account.email], translate(subject), translate(body))
