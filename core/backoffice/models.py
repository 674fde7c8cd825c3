"""Back-office tables: decisions on doubtful cases, internal notes, TOTP replay guard."""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class CaseDecision(Base):
    """An agent's decision on a doubtful search: the person chosen, or none.

    ``search_id`` is unique, so a search is decided once. ``chosen_person_ref`` keeps
    the register's own id of the person, because the candidate rows are removed by
    ``dn purge`` while the decision stays for the statistics.
    """

    __tablename__ = "case_decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("search.id", ondelete="CASCADE"), unique=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    chosen_person_ref: Mapped[str | None] = mapped_column(String(64))
    none_matches: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str] = mapped_column(String(32))
    decided_at: Mapped[datetime] = mapped_column(DateTime)


class CaseNote(Base):
    """An internal note left by an agent on a doubtful search; notaries never see it."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("search.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    text: Mapped[str] = mapped_column(Text)


class TotpUse(Base):
    """The last TOTP time step accepted for a staff account, so a code works only once."""

    __tablename__ = "totp_use"

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    last_timestep: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
