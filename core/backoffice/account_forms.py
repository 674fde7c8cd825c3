"""Checking the account form of the back office: French messages keyed by field."""

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from core.accounts.models import ROLE_ADMIN, ROLE_AGENT, ROLE_NOTARY, ROLES, Account
from core.accounts.service import normalize_login
from core.backoffice.office_csv import CRPCEN_PATTERN, EMAIL_PATTERN
from core.i18n import _

ROLE_LABELS = {
    ROLE_NOTARY: _("Étude notariale"),
    ROLE_AGENT: _("Agent du Département"),
    ROLE_ADMIN: _("Administrateur"),
}
MAX_NAME_LENGTH = 200
MAX_ADDRESS_LENGTH = 1000


@dataclass
class AccountValues:
    role: str
    login: str
    name: str
    address: str
    email: str
    totp_required: bool


def read_account_form(params, *, role: str | None = None) -> dict:
    """Return the form's raw values as strings (and the checkbox as a bool)."""
    return {
        "role": role or params.get("role", "").strip(),
        "login": params.get("login", "").strip(),
        "name": params.get("name", "").strip(),
        "address": params.get("address", "").strip(),
        "email": params.get("email", "").strip(),
        "totp_required": params.get("totp_required") == "yes",
    }


def check_account_form(dbsession, values: dict, *, existing: Account | None = None) -> tuple[AccountValues | None, dict]:
    """Check ``values``; return the clean values, or None and the errors by field.

    A notary office's login is its CRPCEN; a staff member's login is its e-mail, so
    for staff the ``login`` field is ignored and the e-mail is used.
    """
    errors = {}
    role = values["role"]
    if role not in ROLES:
        errors["role"] = _("Choisissez le type de compte.")
    elif existing is not None and (existing.role == ROLE_NOTARY) != (role == ROLE_NOTARY):
        errors["role"] = _("Un compte d'étude ne peut pas devenir un compte du Département, ni l'inverse.")

    email = values["email"].lower()
    if not email:
        errors["email"] = _("Saisissez l'adresse e-mail.")
    elif len(email) > 254 or not EMAIL_PATTERN.match(email):
        errors["email"] = _("Adresse e-mail invalide : saisissez une adresse de la forme nom@domaine.fr.")

    login = values["login"] if role == ROLE_NOTARY else email
    login = normalize_login(login)
    if role == ROLE_NOTARY and not CRPCEN_PATTERN.match(login):
        errors["login"] = _("Le code CRPCEN est composé de 5 chiffres.")
    elif login and "login" not in errors and "email" not in errors and _login_taken(dbsession, login, existing):
        field = "login" if role == ROLE_NOTARY else "email"
        errors[field] = _("Un autre compte utilise déjà cet identifiant.")

    name = values["name"]
    if not name:
        errors["name"] = _("Saisissez le nom.")
    elif len(name) > MAX_NAME_LENGTH:
        errors["name"] = _("Le nom ne doit pas dépasser 200 caractères.")
    if len(values["address"]) > MAX_ADDRESS_LENGTH:
        errors["address"] = _("L'adresse ne doit pas dépasser 1000 caractères.")

    if errors:
        return None, errors
    return AccountValues(
        role=role,
        login=login,
        name=name,
        address=values["address"],
        email=email,
        totp_required=values["totp_required"] and role != ROLE_NOTARY,
    ), {}


def _login_taken(dbsession, login: str, existing: Account | None) -> bool:
    query = select(Account.id).where(func.lower(Account.login) == login)
    if existing is not None:
        query = query.where(Account.id != existing.id)
    return dbsession.scalar(query) is not None
