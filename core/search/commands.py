"""``dn search``: one search from the command line, or a whole CSV file with ``--batch``.

Messages are in French, for the Département's IT. Exit statuses: 0 done, 1 failed (no
register imported yet), 2 bad command line, input or configuration.
"""

import argparse
import csv
import json
import os
import sys
import time
from collections import Counter
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from core.accounts.service import system_account_id
from core.scripting import open_environment
from core.search import outcomes
from core.search.batch import OUTCOME_ERROR, BatchSearcher
from core.search.query import QueryError, parse_query
from core.search.service import RegisterNotLoaded, run_search
from core.settings import ConfigurationError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

BATCH_COLUMNS = ("query_id", "last_name", "birth_name", "first_names", "birth_date", "death_date")
RESULT_COLUMNS = ("query_id", "outcome", "reference", "person_ref", "reason")

SEARCH_DESCRIPTION = """\
Search the register for a deceased person and record the search, as a notary's search
from the web pages would be (channel 'cli', under the system account). Prints the
outcome, the search reference and the candidates considered.

With --batch, read QUERIES.csv (header: query_id,last_name,birth_name,first_names,
birth_date,death_date; empty cells allowed for birth_name and death_date) and write
one row per query to RESULTS.csv (query_id,outcome,reference,person_ref,reason). A
malformed row gets the outcome 'error' and its reason, and the batch goes on. Batch
searches are recorded with channel 'batch' under the system account. --workers sets
how many processes match queries in parallel; results keep the order of QUERIES.csv.

Dates: YYYY-MM-DD, DD/MM/YYYY, or partial (00/00/1931, 1931).
"""

VERDICT_LABELS = {"match": "correspond", "possible": "possible", "rejected": "écarté"}
PART_LABELS = {"names": "nom", "first_names": "prénoms", "birth_date": "date de naissance"}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "search",
        help="search the register for a deceased person, or a CSV file of queries",
        description=SEARCH_DESCRIPTION,
        epilog="exit status: 0 done, 1 failed, 2 bad arguments, input or configuration",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("config", metavar="CONFIG", help="path to the .ini file, e.g. config/demo.ini")
    parser.add_argument("--last-name", help="nom d'usage (or the only known surname)")
    parser.add_argument("--birth-name", help="nom de naissance")
    parser.add_argument("--first-names", help='given names, any order, e.g. "Marie Louise"')
    parser.add_argument("--birth-date", help="birth date: YYYY-MM-DD, DD/MM/YYYY, 00/00/YYYY or YYYY")
    parser.add_argument("--death-date", help="death date: YYYY-MM-DD or DD/MM/YYYY")
    parser.add_argument("--death-place", help="place of death (optional, stored with the search)")
    parser.add_argument("--file-reference", help="the notary office's file reference (optional)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--batch", metavar="QUERIES.csv", type=Path, help="CSV file of queries to search")
    parser.add_argument("--output", metavar="RESULTS.csv", type=Path, help="CSV file to write batch results to")
    parser.add_argument(
        "--workers", metavar="N", type=int, default=os.cpu_count() or 1,
        help="with --batch, processes that read and match queries in parallel "
        "(default: the number of processors, here %(default)s; 1 reads in this process)",
    )
    parser.set_defaults(func=search_command)


