"""Streaming reader for the CSV files that Départements extract from their software.

:class:`CsvFile` hands the file to :mod:`csv` through Python's own text layer, so a
million rows read at C speed and quoted fields may contain the delimiter or a line break.
Each raw chunk is checked on its way in (:class:`_ChunkChecker`), so that a wrong
encoding is reported with its line number. Whatever makes the whole file unreadable
(empty file, no usable header, wrong encoding, a last row cut short) raises
ExtractionError with a one-line French message saying what to change.
"""

import codecs
import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

from core.connectors.records import ExtractionError

DELIMITERS = {";": "« ; »", ",": "« , »", "\t": "tabulation"}
# Accepted spellings of the tab delimiter in the TOML, besides the "\t" escape.
TAB_NAMES = frozenset({"tab", "tabulation", "\\t"})

CHUNK_SIZE = 1 << 20

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# First bytes of gzip and zip files; a .xlsx workbook is a zip file.
_ARCHIVE_SIGNATURES = (b"\x1f\x8b", b"PK\x03\x04")
_UTF8_NAMES = frozenset({"utf-8", "utf-8-sig"})


def check_encoding(encoding: str) -> str:
    """Return the codec name of an ``encoding`` option, or raise ExtractionError."""
    try:
        name = codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise ExtractionError(
            f"Encodage « {encoding} » inconnu dans [connector.options] encoding : "
            "indiquez par exemple « utf-8 » ou « windows-1252 »."
        ) from None
    # Lines are split on the byte of "\n", which these encodings spread over several bytes.
    if name.startswith(("utf-16", "utf-32")):
        raise ExtractionError(
            f"Encodage « {encoding} » non pris en charge dans [connector.options] encoding : "
            "réenregistrez l'extraction en UTF-8 ou en Windows-1252."
        )
    return name


def check_delimiter(delimiter) -> str | None:
    """Return the delimiter character of a ``delimiter`` option (None: detect it)."""
    if delimiter is None or delimiter == "":
        return None
    if isinstance(delimiter, str) and delimiter.lower() in TAB_NAMES:
        return "\t"
    if not isinstance(delimiter, str) or delimiter not in DELIMITERS:
        raise ExtractionError(
            f"Séparateur « {delimiter} » non pris en charge dans [connector.options] delimiter : "
            "indiquez « ; », « , » ou « tab », ou retirez l'option pour le détecter."
        )
    return delimiter


