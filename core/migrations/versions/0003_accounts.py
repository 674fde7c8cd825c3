"""Accounts and sign-in (notary service).

Revision ID: 0003_accounts
Revises: 0002_search
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0003_accounts"
down_revision = "0002_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
