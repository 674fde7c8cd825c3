"""Back office: audit trail, case decisions and notes, office imports.

Revision ID: 0005_backoffice
Revises: 0004_letters_mail
"""

from alembic import op
import sqlalchemy as sa

revision = "0005_backoffice"
down_revision = "0004_letters_mail"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_audit_event_action_created_at", ["action", "created_at"], unique=False)
        batch_op.create_index("ix_audit_event_actor_id", ["actor_id"], unique=False)

    op.create_table(
        "case_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("search_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("chosen_person_ref", sa.String(length=64), nullable=True),
        sa.Column("none_matches", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["account.id"], name=op.f("fk_case_decision_agent_id_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["search_id"], ["search.id"], name=op.f("fk_case_decision_search_id_search"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_decision")),
        sa.UniqueConstraint("search_id", name=op.f("uq_case_decision_search_id")),
    )
    op.create_table(
        "case_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("search_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["account.id"], name=op.f("fk_case_note_author_id_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["search_id"], ["search.id"], name=op.f("fk_case_note_search_id_search"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_note")),
    )
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_note_search_id"), ["search_id"], unique=False)

    op.create_table(
        "totp_use",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("last_timestep", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_totp_use_account_id_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_totp_use")),
    )


def downgrade() -> None:
    op.drop_table("totp_use")
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_note_search_id"))
    op.drop_table("case_note")
    op.drop_table("case_decision")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_actor_id")
        batch_op.drop_index("ix_audit_event_action_created_at")
        batch_op.drop_index("ix_audit_event_created_at")
    op.drop_table("audit_event")