class _ChunkChecker(io.RawIOBase):
    """A binary file wrapper that checks each chunk before the text layer decodes it.

    It counts line breaks, so that a byte the encoding rejects is reported with its line.
    It also records what the row parser needs about the whole file: the parity of its
    quotes, the lines that contain a NUL character, and whether it ends with a line break.
    """

    def __init__(self, stream, encoding: str, encoding_option: str, source: str):
        self.stream = stream
        self.encoding = encoding
        self.encoding_option = encoding_option
        self.source = source
        self.decoder = codecs.getincrementaldecoder(encoding)()
        self.utf8 = encoding in _UTF8_NAMES
        self.lines_before = 0
        self.quotes = 0
        self.nul_lines: set[int] = set()
        self.ends_with_line_break = True
        self.first = True

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(len(buffer))
        if data:
            self._check(data)
        buffer[: len(data)] = data
        return len(data)

    def _check(self, data: bytes) -> None:
        if self.first:
            self.first = False
            self._check_bom(data)
        try:
            self.decoder.decode(data)
        except UnicodeDecodeError as error:
            likely = "windows-1252" if self.utf8 else "utf-8"
            raise self.wrong_encoding(self._line_at(data, error.start), likely) from None
        if not self.utf8 and not data.isascii():
            self._check_not_utf8(data)

        self.quotes += data.count(b'"')
        if b"\0" in data:
            self._record_nul_lines(data)
        self.lines_before += data.count(b"\n")
        self.ends_with_line_break = data.endswith(b"\n")

    def _check_bom(self, data: bytes) -> None:
        if data.startswith(_ARCHIVE_SIGNATURES):
            raise ExtractionError(
                f"Le fichier {self.source} est compressé (gzip ou zip) ou est un classeur : "
                "décompressez-le, ou enregistrez la feuille au format CSV."
            )
        if data.startswith(_UTF16_BOMS):
            raise ExtractionError(
                f"Le fichier {self.source} est encodé en UTF-16 : réenregistrez-le en UTF-8 "
                "ou en Windows-1252 et indiquez cet encodage dans [connector.options] encoding."
            )
        if data.startswith(codecs.BOM_UTF8) and not self.utf8:
            raise self.wrong_encoding(1, "utf-8")

    def _check_not_utf8(self, data: bytes) -> None:
        # A UTF-8 file read as Windows-1252 decodes without error but gives "Ã©" for "é":
        # non-ASCII bytes that are valid UTF-8 give it away. A chunk may end mid-character.
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(data) - 3 or error.reason != "unexpected end of data":
                return
        first_high = next(index for index, byte in enumerate(data) if byte > 127)
        raise self.wrong_encoding(self._line_at(data, first_high), "utf-8")

    def _record_nul_lines(self, data: bytes) -> None:
        index = data.find(b"\0")
        while index >= 0:
            self.nul_lines.add(self._line_at(data, index))
            index = data.find(b"\0", index + 1)

    def _line_at(self, data: bytes, offset: int) -> int:
        return self.lines_before + data.count(b"\n", 0, max(offset, 0)) + 1

    def wrong_encoding(self, line: int, likely: str) -> ExtractionError:
        return ExtractionError(
            f"Le fichier {self.source} n'est pas encodé en {self.encoding_option} (ligne {line}) : "
            f"s'il est en {likely}, indiquez encoding = \"{likely}\" dans [connector.options] "
            "du fichier TOML du Département."
        )


