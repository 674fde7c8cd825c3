"""The solis connector: a persons file and an aids file, joined on the person id.

Solis's export formats are not published, so this connector defines the two files the
Département's IT produces (see README.md). Each file is recognised by its header, so
they may be given in either order. The aids are loaded into a temporary SQLite file
and looked up person by person, so memory stays flat whatever the files' size and order.
"""

import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from core.connectors.csvtools import CsvFile, check_delimiter, check_encoding
from core.connectors.hookspecs import hookimpl
from core.connectors.records import ExtractionError, PersonRecord, RejectedLine
from core.connectors.tabular import AID_FIELDS, PERSON_FIELDS, ColumnMapping, RecordParser, check_options, csv_rows
from core.connectors.values import InvalidValue
from plugins.solis.aidstore import AidStore

NAME = "solis"

DEFAULT_PERSON_COLUMNS = {
    "person_id": "ID_INDIVIDU",
    "usage_name": "NOM_USAGE",
    "birth_name": "NOM_NAISSANCE",
    "first_names": "PRENOMS",
    "sex": "SEXE",
    "birth_date": "DATE_NAISSANCE",
}
DEFAULT_AID_COLUMNS = {
    "person_id": "ID_INDIVIDU",
    "aid_code": "CODE_AIDE",
    "aid_label": "LIBELLE_AIDE",
    "aid_start": "DATE_DEBUT_DROIT",
    "aid_end": "DATE_FIN_DROIT",
}
AID_FILE_FIELDS = ("person_id",) + AID_FIELDS
DEFAULT_ENCODING = "utf-8"
DEFAULT_DELIMITER = ";"
DEFAULT_DATE_FORMAT = "%d/%m/%Y"

OPTIONS = {
    "encoding": 'Character encoding of both files: "utf-8" (default, with or without BOM) or "windows-1252".',
    "delimiter": 'Field delimiter of both files: ";" (default), "," or "tab"; "" to detect it from each header.',
    "date_format": (
        'Date layout: "%d/%m/%Y" (default), "auto" (YYYY-MM-DD or DD/MM/YYYY) or another pattern of '
        "%d, %m and %Y; day and month may be 00 when unknown, a lone year is accepted."
    ),
    "person_columns": (
        "Table mapping the persons file's fields (person_id, usage_name, birth_name, first_names, sex, "
        "birth_date) to its column names; defaults: ID_INDIVIDU, NOM_USAGE, NOM_NAISSANCE, PRENOMS, SEXE, "
        'DATE_NAISSANCE; "" for birth_name or sex when the file lacks them.'
    ),
    "aid_columns": (
        "Table mapping the aids file's fields (person_id, aid_code, aid_label, aid_start, aid_end) to its "
        "column names; defaults: ID_INDIVIDU, CODE_AIDE, LIBELLE_AIDE, DATE_DEBUT_DROIT, DATE_FIN_DROIT; "
        '"" for aid_label, aid_start or aid_end when the file lacks them.'
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
        _Settings(options)
    except ExtractionError as error:
        return str(error)
    return "ok"


class _Settings:
    """The checked options: file format, date parser and both column mappings."""

    def __init__(self, options: Mapping):
        check_options(options, OPTIONS, tables={"person_columns": PERSON_FIELDS, "aid_columns": AID_FILE_FIELDS})
        self.encoding = options.get("encoding", DEFAULT_ENCODING)
        self.delimiter = options.get("delimiter", DEFAULT_DELIMITER)
        check_encoding(self.encoding)
        check_delimiter(self.delimiter)
        self.parser = RecordParser(options.get("date_format", DEFAULT_DATE_FORMAT))
        self.persons = ColumnMapping.from_options(
            DEFAULT_PERSON_COLUMNS, options.get("person_columns", {}), optional_group=(), table="person_columns"
        )
        self.aids = ColumnMapping.from_options(
            DEFAULT_AID_COLUMNS,
            options.get("aid_columns", {}),
            required=("person_id", "aid_code"),
            optional_group=(),
            table="aid_columns",
        )


def _read(sources: list[Path], options: Mapping) -> Iterator[PersonRecord | RejectedLine]:
    settings = _Settings(options)
    persons_path, aids_path = _tell_files_apart(sources, settings)

    with tempfile.TemporaryDirectory(prefix="dn-solis-") as folder:
        with AidStore(Path(folder) / "aids.sqlite") as store:
            yield from store.load(csv_rows(aids_path, settings.encoding, settings.delimiter, settings.aids), settings.parser)
            yield from _people(persons_path, settings, store)
            yield from store.orphans(persons_path)


def _people(path: Path, settings: _Settings, store: AidStore) -> Iterator[PersonRecord | RejectedLine]:
    for line, source, cells, problem in csv_rows(path, settings.encoding, settings.delimiter, settings.persons):
        if problem:
            yield RejectedLine(line, problem, source)
            continue
        try:
            person = settings.parser.person(cells, line, source)
        except InvalidValue as error:
            yield RejectedLine(line, str(error), source)
            continue
        person.aids = store.aids_of(person.person_id)
        store.mark_read(person.person_id)
        yield person


def _tell_files_apart(sources: list[Path], settings: _Settings) -> tuple[Path, Path]:
    """Return ``(persons file, aids file)``, recognised by the columns of their headers."""
    if len(sources) != 2:
        raise ExtractionError(
            f"Le connecteur solis lit deux fichiers, celui des personnes et celui des aides "
            f"({len(sources)} donné(s)) : dn import CONFIG solis personnes.csv aides.csv"
        )

    persons_column = settings.persons.columns["usage_name"].casefold()
    aids_column = settings.aids.columns["aid_code"].casefold()
    persons, aids = [], []
    for path in sources:
        with CsvFile(path, settings.encoding, settings.delimiter, [persons_column, aids_column]) as csv_file:
            header = {name.casefold() for name in csv_file.header}
        if persons_column in header and aids_column not in header:
            persons.append(path)
        elif aids_column in header and persons_column not in header:
            aids.append(path)

    if len(persons) != 1 or len(aids) != 1:
        raise ExtractionError(
            f"Impossible de reconnaître le fichier des personnes (colonne « {settings.persons.columns['usage_name']} ») "
            f"et celui des aides (colonne « {settings.aids.columns['aid_code']} ») parmi "
            f"{', '.join(str(path) for path in sources)} : vérifiez les en-têtes ou [connector.options]."
        )
    return persons[0], aids[0]
