"""Whatever a Département writes in [connector.options], reading fails cleanly or works."""

from pathlib import Path

import pytest

from core.connectors import ConnectorManager
from core.connectors.records import ExtractionError

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
SOURCES = {
    "csv_generic": [PLUGINS / "csv_generic" / "samples" / "demo.csv"],
    "iodas": [PLUGINS / "iodas" / "samples" / "extraction_iodas.csv"],
    "solis": [PLUGINS / "solis" / "samples" / "personnes.csv", PLUGINS / "solis" / "samples" / "aides.csv"],
}
ODD_VALUES = [0, 7, -1, True, 1.5, "", " ", "x", "%Y", [], ["a"], {}, {"a": 1}]

MANAGER = ConnectorManager()


def cases():
    for connector in SOURCES:
        for option in MANAGER.settings_help(connector):
            for value in ODD_VALUES:
                yield pytest.param(connector, option, value, id=f"{connector}-{option}-{value!r}")


@pytest.mark.parametrize("connector, option, value", list(cases()))
def test_odd_option_value(connector, option, value):
    options = {option: value}

    try:
        records = list(MANAGER.read(connector, SOURCES[connector], options))
    except ExtractionError as error:
        assert str(error).strip(), "the message is not empty"
        assert "\n" not in str(error), "the message fits on one line"
    else:
        assert records, "a reading that succeeds yields records"
    assert isinstance(MANAGER.check(connector, options), str)