def search_command(args) -> int:
    usage_problem = _usage_problem(args)
    if usage_problem:
        print(f"Erreur : {usage_problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        env = open_environment(args.config)
    except (FileNotFoundError, ConfigurationError) as error:
        print(f"Erreur de configuration : {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.batch:
            return _run_batch(env, args.batch, args.output, args.workers)
        return _run_single(env, args)
    except RegisterNotLoaded as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenProcessPool:
        print(
            "Erreur : un processus de recherche s'est arrêté brutalement (mémoire insuffisante ?), "
            "aucun fichier de résultats n'est écrit. Relancez le lot, au besoin avec --workers 1.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except SQLAlchemyError as error:
        print(f"Erreur : la base de données a refusé l'opération ({type(error.orig or error).__name__}). "
              "Vérifiez que le schéma est à jour (dn init-db CONFIG).", file=sys.stderr)
        return EXIT_FAILED
    finally:
        env.engine.dispose()


def _usage_problem(args) -> str | None:
    single_options = ("last_name", "birth_name", "first_names", "birth_date", "death_date", "death_place", "file_reference")
    if args.workers < 1:
        return "--workers demande un nombre de processus d'au moins 1."
    if args.batch:
        if not args.output:
            return "--batch demande --output RESULTS.csv pour écrire les résultats."
        if any(getattr(args, name) for name in single_options) or args.json:
            return "--batch ne se combine pas avec les options d'une recherche unique (--last-name, --json …)."
        if not args.batch.is_file():
            return f"le fichier de requêtes {args.batch} est introuvable."
        if args.output.resolve() == args.batch.resolve():
            return "--output doit être un autre fichier que --batch."
        return None
    if args.output:
        return "--output ne sert qu'avec --batch QUERIES.csv."
    return None


# --- one search ------------------------------------------------------------------------


def _run_single(env, args) -> int:
    fields = {
        "usage_name": args.last_name,
        "birth_name": args.birth_name,
        "first_names": args.first_names,
        "birth_date": args.birth_date,
        "death_date": args.death_date,
        "death_place": args.death_place,
        "file_reference": args.file_reference,
    }
    try:
        query = parse_query(fields)
    except QueryError as error:
        for message in error.errors.values():
            print(f"Erreur : {message}", file=sys.stderr)
        return EXIT_USAGE

    with env.session_factory() as dbsession:
        account_id = system_account_id(dbsession)
        search = run_search(dbsession, env.departement, query, account_id=account_id, channel=outcomes.CHANNEL_CLI)
        dbsession.commit()
        print(json.dumps(search_as_dict(search), ensure_ascii=False, indent=2) if args.json else format_search(search))
    return EXIT_OK


def search_as_dict(search) -> dict:
    """Return a recorded search as the JSON ``dn search --json`` prints."""
    return {
        "reference": search.reference,
        "outcome": search.outcome,
        "wording": outcomes.outcome_wording(search.outcome),
        "status": search.status,
        "candidates": [
            {
                "rank": candidate.rank,
                "person_ref": candidate.person_ref,
                "verdict": candidate.verdict,
                "score": candidate.score,
                "outcome": candidate.person_outcome,
                "reasons": candidate.reasons,
                "person": candidate.snapshot,
            }
            for candidate in search.candidates
        ],
    }


def format_search(search) -> str:
    """Return the French text ``dn search`` prints for a recorded search."""
    lines = [
        f"Résultat : {search.outcome} ({outcomes.outcome_wording(search.outcome)})",
        f"Référence : {search.reference}",
    ]
    if not search.candidates:
        lines.append("Candidats : aucun")
    else:
        lines.append("Candidats :")
    for candidate in search.candidates:
        person = candidate.snapshot
        names = person["usage_name"]
        if person.get("birth_name") and person["birth_name"] != person["usage_name"]:
            names += f" (naissance : {person['birth_name']})"
        lines.append(
            f"  {candidate.rank}. {candidate.person_ref} : {VERDICT_LABELS[candidate.verdict]}, score {candidate.score:.1f}"
            f" : {names} {person['first_names']}, né(e) le {person['birth_date']}"
        )
        for part, reason in candidate.reasons.items():
            lines.append(f"     {PART_LABELS[part]} : {reason['reason']}")
    return "\n".join(lines)


# --- batch -----------------------------------------------------------------------------


def _run_batch(env, queries_path: Path, output_path: Path, workers: int) -> int:
    # The output path and the file's encoding are checked before the first search, so
    # that a batch refused for either records nothing.
    problem = _output_problem(output_path) or _encoding_problem(queries_path)
    if problem:
        print(f"Erreur : {problem}", file=sys.stderr)
        return EXIT_USAGE
    with queries_path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream, delimiter=_delimiter(stream))
        if not reader.fieldnames:
            print(
                f"Erreur : {queries_path} est vide. Sa première ligne doit être l'en-tête : {','.join(BATCH_COLUMNS)}",
                file=sys.stderr,
            )
            return EXIT_USAGE
        missing = [column for column in BATCH_COLUMNS if column not in reader.fieldnames]
        if missing:
            print(
                f"Erreur : colonnes manquantes dans {queries_path} : {', '.join(missing)}. "
                f"L'en-tête attendu est : {','.join(BATCH_COLUMNS)}",
                file=sys.stderr,
            )
            return EXIT_USAGE
        return _write_results(env, reader, output_path, workers)


def _output_problem(output_path: Path) -> str | None:
    """Return why the results cannot be written to ``output_path``, in French, or None."""
    if output_path.is_dir():
        return f"{output_path} est un dossier : indiquez le chemin d'un fichier de résultats (--output)."
    folder = output_path.parent
    if not folder.is_dir():
        return f"le dossier {folder} n'existe pas : créez-le ou indiquez un autre chemin pour --output."
    if not os.access(folder, os.W_OK):
        return f"impossible d'écrire dans le dossier {folder} : indiquez un autre chemin pour --output."
    return None


def _encoding_problem(queries_path: Path) -> str | None:
    """Return why ``queries_path`` cannot be read as UTF-8 text, in French, or None.

    The file is read once here, because a decoding error in the middle of the batch
    would stop it after some searches were already recorded.
    """
    try:
        with queries_path.open("rb") as stream:
            # Line by line, so that the message names the line to correct.
            for line_number, line in enumerate(stream, start=1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    return (
                        f"{queries_path} n'est pas encodé en UTF-8 (caractère illisible à la ligne {line_number}). "
                        "Enregistrez-le au format « CSV UTF-8 » depuis le tableur, puis relancez."
                    )
    except OSError as error:
        return f"impossible de lire {queries_path} ({error.strerror})."
    return None


def _delimiter(stream) -> str:
    # The header is comma-separated; files saved from a French spreadsheet use ';'.
    header = stream.readline()
    stream.seek(0)
    return ";" if header.count(";") > header.count(",") else ","


def _write_results(env, reader: csv.DictReader, output_path: Path, workers: int) -> int:
    # Written beside the target, then renamed: a failed batch leaves no half-written file.
    partial_path = output_path.with_name(output_path.name + ".partial")
    counts = Counter()
    started = time.perf_counter()
    try:
        with env.engine.connect() as connection, partial_path.open("w", encoding="utf-8", newline="") as output:
            writer = csv.writer(output)
            writer.writerow(RESULT_COLUMNS)
            searcher = BatchSearcher(connection, env.departement, workers=workers)
            for result in searcher.run(_rows(reader)):
                writer.writerow([result.query_id, result.outcome, result.reference, result.person_ref, result.reason])
                counts[result.outcome] += 1
        os.replace(partial_path, output_path)
    except csv.Error as error:
        partial_path.unlink(missing_ok=True)
        print(f"Erreur : fichier CSV illisible à la ligne {reader.line_num} ({error}).", file=sys.stderr)
        return EXIT_USAGE
    except BaseException:
        partial_path.unlink(missing_ok=True)
        raise

    elapsed = time.perf_counter() - started
    total = sum(counts.values())
    summary = ", ".join(
        f"{outcome} : {_number(counts[outcome])}" for outcome in (*outcomes.OUTCOMES, OUTCOME_ERROR) if counts[outcome]
    )
    seconds = f"{elapsed:.1f}".replace(".", ",")
    processed = "requête traitée" if total == 1 else "requêtes traitées"
    print(f"{_number(total)} {processed} en {seconds} s ({summary}). Résultats : {output_path}", file=sys.stderr)
    return EXIT_OK


def _number(value: int) -> str:
    # French groups thousands with a narrow no-break space, as dn import prints them.
    return f"{value:,}".replace(",", "\u202f")


def _rows(reader: csv.DictReader):
    for row in reader:
        # A line with more cells than the header puts the surplus under the key None,
        # and one with fewer gives the missing columns the value None.
        if None in row:
            row = dict(row)
            extra = row.pop(None)
            row["_error"] = f"{len(extra)} cellule(s) en trop"
        elif None in row.values():
            missing = sum(value is None for value in row.values())
            row = {**row, "_error": f"{missing} cellule(s) manquante(s)"}
        yield row
