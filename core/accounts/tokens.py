"""Single-use tokens for the links sent by e-mail (password reset, invitation).

The link carries a random token; the database keeps only its SHA-256, so that a copy
of the database gives no usable link. Using a token is a conditional UPDATE, so two
concurrent uses of one link cannot both succeed.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from core.accounts.models import (
    TOKEN_INVITATION,
    TOKEN_PASSWORD_RESET,
    Account,
    AccountToken,
    utcnow,
)

TOKEN_LIFETIMES = {
    TOKEN_PASSWORD_RESET: timedelta(hours=1),
    # An office invited from a Chambre des notaires list may open its mail days later.
    TOKEN_INVITATION: timedelta(days=7),
}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    dbsession, account: Account, purpose: str, *, now: datetime | None = None,
    lifetime: timedelta | None = None,
) -> str:
    """Store a new token for ``account`` and return the raw token for the link."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    dbsession.add(
        AccountToken(
            account=account,
            purpose=purpose,
            token_hash=_digest(token),
            created_at=now,
            expires_at=now + (lifetime or TOKEN_LIFETIMES[purpose]),
        )
    )
    dbsession.flush()
    return token


def find_token(dbsession, token: str, purpose: str, *, now: datetime | None = None):
    """Return the unused, unexpired AccountToken for ``token``, or None."""
    now = now or utcnow()
    if not token or len(token) > 128:
        return None
    return dbsession.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == _digest(token),
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
    )


def use_token(dbsession, token: str, purpose: str, *, now: datetime | None = None):
    """Mark ``token`` used and return its account, or None if it is unknown, used or expired."""
    now = now or utcnow()
    found = find_token(dbsession, token, purpose, now=now)
    if found is None:
        return None
    claimed = dbsession.execute(
        update(AccountToken)
        .where(AccountToken.id == found.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    dbsession.refresh(found)
    return found.account


def revoke_tokens(dbsession, account: Account, purpose: str, *, now: datetime | None = None) -> None:
    """Mark every unused token of ``account`` for ``purpose`` as used (a newer link replaces them)."""
    dbsession.execute(
        update(AccountToken)
        .where(
            AccountToken.account_id == account.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
