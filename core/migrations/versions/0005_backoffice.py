"""Back office: decisions, notes, audit (back office).

Revision ID: 0005_backoffice
Revises: 0004_letters_mail
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0005_backoffice"
down_revision = "0004_letters_mail"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
