"""Parsing a list of notary offices (CRPCEN, name, address, e-mail) from a CSV file.

Lists come from a Chambre des notaires or a spreadsheet, so the parser accepts ``;``
or ``,`` as delimiter, UTF-8 with or without a BOM, or Windows-1252, and an optional
header row. Each bad line is reported with its number and a French reason, and the
good lines are still returned.
"""

import csv
import io
import re
from dataclasses import dataclass, field

CRPCEN_PATTERN = re.compile(r"^\d{5}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_FILE_BYTES = 5 * 1024 * 1024

# Header words recognised for each column, compared without case, accents or spaces.
HEADER_ALIASES = {
    "crpcen": {"crpcen", "codecrpcen", "code"},
    "name": {"nom", "name", "office", "etude", "raisonsociale", "denomination"},
    "address": {"adresse", "address"},
    "email": {"email", "e-mail", "courriel", "mel", "adressemail", "adresseemail"},
}
COLUMNS = ("crpcen", "name", "address", "email")


@dataclass
class OfficeRow:
    """One valid line of the file."""

    line: int
    crpcen: str
    name: str
    address: str
    email: str


@dataclass
class RejectedLine:
    """A line that was not imported, with the reason shown to the administrator."""

    line: int
    reason: str


@dataclass
class ParsedOffices:
    rows: list[OfficeRow] = field(default_factory=list)
    rejected: list[RejectedLine] = field(default_factory=list)


class OfficeFileError(ValueError):
    """The whole file is unusable. The French message states why and what to do."""


def decode(data: bytes) -> str:
    """Decode ``data`` as UTF-8 (with or without BOM), or else as Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise OfficeFileError(
            "Le fichier n'est ni en UTF-8 ni en Windows-1252 : enregistrez-le en CSV UTF-8 puis réessayez."
        ) from None


def parse_offices_csv(data: bytes) -> ParsedOffices:
    """Parse ``data`` into valid office rows and rejected lines.

    :raises OfficeFileError: when the file is empty, too large or not a CSV list.
    """
    if not data.strip():
        raise OfficeFileError("Le fichier est vide : choisissez le fichier CSV des offices.")
    if len(data) > MAX_FILE_BYTES:
        raise OfficeFileError("Le fichier dépasse 5 Mo : découpez-le en plusieurs fichiers.")

    text = decode(data)
    delimiter = _guess_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = [(reader.line_num, record) for record in reader]
    except csv.Error as error:
        raise OfficeFileError(
            f"Fichier CSV illisible ligne {reader.line_num} ({error}) : vérifiez les guillemets."
        ) from None
    records = [(line, record) for line, record in records if any(cell.strip() for cell in record)]
    if not records:
        raise OfficeFileError("Le fichier ne contient aucune ligne : choisissez le fichier CSV des offices.")

    positions = _header_positions(records[0][1])
    if positions is None:
        positions = {column: index for index, column in enumerate(COLUMNS)}
    else:
        records = records[1:]

    result = ParsedOffices()
    seen: dict[str, int] = {}
    for line, record in records:
        row_or_reason = _parse_record(line, record, positions)
        if isinstance(row_or_reason, str):
            result.rejected.append(RejectedLine(line, row_or_reason))
        elif row_or_reason.crpcen in seen:
            first = seen[row_or_reason.crpcen]
            result.rejected.append(
                RejectedLine(line, f"CRPCEN {row_or_reason.crpcen} déjà présent ligne {first} : ligne ignorée.")
            )
        else:
            seen[row_or_reason.crpcen] = line
            result.rows.append(row_or_reason)
    return result


def _guess_delimiter(text: str) -> str:
    # The first line decides: a French spreadsheet writes ";", others ",".
    first_line = text.splitlines()[0] if text else ""
    return ";" if first_line.count(";") >= first_line.count(",") else ","


def _simplify(cell: str) -> str:
    replacements = str.maketrans("éèêàç", "eeeac")
    return re.sub(r"[\s_'-]", "", cell.strip().lower().translate(replacements))


def _header_positions(record: list[str]) -> dict[str, int] | None:
    """Return the column of each field if ``record`` is a header row, else None."""
    if record and CRPCEN_PATTERN.match(record[0].strip()):
        return None
    positions = {}
    for index, cell in enumerate(record):
        simplified = _simplify(cell)
        for column, aliases in HEADER_ALIASES.items():
            if column not in positions and simplified in {_simplify(alias) for alias in aliases}:
                positions[column] = index
    if set(positions) != set(COLUMNS):
        missing = ", ".join(column for column in COLUMNS if column not in positions)
        raise OfficeFileError(
            "La première ligne n'est ni un en-tête complet ni un office "
            f"(colonnes non trouvées : {missing}). Attendu : CRPCEN, nom, adresse, e-mail."
        )
    return positions


def _parse_record(line: int, record: list[str], positions: dict[str, int]) -> OfficeRow | str:
    """Return the row, or the French reason why the line is rejected."""
    needed = max(positions.values()) + 1
    if len(record) < needed:
        return f"{len(record)} colonne(s) au lieu de {needed} : vérifiez le séparateur et les guillemets."

    values = {column: record[index].strip() for column, index in positions.items()}
    if not values["crpcen"]:
        return "CRPCEN manquant."
    if not CRPCEN_PATTERN.match(values["crpcen"]):
        return f"CRPCEN invalide « {values['crpcen'][:20]} » : 5 chiffres attendus."
    if not values["name"]:
        return "Nom de l'office manquant."
    if len(values["name"]) > 200:
        return "Nom de l'office trop long (200 caractères au plus)."
    if not values["email"]:
        return "Adresse e-mail manquante."
    if len(values["email"]) > 254 or not EMAIL_PATTERN.match(values["email"]):
        return f"Adresse e-mail invalide « {values['email'][:60]} »."
    return OfficeRow(line, values["crpcen"], values["name"], values["address"], values["email"].lower())
