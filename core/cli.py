"""The ``dn`` command line: every subcommand takes the ``.ini`` path first."""

import argparse
import importlib
import sys

from core.connectors import DuplicateConnectorError

# Each module defines ``register(subparsers)`` adding its subcommands, each with a
# ``func(args) -> int`` default that returns the exit status.
COMMAND_MODULES = (
    "core.register.commands",
    "core.backoffice.commands",
    "core.imports.commands",
    "core.search.commands",
    "core.mail.commands",
    "core.demo",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dn",
        description="Départements & Notaires: manage the register, search it, run the service.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DuplicateConnectorError as error:
        # Raised while loading the plugins, before any command could explain it.
        print(f"Connecteurs en conflit : {error}. Désinstallez l'un des deux paquets.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
