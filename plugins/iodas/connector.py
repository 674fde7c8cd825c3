"""The iodas connector plugin (being written)."""

from core.connectors.hookspecs import hookimpl


@hookimpl
def dn_connector_name() -> str:
    return "iodas"
