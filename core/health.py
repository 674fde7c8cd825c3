"""``GET /health``: the database, the register and each configured connector."""

import logging

from pyramid.view import view_config
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from core.register.models import Person, RegisterImport, RegisterState

log = logging.getLogger(__name__)


def register_summary(dbsession) -> dict:
    """Return the active register's size and import date, or ``None`` values when empty."""
    state = dbsession.get(RegisterState, 1)
    if state is None or state.active_import_id is None:
        return {"people": 0, "import_id": None, "imported_at": None}
    register_import = dbsession.get(RegisterImport, state.active_import_id)
    people = dbsession.scalar(
        select(func.count()).select_from(Person).where(Person.import_id == state.active_import_id)
    )
    finished = register_import.finished_at if register_import else None
    return {
        "people": people,
        "import_id": state.active_import_id,
        "imported_at": finished.isoformat() if finished else None,
    }


@view_config(route_name="health", renderer="json", request_method="GET")
def health(request):
    body = {"status": "ok"}
    try:
        request.dbsession.execute(text("SELECT 1"))
        body["database"] = "ok"
        body["register"] = register_summary(request.dbsession)
    except SQLAlchemyError as error:
        log.error("health_database_failed error=%s", type(error).__name__)
        body["status"] = "error"
        body["database"] = "error"

    departement = request.registry["departement"]
    connectors = request.registry["connectors"]
    try:
        body["connector"] = {departement.connector: connectors.check(departement.connector, departement.connector_options)}
    except LookupError as error:
        body["connector"] = {departement.connector: str(error)}
    if body["connector"][departement.connector] != "ok":
        body["status"] = "error"

    if body["status"] != "ok":
        request.response.status = 503
    return body


def includeme(config):
    config.add_route("health", "/health")
    config.scan(__name__)
