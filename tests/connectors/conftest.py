"""Fixtures of the connector tests: a stand-in for the IODAS database."""

import pytest
from sqlalchemy import create_engine

from tests.connectors.vendor import SCHEMA


@pytest.fixture
def vendor_url(database_url):
    """The test database of the current backend, with IODAS-like tables filled from the samples."""
    engine = create_engine(database_url)
    statements = [statement for statement in SCHEMA.split(";\n") if statement.strip()]
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    yield database_url
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE prestation")
        connection.exec_driver_sql("DROP TABLE individu")
    engine.dispose()
