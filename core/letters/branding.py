"""The Département's letterhead and template folder, read from the ``[letters]`` TOML table.

Paths in the table (``logo``, ``signature``, ``templates``) are relative to the TOML
file. A file in the ``templates`` folder replaces the default file of the same name in
``letters/templates``; every other file comes from the defaults.
"""

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.settings import ConfigurationError, DepartementConfig
from letters import TEMPLATES_DIR

DEFAULT_LOGO_NAME = "logo.svg"
# Dates on letters are the Département's local dates; overseas Départements set theirs.
DEFAULT_TIMEZONE = "Europe/Paris"


@dataclass(frozen=True)
class LetterBranding:
    """Everything of the letterhead that does not depend on the search."""

    departement_name: str
    service: str
    address: tuple[str, ...]
    phone: str
    email: str
    website: str
    hours: str
    city: str
    signatory_name: str
    signatory_title: str
    funeral_expenses_limit: int
    logo: Path
    signature: Path | None
    templates: Path | None
    timezone: ZoneInfo = ZoneInfo(DEFAULT_TIMEZONE)

    def template_path(self, name: str) -> Path:
        """Return the Département's file ``name`` when it has one, else the default."""
        if self.templates is not None:
            candidate = self.templates / name
            if candidate.is_file():
                return candidate
        return TEMPLATES_DIR / name

    @property
    def images(self) -> tuple[Path, ...]:
        return (self.logo,) if self.signature is None else (self.logo, self.signature)

    @property
    def resource_roots(self) -> tuple[Path, ...]:
        """Folders whose files a letter may embed (stylesheets, images)."""
        roots = [TEMPLATES_DIR, self.logo.parent]
        if self.signature is not None:
            roots.append(self.signature.parent)
        if self.templates is not None:
            roots.append(self.templates)
        return tuple(root.resolve() for root in roots)


def load_branding(departement: DepartementConfig) -> LetterBranding:
    """Read ``[letters]`` of the Département; raise ConfigurationError naming a bad key."""
    table = departement.section("letters")
    base = departement.path.parent
    source = departement.path

    logo = _optional_path(table, "logo", base, source, want_dir=False)
    templates = _optional_path(table, "templates", base, source, want_dir=True)
    if logo is None:
        logo = _default_logo(templates)

    return LetterBranding(
        departement_name=departement.name,
        service=_text(table, "service", source),
        address=_address(table, source),
        phone=_text(table, "phone", source),
        email=_text(table, "email", source),
        website=_text(table, "website", source),
        hours=_text(table, "hours", source),
        city=_text(table, "city", source),
        signatory_name=_text(table, "signatory_name", source),
        signatory_title=_text(table, "signatory_title", source),
        funeral_expenses_limit=_funeral_expenses_limit(table, source),
        logo=logo,
        signature=_optional_path(table, "signature", base, source, want_dir=False),
        templates=templates,
        timezone=_timezone(table, source),
    )


def _timezone(table: dict, source: Path) -> ZoneInfo:
    name = table.get("timezone", DEFAULT_TIMEZONE)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigurationError(
            f"[letters] timezone dans {source} : fuseau horaire inconnu {name!r}. "
            'Indiquez un nom de la base IANA, par exemple "Europe/Paris" ou "Indian/Reunion".'
        ) from None


def _default_logo(templates: Path | None) -> Path:
    # A template folder may ship its own logo.svg instead of setting ``logo``.
    if templates is not None and (templates / DEFAULT_LOGO_NAME).is_file():
        return templates / DEFAULT_LOGO_NAME
    return TEMPLATES_DIR / DEFAULT_LOGO_NAME


def _text(table: dict, key: str, source: Path) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise ConfigurationError(
            f"[letters] {key} dans {source} doit être une chaîne de caractères entre guillemets."
        )
    return value.strip()


def _address(table: dict, source: Path) -> tuple[str, ...]:
    value = table.get("address", [])
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list) or not all(isinstance(line, str) for line in value):
        raise ConfigurationError(
            f"[letters] address dans {source} doit être une liste de lignes, "
            'par exemple ["Hôtel du Département", "1 place de la République"].'
        )
    return tuple(line.strip() for line in value if line.strip())


def _funeral_expenses_limit(table: dict, source: Path) -> int:
    value = table.get("funeral_expenses_limit")
    if value is None:
        raise ConfigurationError(
            f"[letters] funeral_expenses_limit manque dans {source} : indiquez le plafond "
            "des frais d'obsèques déductibles, en euros (par exemple 3500)."
        )
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigurationError(
            f"[letters] funeral_expenses_limit dans {source} doit être un nombre d'euros "
            f"positif, sans guillemets (par exemple 3500) ; valeur lue : {value!r}."
        )
    return int(value)


def _optional_path(table: dict, key: str, base: Path, source: Path, want_dir: bool) -> Path | None:
    value = table.get(key)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"[letters] {key} dans {source} doit être un chemin entre guillemets.")

    path = (base / value).resolve()
    exists = path.is_dir() if want_dir else path.is_file()
    if not exists:
        kind = "dossier" if want_dir else "fichier"
        raise ConfigurationError(
            f"[letters] {key} dans {source} désigne un {kind} introuvable : {path}. "
            "Le chemin est relatif au fichier TOML du Département."
        )
    return path
