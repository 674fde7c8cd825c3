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


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_actor_id")
        batch_op.drop_index("ix_audit_event_action_created_at")
        batch_op.drop_index("ix_audit_event_created_at")
    op.drop_table("audit_event")
