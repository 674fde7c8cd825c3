"""csv_generic beyond the contract: column mappings, options and grouping of rows."""

import datetime
import tracemalloc

import pytest

from core.connectors import ConnectorManager
from core.connectors.records import AidRecord, ExtractionError, PartialDate, PersonRecord, RejectedLine
from core.connectors.tabular import RECENT_PEOPLE_WINDOW

DEFAULT_HEADER = "person_id;usage_name;birth_name;first_names;sex;birth_date;aid_code;aid_label;aid_start;aid_end"


@pytest.fixture(scope="module")
def manager():
    return ConnectorManager()


def read(manager, tmp_path, text, options=None, encoding="utf-8"):
    path = tmp_path / "extraction.csv"
    path.write_bytes(text.encode(encoding))
    return list(manager.read("csv_generic", [path], options or {}))


def people(records):
    return [record for record in records if isinstance(record, PersonRecord)]


def rejected(records):
    return [(record.line, record.reason) for record in records if isinstance(record, RejectedLine)]


def test_default_mapping_reads_rows(manager, tmp_path):
    records = read(manager, tmp_path, DEFAULT_HEADER + "\n"
                   "7;DUPONT;MARTIN;Marie Louise;F;1931-05-02;ASH_PA;Hébergement;2016-03-01;\n"
                   "7;DUPONT;MARTIN;Marie Louise;F;1931-05-02;APA_DOMICILE;APA;00/05/2010;2010\n"
                   "8;LEROY;;Jean;;1940;;;;\n")

    assert records == [
        PersonRecord(
            line=2, person_id="7", usage_name="DUPONT", birth_name="MARTIN", first_names="Marie Louise",
            sex="F", birth_date=PartialDate(1931, 5, 2), source=str(tmp_path / "extraction.csv"),
            aids=[
                AidRecord("ASH_PA", "Hébergement", datetime.date(2016, 3, 1), None),
                # A partial start counts from the first day, a partial end to the last one.
                AidRecord("APA_DOMICILE", "APA", datetime.date(2010, 5, 1), datetime.date(2010, 12, 31)),
            ],
        ),
        PersonRecord(
            line=4, person_id="8", usage_name="LEROY", birth_name=None, first_names="Jean",
            sex=None, birth_date=PartialDate(1940), source=str(tmp_path / "extraction.csv"),
        ),
    ]


def test_partial_column_mapping(manager, tmp_path):
    options = {
        "columns": {"person_id": "ID", "usage_name": "NOM", "first_names": "PRENOM", "birth_date": "NAISSANCE",
                    "birth_name": "", "sex": "", "aid_label": ""},
        "date_format": "%d/%m/%Y",
    }
    records = read(manager, tmp_path, "id;nom;prenom;naissance;aid_code;aid_start;aid_end;autre\n"
                   "1;MARTIN;Jean;00/00/1931;PCH;01/01/2015;;x\n", options)

    assert people(records)[0].birth_name is None
    assert people(records)[0].sex is None
    assert people(records)[0].birth_date == PartialDate(1931)
    assert people(records)[0].aids == [AidRecord("PCH", None, datetime.date(2015, 1, 1), None)]


def test_one_row_per_person_without_aid_columns(manager, tmp_path):
    records = read(manager, tmp_path, "person_id,usage_name,birth_name,first_names,sex,birth_date\n1,MARTIN,,Jean,M,1931-01-02\n")

    assert len(people(records)) == 1
    assert people(records)[0].aids == []


def test_some_aid_columns_missing(manager, tmp_path):
    with pytest.raises(ExtractionError, match="Colonnes manquantes .*« aid_start », « aid_end »"):
        read(manager, tmp_path, "person_id;usage_name;birth_name;first_names;sex;birth_date;aid_code;aid_label\n1;A;;B;M;1931;;\n")


def test_required_field_cannot_be_unmapped(manager, tmp_path):
    with pytest.raises(ExtractionError, match=r"birth_date ne peut pas être vide"):
        read(manager, tmp_path, DEFAULT_HEADER + "\n", {"columns": {"birth_date": ""}})


def test_duplicate_mapped_column(manager, tmp_path):
    with pytest.raises(ExtractionError, match="« usage_name » apparaît deux fois"):
        read(manager, tmp_path, DEFAULT_HEADER + ";usage_name\n1;A;;B;M;1931;;;;;A\n")


def test_header_names_matched_loosely(manager, tmp_path):
    header = DEFAULT_HEADER.upper().replace(";", " ; ")
    records = read(manager, tmp_path, header + "\n1;A;;B;M;1931;;;;\n")

    assert len(people(records)) == 1


