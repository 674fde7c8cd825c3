import pytest

from core.settings import ConfigurationError, apply_environment, load_departement
from tests.conftest import REPO_ROOT


def test_demo_departement_aid_categories():
    departement = load_departement(REPO_ROOT / "config" / "departements" / "demo.toml")
    assert departement.aid_categories.recoverable == {"ASH_PA", "ASH_PH", "AIDE_MENAGERE", "ACCUEIL_FAMILIAL"}
    assert departement.aid_categories.overpayment_risk == {"APA_DOMICILE", "APA_ETABLISSEMENT", "PCH", "ACTP"}
    assert departement.connector == "csv_generic"


def test_environment_overrides_database_url(monkeypatch):
    monkeypatch.setenv("NOTAIRES_DATABASE_URL", "postgresql+psycopg://x@127.0.0.1/y")
    settings = apply_environment({"sqlalchemy.url": "sqlite://"})
    assert settings["sqlalchemy.url"] == "postgresql+psycopg://x@127.0.0.1/y"


def test_missing_database_url_is_explained(monkeypatch):
    monkeypatch.delenv("NOTAIRES_DATABASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="NOTAIRES_DATABASE_URL"):
        apply_environment({})


def test_aid_code_in_two_categories_rejected(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[departement]\ncode="1"\nname="X"\n[connector]\nname="iodas"\n'
        '[aids]\nrecoverable=["PCH"]\noverpayment_risk=["PCH"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigurationError, match="PCH"):
        load_departement(path)


def test_cli_explains_duplicate_connector(monkeypatch, capsys):
    from core import cli
    from core.connectors import DuplicateConnectorError
    from core.register import commands

    def broken_command(args):
        raise DuplicateConnectorError("two plugins are named 'iodas'")

    monkeypatch.setattr(commands, "init_db", broken_command)
    status = cli.main(["init-db", "config/demo.ini"])
    assert status == 2
    assert "Connecteurs en conflit" in capsys.readouterr().err
