"""Password hashing with Argon2 (argon2-cffi) and the password rules."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.i18n import _

MIN_PASSWORD_LENGTH = 12
# Argon2 hashes any length, but a megabyte-long password would still cost time to read.
MAX_PASSWORD_LENGTH = 256

_hasher = PasswordHasher()

# Verified when the login is unknown, so that an unknown login takes as long as a
# wrong password and response times do not reveal which logins exist.
_DUMMY_HASH = _hasher.hash("not-a-password-of-any-account")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password`` against ``password_hash``; a missing hash never matches."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Tell whether the hash was made with weaker parameters than the current ones."""
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, confirmation: str, login: str = ""):
    """Return the French message saying why ``password`` is refused, or None if it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _(
            "Le mot de passe doit contenir au moins ${count} caractères.",
            mapping={"count": MIN_PASSWORD_LENGTH},
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        return _(
            "Le mot de passe ne doit pas dépasser ${count} caractères.",
            mapping={"count": MAX_PASSWORD_LENGTH},
        )
    if login and login.strip().lower() in password.lower():
        return _("Le mot de passe ne doit pas contenir l'identifiant.")
    if password != confirmation:
        return _("Les deux mots de passe saisis sont différents.")
    return None
