"""Application settings: the PasteDeploy ``.ini`` plus the Département's TOML file."""

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DATABASE_URL_VARIABLE = "NOTAIRES_DATABASE_URL"


class ConfigurationError(Exception):
    """A setting is missing or invalid; the French message says which and how to fix it."""


@dataclass
class AidCategories:
    """Aid codes grouped by what they mean for an estate; other codes count for neither."""

    recoverable: frozenset[str] = frozenset()
    overpayment_risk: frozenset[str] = frozenset()


@dataclass
class ImportThresholds:
    """Limits beyond which an import is refused unless forced (ratios between 0 and 1)."""

    max_rejected_ratio: float = 0.01
    max_shrink_ratio: float = 0.20


@dataclass
class DepartementConfig:
    """One Département's settings, read from its TOML file.

    ``raw`` keeps the whole parsed file, so that features read their own tables
    (``[letters]``, ``[retention]`` …) without this class knowing them all.
    """

    code: str
    name: str
    connector: str
    connector_options: dict
    aid_categories: AidCategories
    import_thresholds: ImportThresholds
    path: Path
    raw: dict = field(default_factory=dict)

    def section(self, name: str) -> dict:
        return self.raw.get(name, {})


def apply_environment(settings: dict) -> dict:
    """Return ``settings`` with ``NOTAIRES_DATABASE_URL`` overriding ``sqlalchemy.url``."""
    settings = dict(settings)
    url = os.environ.get(DATABASE_URL_VARIABLE)
    if url:
        settings["sqlalchemy.url"] = url
    if not settings.get("sqlalchemy.url"):
        raise ConfigurationError(
            f"Aucune base de données configurée : renseignez sqlalchemy.url dans le fichier .ini ou la variable {DATABASE_URL_VARIABLE}."
        )
    return settings


def load_departement(path: str | Path) -> DepartementConfig:
    """Parse a Département TOML file; raise ConfigurationError naming the bad key."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            raw = tomllib.load(stream)
    except FileNotFoundError:
        raise ConfigurationError(f"Fichier du Département introuvable : {path}. Vérifiez departement.config dans le fichier .ini.") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"Fichier TOML invalide {path} : {error}") from None

    departement = raw.get("departement", {})
    for key in ("code", "name"):
        if not departement.get(key):
            raise ConfigurationError(f"Clé {key} manquante dans la table [departement] de {path}.")

    connector = raw.get("connector", {})
    if not connector.get("name"):
        raise ConfigurationError(f"Clé name manquante dans la table [connector] de {path} : indiquez le connecteur (csv_generic, iodas, solis…).")

    aids = raw.get("aids", {})
    recoverable = frozenset(aids.get("recoverable", []))
    overpayment = frozenset(aids.get("overpayment_risk", []))
    both = recoverable & overpayment
    if both:
        raise ConfigurationError(
            f"Codes d'aide classés à la fois récupérables et à risque d'indu dans {path} : {sorted(both)}. Gardez chaque code dans une seule liste."
        )

    thresholds = raw.get("import", {})
    return DepartementConfig(
        code=str(departement["code"]),
        name=departement["name"],
        connector=connector["name"],
        connector_options=connector.get("options", {}),
        aid_categories=AidCategories(recoverable, overpayment),
        import_thresholds=ImportThresholds(
            max_rejected_ratio=float(thresholds.get("max_rejected_ratio", 0.01)),
            max_shrink_ratio=float(thresholds.get("max_shrink_ratio", 0.20)),
        ),
        path=path,
        raw=raw,
    )


def includeme(config):
    settings = config.get_settings()
    path = settings.get("departement.config")
    if not path:
        raise ConfigurationError("Réglage departement.config manquant dans le fichier .ini : indiquez le fichier TOML du Département.")
    config.registry["departement"] = load_departement(path)