class CsvFile:
    """One CSV file opened for streaming: its header, then its rows with line numbers.

    ``expected_columns`` are the column names the caller will look for. When no delimiter
    is configured, the one that splits the header into most of them is used.
    """

    def __init__(
        self,
        path: Path,
        encoding: str,
        delimiter: str | None = None,
        expected_columns: Sequence[str] = (),
    ):
        self.path = Path(path)
        self.source = str(path)
        self.encoding = check_encoding(encoding)
        self._encoding_option = encoding
        self._configured_delimiter = check_delimiter(delimiter)
        self._expected = [column.casefold() for column in expected_columns]
        self._binary = None
        self._text = None
        self.header: list[str] = []
        self.header_line = 0
        self.delimiter = self._configured_delimiter or ";"

    # -- opening -----------------------------------------------------------------------

    def __enter__(self) -> "CsvFile":
        self.open()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def open(self) -> None:
        """Open the file and read its header; raise ExtractionError if it is unusable."""
        try:
            self._binary = self.path.open("rb")
        except FileNotFoundError:
            raise ExtractionError(f"Fichier introuvable : {self.source}") from None
        except IsADirectoryError:
            raise ExtractionError(f"{self.source} est un dossier, pas un fichier CSV.") from None
        except PermissionError:
            raise ExtractionError(f"Lecture de {self.source} refusée : vérifiez ses droits d'accès.") from None

        self._checker = _ChunkChecker(self._binary, self.encoding, self._encoding_option, self.source)
        # "utf-8-sig" reads UTF-8 with or without a byte order mark.
        text_encoding = "utf-8-sig" if self.encoding in _UTF8_NAMES else self.encoding
        buffered = io.BufferedReader(self._checker, buffer_size=CHUNK_SIZE)
        self._text = io.TextIOWrapper(buffered, encoding=text_encoding, newline="")

        header_text = self._first_non_blank_line()
        if "\0" in header_text:
            raise ExtractionError(
                f"L'en-tête de {self.source} contient des caractères nuls : le fichier est binaire ou "
                "encodé en UTF-16. Réenregistrez-le en UTF-8 ou en Windows-1252."
            )
        self.delimiter = self._configured_delimiter or self._detect_delimiter(header_text)
        self.header = [name.strip() for name in self._parse_header(header_text)]
        # Not strict, so that spaces after a closing quote are kept as stray spaces instead
        # of rejecting the row. A quoted field cut by the end of the file is found by
        # counting quotes instead.
        self._reader = csv.reader(self._text, delimiter=self.delimiter, quotechar='"', skipinitialspace=True)

    def close(self) -> None:
        if self._text is not None:
            self._text.close()
            self._text = None
        if self._binary is not None:
            self._binary.close()
            self._binary = None

    @property
    def closed(self) -> bool:
        return self._binary is None

    def _first_non_blank_line(self) -> str:
        for text in self._text:
            self.header_line += 1
            if text.strip():
                return text
        raise ExtractionError(f"Le fichier {self.source} est vide : vérifiez l'extraction.")

    def _detect_delimiter(self, header_text: str) -> str:
        def score(delimiter):
            try:
                names = [name.strip().casefold() for name in next(csv.reader([header_text], delimiter=delimiter))]
            except csv.Error:
                return 0, 0
            found = sum(1 for column in self._expected if column in names)
            return found, len(names)

        return max(DELIMITERS, key=score)

    def _parse_header(self, header_text: str) -> list[str]:
        try:
            return next(csv.reader([header_text], delimiter=self.delimiter))
        except csv.Error as error:
            raise ExtractionError(f"En-tête illisible dans {self.source} (ligne {self.header_line}) : {error}.") from None

    # -- rows --------------------------------------------------------------------------

    def rows(self) -> Iterator[tuple[int, list[str] | None, str | None]]:
        """Yield ``(line, fields, problem)`` for each non-blank row after the header.

        ``line`` is the row's first physical line (1-based, header included). ``problem``
        is a French reason when the row cannot be split into fields, with ``fields`` None.
        The last row is held back until the file ends, so that a row cut short by the
        end of the file raises ExtractionError: the file was truncated.
        """
        reader = self._reader
        offset = self.header_line
        previous_row = None
        while True:
            line = offset + reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                if "field larger than field limit" in str(error):
                    raise ExtractionError(
                        f"Dans {self.source}, un guillemet ouvert ligne {line} n'est jamais "
                        "refermé : corrigez cette ligne ou refaites l'extraction."
                    ) from None
                fields, problem = None, f"guillemets mal placés ({error})"
            else:
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue
                problem = None
            if self._checker.nul_lines and self._has_nul(line, offset + reader.line_num):
                fields, problem = None, "caractère nul dans la ligne : le fichier est peut-être corrompu"

            if previous_row is not None:
                yield previous_row
            previous_row = (line, fields, problem)

        if previous_row is not None:
            self._check_last_row(*previous_row)
            yield previous_row

    def _has_nul(self, first_line: int, last_line: int) -> bool:
        return any(line in self._checker.nul_lines for line in range(first_line, last_line + 1))

    def _check_last_row(self, line: int, fields: list[str] | None, problem: str | None) -> None:
        if fields is None:
            return
        short = len(fields) < len(self.header)
        if short and not self._checker.ends_with_line_break:
            raise self._truncated(line)
        # Quotes pair up ("" too), so an odd count means the file ends inside quotes.
        # NOTE: a stray quote in an unquoted field elsewhere makes the count odd as well.
        if self._checker.quotes % 2 == 1 and (short or any("\n" in value or "\r" in value for value in fields)):
            raise self._truncated(line)

    def _truncated(self, line: int) -> ExtractionError:
        return ExtractionError(
            f"Le fichier {self.source} semble tronqué : sa dernière ligne ({line}) s'arrête au "
            "milieu d'une ligne ou d'un champ entre guillemets. Refaites l'extraction."
        )
