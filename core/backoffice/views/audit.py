"""Administrators search the audit trail and export it as CSV."""

from datetime import datetime, time, timedelta

from pyramid.view import view_config
from sqlalchemy import func, select

from core.audit import KNOWN_ACTIONS, record_event
from core.audit.models import AuditEvent
from core.backoffice.csvexport import csv_response
from core.backoffice.periods import parse_day
from core.i18n import _
from core.security import PERMISSION_ADMIN

PAGE_SIZE = 100
# An export stops at this many events, newest first; the page asks for a narrower filter beyond it.
MAX_EXPORT_ROWS = 100_000
CSV_HEADERS = [_("Date (UTC)"), _("Action"), _("Compte"), _("Identifiant"), _("Rôle"), _("Adresse IP"),
               _("Objet"), _("Identifiant de l'objet"), _("Détails")]


def read_filters(params) -> tuple[dict, dict, list]:
    """Return the filters as typed, the errors by field and the SQL conditions."""
    filters = {name: params.get(name, "").strip()[:200] for name in ("action", "compte", "objet", "adresse", "du", "au")}
    errors, conditions = {}, []
    if filters["action"]:
        conditions.append(AuditEvent.action == filters["action"])
    if filters["compte"]:
        conditions.append(func.lower(AuditEvent.actor_label).like(f"%{filters['compte'].lower()}%"))
    if filters["objet"]:
        conditions.append(AuditEvent.target_id == filters["objet"])
    if filters["adresse"]:
        conditions.append(AuditEvent.remote_addr == filters["adresse"])
    for name, message in (("du", _("Date de début invalide : saisissez-la au format JJ/MM/AAAA.")),
                          ("au", _("Date de fin invalide : saisissez-la au format JJ/MM/AAAA."))):
        if not filters[name]:
            continue
        day = parse_day(filters[name])
        if day is None:
            errors[name] = message
        elif name == "du":
            conditions.append(AuditEvent.created_at >= datetime.combine(day, time.min))
        else:
            conditions.append(AuditEvent.created_at < datetime.combine(day + timedelta(days=1), time.min))
    return filters, errors, conditions


@view_config(route_name="audit", renderer="core:backoffice/templates/audit.pt",
             request_method="GET", permission=PERMISSION_ADMIN)
def audit_page(request):
    filters, errors, conditions = read_filters(request.GET)
    if errors:
        request.response.status = 400
        conditions = []
    query = select(AuditEvent).where(*conditions)
    total = request.dbsession.scalar(select(func.count()).select_from(query.subquery()))
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    events = request.dbsession.scalars(
        query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    query_string = {name: value for name, value in filters.items() if value}
    return {
        "events": events,
        "filters": filters,
        "values": filters,
        "errors": errors,
        "actions": KNOWN_ACTIONS,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "query": query_string,
    }


@view_config(route_name="audit_csv", request_method="GET", permission=PERMISSION_ADMIN)
def audit_csv(request):
    filters, errors, conditions = read_filters(request.GET)
    if errors:
        conditions = []
    events = request.dbsession.scalars(
        select(AuditEvent).where(*conditions)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(MAX_EXPORT_ROWS)
    )
    rows = [
        [event.created_at.isoformat(sep=" ", timespec="seconds"), event.action, event.actor_id, event.actor_label,
         event.role, event.remote_addr, event.target_type, event.target_id,
         " ".join(f"{key}={value}" for key, value in sorted((event.details or {}).items()))]
        for event in events
    ]
    record_event(request.dbsession, action="audit.export", request=request,
                 details={"rows": len(rows), "filters": {key: value for key, value in filters.items() if value}})
    return csv_response("audit.csv", CSV_HEADERS, rows)
