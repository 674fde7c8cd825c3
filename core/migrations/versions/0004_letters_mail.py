"""Letters and the outgoing mail queue.

Revision ID: 0004_letters_mail
Revises: 0003_accounts
"""

from alembic import op
import sqlalchemy as sa

revision = "0004_letters_mail"
down_revision = "0003_accounts"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("search_id", BIG_ID, nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("template_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["search_id"], ["search.id"],
            name=op.f("fk_letter_search_id_search"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter")),
    )
    with op.batch_alter_table("letter", schema=None) as batch_op:
        batch_op.create_index("ix_letter_search_id_created_at", ["search_id", "created_at"], unique=False)

    op.create_table(
        "outgoing_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("search_id", BIG_ID, nullable=True),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("sender", sa.String(length=254), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed')", name=op.f("ck_outgoing_mail_status")
        ),
        sa.ForeignKeyConstraint(
            ["search_id"], ["search.id"],
            name=op.f("fk_outgoing_mail_search_id_search"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mail")),
    )
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outgoing_mail_search_id"), ["search_id"], unique=False)
        batch_op.create_index(
            "ix_outgoing_mail_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "outgoing_mail_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("letter_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(data IS NULL) <> (letter_id IS NULL)", name=op.f("ck_outgoing_mail_attachment_one_source")
        ),
        sa.ForeignKeyConstraint(
            ["letter_id"], ["letter.id"],
            name=op.f("fk_outgoing_mail_attachment_letter_id_letter"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mail_id"], ["outgoing_mail.id"],
            name=op.f("fk_outgoing_mail_attachment_mail_id_outgoing_mail"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mail_attachment")),
    )
    with op.batch_alter_table("outgoing_mail_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outgoing_mail_attachment_letter_id"), ["letter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outgoing_mail_attachment_mail_id"), ["mail_id"], unique=False)


def downgrade() -> None:
    op.drop_table("outgoing_mail_attachment")
    op.drop_table("outgoing_mail")
    op.drop_table("letter")
