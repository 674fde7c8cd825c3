"""The connector contract test suite, run by every connector against its own samples.

A connector's tests subclass :class:`ConnectorContract`, name the connector and list its
sample extractions, good and bad, and pytest collects the inherited tests::

    from core.connectors.contract import ConnectorContract, load_samples

    class TestMyConnector(ConnectorContract):
        connector = "my_software"
        samples = load_samples(Path(__file__).parent / "samples" / "samples.toml")

The samples manifest is a TOML file, paths relative to it::

    [[sample]]
    name = "default layout"
    sources = ["extraction.csv"]
    people = 42                  # PersonRecord count
    aids = 39                    # AidRecord count, over all people
    rejected = [["extraction.csv", 7]]   # (file name, line) of each RejectedLine

    [sample.options]             # the [connector.options] to read it with
    encoding = "utf-8"

    [[sample]]
    name = "empty file"
    sources = ["empty.csv"]
    error = "vide"               # regular expression the ExtractionError must match

This module needs pytest, which only the test extra installs.
"""

import inspect
import re
import tomllib
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from core.connectors import ConnectorManager
from core.connectors.hookspecs import ENTRY_POINT_GROUP
from core.connectors.records import AidRecord, ExtractionError, PartialDate, PersonRecord, RejectedLine

UNKNOWN_OPTION = "option_that_no_connector_takes"
OTHER_CONNECTOR = "connector_that_is_not_installed"


@dataclass
class Sample:
    """One sample extraction and what reading it must give.

    A sample with ``error`` set must raise ExtractionError matching that regular
    expression. Any other sample must read into exactly ``people`` persons carrying
    ``aids`` aids in total, plus one RejectedLine per ``(file name, line)`` of ``rejected``.
    """

    name: str
    sources: list[Path]
    options: dict = field(default_factory=dict)
    people: int = 0
    aids: int = 0
    rejected: list[tuple[str, int]] = field(default_factory=list)
    error: str | None = None

    @property
    def is_good(self) -> bool:
        return self.error is None


def load_samples(manifest: Path) -> list[Sample]:
    """Read a samples manifest (see the module docstring); paths are relative to it."""
    manifest = Path(manifest)
    with manifest.open("rb") as stream:
        entries = tomllib.load(stream).get("sample", [])
    return [
        Sample(
            name=entry["name"],
            sources=[manifest.parent / source for source in entry.get("sources", [])],
            options=entry.get("options", {}),
            people=entry.get("people", 0),
            aids=entry.get("aids", 0),
            rejected=[(name, line) for name, line in entry.get("rejected", [])],
            error=entry.get("error"),
        )
        for entry in entries
    ]


def _read_all(manager: ConnectorManager, connector: str, sample: Sample) -> list:
    return list(manager.read(connector, sample.sources, sample.options))


def _file_lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")


