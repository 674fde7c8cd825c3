"""Streaming reader for the CSV files that Départements extract from their software.

:class:`CsvFile` decodes one physical line at a time, so a wrong encoding is reported
with its line number, and hands the lines to :mod:`csv`, so quoted fields may contain
the delimiter or a line break. Whatever makes the whole file unreadable (empty file, no
usable header, wrong encoding, a last line cut mid-row) raises ExtractionError with a
one-line French message saying what to change.
"""

import codecs
import csv
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

from core.connectors.records import ExtractionError

log = logging.getLogger(__name__)

DELIMITERS = {";": "« ; »", ",": "« , »", "\t": "tabulation"}
# Accepted spellings of the tab delimiter in the TOML, besides the "\t" escape.
TAB_NAMES = frozenset({"tab", "tabulation", "\\t"})

_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UTF8_NAMES = frozenset({"utf-8", "utf-8-sig"})


def check_encoding(encoding: str) -> str:
    """Return the codec name of an ``encoding`` option, or raise ExtractionError."""
    try:
        return codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise ExtractionError(
            f"Encodage « {encoding} » inconnu dans [connector.options] encoding : "
            "indiquez par exemple « utf-8 » ou « windows-1252 »."
        ) from None


def check_delimiter(delimiter) -> str | None:
    """Return the delimiter character of a ``delimiter`` option (None: detect it)."""
    if delimiter is None or delimiter == "":
        return None
    if isinstance(delimiter, str) and delimiter.lower() in TAB_NAMES:
        return "\t"
    if delimiter not in DELIMITERS:
        raise ExtractionError(
            f"Séparateur « {delimiter} » non pris en charge dans [connector.options] delimiter : "
            "indiquez « ; », « , » ou « tab », ou retirez l'option pour le détecter."
        )
    return delimiter


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
        self._stream = None
        self.line_number = 0
        self._last_line_unterminated = False
        self._exhausted = False
        self._row_quotes = 0
        self.header: list[str] = []
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
            self._stream = self.path.open("rb")
        except FileNotFoundError:
            raise ExtractionError(f"Fichier introuvable : {self.source}") from None
        except IsADirectoryError:
            raise ExtractionError(f"{self.source} est un dossier, pas un fichier CSV.") from None
        except PermissionError:
            raise ExtractionError(f"Lecture de {self.source} refusée : vérifiez ses droits d'accès.") from None

        self._lines = self._decoded_lines()
        header_line = self._first_non_blank_line()
        self.delimiter = self._configured_delimiter or self._detect_delimiter(header_line)
        self.header = [name.strip() for name in self._parse_header(header_line)]
        # Not strict, so that spaces after a closing quote are kept as stray spaces instead
        # of rejecting the row; an unclosed quote is found by counting quotes instead.
        self._reader = csv.reader(self._lines, delimiter=self.delimiter, quotechar='"', skipinitialspace=True)

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def _first_non_blank_line(self) -> str:
        for line in self._lines:
            if line.strip():
                return line
        raise ExtractionError(f"Le fichier {self.source} est vide : vérifiez l'extraction.")

    def _detect_delimiter(self, header_line: str) -> str:
        def score(delimiter):
            names = [name.strip().casefold() for name in next(csv.reader([header_line], delimiter=delimiter))]
            found = sum(1 for column in self._expected if column in names)
            return found, len(names)

        return max(DELIMITERS, key=score)

    def _parse_header(self, header_line: str) -> list[str]:
        try:
            return next(csv.reader([header_line], delimiter=self.delimiter, strict=True))
        except csv.Error as error:
            raise ExtractionError(
                f"En-tête illisible dans {self.source} (ligne {self.line_number}) : {error}."
            ) from None

    # -- decoding ----------------------------------------------------------------------

    def _decoded_lines(self) -> Iterator[str]:
        """Yield the file's physical lines decoded, counting them in ``line_number``."""
        for raw in self._stream:
            self.line_number += 1
            if self.line_number == 1:
                raw = self._without_bom(raw)
            if not raw.endswith(b"\n"):
                self._last_line_unterminated = True
            text = self._decode(raw)
            self._row_quotes += text.count('"')
            yield text
        self._exhausted = True

    def _without_bom(self, raw: bytes) -> bytes:
        if raw.startswith(_UTF16_BOMS):
            raise ExtractionError(
                f"Le fichier {self.source} est encodé en UTF-16 : réenregistrez-le en UTF-8 "
                "ou en Windows-1252 et indiquez cet encodage dans [connector.options] encoding."
            )
        if raw.startswith(_UTF8_BOM):
            if self.encoding not in _UTF8_NAMES:
                raise self._wrong_encoding(1, "utf-8")
            return raw[len(_UTF8_BOM):]
        return raw

    def _decode(self, raw: bytes) -> str:
        try:
            text = raw.decode(self.encoding)
        except UnicodeDecodeError:
            raise self._wrong_encoding(self.line_number, "windows-1252") from None

        # A UTF-8 file read as Windows-1252 decodes without error but gives "Ã©" for "é":
        # a non-ASCII line that is also valid UTF-8 gives it away.
        if self.encoding not in _UTF8_NAMES and not raw.isascii():
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return text
            raise self._wrong_encoding(self.line_number, "utf-8")
        return text

    def _wrong_encoding(self, line: int, likely: str) -> ExtractionError:
        return ExtractionError(
            f"Le fichier {self.source} n'est pas encodé en {self._encoding_option} (ligne {line}) : "
            f"s'il est en {likely}, indiquez encoding = \"{likely}\" dans [connector.options] "
            "du fichier TOML du Département."
        )

    # -- rows --------------------------------------------------------------------------

    def rows(self) -> Iterator[tuple[int, list[str] | None, str | None]]:
        """Yield ``(line, fields, problem)`` for each non-blank row after the header.

        ``line`` is the row's first physical line (1-based, header included). ``problem``
        is a French reason when the row cannot be split into fields, with ``fields`` None.
        A last row cut short raises ExtractionError: the file was truncated.
        """
        while True:
            line = self.line_number + 1
            self._row_quotes = 0
            try:
                fields = next(self._reader)
            except StopIteration:
                return
            except csv.Error as error:
                if "field larger than field limit" in str(error):
                    raise ExtractionError(
                        f"Dans {self.source}, un guillemet ouvert ligne {line} n'est jamais "
                        "refermé : corrigez cette ligne ou refaites l'extraction."
                    ) from None
                yield line, None, f"guillemets mal placés ({error})"
                continue

            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            # A row that reaches the end of the file without a line break was cut, either
            # short or inside quotes: quotes pair up ("" too), so their count is then odd.
            # NOTE: a stray quote in an unquoted field of such a row is taken for a cut too.
            cut_in_quotes = self._exhausted and self._row_quotes % 2 == 1
            cut_short = self._last_line_unterminated and len(fields) < len(self.header)
            if cut_in_quotes or cut_short:
                raise self._truncated(line)
            if any("\0" in value for value in fields):
                yield line, None, "caractère nul dans la ligne : le fichier est peut-être corrompu"
                continue
            yield line, fields, None

    def _truncated(self, line: int) -> ExtractionError:
        return ExtractionError(
            f"Le fichier {self.source} semble tronqué : sa dernière ligne ({line}) s'arrête au "
            "milieu d'une ligne ou d'un champ entre guillemets. Refaites l'extraction."
        )
