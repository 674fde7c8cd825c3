"""Turning rows of named cells into person records, for connectors of tabular extractions.

The built-in connectors all read tables (CSV files or a SELECT) whose columns map onto
the same fields. This module contains that shared part: checking the options and the
column mapping, reading the cells of one row, and grouping consecutive rows of one
person with their aids.
"""

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

from core.connectors.csvtools import CsvFile
from core.connectors.records import AidRecord, ExtractionError, PersonRecord, RejectedLine
from core.connectors.values import InvalidValue, compile_date_format, first_day, last_day, parse_partial_date, parse_sex
from core.register.models import Aid, Person

PERSON_FIELDS = ("person_id", "usage_name", "birth_name", "first_names", "sex", "birth_date")
AID_FIELDS = ("aid_code", "aid_label", "aid_start", "aid_end")
FIELDS = PERSON_FIELDS + AID_FIELDS
# Without these a row cannot become a person; the others may be left out of the mapping.
REQUIRED_FIELDS = ("person_id", "usage_name", "first_names", "birth_date")

FIELD_LABELS = {
    "person_id": "identifiant",
    "usage_name": "nom d'usage",
    "birth_name": "nom de naissance",
    "first_names": "prénoms",
    "sex": "sexe",
    "birth_date": "date de naissance",
    "aid_code": "code d'aide",
    "aid_label": "libellé d'aide",
}

# Maximum lengths of the register's columns (core.register.models). Longer values are
# rejected here, so that the import does not fail on a database error halfway through.
MAX_LENGTHS = {
    "person_id": Person.__table__.c.person_ref.type.length,
    "usage_name": Person.__table__.c.usage_name.type.length,
    "birth_name": Person.__table__.c.birth_name.type.length,
    "first_names": Person.__table__.c.first_names.type.length,
    "aid_code": Aid.__table__.c.code.type.length,
    "aid_label": Aid.__table__.c.label.type.length,
}

# How many recently read person ids are remembered to tell "rows of one person that do
# not follow each other" from a plain duplicate. A fixed window keeps memory flat; a
# person split further apart comes out twice and the import rejects the second as a
# duplicate id.
RECENT_PEOPLE_WINDOW = 10_000

# Distinct date texts remembered per kind of date: about 40 years of days, a few MB.
DATE_CACHE_SIZE = 16_384

# One row of an extraction: (line, source, cells, problem). ``cells`` is a tuple in FIELDS
# order, with "" for a field the extraction lacks. When the row cannot be read, ``cells``
# is None and ``problem`` the French reason. Plain tuples keep a million rows fast.
Row = tuple[int, str, tuple | None, str | None]


# -------------------------------------------------------------------------
# Options
# -------------------------------------------------------------------------


def check_options(options: Mapping, documented: Mapping[str, str], tables: Mapping[str, Sequence[str]] = {}):
    """Raise ExtractionError for an option not in ``documented`` or a bad sub-table key.

    ``tables`` maps an option that is a TOML table (``columns``) to the keys it accepts.
    A misspelt option would otherwise be ignored silently and its default used.
    """
    if not isinstance(options, Mapping):
        raise ExtractionError("[connector.options] doit être une table TOML.")
    unknown = sorted(set(options) - set(documented))
    if unknown:
        raise ExtractionError(
            f"Option inconnue dans [connector.options] : {', '.join(unknown)}. "
            f"Options reconnues : {', '.join(sorted(documented))}."
        )
    for table, keys in tables.items():
        value = options.get(table, {})
        if not isinstance(value, Mapping):
            raise ExtractionError(f"[connector.options] {table} doit être une table TOML ([connector.options.{table}]).")
        unknown = sorted(set(value) - set(keys))
        if unknown:
            raise ExtractionError(
                f"Champ inconnu dans [connector.options.{table}] : {', '.join(unknown)}. "
                f"Champs reconnus : {', '.join(keys)}."
            )
        bad = sorted(key for key, column in value.items() if not isinstance(column, str))
        if bad:
            raise ExtractionError(
                f"Dans [connector.options.{table}], {', '.join(bad)} doit être un nom de colonne entre guillemets."
            )


# -------------------------------------------------------------------------
# Column mapping
# -------------------------------------------------------------------------


