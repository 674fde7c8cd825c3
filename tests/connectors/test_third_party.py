"""A third-party connector: registered by hand, installed through its entry point, checked by the contract."""

import dataclasses
from pathlib import Path

import pytest

from core.connectors import ConnectorManager, DuplicateConnectorError
from core.connectors.contract import ConnectorContract, load_samples
from core.connectors.hookspecs import hookimpl
from tests.connectors.thirdparty import jsonl_connector

SAMPLES = load_samples(Path(__file__).parent / "thirdparty" / "samples" / "samples.toml")


class TestJsonlContract(ConnectorContract):
    connector = "jsonl_register"
    samples = SAMPLES
    plugins = [jsonl_connector]
    from_entry_point = False


def test_installed_through_entry_point(tmp_path, monkeypatch):
    # The metadata pip would write when installing a package that declares the entry point.
    info = tmp_path / "dn_jsonl_register-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dn-jsonl-register\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        "[departements_notaires.connectors]\njsonl_register = tests.connectors.thirdparty.jsonl_connector\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    manager = ConnectorManager()

    assert manager.names() == ["csv_generic", "iodas", "jsonl_register", "solis"]
    records = list(manager.read("jsonl_register", SAMPLES[0].sources, {}))
    assert len(records) == 5


def test_duplicate_name_rejected():
    class Impostor:
        @hookimpl
        def dn_connector_name(self):
            return "csv_generic"

    with pytest.raises(DuplicateConnectorError, match="csv_generic"):
        ConnectorManager(extra_plugins=[Impostor()])


# -- the contract fails a connector that breaks it --------------------------------------


class Broken:
    """The jsonl connector under another name, with one defect switched on per test."""

    def __init__(self, defect: str):
        self.defect = defect

    @hookimpl
    def dn_connector_name(self):
        return "broken"

    @hookimpl
    def dn_connector_settings(self, connector):
        if connector != "broken":
            return None
        return {} if self.defect == "undocumented" else jsonl_connector.OPTIONS

    @hookimpl
    def dn_read_extraction(self, connector, sources, options):
        if connector != "broken":
            return None
        options = {} if self.defect == "ignores_options" else options
        records = jsonl_connector._read(sources, options)
        if self.defect == "list":
            return list(records)
        if self.defect == "line_offset":
            return (dataclasses.replace(record, line=record.line + 1) for record in records)
        return records

    @hookimpl
    def dn_check_connector(self, connector, options):
        return "ok" if connector == "broken" else None


def contract_for(defect: str) -> tuple[ConnectorContract, ConnectorManager]:
    contract = ConnectorContract()
    contract.connector = "broken"
    contract.samples = SAMPLES
    manager = ConnectorManager(extra_plugins=[Broken(defect)])
    return contract, manager


def test_contract_catches_list():
    contract, manager = contract_for("list")

    with pytest.raises(AssertionError, match="returns an iterator"):
        contract.test_reading_streams(manager, SAMPLES[0])


def test_contract_catches_wrong_lines():
    contract, manager = contract_for("line_offset")

    with pytest.raises(AssertionError, match="does not contain person"):
        contract.test_line_numbers_point_at_person(manager, SAMPLES[0])


def test_contract_catches_ignored_option():
    contract, manager = contract_for("ignores_options")

    with pytest.raises(pytest.fail.Exception):
        contract.test_unknown_option_rejected(manager)


def test_contract_catches_undocumented_option():
    contract, manager = contract_for("undocumented")
    sample = dataclasses.replace(SAMPLES[0], options={"encoding": "utf-8"})

    with pytest.raises(AssertionError, match="missing from dn_connector_settings"):
        contract.test_sample_options_documented(manager, sample)


def test_contract_catches_wrong_counts():
    contract, manager = contract_for("none")
    sample = dataclasses.replace(SAMPLES[0], people=4)

    with pytest.raises(AssertionError):
        contract.test_good_sample_counts(manager, sample)
