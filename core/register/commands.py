"""``dn init-db``: create or upgrade the schema."""

from core.migrations import upgrade_to_head
from core.scripting import open_environment


def init_db(args) -> int:
    env = open_environment(args.config)
    upgrade_to_head(env.engine)
    print(f"Database ready at {env.engine.url.render_as_string(hide_password=True)}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "init-db",
        help="create the database schema or upgrade it to the latest version (Alembic upgrade head)",
        description="Create the database schema, or upgrade it to the latest migration.",
    )
    parser.add_argument("config", metavar="CONFIG", help="path to the .ini file, e.g. config/demo.ini")
    parser.set_defaults(func=init_db)

