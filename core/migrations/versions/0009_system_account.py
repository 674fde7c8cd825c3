"""Add the system account that command-line searches are recorded under.

``dn search`` and ``dn search --batch`` have no signed-in user. Their searches were
recorded without an account; they now belong to one inactive account of role
``system``, which has no password and which the back office does not list. Searches
already recorded from the command line move to it.

Revision ID: 0009_system_account
Revises: 0008_partial_date_key_index
"""

import datetime

import sqlalchemy as sa
from alembic import op

revision = "0009_system_account"
down_revision = "0008_partial_date_key_index"
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('notary', 'agent', 'admin')"
NEW_ROLES = "role IN ('notary', 'agent', 'admin', 'system')"

account = sa.table(
    "account",
    sa.column("id", sa.Integer), sa.column("role", sa.String), sa.column("login", sa.String),
    sa.column("name", sa.String), sa.column("address", sa.Text), sa.column("email", sa.String),
    sa.column("is_active", sa.Boolean), sa.column("failed_attempts", sa.Integer),
    sa.column("totp_required", sa.Boolean), sa.column("session_version", sa.Integer),
    sa.column("created_at", sa.DateTime),
)


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_account_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_account_role"), NEW_ROLES)
    connection = op.get_bind()
    if connection.execute(sa.select(account.c.id).where(account.c.login == "system")).scalar() is None:
        op.bulk_insert(account, [{
            "role": "system", "login": "system", "name": "Compte système (recherches en ligne de commande)",
            "address": "", "email": "", "is_active": False, "failed_attempts": 0, "totp_required": False,
            "session_version": 1,
            "created_at": datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None),
        }])
    op.execute(
        "UPDATE search SET account_id = (SELECT id FROM account WHERE login = 'system')"
        " WHERE account_id IS NULL AND channel IN ('cli', 'batch')"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE search SET account_id = NULL"
        " WHERE account_id = (SELECT id FROM account WHERE login = 'system')"
    )
    op.execute("DELETE FROM account WHERE login = 'system' AND role = 'system'")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_account_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_account_role"), OLD_ROLES)
