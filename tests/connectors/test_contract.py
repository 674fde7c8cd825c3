"""The connector contract suite, run against each built-in connector's sample files."""

from pathlib import Path

from core.connectors.contract import ConnectorContract, load_samples

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"


class TestCsvGenericContract(ConnectorContract):
    connector = "csv_generic"
    samples = load_samples(PLUGINS / "csv_generic" / "samples" / "samples.toml")


class TestIodasContract(ConnectorContract):
    connector = "iodas"
    samples = load_samples(PLUGINS / "iodas" / "samples" / "samples.toml")


class TestSolisContract(ConnectorContract):
    connector = "solis"
    samples = load_samples(PLUGINS / "solis" / "samples" / "samples.toml")