@dataclass
class ColumnMapping:
    """Column of the extraction that contains each field; ``""`` for a field it lacks.

    ``optional_group`` fields may all be missing from a file together, as the aid columns
    of a file of one row per person. Missing only some of them is an error.
    """

    columns: dict[str, str]
    required: Sequence[str] = REQUIRED_FIELDS
    optional_group: Sequence[str] = AID_FIELDS
    table: str = "columns"

    @classmethod
    def from_options(cls, defaults: Mapping[str, str], overrides: Mapping[str, str], **kwargs) -> "ColumnMapping":
        mapping = cls({**defaults, **overrides}, **kwargs)
        unmapped = [name for name in mapping.required if not mapping.columns.get(name)]
        if unmapped:
            raise ExtractionError(
                f"Dans [connector.options.{mapping.table}], {', '.join(unmapped)} ne peut pas être vide : "
                "indiquez le nom de la colonne correspondante."
            )
        return mapping

    def column_names(self) -> list[str]:
        return [column for column in self.columns.values() if column]

    def resolve(self, header: Sequence[str], source: str, delimiter: str | None = None) -> dict[str, int]:
        """Return each field's position in ``header``; raise ExtractionError naming missing columns."""
        expected_columns = {column.casefold() for column in self.column_names()}
        positions = {}
        for index, name in enumerate(header):
            key = name.strip().casefold()
            if key in positions and key in expected_columns:
                raise ExtractionError(f"La colonne « {name} » apparaît deux fois dans l'en-tête de {source}.")
            positions.setdefault(key, index)

        found = {f: positions[c.casefold()] for f, c in self.columns.items() if c and c.casefold() in positions}
        missing = [f for f, c in self.columns.items() if c and f not in found]
        if all(f not in found for f in self.optional_group):
            # The whole group is absent: a file of one row per person, without aids.
            missing = [f for f in missing if f not in self.optional_group]

        if missing:
            raise ExtractionError(self._missing_message(missing, header, source, delimiter))
        return found

    def cell_getter(self, positions: Mapping[str, int], width: int) -> Callable[[list], tuple]:
        """Return a function that picks a row's cells in FIELDS order from its field list.

        The list must end with one extra ``""`` at index ``width``, which stands for
        every field the extraction lacks.
        """
        return itemgetter(*(positions.get(name, width) for name in FIELDS))

    def _missing_message(self, missing, header, source, delimiter) -> str:
        names = ", ".join(f"« {self.columns[f]} »" for f in missing)
        printable = ["".join(char if char.isprintable() else "?" for char in name[:40]) for name in header[:12]]
        header_preview = ", ".join(printable) + (" …" if len(header) > 12 else "")
        message = (
            f"Colonnes manquantes dans {source} : {names} (en-tête lu : {header_preview}). "
            f"Corrigez l'extraction ou le nom des colonnes dans [connector.options.{self.table}]."
        )
        if delimiter is not None and len(header) == 1:
            message += " Le séparateur est peut-être mal choisi : vérifiez [connector.options] delimiter."
        return message


# -------------------------------------------------------------------------
# Cells to records
# -------------------------------------------------------------------------


class RecordParser:
    """Build person and aid records from a row's cells, raising InvalidValue on a bad cell.

    ``cells`` is a tuple in FIELDS order. Dates repeat a lot in a register, so their
    parsed values are cached, up to DATE_CACHE_SIZE distinct texts per kind of date.
    """

    def __init__(self, date_format: str):
        patterns = compile_date_format(date_format)

        def birth_date(value):
            return parse_partial_date(value, patterns, "date de naissance")

        def aid_start(value):
            date = parse_partial_date(value, patterns, "date de début d'aide")
            return first_day(date) if date else None

        def aid_end(value):
            date = parse_partial_date(value, patterns, "date de fin d'aide")
            return last_day(date) if date else None

        self.birth_date = lru_cache(maxsize=DATE_CACHE_SIZE)(birth_date)
        self.aid_start = lru_cache(maxsize=DATE_CACHE_SIZE)(aid_start)
        self.aid_end = lru_cache(maxsize=DATE_CACHE_SIZE)(aid_end)

    def person(self, cells: tuple, line: int, source: str) -> PersonRecord:
        person_id, usage_name, birth_name, first_names, sex, birth_date = cells[:6]
        if not person_id:
            raise InvalidValue("identifiant de la personne manquant")
        if (
            len(person_id) > MAX_LENGTHS["person_id"]
            or len(usage_name) > MAX_LENGTHS["usage_name"]
            or len(birth_name) > MAX_LENGTHS["birth_name"]
            or len(first_names) > MAX_LENGTHS["first_names"]
        ):
            raise _too_long(cells)
        return PersonRecord(
            line, person_id, usage_name, birth_name or None, first_names,
            parse_sex(sex), self.birth_date(birth_date) if birth_date else None, source=source,
        )

    def aid(self, cells: tuple) -> AidRecord | None:
        """Return the row's aid, or None when its aid cells are all empty."""
        code, label, start, end = cells[6:10]
        if not code:
            if label or (start and self.aid_start(start)) or (end and self.aid_end(end)):
                raise InvalidValue("code d'aide manquant alors que l'aide a un libellé ou des dates")
            return None
        if len(code) > MAX_LENGTHS["aid_code"] or len(label) > MAX_LENGTHS["aid_label"]:
            raise _too_long(cells)

        # A partial date is a period: the aid is taken to start as early and to end as
        # late as the period allows, so that it is never missed on a date of death.
        start_date = self.aid_start(start) if start else None
        end_date = self.aid_end(end) if end else None
        if start_date and end_date and end_date < start_date:
            raise InvalidValue(f"fin d'aide ({end_date:%d/%m/%Y}) antérieure à son début ({start_date:%d/%m/%Y})")
        return AidRecord(code, label or None, start_date, end_date)


