"""The outgoing mail queue: each message is a row until the SMTP server has accepted it."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base

STATUS_PENDING = "pending"
STATUS_SENDING = "sending"
STATUS_SENT = "sent"
STATUS_FAILED = "failed"
STATUSES = (STATUS_PENDING, STATUS_SENDING, STATUS_SENT, STATUS_FAILED)


class OutgoingMail(Base):
    """One e-mail and its delivery state.

    ``status`` moves from 'pending' to 'sending' when a sender claims the row, then to
    'sent', back to 'pending' with a later ``next_attempt_at`` after a failure, or to
    'failed' once ``attempts`` reaches the configured maximum. ``recipients`` contains one
    address per line. ``last_error`` holds the error class and SMTP code only, never an
    address or a name. ``message_id`` is fixed when the mail is queued, so that a
    message delivered twice after a crash can be recognised by the recipient's client.
    """

    __tablename__ = "outgoing_mail"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),
        Index("ix_outgoing_mail_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    search_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("search.id", ondelete="SET NULL"),
        index=True,
    )
    recipients: Mapped[str] = mapped_column(Text)
    sender: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=STATUS_PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)

    attachments: Mapped[list["OutgoingMailAttachment"]] = relationship(
        back_populates="mail",
        order_by="OutgoingMailAttachment.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )

    @property
    def recipient_list(self) -> list[str]:
        return [line for line in self.recipients.splitlines() if line]

    def __repr__(self) -> str:
        # Ids only: the repr may end up in a log line.
        return f"<OutgoingMail id={self.id} status={self.status} attempts={self.attempts}>"


class OutgoingMailAttachment(Base):
    """A file attached to a mail: either its own bytes, or a stored letter by reference.

    Referencing the letter avoids keeping a second copy of every PDF.
    """

    __tablename__ = "outgoing_mail_attachment"
    __table_args__ = (
        CheckConstraint("(data IS NULL) <> (letter_id IS NULL)", name="one_source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mail_id: Mapped[int] = mapped_column(
        ForeignKey("outgoing_mail.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    letter_id: Mapped[int | None] = mapped_column(
        ForeignKey("letter.id", ondelete="CASCADE"), index=True
    )

    mail: Mapped[OutgoingMail] = relationship(back_populates="attachments")
