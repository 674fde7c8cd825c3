import csv
import json

import pytest
from sqlalchemy import select

from core.accounts.models import ROLE_SYSTEM, Account
from core.accounts.service import authenticate, system_account_id
from core.cli import main
from core.search.models import Search

HEADER = "query_id,last_name,birth_name,first_names,birth_date,death_date\n"


def test_single_search_prints_outcome(demo_ini, register, capsys):
    status = main(["search", str(demo_ini), "--last-name", "Martin", "--first-names", "Louise", "--birth-date", "1931-05-17"])
    output = capsys.readouterr().out
    assert status == 0
    assert "recoverable_aid (connu : bénéficiaire d'une aide sociale récupérable)" in output
    assert "Référence : DN-" in output
    assert "R1 : correspond" in output


def system_account(engine) -> Account:
    with engine.connect() as connection:
        return connection.execute(select(Account).where(Account.role == ROLE_SYSTEM)).one()


def test_single_search_recorded_under_system_account(demo_ini, register, engine, capsys):
    status = main(["search", str(demo_ini), "--last-name", "Martin", "--first-names", "Louise", "--birth-date", "1931-05-17"])
    assert status == 0
    with engine.connect() as connection:
        recorded = connection.execute(select(Search.channel, Search.account_id)).all()
    assert recorded == [("cli", system_account(engine).id)]


def test_system_account_is_inert(engine):
    with engine.begin() as connection:
        created = system_account_id(connection)
    with engine.begin() as connection:
        assert system_account_id(connection) == created
    account = system_account(engine)
    assert account.login == "system"
    assert not account.is_active
    assert account.password_hash is None


def test_system_account_cannot_sign_in(dbsession):
    system_account_id(dbsession)
    result = authenticate(dbsession, "system", "any password", "127.0.0.1")
    assert not result.ok


def test_single_search_json(demo_ini, register, capsys):
    status = main([
        "search", str(demo_ini), "--last-name", "Bernard", "--first-names", "Paul",
        "--birth-date", "14/02/1945", "--death-date", "2024-01-01", "--json",
    ])
    result = json.loads(capsys.readouterr().out)
    assert status == 0
    assert result["outcome"] == "ambiguous"
    assert result["status"] == "pending_review"
    assert {candidate["person_ref"] for candidate in result["candidates"]} >= {"R5", "R6"}
    assert result["candidates"][0]["reasons"]["birth_date"]["level"] == "exact"


def test_single_search_bad_date(demo_ini, register, capsys):
    status = main(["search", str(demo_ini), "--last-name", "Martin", "--first-names", "Louise", "--birth-date", "31/02/1931"])
    assert status == 2
    assert "impossible" in capsys.readouterr().err


def test_search_without_register(demo_ini, engine, capsys):
    status = main(["search", str(demo_ini), "--last-name", "Martin", "--first-names", "Louise", "--birth-date", "1931"])
    assert status == 1
    assert "dn import" in capsys.readouterr().err


def test_batch_needs_output(demo_ini, tmp_path, capsys):
    queries = tmp_path / "q.csv"
    queries.write_text(HEADER, encoding="utf-8")
    assert main(["search", str(demo_ini), "--batch", str(queries)]) == 2
    assert "--output" in capsys.readouterr().err


def test_batch_missing_columns(demo_ini, register, tmp_path, capsys):
    queries = tmp_path / "q.csv"
    queries.write_text("query_id,last_name\n1,Martin\n", encoding="utf-8")
    output = tmp_path / "r.csv"
    assert main(["search", str(demo_ini), "--batch", str(queries), "--output", str(output)]) == 2
    assert "first_names" in capsys.readouterr().err
    assert not output.exists()


