"""Parsing the CSV list of notary offices."""

import pytest

from core.backoffice.office_csv import OfficeFileError, parse_offices_csv

HEADER = "CRPCEN;Nom;Adresse;E-mail\n"


def test_parse_semicolon_cp1252_with_header():
    data = (HEADER + "69001;Étude Martin;1 rue de la Paix, 69002 Lyon;Contact@Martin.fr\n").encode("cp1252")

    parsed = parse_offices_csv(data)

    assert parsed.rejected == []
    assert len(parsed.rows) == 1
    row = parsed.rows[0]
    assert row.crpcen == "69001"
    assert row.name == "Étude Martin"
    assert row.address == "1 rue de la Paix, 69002 Lyon"
    assert row.email == "contact@martin.fr"


def test_parse_comma_utf8_bom_without_header():
    data = '\ufeff69003,"Étude Durand, notaires","2 quai Est, Lyon",durand@example.fr\n'.encode("utf-8")

    parsed = parse_offices_csv(data)

    assert [row.crpcen for row in parsed.rows] == ["69003"]
    assert parsed.rows[0].name == "Étude Durand, notaires"


def test_parse_header_in_other_order():
    data = "email,crpcen,nom,adresse\nb@example.fr,69004,Étude B,Lyon\n".encode("utf-8")

    parsed = parse_offices_csv(data)

    assert parsed.rows[0].crpcen == "69004"
    assert parsed.rows[0].email == "b@example.fr"


def test_parse_reports_bad_lines_and_keeps_good():
    data = (
        HEADER
        + "69001;Étude A;Lyon;a@example.fr\n"
        + "6900;Étude B;Lyon;b@example.fr\n"
        + "69002;;Lyon;c@example.fr\n"
        + "69003;Étude D;Lyon;pas-une-adresse\n"
        + "69001;Étude A bis;Lyon;a2@example.fr\n"
        + "69005;Étude E\n"
        + "\n"
        + "69006;Étude F;;f@example.fr\n"
    ).encode("utf-8")

    parsed = parse_offices_csv(data)

    assert [row.crpcen for row in parsed.rows] == ["69001", "69006"]
    reasons = {line.line: line.reason for line in parsed.rejected}
    assert "5 chiffres" in reasons[3]
    assert "Nom de l'office manquant" in reasons[4]
    assert "e-mail invalide" in reasons[5]
    assert "déjà présent ligne 2" in reasons[6]
    assert "colonne" in reasons[7]
    assert len(reasons) == 5


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "vide"),
        (b"  \n", "vide"),
        (b"foo;bar\n69001;x;y;z@example.fr\n", "colonnes non trouv"),
        (b"\x81\x8d\x8f\x90\x9d", "ni en UTF-8 ni en Windows-1252"),
    ],
)
def test_parse_rejects_unusable_file(data, message):
    with pytest.raises(OfficeFileError, match=message):
        parse_offices_csv(data)


def test_parse_rejects_oversized_file():
    data = (HEADER + "69001;Étude;Lyon;a@example.fr\n" * 200_000).encode("utf-8")

    with pytest.raises(OfficeFileError, match="5 Mo"):
        parse_offices_csv(data)
