"""CsvFile: decoding, delimiters, quoting, line numbers and whole-file errors."""

import codecs

import pytest

from core.connectors.csvtools import CsvFile, check_delimiter, check_encoding
from core.connectors.records import ExtractionError

COLUMNS = ["person_id", "usage_name", "first_names"]


def write(tmp_path, content: bytes | str, name="extraction.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def read(path, encoding="utf-8", delimiter=None):
    with CsvFile(path, encoding, delimiter, COLUMNS) as csv_file:
        return csv_file.header, list(csv_file.rows())


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_delimiter_detected(tmp_path, delimiter):
    path = write(tmp_path, delimiter.join(COLUMNS) + "\n" + delimiter.join(["1", "DUPONT", "Marie"]) + "\n")

    header, rows = read(path)

    assert header == COLUMNS
    assert rows == [(2, ["1", "DUPONT", "Marie"], None)]


def test_detection_prefers_expected_columns(tmp_path):
    # Commas inside column names must not win over the ";" that splits the expected names.
    path = write(tmp_path, "person_id;usage_name;first_names;note, libre, a, b\n1;DUPONT;Marie;x\n")

    header, rows = read(path)

    assert header == COLUMNS + ["note, libre, a, b"]


def test_configured_delimiter_used(tmp_path):
    path = write(tmp_path, "person_id,usage_name;first_names\n1,DUPONT;Marie\n")

    header, rows = read(path, delimiter=";")

    assert header == ["person_id,usage_name", "first_names"]


def test_crlf_bom_quotes_and_spaces(tmp_path):
    content = codecs.BOM_UTF8 + (
        'person_id;usage_name;first_names\r\n'
        ' 1 ; "D\'ALMEIDA; dit ""Zé""" ;Maria\r\n'
        '2;"LE\r\nGUEN";Yves\r\n'
        '3;MARTIN;Jean\r\n'
    ).encode("utf-8")
    path = write(tmp_path, content)

    header, rows = read(path)

    assert header == COLUMNS
    assert rows[0] == (2, ["1 ", "D'ALMEIDA; dit \"Zé\" ", "Maria"], None)
    # The quoted line break makes row 2 span lines 3 and 4, so the next row starts at 5.
    assert rows[1] == (3, ["2", "LE\r\nGUEN", "Yves"], None)
    assert rows[2] == (5, ["3", "MARTIN", "Jean"], None)


def test_blank_lines_skipped(tmp_path):
    path = write(tmp_path, "\n\nperson_id;usage_name;first_names\n\n1;DUPONT;Marie\n   \n2;MARTIN;Jean\n\n")

    header, rows = read(path)

    assert header == COLUMNS
    assert [(line, fields[0]) for line, fields, problem in rows] == [(5, "1"), (7, "2")]


def test_last_line_without_newline_accepted(tmp_path):
    path = write(tmp_path, "person_id;usage_name;first_names\n1;DUPONT;Marie")

    header, rows = read(path)

    assert rows == [(2, ["1", "DUPONT", "Marie"], None)]


def test_short_last_line_is_truncation(tmp_path):
    path = write(tmp_path, "person_id;usage_name;first_names\n1;DUPONT;Marie\n2;MART")

    with pytest.raises(ExtractionError, match=r"semble tronqué : sa dernière ligne \(3\)"):
        read(path)


def test_short_line_with_newline_is_a_row(tmp_path):
    # Only an unterminated last line can be a cut; a short line elsewhere is one bad row.
    path = write(tmp_path, "person_id;usage_name;first_names\n1;DUPONT\n2;MARTIN;Jean\n")

    header, rows = read(path)

    assert rows[0] == (2, ["1", "DUPONT"], None)


def test_text_after_closing_quote_kept(tmp_path):
    path = write(tmp_path, 'person_id;usage_name;first_names\n1;"DE LA"TOUR;Paul\n2;L"HERMITTE;Jean\n')

    header, rows = read(path)

    assert rows[0] == (2, ["1", "DE LATOUR", "Paul"], None)
    assert rows[1] == (3, ["2", 'L"HERMITTE', "Jean"], None)


def test_nul_character_is_a_row_problem(tmp_path):
    path = write(tmp_path, "person_id;usage_name;first_names\n1;DU\0PONT;Marie\n2;MARTIN;Jean\n")

    header, rows = read(path)

    assert rows[0] == (2, None, "caractère nul dans la ligne : le fichier est peut-être corrompu")
    assert rows[1] == (3, ["2", "MARTIN", "Jean"], None)


def test_cut_inside_quotes_after_line_break(tmp_path):
    path = write(tmp_path, 'person_id;usage_name;first_names\n1;DUPONT;Marie\n2;MARTIN;"Jean\n')

    with pytest.raises(ExtractionError, match=r"semble tronqué : sa dernière ligne \(3\)"):
        read(path)


def test_unclosed_quote_raises(tmp_path):
    body = 'person_id;usage_name;first_names\n1;"DUPONT;Marie\n' + "".join(f"{n};NOM;Prénom\n" for n in range(20_000))
    path = write(tmp_path, body)

    with pytest.raises(ExtractionError, match="guillemet ouvert ligne 2"):
        read(path)


@pytest.mark.parametrize("content", [b"", b"\n\n  \r\n", codecs.BOM_UTF8])
def test_empty_file(tmp_path, content):
    path = write(tmp_path, content)

    with pytest.raises(ExtractionError, match="est vide"):
        read(path)


def test_windows1252_read_as_utf8(tmp_path):
    path = write(tmp_path, "person_id;usage_name;first_names\n1;LEFÈVRE;Élise\n", encoding="cp1252")

    with pytest.raises(ExtractionError, match=r"n'est pas encodé en utf-8 \(ligne 2\).*encoding = \"windows-1252\""):
        read(path)


def test_utf8_read_as_windows1252(tmp_path):
    path = write(tmp_path, "person_id;usage_name;first_names\n1;LEFÈVRE;Élise\n")

    with pytest.raises(ExtractionError, match=r"n'est pas encodé en windows-1252 \(ligne 2\).*encoding = \"utf-8\""):
        read(path, encoding="windows-1252")


def test_utf8_bom_read_as_windows1252(tmp_path):
    path = write(tmp_path, codecs.BOM_UTF8 + b"person_id;usage_name;first_names\n1;DUPONT;Marie\n")

    with pytest.raises(ExtractionError, match=r"ligne 1.*encoding = \"utf-8\""):
        read(path, encoding="windows-1252")


def test_windows1252_read_as_declared(tmp_path):
    path = write(tmp_path, "person_id;usage_name;first_names\n1;LŒUILLET;Cœur\n", encoding="cp1252")

    header, rows = read(path, encoding="windows-1252")

    assert rows == [(2, ["1", "LŒUILLET", "Cœur"], None)]


def test_utf16_rejected(tmp_path):
    path = write(tmp_path, "person_id;usage_name;first_names\n".encode("utf-16"))

    with pytest.raises(ExtractionError, match="UTF-16"):
        read(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ExtractionError, match="Fichier introuvable"):
        read(tmp_path / "absent.csv")
    with pytest.raises(ExtractionError, match="est un dossier"):
        read(tmp_path)


def test_file_closed_after_reading(tmp_path):
    path = write(tmp_path, "person_id;usage_name;first_names\n1;DUPONT;Marie\n")
    csv_file = CsvFile(path, "utf-8", None, COLUMNS)

    with csv_file:
        list(csv_file.rows())

    assert csv_file.closed


@pytest.mark.parametrize("value, expected", [("utf-8", "utf-8"), ("UTF8", "utf-8"), ("windows-1252", "cp1252"), ("latin-1", "iso8859-1")])
def test_encoding_names(value, expected):
    assert check_encoding(value) == expected


def test_unknown_encoding():
    with pytest.raises(ExtractionError, match="Encodage « klingon » inconnu"):
        check_encoding("klingon")


@pytest.mark.parametrize("value", ["utf-16", "UTF-16LE", "utf-32"])
def test_wide_encodings_unsupported(value):
    with pytest.raises(ExtractionError, match="non pris en charge"):
        check_encoding(value)


@pytest.mark.parametrize("value, expected", [(";", ";"), (",", ","), ("\t", "\t"), ("tab", "\t"), ("TAB", "\t"), ("\\t", "\t"), (None, None), ("", None)])
def test_delimiter_option(value, expected):
    assert check_delimiter(value) == expected


@pytest.mark.parametrize("value", ["|", "::", 3])
def test_unsupported_delimiter(value):
    with pytest.raises(ExtractionError, match="Séparateur"):
        check_delimiter(value)
