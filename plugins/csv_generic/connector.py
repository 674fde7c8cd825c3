"""The csv_generic connector: any CSV extraction described by a column mapping.

The default mapping reads the layout of ``samples/demo.csv`` as is (UTF-8, ``;``, ISO
dates); ``[connector.options]`` in the Département's TOML changes any of it. The
plugin's README.md documents the layout and every option.
"""

from collections.abc import Iterator, Mapping
from itertools import chain
from pathlib import Path

from core.connectors.csvtools import check_delimiter, check_encoding
from core.connectors.hookspecs import hookimpl
from core.connectors.records import ExtractionError, PersonRecord, RejectedLine
from core.connectors.tabular import FIELDS, ColumnMapping, RecordParser, check_options, csv_rows, group_people
from core.connectors.values import AUTO_DATE_FORMAT

NAME = "csv_generic"

DEFAULT_COLUMNS = {field: field for field in FIELDS}

OPTIONS = {
    "encoding": 'Character encoding of the files: "utf-8" (default, with or without BOM) or "windows-1252".',
    "delimiter": 'Field delimiter: ";", "," or "tab"; detected from the header when not set.',
    "date_format": (
        'Date layout: "auto" (default: YYYY-MM-DD or DD/MM/YYYY) or a pattern of %d, %m and %Y '
        'such as "%d/%m/%Y"; day and month may be 00 when unknown, a lone year is accepted.'
    ),
    "columns": (
        "Table mapping each field (person_id, usage_name, birth_name, first_names, sex, birth_date, "
        "aid_code, aid_label, aid_start, aid_end) to the file's column name; default: the field name; "
        '"" for a column the file lacks (person_id, usage_name, first_names and birth_date are required).'
    ),
}


@hookimpl
def dn_connector_name() -> str:
    return NAME


@hookimpl
def dn_connector_settings(connector: str) -> Mapping[str, str] | None:
    if connector != NAME:
        return None
    return OPTIONS


@hookimpl
def dn_read_extraction(connector: str, sources: list[Path], options: Mapping) -> Iterator[PersonRecord | RejectedLine] | None:
    if connector != NAME:
        return None
    return _read(sources, options)


@hookimpl
def dn_check_connector(connector: str, options: Mapping) -> str | None:
    if connector != NAME:
        return None
    try:
        _settings(options)
    except ExtractionError as error:
        return str(error)
    return "ok"


def _settings(options: Mapping) -> tuple[str, str | None, RecordParser, ColumnMapping]:
    check_options(options, OPTIONS, tables={"columns": FIELDS})
    encoding = options.get("encoding", "utf-8")
    delimiter = options.get("delimiter")
    check_encoding(encoding)
    check_delimiter(delimiter)
    parser = RecordParser(options.get("date_format", AUTO_DATE_FORMAT))
    mapping = ColumnMapping.from_options(DEFAULT_COLUMNS, options.get("columns", {}))
    return encoding, delimiter, parser, mapping


def _read(sources: list[Path], options: Mapping) -> Iterator[PersonRecord | RejectedLine]:
    encoding, delimiter, parser, mapping = _settings(options)
    if not sources:
        raise ExtractionError("Aucun fichier à importer : indiquez le fichier CSV de l'extraction.")

    # Several files are read one after the other, as one extraction cut into parts.
    rows = chain.from_iterable(csv_rows(path, encoding, delimiter, mapping) for path in sources)
    yield from group_people(rows, parser)
