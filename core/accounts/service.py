"""Sign-in checks and account changes, independent of the web layer.

Every failed sign-in gets the same answer whatever went wrong (unknown login, wrong
password, locked or disabled account), so the service never tells whether a CRPCEN
exists. ``SignInResult.reason`` says what went wrong, for the audit trail only.
"""

import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from core.accounts import throttle
from core.accounts.models import ROLE_SYSTEM, SYSTEM_LOGIN, SYSTEM_NAME, Account, utcnow
from core.accounts.passwords import hash_password, needs_rehash, verify_password

log = logging.getLogger(__name__)

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
MAX_LOGIN_LENGTH = 254

# Reasons recorded in the audit trail; the user sees one message for all of them.
REASON_THROTTLED = "address_throttled"
REASON_UNKNOWN_LOGIN = "unknown_login"
REASON_WRONG_PASSWORD = "wrong_password"
REASON_LOCKED = "account_locked"
REASON_DISABLED = "account_disabled"


@dataclass
class SignInResult:
    account: Account | None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def normalize_login(login: str) -> str:
    """Return the stored form of a login: CRPCEN codes without spaces, e-mails in lower case.

    Control characters and lone surrogates are dropped, as no login contains them and
    PostgreSQL rejects NUL in a query parameter.
    """
    kept = (character for character in "".join(login.split()) if unicodedata.category(character) not in ("Cc", "Cs"))
    return "".join(kept).lower()[:MAX_LOGIN_LENGTH]


def find_account(dbsession, login: str) -> Account | None:
    normalized = normalize_login(login)
    if not normalized:
        return None
    return dbsession.scalar(select(Account).where(func.lower(Account.login) == normalized))


def authenticate(
    dbsession, login: str, password: str, address: str | None, *, now: datetime | None = None
) -> SignInResult:
    """Check a sign-in attempt, updating lockout and throttling state in ``dbsession``."""
    now = now or utcnow()
    if throttle.blocked_for(dbsession, address, now=now):
        return SignInResult(None, REASON_THROTTLED)

    account = find_account(dbsession, login)
    password_ok = verify_password(account.password_hash if account else None, password)
    reason = _failure_reason(account, password_ok, now)
    if reason is not None:
        _record_failure(dbsession, account, reason, address, now)
        return SignInResult(account, reason)

    account.failed_attempts = 0
    account.locked_until = None
    account.last_login_at = now
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    log.info("sign_in_succeeded account_id=%s", account.id)
    return SignInResult(account)


def _failure_reason(account: Account | None, password_ok: bool, now: datetime) -> str | None:
    if account is None:
        return REASON_UNKNOWN_LOGIN
    # A locked account refuses even the right password until the lock ends.
    if account.is_locked(now):
        return REASON_LOCKED
    if not password_ok:
        return REASON_WRONG_PASSWORD
    if not account.is_active:
        return REASON_DISABLED
    return None


def _record_failure(dbsession, account, reason: str, address: str | None, now: datetime) -> None:
    throttle.record_failure(dbsession, address, now=now)
    if reason == REASON_WRONG_PASSWORD:
        account.failed_attempts += 1
        if account.failed_attempts >= MAX_FAILED_ATTEMPTS:
            account.locked_until = now + LOCKOUT
            account.failed_attempts = 0
            log.warning("account_locked account_id=%s", account.id)
    log.info("sign_in_failed account_id=%s reason=%s", account.id if account else None, reason)


def set_password(account: Account, password: str) -> None:
    """Store a new password and end every other session of the account."""
    account.password_hash = hash_password(password)
    account.session_version = (account.session_version or 1) + 1
    account.failed_attempts = 0
    account.locked_until = None


def create_account(
    dbsession, *, role: str, login: str, name: str, email: str, address: str = "",
    password: str | None = None, now: datetime | None = None,
) -> Account:
    """Add an active account; without ``password`` it can only be used after an invitation."""
    account = Account(
        role=role,
        login=normalize_login(login),
        name=name,
        email=email.strip(),
        address=address,
        is_active=True,
        failed_attempts=0,
        totp_required=False,
        session_version=1,
        created_at=now or utcnow(),
    )
    if password is not None:
        account.password_hash = hash_password(password)
    dbsession.add(account)
    dbsession.flush()
    log.info("account_created account_id=%s role=%s", account.id, role)
    return account


def system_account_id(connection) -> int:
    """Return the id of the system account that command-line searches are recorded under.

    Migration 0009 creates it. A database built from the models alone (an in-memory
    one, for instance) gets it here. ``connection`` is a SQLAlchemy Connection or
    Session, and the caller commits.
    """
    query = select(Account.id).where(Account.login == SYSTEM_LOGIN, Account.role == ROLE_SYSTEM)
    account_id = connection.execute(query).scalar()
    if account_id is None:
        connection.execute(Account.__table__.insert().values(
            role=ROLE_SYSTEM, login=SYSTEM_LOGIN, name=SYSTEM_NAME, address="", email="", is_active=False,
            failed_attempts=0, totp_required=False, session_version=1, created_at=utcnow(),
        ))
        account_id = connection.execute(query).scalar()
        log.info("account_created account_id=%s role=%s", account_id, ROLE_SYSTEM)
    return account_id
