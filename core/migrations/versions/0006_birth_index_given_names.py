"""Add the given names to the birth-date index of the register.

The lookup by birth date filters people on their given names. With the given names in
the index entries, SQLite applies that filter before it reads a person's row, so it
reads only the few people kept rather than everyone born that day.

Revision ID: 0006_birth_index_given_names
Revises: 0005_backoffice
"""

from alembic import op

revision = "0006_birth_index_given_names"
down_revision = "0005_backoffice"
branch_labels = None
depends_on = None

OLD_COLUMNS = ["import_id", "birth_year", "birth_month", "birth_day"]


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_birth")
        batch_op.create_index("ix_person_birth", [*OLD_COLUMNS, "first_name_keys"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_birth")
        batch_op.create_index("ix_person_birth", OLD_COLUMNS, unique=False)
