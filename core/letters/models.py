"""The official letters, stored with their search because each is an official document."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class Letter(Base):
    """A rendered PDF/A letter, kept as sent so that it can be downloaded again.

    A search may have several letters: an ambiguous search first gets an
    acknowledgement (``outcome`` 'ambiguous'), then the letter of the outcome an agent
    settled. ``template_hash`` is the SHA-256 of the template, layout, stylesheet and
    images used, so that a letter can be traced to the branding that produced it.
    """

    __tablename__ = "letter"
    __table_args__ = (Index("ix_letter_search_id_created_at", "search_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    search_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("search.id", ondelete="CASCADE")
    )
    outcome: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    filename: Mapped[str] = mapped_column(String(120))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    template_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    def __repr__(self) -> str:
        return f"<Letter id={self.id} search_id={self.search_id} outcome={self.outcome}>"
