"""The csv_generic default mapping reads the demo register as shipped."""

from pathlib import Path

from core.connectors import ConnectorManager
from core.connectors.records import PartialDate, PersonRecord

SAMPLES = Path(__file__).resolve().parents[2] / "plugins" / "csv_generic" / "samples"


def test_demo_register_reads_whole():
    records = list(ConnectorManager().read("csv_generic", [SAMPLES / "demo.csv"], {}))

    assert all(isinstance(record, PersonRecord) for record in records)
    assert len(records) == 42
    assert sum(len(record.aids) for record in records) == 39
    by_id = {record.person_id: record for record in records}
    assert by_id["100012"].birth_date == PartialDate(1931, 5, 0)
    assert [aid.code for aid in by_id["100003"].aids] == ["AIDE_MENAGERE", "APA_DOMICILE"]
