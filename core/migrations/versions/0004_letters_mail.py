"""Letters and outgoing mail (notary service).

Revision ID: 0004_letters_mail
Revises: 0003_accounts
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0004_letters_mail"
down_revision = "0003_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
