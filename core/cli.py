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

# The module of each subcommand, so that a command imports only its own module: all of
# them together (the web application and WeasyPrint among them) took 150 MB before any
# work began. A test checks this table against what the modules register.
COMMANDS = {
    "init-db": "core.register.commands",
    "purge": "core.backoffice.commands",
    "import": "core.imports.commands",
    "sample-data": "core.imports.commands",
    "search": "core.search.commands",
    "send-mail": "core.mail.commands",
    "demo": "core.demo",
}


def build_parser(module_names: tuple[str, ...] = COMMAND_MODULES) -> argparse.ArgumentParser:
    """Return the parser with the subcommands of ``module_names`` (all of them by default)."""
    parser = argparse.ArgumentParser(
        prog="dn",
        description="Départements & Notaires: manage the register, search it, run the service.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in module_names:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # A known command loads its module alone. Anything else (--help, a typo) gets the
    # whole parser, which lists every command.
    module_name = COMMANDS.get(argv[0]) if argv else None
    parser = build_parser((module_name,) if module_name else COMMAND_MODULES)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DuplicateConnectorError as error:
        # Raised while loading the plugins, before any command could explain it.
        print(f"Connecteurs en conflit : {error}. Désinstallez l'un des deux paquets.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
