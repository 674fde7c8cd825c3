"""``dn import`` and ``dn sample-data``.

Messages are for the Département's IT and in French. Exit statuses: 0 done (or dry run
passed), 1 failed, 2 bad command line or configuration, 3 refused by a guard, 130
interrupted by Ctrl-C.
"""

import argparse
import getpass
import sys
from pathlib import Path

from tqdm import tqdm

from core.connectors import UnknownConnectorError
from core.imports.locking import ImportBusyError
from core.imports.service import ImportFailed, ImportRefused, ImportRequest, ImportResult, run_import
from core.sampledata import write_extraction
from core.scripting import open_environment
from core.settings import ConfigurationError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
# The shell's convention for a process stopped by SIGINT.
EXIT_INTERRUPTED = 130

IMPORT_DESCRIPTION = """\
Import a Département's extraction into the register. The new register replaces the
active one only when the whole import succeeds: a refused, failed or killed import
leaves the previous register active and searchable.

CONNECTOR's options come from [connector.options] of the Département's TOML file when
CONNECTOR is the configured [connector] name; for another installed connector, from a
table [connectors.CONNECTOR] of that file if present, else the connector's defaults.

Guards refused unless --force: an extraction that cannot be read to the end (truncated
file, wrong encoding midway; --force keeps what was read before the error), more
rejected lines than [import] max_rejected_ratio, a register shrinking by more than
[import] max_shrink_ratio. Never forceable: an extraction that cannot be read at all
(empty file, missing columns, wrong encoding from the first line) or that yields no
valid person, since importing it would empty the register.
"""

IMPORT_EPILOG = (
    "exit status: 0 imported or dry run passed, 1 failed, 2 bad arguments or configuration, "
    "3 refused by a guard, 130 interrupted (Ctrl-C)"
)


def register(subparsers) -> None:
    _register_import(subparsers)
    _register_sample_data(subparsers)


def _register_import(subparsers) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import an extraction into the register (atomic, with guards)",
        description=IMPORT_DESCRIPTION,
        epilog=IMPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("config", metavar="CONFIG", help="path to the .ini file, e.g. config/demo.ini")
    parser.add_argument("connector", metavar="CONNECTOR", help="name of an installed connector: csv_generic, iodas, solis …")
    parser.add_argument(
        "files", metavar="FILE", nargs="*", type=Path,
        help="extraction files, in the order the connector expects (none for a connector reading a database)",
    )
    parser.add_argument(
        "--dry-run", action="store_true",
        help="read and check the whole extraction, apply the guards and write the report, but leave the register unchanged",
    )
    parser.add_argument(
        "--force", action="store_true",
        help="import even when a forceable guard fails (rejected lines, shrinking register, extraction cut short)",
    )
    parser.add_argument(
        "--report", metavar="PATH", type=Path,
        help="CSV file for the rejected lines (file, line number, reason), written only when a line is "
        "rejected; default: import-ID-lignes-rejetees.csv in the folder set by imports.report_dir in the "
        ".ini, else in the current directory",
    )
    parser.set_defaults(func=import_command)


def _register_sample_data(subparsers) -> None:
    parser = subparsers.add_parser(
        "sample-data",
        help="write a synthetic extraction of fictional people in the csv_generic default layout",
        description=(
            "Write a synthetic extraction of fictional people (French names with particles, "
            "married names, partial birth dates, the demo aid codes) in the csv_generic default "
            "layout, for demos, tests and benchmarks. The same seed always writes the same file."
        ),
    )
    parser.add_argument("config", metavar="CONFIG", help="path to the .ini file, e.g. config/demo.ini")
    parser.add_argument("output", metavar="OUTPUT", type=Path, help="CSV file to write (replaced if it exists)")
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--rows", type=int, metavar="N",
        help="number of data rows to write, header excluded (one row per person and aid); default 1000",
    )
    size.add_argument("--people", type=int, metavar="N", help="number of people to write instead of a number of rows")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the generator (default 0)")
    parser.set_defaults(func=sample_data_command)


# -------------------------------------------------------------------------
# dn import
# -------------------------------------------------------------------------


