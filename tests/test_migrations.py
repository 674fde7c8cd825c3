"""The Alembic migrations are the schema: models and migrations must not drift apart."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.models import metadata


def test_models_match_migrations(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == [], f"Models and migrations differ; write a migration: {differences}"


def test_upgrade_head_is_repeatable(engine):
    from core.migrations import upgrade_to_head

    upgrade_to_head(engine)
    upgrade_to_head(engine)