class ConnectorContract:
    """The tests every connector passes; subclass it as ``Test…`` and fill in the attributes.

    ``plugins`` are registered beside the installed ones, for a connector under test
    that is not installed; ``from_entry_point`` is then False.
    """

    connector: str = ""
    samples: Sequence[Sample] = ()
    plugins: Sequence[object] = ()
    from_entry_point: bool = True

    def pytest_generate_tests(self, metafunc):
        # pytest calls this method of a test class to parametrise its tests.
        choices = {
            "sample": list(self.samples),
            "good_sample": [sample for sample in self.samples if sample.is_good],
            "bad_sample": [sample for sample in self.samples if not sample.is_good],
        }
        for argument, samples in choices.items():
            if argument in metafunc.fixturenames:
                metafunc.parametrize(argument, samples, ids=[sample.name for sample in samples])

    @pytest.fixture
    def manager(self) -> ConnectorManager:
        return ConnectorManager(extra_plugins=self.plugins)

    # -- identity ----------------------------------------------------------------------

    def test_connector_is_registered(self, manager):
        assert self.connector, "set the connector attribute to the connector's name"
        assert self.connector in manager.names()
        assert manager.names().count(self.connector) == 1, "another plugin uses the same name"

    def test_entry_point_resolves(self):
        if not self.from_entry_point:
            pytest.skip("registered through plugins, not installed")
        found = [point for point in entry_points(group=ENTRY_POINT_GROUP) if point.name == self.connector]
        assert len(found) == 1, f"no entry point {self.connector!r} in group {ENTRY_POINT_GROUP}"
        plugin = found[0].load()
        assert plugin.dn_connector_name() == self.connector

    def test_hooks_ignore_other_connectors(self, manager):
        plugin = self._plugin(manager)
        if hasattr(plugin, "dn_connector_settings"):
            assert plugin.dn_connector_settings(connector=OTHER_CONNECTOR) is None
        if hasattr(plugin, "dn_read_extraction"):
            assert plugin.dn_read_extraction(connector=OTHER_CONNECTOR, sources=[], options={}) is None
        if hasattr(plugin, "dn_check_connector"):
            assert plugin.dn_check_connector(connector=OTHER_CONNECTOR, options={}) is None

    def _plugin(self, manager):
        for plugin in manager.pm.get_plugins():
            if hasattr(plugin, "dn_connector_name") and plugin.dn_connector_name() == self.connector:
                return plugin
        pytest.fail(f"no registered plugin is named {self.connector!r}")

    # -- settings ----------------------------------------------------------------------

    def test_settings_documented(self, manager):
        settings = manager.settings_help(self.connector)
        assert isinstance(settings, Mapping)
        for name, description in settings.items():
            assert isinstance(name, str) and name, "option names are non-empty strings"
            assert isinstance(description, str) and description.strip(), f"option {name!r} has no description"
            assert "\n" not in description, f"option {name!r}: description on one line"

    def test_sample_options_documented(self, manager, sample):
        settings = manager.settings_help(self.connector)
        undocumented = sorted(set(sample.options) - set(settings))
        assert not undocumented, f"options used but missing from dn_connector_settings: {undocumented}"

    def test_unknown_option_rejected(self, manager):
        sample = self._first_good_sample()
        options = {**sample.options, UNKNOWN_OPTION: "x"}
        with pytest.raises(ExtractionError, match=UNKNOWN_OPTION):
            _read_all(manager, self.connector, Sample(sample.name, sample.sources, options))
        assert UNKNOWN_OPTION in manager.check(self.connector, options)

    def test_check_accepts_sample_options(self, manager, good_sample):
        assert manager.check(self.connector, good_sample.options) == "ok"

    def _first_good_sample(self) -> Sample:
        for sample in self.samples:
            if sample.is_good:
                return sample
        pytest.fail("list at least one good sample")

    # -- reading -----------------------------------------------------------------------

    def test_reading_streams(self, manager, sample):
        result = manager.read(self.connector, sample.sources, sample.options)
        assert isinstance(result, Iterator), "dn_read_extraction returns an iterator, not a list"
        assert iter(result) is result
        if inspect.isgenerator(result):
            result.close()

    def test_good_sample_counts(self, manager, good_sample):
        records = _read_all(manager, self.connector, good_sample)
        people = [record for record in records if isinstance(record, PersonRecord)]
        rejected = [record for record in records if isinstance(record, RejectedLine)]

        assert len(people) == good_sample.people
        assert sum(len(person.aids) for person in people) == good_sample.aids
        assert Counter((Path(line.source).name, line.line) for line in rejected) == Counter(good_sample.rejected)
        assert len(people) + len(rejected) == len(records), "only PersonRecord and RejectedLine are yielded"

    def test_record_types(self, manager, good_sample):
        for record in _read_all(manager, self.connector, good_sample):
            if isinstance(record, RejectedLine):
                _check_rejected_line(record)
            else:
                _check_person(record)

    def test_line_numbers_point_at_person(self, manager, good_sample):
        files = {path.name: _file_lines(path) for path in good_sample.sources if path.is_file()}
        for record in _read_all(manager, self.connector, good_sample):
            lines = files.get(Path(record.source).name)
            if lines is None:
                continue
            assert 1 <= record.line <= len(lines), f"line {record.line} outside {record.source}"
            if isinstance(record, PersonRecord):
                text = lines[record.line - 1]
                assert record.person_id.encode("utf-8") in text or record.person_id.encode("cp1252", "replace") in text, (
                    f"line {record.line} of {record.source} does not contain person {record.person_id}"
                )

    def test_reading_is_repeatable(self, manager, good_sample):
        first = _read_all(manager, self.connector, good_sample)
        second = _read_all(manager, self.connector, good_sample)
        assert first == second

    def test_bad_sample_raises(self, manager, bad_sample):
        with pytest.raises(ExtractionError) as caught:
            _read_all(manager, self.connector, bad_sample)
        message = str(caught.value)
        assert re.search(bad_sample.error, message), f"{message!r} does not match {bad_sample.error!r}"
        assert "\n" not in message, "the message fits on one line"
        assert "Traceback" not in message


def _check_person(record: PersonRecord) -> None:
    assert isinstance(record, PersonRecord)
    assert isinstance(record.line, int) and record.line >= 1
    assert isinstance(record.person_id, str)
    assert record.person_id, "person_id is not empty"
    assert record.person_id == record.person_id.strip(), "person_id has no surrounding spaces"
    assert isinstance(record.usage_name, str)
    assert record.birth_name is None or (isinstance(record.birth_name, str) and record.birth_name)
    assert isinstance(record.first_names, str)
    assert record.sex in (None, "M", "F")
    assert record.birth_date is None or isinstance(record.birth_date, PartialDate)
    if record.birth_date is not None:
        _check_partial_date(record.birth_date)
    assert isinstance(record.source, str) and record.source
    assert isinstance(record.aids, list)
    for aid in record.aids:
        _check_aid(aid)


def _check_partial_date(value: PartialDate) -> None:
    assert isinstance(value.year, int) and value.year > 0
    assert 0 <= value.month <= 12
    assert 0 <= value.day <= 31
    if value.is_complete:
        value.to_date()


def _check_aid(aid: AidRecord) -> None:
    assert isinstance(aid, AidRecord)
    assert isinstance(aid.code, str)
    assert aid.code, "aid code is not empty"
    assert aid.code == aid.code.strip(), "aid code has no surrounding spaces"
    assert aid.label is None or isinstance(aid.label, str)
    for value in (aid.start, aid.end):
        assert value is None or (isinstance(value, date) and not isinstance(value, datetime))
    if aid.start and aid.end:
        assert aid.start <= aid.end


def _check_rejected_line(record: RejectedLine) -> None:
    assert isinstance(record.line, int) and record.line >= 1
    assert isinstance(record.reason, str) and record.reason.strip()
    assert "\n" not in record.reason
    assert isinstance(record.source, str) and record.source
