"""Searches: the record of every query, its outcome and the candidates considered.

A search keeps the input as the notary typed it and a snapshot of each candidate
(names, birth date, aids), because the register generation it was matched against is
replaced, then deleted, by later imports. For the same reason ``matched_person_id`` and
``import_id`` carry no foreign key.
"""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base


class Search(Base):
    """One query of a notary (or of a batch) and the answer it received.

    ``reference`` (``DN-2026-000123``) is set right after the row is inserted, from the
    creation year and the row id, so that it is unique without any lock; it is None
    only inside the transaction that creates the row. ``outcome`` and ``status`` are
    plain columns that the back office updates when an agent settles a doubt.
    """

    __tablename__ = "search"
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('unknown', 'recoverable_aid', 'possible_overpayment', 'ambiguous')",
            name="outcome",
        ),
        CheckConstraint("status IN ('answered', 'pending_review')", name="status"),
        CheckConstraint("channel IN ('web', 'cli', 'batch')", name="channel"),
        Index("ix_search_account_id_created_at", "account_id", "created_at"),
        Index("ix_search_status_created_at", "status", "created_at"),
        Index("ix_search_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # No foreign key: the account table comes in a later migration, and batch searches
    # from the command line have no account (channel 'batch' or 'cli').
    account_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(8))
    file_reference: Mapped[str | None] = mapped_column(String(100))

    # The input as typed.
    usage_name: Mapped[str | None] = mapped_column(String(200))
    birth_name: Mapped[str | None] = mapped_column(String(200))
    first_names: Mapped[str] = mapped_column(String(300))
    birth_date: Mapped[str] = mapped_column(String(32))
    death_date: Mapped[date | None] = mapped_column(Date)
    death_place: Mapped[str | None] = mapped_column(String(200))

    outcome: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    matched_person_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    import_id: Mapped[int | None] = mapped_column(Integer)

    candidates: Mapped[list["SearchCandidate"]] = relationship(
        back_populates="search",
        order_by="SearchCandidate.rank",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class SearchCandidate(Base):
    """A person of the register considered for a search, with the reasons of the verdict.

    ``verdict`` is 'match' (every part identical up to cosmetic differences), 'possible'
    (a typo-level or partial difference somewhere) or 'rejected'. ``reasons`` maps each
    part ('names', 'first_names', 'birth_date') to its level and a French explanation.
    ``snapshot`` keeps the person's names, birth date and aids as they were when searched.
    """

    __tablename__ = "search_candidate"
    __table_args__ = (
        CheckConstraint("verdict IN ('match', 'possible', 'rejected')", name="verdict"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    search_id: Mapped[int] = mapped_column(
        ForeignKey("search.id", ondelete="CASCADE"), index=True
    )
    rank: Mapped[int] = mapped_column(SmallInteger)
    person_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    person_ref: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[dict] = mapped_column(JSON)
    snapshot: Mapped[dict] = mapped_column(JSON)
    # Kept beside the snapshot so that pages can show the outcome this person would give.
    person_outcome: Mapped[str | None] = mapped_column(String(32))

    search: Mapped[Search] = relationship(back_populates="candidates")
