"""The back-office home: cases waiting, register freshness, this month's figures."""

from datetime import timedelta

from pyramid.view import view_config
from sqlalchemy import func, select

from core.audit import utcnow
from core.register.models import RegisterImport, RegisterState
from core.search.models import Search
from core.search.outcomes import STATUS_PENDING_REVIEW
from core.security import PERMISSION_STAFF

# Extractions come daily; a register older than this means the nightly import broke.
STALE_REGISTER_AGE = timedelta(hours=36)


def last_successful_import(dbsession) -> RegisterImport | None:
    """Return the import that produced the active register, or None before the first one."""
    state = dbsession.get(RegisterState, 1)
    if state is None or state.active_import_id is None:
        return None
    return dbsession.get(RegisterImport, state.active_import_id)


def register_warning(dbsession, now) -> dict | None:
    """Return the stale-register warning to show, or None when the register is fresh."""
    last = last_successful_import(dbsession)
    if last is None:
        return {"never": True, "finished_at": None, "hours": None}
    finished_at = last.finished_at or last.started_at
    age = now - finished_at
    if age <= STALE_REGISTER_AGE:
        return None
    return {"never": False, "finished_at": finished_at, "hours": int(age.total_seconds() // 3600)}


@view_config(route_name="backoffice", renderer="core:backoffice/templates/dashboard.pt",
             request_method="GET", permission=PERMISSION_STAFF)
def dashboard(request):
    dbsession = request.dbsession
    now = utcnow()
    pending = select(Search.created_at).where(Search.status == STATUS_PENDING_REVIEW)
    pending_count = dbsession.scalar(select(func.count()).select_from(pending.subquery()))
    oldest = dbsession.scalar(select(func.min(Search.created_at)).where(Search.status == STATUS_PENDING_REVIEW))
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    searches_this_month = dbsession.scalar(
        select(func.count()).select_from(Search).where(Search.created_at >= month_start)
    )
    return {
        "pending_count": pending_count,
        "oldest_wait_hours": int((now - oldest).total_seconds() // 3600) if oldest else None,
        "searches_this_month": searches_this_month,
        "last_import": last_successful_import(dbsession),
        "register_warning": register_warning(dbsession, now),
        "account": request.identity,
    }