def import_command(args) -> int:
    try:
        env = open_environment(args.config)
    except FileNotFoundError:
        return _usage_error(f"fichier de configuration introuvable : {args.config}")
    except ConfigurationError as error:
        return _usage_error(f"configuration invalide : {error}")

    for path in args.files:
        if not path.is_file():
            return _usage_error(f"fichier d'extraction introuvable : {path}")
    try:
        env.connectors.require(args.connector)
    except UnknownConnectorError:
        installed = ", ".join(env.connectors.names()) or "aucun"
        return _usage_error(f"connecteur inconnu « {args.connector} » (connecteurs installés : {installed})")

    request = ImportRequest(
        connector=args.connector,
        sources=list(args.files),
        options=connector_options(env.departement, args.connector),
        dry_run=args.dry_run,
        force=args.force,
        report_path=args.report,
        report_dir=env.settings.get("imports.report_dir"),
        started_by=_user_name(),
    )
    try:
        with _progress_bar() as progress:
            result = run_import(env.engine, env.connectors, request, env.departement.import_thresholds, progress=progress)
    except ImportBusyError as error:
        print(f"Import impossible : {error}", file=sys.stderr)
        return EXIT_FAILED
    except ImportRefused as refusal:
        print(_refusal_line(refusal), file=sys.stderr)
        return EXIT_REFUSED
    except ImportFailed as failure:
        print(f"Échec de l'import n° {failure.result.import_id} : {failure}. Le registre précédent reste actif.", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("Import interrompu (Ctrl-C) : le registre précédent reste actif.", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        env.engine.dispose()
    print(summary(result))
    return EXIT_OK


def connector_options(departement, name: str) -> dict:
    """Return the options of connector ``name`` from the Département's TOML file."""
    if name == departement.connector:
        return departement.connector_options
    return departement.raw.get("connectors", {}).get(name, {})


def _refusal_line(refusal: ImportRefused) -> str:
    line = f"Import n° {refusal.result.import_id} refusé : {refusal}."
    if refusal.result.report_path:
        line += f" Rapport des lignes rejetées : {refusal.result.report_path}."
    if refusal.forceable:
        line += " Corrigez l'extraction, ou relancez avec --force pour importer quand même."
    else:
        line += " Corrigez l'extraction ; --force n'y peut rien."
    return line + " Le registre est inchangé."


def summary(result: ImportResult) -> str:
    """Return the end-of-import summary shown to the Département's IT, in French."""
    if result.status == "dry_run":
        title = f"Essai à blanc n° {result.import_id} réussi : le registre est inchangé."
    else:
        title = f"Import n° {result.import_id} réussi : le nouveau registre est actif."
    lines = [
        title,
        f"  personnes        : {_number(result.people)} (registre précédent : {_number(result.previous_people)})",
        f"  aides            : {_number(result.aids)}",
        f"  lignes rejetées  : {_number(result.rejected)} sur {_number(result.lines)}",
        f"  durée            : {_seconds(result.seconds)} ({_number(round(result.lines_per_second))} lignes/s)",
    ]
    if result.report_path:
        lines.append(f"  rapport des rejets : {result.report_path}")
    if result.forced:
        lines.append("  importé malgré (--force) : " + " ; ".join(result.forced))
    return "\n".join(lines)


def _number(value: int) -> str:
    # French groups thousands with a narrow no-break space.
    return f"{value:,}".replace(",", "\u202f")


def _seconds(value: float) -> str:
    return f"{value:.1f} s".replace(".", ",")


class _progress_bar:
    """A tqdm bar of lines read, on standard error, only when that is a terminal.

    The bar starts at the first batch written, below the log lines of the start.
    """

    def __enter__(self):
        self.bar = None
        return self.update if sys.stderr.isatty() else None

    def update(self, lines: int) -> None:
        if self.bar is None:
            self.bar = tqdm(desc="Import", unit=" lignes", unit_scale=True, file=sys.stderr, leave=False)
        self.bar.update(lines - self.bar.n)

    def __exit__(self, *exc_info) -> None:
        if self.bar is not None:
            self.bar.close()


def _user_name() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _usage_error(message: str) -> int:
    print(f"Erreur : {message}", file=sys.stderr)
    return EXIT_USAGE


# -------------------------------------------------------------------------
# dn sample-data
# -------------------------------------------------------------------------


def sample_data_command(args) -> int:
    if not Path(args.config).is_file():
        return _usage_error(f"fichier de configuration introuvable : {args.config}")
    if args.people is not None:
        count, unit = args.people, "people"
    else:
        count, unit = (args.rows if args.rows is not None else 1000), "rows"
    if count < 0:
        return _usage_error(f"le nombre doit être positif ou nul, pas {count}")
    if not args.output.parent.is_dir():
        return _usage_error(f"dossier introuvable pour le fichier de sortie : {args.output.parent}")

    counts = write_extraction(args.output, count, seed=args.seed, unit=unit)
    print(
        f"{_number(counts['rows'])} lignes ({_number(counts['people'])} personnes fictives) "
        f"écrites dans {args.output}, disposition par défaut de csv_generic."
    )
    return EXIT_OK
