"""Put given names in the key index entries, index keys by day, and count given-name letters.

The surname lookups filter people on their given names. With the given names in the
key index entries, that filter runs on index entries, and a search reads only the few
people it keeps instead of every person of that name born near that date. On
PostgreSQL the birth-date index also includes the person id, for the same reason (an
SQLite index entry always holds it).

A typo in the date of the typed year needs given names with as many letters as the
typed ones: ``ix_person_name_key_lookup`` holds that count right after the year, so
that the lookup reads only those people of the year.

The lookup by birth date keeps people whose given names have as many letters as the
typed ones. ``person.first_name_letters`` holds that count, and the birth-date index
holds it before the given names, so that the lookup seeks it instead of reading every
person born that day.

On PostgreSQL the surname keys take the "C" collation: they hold only A-Z, and the
default collation compared them through strcoll() on every index entry read.

A birth year typed with one digit wrong was looked up year by year, one index descent
per year one digit away (about twenty). ``ix_person_name_key_date`` orders a key's
entries by day and month first, so that one range holds that day in every year.

Revision ID: 0007_key_index_given_names
Revises: 0006_birth_index_given_names
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_key_index_given_names"
down_revision = "0006_birth_index_given_names"
branch_labels = None
depends_on = None

KEY_COLUMNS = ["name_key", "import_id", "birth_year", "birth_month", "birth_day", "person_id"]
NEW_KEY_COLUMNS = [
    "name_key", "import_id", "birth_year", "first_name_letters", "birth_month", "birth_day", "person_id", "first_name_keys",
]
DATE_COLUMNS = [
    "name_key", "import_id", "birth_month", "birth_day", "birth_year", "person_id", "first_name_keys", "first_name_letters",
]
OLD_BIRTH_COLUMNS = ["import_id", "birth_year", "birth_month", "birth_day", "first_name_keys"]
BIRTH_COLUMNS = ["import_id", "birth_year", "birth_month", "birth_day", "first_name_letters", "first_name_keys"]


def upgrade() -> None:
    # The server defaults fill existing rows in one statement; the UPDATE then copies
    # each person's given names, and the defaults go (new rows must give them).
    with op.batch_alter_table("person_name_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_name_keys", sa.String(length=300), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("first_name_letters", sa.SmallInteger(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE person_name_key SET first_name_keys ="
        " (SELECT person.first_name_keys FROM person WHERE person.id = person_name_key.person_id)"
    )
    op.execute("UPDATE person_name_key SET first_name_letters = length(replace(first_name_keys, ' ', ''))")
    with op.batch_alter_table("person_name_key", schema=None) as batch_op:
        batch_op.alter_column("first_name_keys", server_default=None)
        batch_op.alter_column("first_name_letters", server_default=None)
        batch_op.drop_index("ix_person_name_key_lookup")
        batch_op.create_index("ix_person_name_key_lookup", NEW_KEY_COLUMNS, unique=False)
        batch_op.create_index("ix_person_name_key_date", DATE_COLUMNS, unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("person_name_key", "name_key", type_=sa.String(length=200, collation="C"))
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_name_letters", sa.SmallInteger(), nullable=False, server_default="0"))
    op.execute("UPDATE person SET first_name_letters = length(replace(first_name_keys, ' ', ''))")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.alter_column("first_name_letters", server_default=None)
        batch_op.drop_index("ix_person_birth")
        batch_op.create_index("ix_person_birth", BIRTH_COLUMNS, unique=False, postgresql_include=["id"])


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_birth")
        batch_op.create_index("ix_person_birth", OLD_BIRTH_COLUMNS, unique=False)
        batch_op.drop_column("first_name_letters")
    with op.batch_alter_table("person_name_key", schema=None) as batch_op:
        batch_op.drop_index("ix_person_name_key_date")
        batch_op.drop_index("ix_person_name_key_lookup")
        batch_op.create_index("ix_person_name_key_lookup", KEY_COLUMNS, unique=False)
        batch_op.drop_column("first_name_letters")
        batch_op.drop_column("first_name_keys")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("person_name_key", "name_key", type_=sa.String(length=200))
