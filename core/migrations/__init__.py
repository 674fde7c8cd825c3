"""Alembic migrations: they are the schema, and tests build it with ``upgrade head``."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).parent


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Create or upgrade the schema of ``engine``'s database to the latest revision."""
    command.upgrade(alembic_config(engine), "head")
