"""The iodas connector: an IODAS extraction, from a CSV file or straight from a database.

IODAS's export formats are not published, so this connector defines the layout the
Département's IT produces (see README.md): upper-case IODAS-style column names,
Windows-1252, ``;``, day-first dates, one row per person and aid. With ``database_url``
and ``query`` set, the same columns come from a SELECT instead of a file.
"""

from collections.abc import Iterator, Mapping
from itertools import chain
from pathlib import Path

from core.connectors.csvtools import check_delimiter, check_encoding
from core.connectors.hookspecs import hookimpl
from core.connectors.records import ExtractionError, PersonRecord, RejectedLine
from core.connectors.tabular import FIELDS, ColumnMapping, RecordParser, check_options, csv_rows, group_people
from plugins.iodas import database

NAME = "iodas"

DEFAULT_COLUMNS = {
    "person_id": "NUM_INDIVIDU",
    "usage_name": "NOM_USAGE",
    "birth_name": "NOM_NAISSANCE",
    "first_names": "PRENOMS",
    "sex": "SEXE",
    "birth_date": "DATE_NAISSANCE",
    "aid_code": "CODE_PRESTATION",
    "aid_label": "LIBELLE_PRESTATION",
    "aid_start": "DATE_DEBUT",
    "aid_end": "DATE_FIN",
}
DEFAULT_ENCODING = "windows-1252"
DEFAULT_DELIMITER = ";"
DEFAULT_DATE_FORMAT = "%d/%m/%Y"

OPTIONS = {
    "encoding": 'Character encoding of the file: "windows-1252" (default) or "utf-8" (with or without BOM).',
    "delimiter": 'Field delimiter: ";" (default), "," or "tab"; "" to detect it from the header.',
    "date_format": (
        'Date layout of text dates: "%d/%m/%Y" (default), "auto" (YYYY-MM-DD or DD/MM/YYYY) or another '
        "pattern of %d, %m and %Y; day and month may be 00 when unknown, a lone year is accepted."
    ),
    "columns": (
        "Table mapping each field (person_id, usage_name, birth_name, first_names, sex, birth_date, "
        "aid_code, aid_label, aid_start, aid_end) to the column name; defaults: NUM_INDIVIDU, NOM_USAGE, "
        "NOM_NAISSANCE, PRENOMS, SEXE, DATE_NAISSANCE, CODE_PRESTATION, LIBELLE_PRESTATION, DATE_DEBUT, "
        'DATE_FIN; "" for a column the extraction lacks.'
    ),
    "database_url": (
        "SQLAlchemy URL of the IODAS database (or a copy of it) to read instead of a file; "
        "no file is then given on the command line. Default: unset (read a file)."
    ),
    "query": (
        "SELECT run on database_url, returning the mapped columns with one row per person and aid, "
        "ordered by person id. Required with database_url."
    ),
    "fetch_size": "Rows fetched from the database at a time (default 1000); memory grows with it.",
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
        parser, mapping = _settings(options)
        if options.get("database_url"):
            database.check(database.settings(options), mapping)
    except ExtractionError as error:
        return str(error)
    return "ok"


def _settings(options: Mapping) -> tuple[RecordParser, ColumnMapping]:
    check_options(options, OPTIONS, tables={"columns": FIELDS})
    check_encoding(options.get("encoding", DEFAULT_ENCODING))
    check_delimiter(options.get("delimiter", DEFAULT_DELIMITER))
    parser = RecordParser(options.get("date_format", DEFAULT_DATE_FORMAT))
    mapping = ColumnMapping.from_options(DEFAULT_COLUMNS, options.get("columns", {}))
    return parser, mapping


def _read(sources: list[Path], options: Mapping) -> Iterator[PersonRecord | RejectedLine]:
    parser, mapping = _settings(options)

    if options.get("database_url"):
        if sources:
            raise ExtractionError(
                "database_url est configuré dans [connector.options] : l'extraction est lue dans la base, "
                "ne donnez pas de fichier (ou retirez database_url pour lire un fichier)."
            )
        rows = database.rows(database.settings(options), mapping)
    else:
        if not sources:
            raise ExtractionError(
                "Aucun fichier à importer : indiquez le fichier de l'extraction IODAS, "
                "ou configurez database_url et query dans [connector.options]."
            )
        rows = _file_rows(sources, options, mapping)

    yield from group_people(rows, parser)


def _file_rows(sources: list[Path], options: Mapping, mapping: ColumnMapping):
    encoding = options.get("encoding", DEFAULT_ENCODING)
    delimiter = options.get("delimiter", DEFAULT_DELIMITER)
    return chain.from_iterable(csv_rows(path, encoding, delimiter, mapping) for path in sources)
