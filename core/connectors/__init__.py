"""Connector plugins: the plugin manager and its place on the Pyramid registry."""

import logging
from collections.abc import Iterable

import pluggy

from core.connectors import hookspecs

log = logging.getLogger(__name__)


class UnknownConnectorError(LookupError):
    """No installed connector has the requested name."""


class DuplicateConnectorError(ValueError):
    """Two installed plugins claim the same connector name."""


class ConnectorManager:
    """The application's plugin manager plus lookups by connector name."""

    def __init__(self, extra_plugins: Iterable[object] = (), load_entry_points: bool = True):
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        if load_entry_points:
            self.pm.load_setuptools_entrypoints(hookspecs.ENTRY_POINT_GROUP)
        for plugin in extra_plugins:
            self.pm.register(plugin)
        # A misspelt hook implementation fails here, not silently at run time.
        self.pm.check_pending()
        # With two plugins of one name, firstresult hooks would call the last registered.
        self._check_unique_names()

    def _check_unique_names(self) -> None:
        names = self.pm.hook.dn_connector_name()
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise DuplicateConnectorError(
                f"Plusieurs connecteurs installés portent le nom {', '.join(duplicates)} : "
                "désinstallez l'un des paquets qui le fournissent."
            )

    @property
    def hook(self):
        return self.pm.hook

    def names(self) -> list[str]:
        return sorted(self.pm.hook.dn_connector_name())

    def require(self, name: str) -> str:
        """Return ``name`` if a connector has it, else raise UnknownConnectorError."""
        if name not in self.names():
            known = ", ".join(self.names()) or "none"
            raise UnknownConnectorError(f"Unknown connector '{name}' (installed: {known}).")
        return name

    def read(self, name: str, sources, options):
        return self.pm.hook.dn_read_extraction(
            connector=self.require(name), sources=list(sources), options=options
        )

    def settings_help(self, name: str):
        return self.pm.hook.dn_connector_settings(connector=self.require(name)) or {}

    def check(self, name: str, options) -> str:
        return self.pm.hook.dn_check_connector(connector=self.require(name), options=options) or "ok"


def includeme(config):
    config.registry["connectors"] = ConnectorManager()
