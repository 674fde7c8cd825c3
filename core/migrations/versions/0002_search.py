"""Search records and candidates (matching).

Revision ID: 0002_search
Revises: 0001_register
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0002_search"
down_revision = "0001_register"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
