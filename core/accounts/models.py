"""Accounts of notary offices and Département staff, single-use tokens, sign-in throttling.

All times are naive UTC datetimes, like the rest of the schema.
"""

from datetime import datetime, timezone

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base

ROLE_NOTARY = "notary"
ROLE_AGENT = "agent"
ROLE_ADMIN = "admin"
ROLES = (ROLE_NOTARY, ROLE_AGENT, ROLE_ADMIN)
STAFF_ROLES = (ROLE_AGENT, ROLE_ADMIN)
# The one account that command-line searches (`dn search`, `dn search --batch`) are
# recorded under. It is inactive and has no password, so no one signs in with it, and
# the back office neither lists nor edits it.
ROLE_SYSTEM = "system"
SYSTEM_LOGIN = "system"
SYSTEM_NAME = "Compte système (recherches en ligne de commande)"

TOKEN_PASSWORD_RESET = "password_reset"
TOKEN_INVITATION = "invitation"


def utcnow() -> datetime:
    """Return the current UTC time as a naive datetime, as stored in the database."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Account(Base):
    """A notary office (login: its CRPCEN code) or a staff member (login: an e-mail).

    ``password_hash`` is None until an invited account sets its password.
    ``session_version`` is stored in the session cookie and raised when the password
    changes, so that every other session of the account stops being valid.
    """

    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("role IN ('notary', 'agent', 'admin', 'system')", name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    login: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    terms_accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_required: Mapped[bool] = mapped_column(Boolean, default=False)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    tokens: Mapped[list["AccountToken"]] = relationship(
        back_populates="account", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def __repr__(self) -> str:
        # Ids only: the repr may end up in a log line.
        return f"<Account id={self.id} role={self.role}>"


class AccountToken(Base):
    """A single-use link token (password reset or invitation); only its SHA-256 is stored."""

    __tablename__ = "account_token"
    __table_args__ = (
        CheckConstraint("purpose IN ('password_reset', 'invitation')", name="purpose"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)

    account: Mapped[Account] = relationship(back_populates="tokens")


class SignInThrottle(Base):
    """Failed sign-ins from one network address, whatever login they tried.

    A run of failures is counted from ``first_failure_at``; past a threshold each
    further failure blocks the address until ``blocked_until``, for longer each time.
    """

    __tablename__ = "sign_in_throttle"

    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime] = mapped_column(DateTime)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime)
