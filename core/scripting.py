"""The script environment (engine, sessions, connectors) read from an ``.ini`` file, without the WSGI app."""

import logging.config
from dataclasses import dataclass
from pathlib import Path

from pyramid.paster import get_appsettings, setup_logging
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from core.connectors import ConnectorManager
from core.db import make_engine, make_session_factory
from core.settings import DepartementConfig, apply_environment, load_departement


@dataclass
class ScriptEnvironment:
    settings: dict
    engine: Engine
    session_factory: sessionmaker
    connectors: ConnectorManager
    departement: DepartementConfig


def open_environment(config_uri: str, configure_logging: bool = True) -> ScriptEnvironment:
    """Read ``config_uri`` and return the engine, sessions, connectors and Département."""
    if not Path(config_uri.split("#")[0]).is_file():
        raise FileNotFoundError(f"Fichier de configuration introuvable : {config_uri}. Indiquez le chemin du fichier .ini, par exemple config/demo.ini.")
    if configure_logging:
        setup_logging(config_uri)
    settings = apply_environment(get_appsettings(config_uri))
    engine = make_engine(settings)
    return ScriptEnvironment(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        connectors=ConnectorManager(),
        departement=load_departement(settings["departement.config"]),
    )
