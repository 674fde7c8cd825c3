"""GET /health reports the configured connector's check, through the real application."""

import re
from pathlib import Path

import pytest
import webtest
from pyramid.paster import get_app

from tests.connectors.vendor import QUERY
from tests.web.fixtures import set_app_settings

REPO_ROOT = Path(__file__).resolve().parents[2]


def departement_file(tmp_path, connector_block: str):
    """Return a copy of the demo Département whose [connector] tables are ``connector_block``."""
    demo = (REPO_ROOT / "config" / "departements" / "demo.toml").read_text(encoding="utf-8")
    # The demo file's connector tables run from [connector] up to the next table, [aids].
    toml = re.sub(r"\[connector\].*?(?=\n\[aids\])", connector_block.strip(), demo, flags=re.S)
    path = tmp_path / "departement.toml"
    path.write_text(toml, encoding="utf-8")
    return path


@pytest.fixture
def health(demo_ini, engine, tmp_path):
    """Return a function that starts the application with a [connector] block and GETs /health."""

    def get(connector_block: str, status: int):
        set_app_settings(demo_ini, {
            "departement.config": str(departement_file(tmp_path, connector_block)),
            "mail.folder": str(tmp_path / "mail"),
        })
        app = webtest.TestApp(get_app(str(demo_ini), "main"), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
        return app.get("/health", status=status).json

    return get


def test_iodas_database_reachable(health, vendor_url):
    query = QUERY.replace('"', '\\"').replace("\n", " ")
    body = health(f'[connector]\nname = "iodas"\n[connector.options]\ndatabase_url = "{vendor_url}"\nquery = "{query}"\n', 200)

    assert body["connector"] == {"iodas": "ok"}


def test_iodas_database_unreachable(health):
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/dn_database_that_does_not_exist"
    body = health(f'[connector]\nname = "iodas"\n[connector.options]\ndatabase_url = "{url}"\nquery = "SELECT 1"\n', 503)

    assert body["status"] == "error"
    assert body["connector"]["iodas"].startswith("Base IODAS injoignable")


def test_misspelt_option_shown(health):
    body = health('[connector]\nname = "csv_generic"\n[connector.options]\ndelimeter = ";"\n', 503)

    assert body["connector"]["csv_generic"].startswith("Option inconnue dans [connector.options] : delimeter.")