@pytest.mark.parametrize(
    "options, message",
    [
        ({"delimeter": ";"}, "Option inconnue dans \\[connector.options\\] : delimeter"),
        ({"columns": {"nom": "NOM"}}, "Champ inconnu dans \\[connector.options.columns\\] : nom"),
        ({"columns": {"usage_name": 3}}, "usage_name doit être un nom de colonne"),
        ({"columns": "person_id"}, "columns doit être une table"),
        ({"encoding": "ebcdic-martien"}, "Encodage « ebcdic-martien » inconnu"),
        ({"delimiter": "|"}, "Séparateur « | » non pris en charge"),
        ({"date_format": "%d/%m"}, "Format de date « %d/%m » invalide"),
    ],
)
def test_bad_options(manager, tmp_path, options, message):
    with pytest.raises(ExtractionError, match=message):
        read(manager, tmp_path, DEFAULT_HEADER + "\n1;A;;B;M;1931;;;;\n", options)
    assert manager.check("csv_generic", options) != "ok"


def test_rows_of_a_person_compared(manager, tmp_path):
    records = read(manager, tmp_path, DEFAULT_HEADER + "\n"
                   "1;MARTIN;;Jean;M;1931-01-02;PCH;;2015-01-01;\n"
                   "1;MARTIN;;Jean Paul;F;1931-01-02;ACTP;;2015-01-01;\n"
                   "1;MARTIN;;Jean;M;1931-01-02;ASH_PA;;2016-01-01;\n")

    assert [aid.code for aid in people(records)[0].aids] == ["PCH", "ASH_PA"]
    assert rejected(records) == [(3, "même identifiant que la ligne 2 mais autre valeur pour : prénoms, sexe")]


def test_bad_aid_row_keeps_other_rows(manager, tmp_path):
    records = read(manager, tmp_path, DEFAULT_HEADER + "\n"
                   "1;MARTIN;;Jean;M;1931-01-02;PCH;;2015-01-01;\n"
                   "1;MARTIN;;Jean;M;1931-01-02;ASH_PA;;31/02/2016;\n")

    assert [aid.code for aid in people(records)[0].aids] == ["PCH"]
    assert rejected(records) == [(3, "date de début d'aide impossible : « 31/02/2016 »")]


def test_person_split_within_window(manager, tmp_path):
    records = read(manager, tmp_path, DEFAULT_HEADER + "\n"
                   "1;MARTIN;;Jean;M;1931-01-02;PCH;;2015-01-01;\n"
                   "2;DURAND;;Paul;M;1932-01-02;;;;\n"
                   "1;MARTIN;;Jean;M;1931-01-02;ASH_PA;;2016-01-01;\n")

    assert [person.person_id for person in people(records)] == ["1", "2"]
    assert rejected(records) == [(4, "identifiant 1 déjà lu ligne 2 : les lignes d'une même personne doivent se suivre")]


def test_person_split_beyond_window(manager, tmp_path):
    # Past the window the person comes out twice; the import rejects the second as a duplicate.
    others = "".join(f"{n};NOM;;Prénom;M;1950-01-01;;;;\n" for n in range(100, 100 + RECENT_PEOPLE_WINDOW + 1))
    records = read(manager, tmp_path, DEFAULT_HEADER + "\n1;MARTIN;;Jean;M;1931-01-02;;;;\n" + others + "1;MARTIN;;Jean;M;1931-01-02;;;;\n")

    assert [person.person_id for person in people(records)].count("1") == 2
    assert rejected(records) == []


def test_first_row_rejected_second_kept(manager, tmp_path):
    records = read(manager, tmp_path, DEFAULT_HEADER + "\n"
                   "1;MARTIN;;Jean;M;31/02/1931;PCH;;2015-01-01;\n"
                   "1;MARTIN;;Jean;M;1931-01-02;ASH_PA;;2016-01-01;\n")

    assert [(person.line, [aid.code for aid in person.aids]) for person in people(records)] == [(3, ["ASH_PA"])]
    assert rejected(records) == [(2, "date de naissance impossible : « 31/02/1931 »")]


def test_value_too_long_rejected(manager, tmp_path):
    records = read(manager, tmp_path, DEFAULT_HEADER + "\n1;" + "A" * 201 + ";;Jean;M;1931-01-02;;;;\n")

    assert rejected(records) == [(2, "nom d'usage trop long (201 caractères, 200 au plus)")]


def test_reading_is_lazy(manager, tmp_path):
    # Nothing is opened before iterating, so a bad path fails at the first record.
    result = manager.read("csv_generic", [tmp_path / "absent.csv"], {})

    with pytest.raises(ExtractionError, match="Fichier introuvable"):
        next(result)


def test_memory_flat_with_file_size(manager, tmp_path):
    def peak_bytes(rows):
        path = tmp_path / f"extraction_{rows}.csv"
        with path.open("w", encoding="utf-8") as stream:
            stream.write(DEFAULT_HEADER + "\n")
            for number in range(rows):
                stream.write(f"{number};DE LA FONTAINE-{number};MARTIN;Jean Pierre Marie;M;1931-05-02;ASH_PA;Hébergement;2016-03-01;\n")
        tracemalloc.start()
        count = sum(1 for _ in manager.read("csv_generic", [path], {}))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert count == rows
        return peak

    small, large = peak_bytes(1_000), peak_bytes(25_000)

    # 25 times the rows: the peak grows by the recent-ids window at most (about 2 MB).
    assert large < small + 3_000_000, (small, large)