def _too_long(cells: tuple) -> InvalidValue:
    for index, name in enumerate(FIELDS):
        limit = MAX_LENGTHS.get(name)
        if limit and isinstance(cells[index], str) and len(cells[index]) > limit:
            return InvalidValue(f"{FIELD_LABELS[name]} trop long ({len(cells[index])} caractères, {limit} au plus)")
    return InvalidValue("valeur trop longue")


# -------------------------------------------------------------------------
# Grouping rows by person
# -------------------------------------------------------------------------


def group_people(rows: Iterable[Row], parser: RecordParser) -> Iterator[PersonRecord | RejectedLine]:
    """Yield one PersonRecord per run of consecutive rows sharing a person id.

    Each row carries the person's cells and at most one aid. A row whose person cells
    differ from the first row of its person, or whose id was read a little earlier for
    another run of rows, is rejected: the extraction must keep a person's rows together.
    Memory stays flat: only the current person and a fixed window of recent ids are kept.
    """
    current: PersonRecord | None = None
    current_cells = None
    recent: OrderedDict[str, int] = OrderedDict()

    for line, source, cells, problem in rows:
        if problem:
            yield RejectedLine(line, problem, source)
            continue
        person_cells = cells[:6]

        if current is not None and cells[0] == current.person_id:
            rejected = _add_row(current, current_cells, line, source, cells, person_cells, parser)
            if rejected:
                yield rejected
            continue

        if current is not None:
            yield current
            current = None
        person_id = cells[0]
        if person_id in recent:
            yield RejectedLine(
                line,
                f"identifiant {person_id} déjà lu ligne {recent[person_id]} : "
                "les lignes d'une même personne doivent se suivre",
                source,
            )
            continue

        try:
            record = parser.person(cells, line, source)
            aid = parser.aid(cells)
        except InvalidValue as error:
            yield RejectedLine(line, str(error), source)
            continue
        if aid:
            record.aids.append(aid)
        current, current_cells = record, person_cells
        recent[person_id] = line
        if len(recent) > RECENT_PEOPLE_WINDOW:
            recent.popitem(last=False)

    if current is not None:
        yield current


def _add_row(
    current: PersonRecord, current_cells: tuple, line: int, source: str, cells: tuple, person_cells: tuple, parser: RecordParser
) -> RejectedLine | None:
    if person_cells != current_cells:
        differing = [FIELD_LABELS[name] for name, a, b in zip(PERSON_FIELDS, cells, current_cells) if a != b]
        return RejectedLine(
            line,
            f"même identifiant que la ligne {current.line} mais autre valeur pour : {', '.join(differing)}",
            source,
        )
    try:
        aid = parser.aid(cells)
    except InvalidValue as error:
        return RejectedLine(line, str(error), source)
    if aid:
        current.aids.append(aid)
    return None


# -------------------------------------------------------------------------
# CSV files
# -------------------------------------------------------------------------


def csv_rows(path, encoding: str, delimiter: str | None, mapping: ColumnMapping) -> Iterator[Row]:
    """Yield the rows of one CSV file with their cells in FIELDS order.

    Raise ExtractionError when the file cannot be read as a whole, including a file
    that contains a header and no data: no Département's register is empty.
    """
    with CsvFile(path, encoding, delimiter, mapping.column_names()) as csv_file:
        positions = mapping.resolve(csv_file.header, csv_file.source, csv_file.delimiter)
        source = csv_file.source
        width = len(csv_file.header)
        cells_of = mapping.cell_getter(positions, width)
        strip = str.strip
        read_any = False

        for line, fields, problem in csv_file.rows():
            read_any = True
            if problem is None and len(fields) != width:
                problem = _width_problem(fields, width)
            if problem:
                yield line, source, None, problem
                continue
            if len(fields) > width:
                del fields[width:]
            fields.append("")
            yield line, source, tuple(map(strip, cells_of(fields))), None

        if not read_any:
            raise ExtractionError(f"Le fichier {source} ne contient que sa ligne d'en-tête : vérifiez l'extraction.")


def _width_problem(fields: list[str], width: int) -> str | None:
    if len(fields) < width:
        return f"{len(fields)} champs au lieu de {width}"
    if len(fields) > width and any(value.strip() for value in fields[width:]):
        return (
            f"{len(fields)} champs au lieu de {width} : une valeur contient-elle le séparateur "
            "sans être entre guillemets ?"
        )
    return None
