"""Search records and the candidates each search considered.

Revision ID: 0002_search
Revises: 0001_register
"""

from alembic import op
import sqlalchemy as sa

revision = "0002_search"
down_revision = "0001_register"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "search",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("file_reference", sa.String(length=100), nullable=True),
        sa.Column("usage_name", sa.String(length=200), nullable=True),
        sa.Column("birth_name", sa.String(length=200), nullable=True),
        sa.Column("first_names", sa.String(length=300), nullable=False),
        sa.Column("birth_date", sa.String(length=32), nullable=False),
        sa.Column("death_date", sa.Date(), nullable=True),
        sa.Column("death_place", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("matched_person_id", BIG_ID, nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("channel IN ('web', 'cli', 'batch')", name=op.f("ck_search_channel")),
        sa.CheckConstraint(
            "outcome IN ('unknown', 'recoverable_aid', 'possible_overpayment', 'ambiguous')",
            name=op.f("ck_search_outcome"),
        ),
        sa.CheckConstraint("status IN ('answered', 'pending_review')", name=op.f("ck_search_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search")),
        sa.UniqueConstraint("reference", name=op.f("uq_search_reference")),
    )
    with op.batch_alter_table("search", schema=None) as batch_op:
        batch_op.create_index("ix_search_account_id_created_at", ["account_id", "created_at"], unique=False)
        batch_op.create_index("ix_search_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_search_status_created_at", ["status", "created_at"], unique=False)

    op.create_table(
        "search_candidate",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("search_id", BIG_ID, nullable=False),
        sa.Column("rank", sa.SmallInteger(), nullable=False),
        sa.Column("person_id", BIG_ID, nullable=False),
        sa.Column("person_ref", sa.String(length=64), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("person_outcome", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "verdict IN ('match', 'possible', 'rejected')", name=op.f("ck_search_candidate_verdict")
        ),
        sa.ForeignKeyConstraint(
            ["search_id"], ["search.id"],
            name=op.f("fk_search_candidate_search_id_search"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_candidate")),
    )
    with op.batch_alter_table("search_candidate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_candidate_search_id"), ["search_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("search_candidate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_candidate_search_id"))
    op.drop_table("search_candidate")

    with op.batch_alter_table("search", schema=None) as batch_op:
        batch_op.drop_index("ix_search_status_created_at")
        batch_op.drop_index("ix_search_created_at")
        batch_op.drop_index("ix_search_account_id_created_at")
    op.drop_table("search")