def test_batch_writes_one_row_per_query(demo_ini, register, engine, tmp_path):
    queries = tmp_path / "q.csv"
    queries.write_text(
        HEADER
        + "a,Martin,,Louise,17/05/1931,2024-06-01\n"
        + "b,,,Paul,1945-02-14,\n"
        + "c,Bernard,,Paul,14/02/1945,\n"
        + "d,Martin,,Louise,31/02/1931,\n"
        + "e,Zyx,,Paul,1950-01-01,\n"
        + "f,Martin,,,1931,\n"
        + "g,Martin,,Louise,1931,2024-06-01,surplus\n",
        encoding="utf-8",
    )
    output = tmp_path / "r.csv"
    assert main(["search", str(demo_ini), "--batch", str(queries), "--output", str(output)]) == 0

    rows = {row["query_id"]: row for row in csv.DictReader(output.open(encoding="utf-8"))}
    assert list(rows) == ["a", "b", "c", "d", "e", "f", "g"]
    assert rows["a"]["outcome"] == "recoverable_aid"
    assert rows["a"]["person_ref"] == "R1"
    assert rows["c"]["outcome"] == "ambiguous"
    assert rows["e"]["outcome"] == "unknown"
    for query_id, words in (("b", "nom"), ("d", "impossible"), ("f", "prénom"), ("g", "en trop")):
        assert rows[query_id]["outcome"] == "error"
        assert rows[query_id]["reference"] == ""
        assert words in rows[query_id]["reason"]

    with engine.connect() as connection:
        recorded = connection.execute(select(Search.reference, Search.channel, Search.account_id)).all()
    assert sorted(reference for reference, _, _ in recorded) == sorted(rows[q]["reference"] for q in "ace")
    assert {(channel, account) for _, channel, account in recorded} == {("batch", system_account(engine).id)}


def test_batch_semicolons_and_bom(demo_ini, register, tmp_path):
    queries = tmp_path / "q.csv"
    queries.write_text("\ufeff" + HEADER.replace(",", ";") + "a;Martin;;Louise;17/05/1931;\n", encoding="utf-8")
    output = tmp_path / "r.csv"
    assert main(["search", str(demo_ini), "--batch", str(queries), "--output", str(output)]) == 0
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert rows[0]["outcome"] == "recoverable_aid"


def recorded_count(engine) -> int:
    with engine.connect() as connection:
        return len(connection.execute(select(Search.id)).all())


@pytest.mark.parametrize("target, words", [
    ("missing/sub/r.csv", "n'existe pas"),
    (".", "est un dossier"),
])
def test_batch_bad_output_records_nothing(demo_ini, register, engine, tmp_path, capsys, target, words):
    queries = tmp_path / "q.csv"
    queries.write_text(HEADER + "a,Martin,,Louise,17/05/1931,\n", encoding="utf-8")

    status = main(["search", str(demo_ini), "--batch", str(queries), "--output", str(tmp_path / target)])

    assert status == 2
    assert words in capsys.readouterr().err
    assert recorded_count(engine) == 0


def test_batch_latin1_file_records_nothing(demo_ini, register, engine, tmp_path, capsys):
    queries = tmp_path / "q.csv"
    rows = "a,Martin,,Louise,17/05/1931,\nb,Lefèvre,,Hélène,02/03/1940,\n"
    queries.write_bytes((HEADER + rows).encode("latin-1"))

    status = main(["search", str(demo_ini), "--batch", str(queries), "--output", str(tmp_path / "r.csv")])

    error = capsys.readouterr().err
    assert status == 2
    assert "n'est pas encodé en UTF-8" in error
    assert "ligne 3" in error
    assert recorded_count(engine) == 0
    assert not (tmp_path / "r.csv").exists()


def test_batch_empty_file(demo_ini, register, tmp_path, capsys):
    queries = tmp_path / "q.csv"
    queries.write_text("", encoding="utf-8")

    status = main(["search", str(demo_ini), "--batch", str(queries), "--output", str(tmp_path / "r.csv")])

    assert status == 2
    assert "est vide" in capsys.readouterr().err


def test_batch_row_with_missing_cells(demo_ini, register, tmp_path):
    queries = tmp_path / "q.csv"
    queries.write_text(HEADER + "a,Martin,,Louise,17/05/1931\nb,Martin,Louise\n", encoding="utf-8")
    output = tmp_path / "r.csv"

    assert main(["search", str(demo_ini), "--batch", str(queries), "--output", str(output)]) == 0

    rows = {row["query_id"]: row for row in csv.DictReader(output.open(encoding="utf-8"))}
    assert rows["a"]["outcome"] == "error"
    assert "1 cellule(s) manquante(s)" in rows["a"]["reason"]
    assert "3 cellule(s) manquante(s)" in rows["b"]["reason"]
