"""Whatever file is handed to a connector, reading fails cleanly or rejects lines."""

import gzip
import random
import zipfile

import pytest

from core.connectors import ConnectorManager
from core.connectors.records import ExtractionError, PersonRecord, RejectedLine
from tests.connectors.test_bad_options import SOURCES

MANAGER = ConnectorManager()


def random_bytes(path):
    path.write_bytes(random.Random(4).randbytes(50_000))


def gzipped_csv(path):
    path.write_bytes(gzip.compress(SOURCES["csv_generic"][0].read_bytes()))


def spreadsheet(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")


def utf16_without_bom(path):
    path.write_bytes(SOURCES["csv_generic"][0].read_text(encoding="utf-8").encode("utf-16-le"))


def delimiters_only(path):
    path.write_text(";;;;;;;;;\n;;;;;;;;;\n", encoding="utf-8")


def one_long_line(path):
    path.write_text("A" * 2_000_000, encoding="utf-8")


def header_repeated(path):
    header = SOURCES["csv_generic"][0].read_text(encoding="utf-8").splitlines()[0]
    path.write_text("\n".join([header] * 5) + "\n", encoding="utf-8")


def carriage_returns_only(path):
    path.write_bytes(SOURCES["csv_generic"][0].read_bytes().replace(b"\n", b"\r"))


BAD_FILES = [random_bytes, gzipped_csv, spreadsheet, utf16_without_bom, delimiters_only, one_long_line, header_repeated, carriage_returns_only]


def read_quietly(connector, sources):
    try:
        records = list(MANAGER.read(connector, sources, {}))
    except ExtractionError as error:
        assert str(error).strip()
        assert "\n" not in str(error)
        return None
    assert all(isinstance(record, (PersonRecord, RejectedLine)) for record in records)
    return records


@pytest.mark.parametrize("make_file", BAD_FILES, ids=lambda make: make.__name__)
@pytest.mark.parametrize("connector", ["csv_generic", "iodas"])
def test_single_file_connectors(tmp_path, connector, make_file):
    path = tmp_path / "extraction.csv"
    make_file(path)

    read_quietly(connector, [path])


@pytest.mark.parametrize("make_file", BAD_FILES, ids=lambda make: make.__name__)
@pytest.mark.parametrize("position", [0, 1])
def test_solis_with_one_bad_file(tmp_path, make_file, position):
    path = tmp_path / "bad.csv"
    make_file(path)
    sources = list(SOURCES["solis"])
    sources[position] = path

    read_quietly("solis", sources)


@pytest.mark.parametrize(
    "make_file, message",
    [(gzipped_csv, "est compressé"), (spreadsheet, "est compressé"), (utf16_without_bom, "caractères nuls")],
    ids=["gzip", "workbook", "utf16"],
)
def test_binary_files_named(tmp_path, make_file, message):
    path = tmp_path / "extraction.csv"
    make_file(path)

    with pytest.raises(ExtractionError, match=message):
        list(MANAGER.read("iodas", [path], {}))


def test_header_preview_printable(tmp_path):
    path = tmp_path / "extraction.csv"
    path.write_bytes(b"NUM\x01INDIVIDU;NOM\x7fUSAGE\n1;A\n")

    with pytest.raises(ExtractionError) as caught:
        list(MANAGER.read("csv_generic", [path], {}))

    assert "NUM?INDIVIDU, NOM?USAGE" in str(caught.value)


def test_carriage_returns_read_as_lines(tmp_path):
    # Files saved with old Mac line endings still read.
    path = tmp_path / "extraction.csv"
    carriage_returns_only(path)

    records = read_quietly("csv_generic", [path])

    assert len([record for record in records if isinstance(record, PersonRecord)]) == 42
