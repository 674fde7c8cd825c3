"""Back office: decisions, notes, audit (back office).

Revision ID: 0004_backoffice
Revises: 0003_accounts
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0004_backoffice"
down_revision = "0003_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
