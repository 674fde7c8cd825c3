"""Every sample extraction of the built-in connectors, imported on both databases.

The samples and what reading them gives come from each plugin's ``samples.toml``, the
manifest the connector contract suite reads. Here they go through the whole import:
good samples become the register, bad ones are refused and leave it unchanged.
"""

import sqlite3

import pytest

from core.connectors import ConnectorManager
from core.connectors.contract import Sample, load_samples
from core.imports.service import ImportRefused, ImportRequest, run_import
from core.register.models import Aid, Person
from core.settings import ImportThresholds
from tests.imports.conftest import SAMPLES, TODAY
from tests.imports.test_service import read_report


def all_samples() -> list[tuple[str, Sample]]:
    found = []
    for connector, folder in SAMPLES.items():
        manifest = folder / "samples.toml"
        if manifest.exists():
            found.extend((connector, sample) for sample in load_samples(manifest))
    return found


SAMPLE_CASES = all_samples()
GOOD = [case for case in SAMPLE_CASES if case[1].is_good]
BAD = [case for case in SAMPLE_CASES if not case[1].is_good]


def case_id(case) -> str:
    return f"{case[0]}: {case[1].name}"


@pytest.fixture
def import_sample(engine, tmp_path):
    connectors = ConnectorManager()

    def import_sample(connector: str, sample: Sample, **request_fields):
        request = ImportRequest(connector, sample.sources, sample.options, report_dir=tmp_path, **request_fields)
        return run_import(engine, connectors, request, ImportThresholds(), today=TODAY)

    return import_sample


@pytest.mark.parametrize("case", GOOD, ids=case_id)
def test_good_sample_becomes_register(import_sample, register, case):
    connector, sample = case

    result = import_sample(connector, sample, force=True)

    assert result.status == "succeeded"
    assert register.active_import_id() == result.import_id
    assert register.count(Person, result.import_id) == result.people
    if not sample.rejected:
        assert result.people == sample.people
        assert result.aids == sample.aids
        assert result.rejected == 0
        assert register.count(Aid) == sample.aids
        return
    # The import's own checks (duplicate ids, future dates) may reject more lines than
    # the connector did, never fewer.
    assert result.people <= sample.people
    reported = {(row[0], int(row[1])) for row in read_report(result.report_path)[1:]}
    assert set(sample.rejected) <= reported


@pytest.mark.parametrize("case", BAD, ids=case_id)
def test_bad_sample_refused_register_unchanged(import_sample, register, case):
    connector, sample = case
    demo = load_samples(SAMPLES["csv_generic"] / "samples.toml")[0]
    import_sample("csv_generic", demo)
    before = register.snapshot()

    with pytest.raises(ImportRefused) as caught:
        import_sample(connector, sample)

    assert register.snapshot() == before
    assert register.record(caught.value.result.import_id).status == "refused"


@pytest.mark.parametrize("case", BAD, ids=case_id)
def test_bad_sample_forced_still_safe(import_sample, register, case):
    connector, sample = case

    try:
        result = import_sample(connector, sample, force=True)
    except ImportRefused as refusal:
        # Nothing readable: even --force must not replace the register.
        assert refusal.forceable is False
        assert register.active_import_id() is None
        return
    # A file cut short: --force imports the people read before the cut.
    assert result.status == "succeeded"
    assert result.people > 0
    assert "semble tronqué" in result.message


def test_iodas_database_import(import_sample, register, tmp_path):
    vendor = tmp_path / "iodas.sqlite"
    with sqlite3.connect(vendor) as connection:
        connection.executescript((SAMPLES["iodas"] / "vendor_database.sql").read_text(encoding="utf-8"))
    options = {
        "database_url": f"sqlite:///{vendor}",
        "query": (SAMPLES["iodas"] / "vendor_query.sql").read_text(encoding="utf-8"),
    }
    sample = Sample(name="vendor database", sources=[], options=options)

    result = import_sample("iodas", sample, force=True)

    assert result.status == "succeeded"
    assert result.people > 0
    assert register.count(Person, result.import_id) == result.people
