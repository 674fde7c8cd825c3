"""solis beyond the contract: joining the two files, their order, options and memory."""

import datetime
import tempfile
import tracemalloc

import pytest

from core.connectors import ConnectorManager
from core.connectors.records import AidRecord, ExtractionError, PersonRecord, RejectedLine
from plugins.solis import aidstore

PERSONS_HEADER = "ID_INDIVIDU;NOM_USAGE;NOM_NAISSANCE;PRENOMS;SEXE;DATE_NAISSANCE\n"
AIDS_HEADER = "ID_INDIVIDU;CODE_AIDE;LIBELLE_AIDE;DATE_DEBUT_DROIT;DATE_FIN_DROIT\n"


@pytest.fixture(scope="module")
def manager():
    return ConnectorManager()


@pytest.fixture
def work_folder(tmp_path, monkeypatch):
    """The folder the connector puts its temporary files in, for the duration of a test."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def write_files(tmp_path, persons: str, aids: str, encoding="utf-8"):
    persons_path = tmp_path / "personnes.csv"
    aids_path = tmp_path / "aides.csv"
    persons_path.write_text(persons, encoding=encoding)
    aids_path.write_text(aids, encoding=encoding)
    return persons_path, aids_path


def test_aids_joined_in_file_order(manager, tmp_path, work_folder):
    persons, aids = write_files(
        tmp_path,
        PERSONS_HEADER + "1;DUPONT;MARTIN;Marie;F;02/05/1931\n2;LEROY;;Jean;M;00/00/1940\n3;PETIT;;Anne;F;1945\n",
        AIDS_HEADER + "2;PCH;Compensation;01/01/2015;\n1;ASH_PA;Hébergement;01/03/2016;\n2;ACTP;;00/00/2001;00/06/2004\n",
    )

    records = list(manager.read("solis", [aids, persons], {}))

    assert [(r.person_id, r.line, r.source) for r in records] == [
        ("1", 2, str(persons)), ("2", 3, str(persons)), ("3", 4, str(persons)),
    ]
    assert records[0].aids == [AidRecord("ASH_PA", "Hébergement", datetime.date(2016, 3, 1), None)]
    assert records[1].aids == [
        AidRecord("PCH", "Compensation", datetime.date(2015, 1, 1), None),
        AidRecord("ACTP", None, datetime.date(2001, 1, 1), datetime.date(2004, 6, 30)),
    ]
    assert records[2].aids == []


def test_orphan_and_rejected_person(manager, tmp_path, work_folder):
    persons, aids = write_files(
        tmp_path,
        PERSONS_HEADER + "1;DUPONT;;Marie;F;31/02/1931\n2;LEROY;;Jean;M;1940\n",
        AIDS_HEADER + "1;ASH_PA;;01/03/2016;\n9;PCH;;01/01/2015;\n2;APA_DOMICILE;;01/01/2015;\n",
    )

    records = list(manager.read("solis", [persons, aids], {}))

    assert [(r.line, r.source) for r in records if isinstance(r, PersonRecord)] == [(3, str(persons))]
    assert [(r.line, r.source, r.reason) for r in records if isinstance(r, RejectedLine)] == [
        (2, str(persons), "date de naissance impossible : « 31/02/1931 »"),
        (2, str(aids), f"aucune personne d'identifiant 1 lue dans {persons} (absente ou rejetée)"),
        (3, str(aids), f"aucune personne d'identifiant 9 lue dans {persons} (absente ou rejetée)"),
    ]


def test_duplicate_person_gets_aids_twice(manager, tmp_path, work_folder):
    # The import rejects the second as a duplicate id; the connector reports both as read.
    persons, aids = write_files(
        tmp_path, PERSONS_HEADER + "1;DUPONT;;Marie;F;1931\n1;DUPONT;;Marie;F;1931\n", AIDS_HEADER + "1;PCH;;;\n"
    )

    records = list(manager.read("solis", [persons, aids], {}))

    assert [len(record.aids) for record in records] == [1, 1]


def test_renamed_columns_and_encoding(manager, tmp_path, work_folder):
    persons, aids = write_files(
        tmp_path,
        "ident\tnom\tprenom\tne_le\n1\tLŒUILLET\tHenri\t1929-04-05\n",
        "ident,prestation,du\n1,AIDE_MENAGERE,2014-01-01\n",
        encoding="cp1252",
    )
    options = {
        "encoding": "windows-1252",
        "delimiter": "",
        "date_format": "auto",
        "person_columns": {"person_id": "ident", "usage_name": "nom", "first_names": "prenom",
                           "birth_date": "ne_le", "birth_name": "", "sex": ""},
        "aid_columns": {"person_id": "ident", "aid_code": "prestation", "aid_start": "du",
                        "aid_label": "", "aid_end": ""},
    }

    records = list(manager.read("solis", [persons, aids], options))

    assert records[0].usage_name == "LŒUILLET"
    assert records[0].aids == [AidRecord("AIDE_MENAGERE", None, datetime.date(2014, 1, 1), None)]
    assert manager.check("solis", options) == "ok"


@pytest.mark.parametrize(
    "options, message",
    [
        ({"person_columns": "NOM"}, "person_columns doit être une table"),
        ({"aid_columns": {"birth_date": "X"}}, "Champ inconnu dans \\[connector.options.aid_columns\\] : birth_date"),
        ({"aid_columns": {"aid_code": ""}}, "aid_code ne peut pas être vide"),
        ({"columns": {}}, "Option inconnue dans \\[connector.options\\] : columns"),
    ],
)
def test_bad_options(manager, tmp_path, work_folder, options, message):
    persons, aids = write_files(tmp_path, PERSONS_HEADER + "1;A;;B;F;1931\n", AIDS_HEADER)

    with pytest.raises(ExtractionError, match=message):
        list(manager.read("solis", [persons, aids], options))
    assert manager.check("solis", options) != "ok"


def test_temporary_files_removed(manager, tmp_path, work_folder):
    persons, aids = write_files(tmp_path, PERSONS_HEADER + "1;A;;B;F;1931\n2;C;;D;M;1932\n", AIDS_HEADER + "1;PCH;;;\n")

    list(manager.read("solis", [persons, aids], {}))
    abandoned = manager.read("solis", [persons, aids], {})
    next(abandoned)
    assert len(list(work_folder.iterdir())) == 1
    abandoned.close()

    assert list(work_folder.iterdir()) == []


def test_memory_flat_with_file_size(manager, tmp_path, work_folder, monkeypatch):
    # Small batches, so that both files below are many batches long.
    monkeypatch.setattr(aidstore, "BATCH_SIZE", 200)

    def peak_bytes(people):
        persons = tmp_path / f"personnes_{people}.csv"
        aids = tmp_path / f"aides_{people}.csv"
        with persons.open("w", encoding="utf-8") as persons_file, aids.open("w", encoding="utf-8") as aids_file:
            persons_file.write(PERSONS_HEADER)
            aids_file.write(AIDS_HEADER)
            for number in range(people):
                persons_file.write(f"{number};DE LA FONTAINE;MARTIN;Jean Pierre;M;02/05/1931\n")
            # Aids in reverse order of people, so that no join by position could work.
            for number in reversed(range(people)):
                aids_file.write(f"{number};ASH_PA;Hébergement;01/03/2016;\n")
        tracemalloc.start()
        count = sum(len(record.aids) for record in manager.read("solis", [persons, aids], {}))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert count == people
        return peak

    small, large = peak_bytes(1_000), peak_bytes(10_000)

    # Ten times the people: the peak stays that of one batch of aids and one person.
    assert large < small + 300_000, (small, large)
