"""The history of a notary office: its searches, newest first, filtered and paginated."""

import datetime
import math
from dataclasses import dataclass

from pyramid.view import view_config
from sqlalchemy import func, or_, select

from core.db import folded
from core.i18n import _
from core.letters.models import Letter
from core.matching.normalize import fold
from core.search.models import Search
from core.search.outcomes import OUTCOMES, STATUS_PENDING_REVIEW
from core.security import PERMISSION_NOTARY
from core.web.inputs import clean_text
from core.web.layout import page_url
from core.web.search_form import DATE_PATTERN
from core.web.wording import DISPLAY_TIMEZONE

PAGE_SIZE = 20
# The outcome filter also offers the searches still being checked by an agent.
PENDING_FILTER = "pending"


@dataclass
class HistoryFilters:
    name: str = ""
    start: datetime.date | None = None
    end: datetime.date | None = None
    outcome: str = ""


def read_filters(params) -> tuple[HistoryFilters, dict, dict]:
    """Read the filter fields; return the filters, the values as typed, and errors per field."""
    values = {key: clean_text(params.get(key, ""))[:200] for key in ("nom", "du", "au", "resultat")}
    errors = {}
    filters = HistoryFilters(name=values["nom"])
    for key, attribute in (("du", "start"), ("au", "end")):
        if values[key]:
            date = _parse_day(values[key])
            if date is None:
                errors[key] = _("Écrivez la date au format JJ/MM/AAAA, par exemple 17/05/2026.")
            setattr(filters, attribute, date)
    if values["resultat"] in OUTCOMES or values["resultat"] == PENDING_FILTER:
        filters.outcome = values["resultat"]
    return filters, values, errors


def _parse_day(text: str) -> datetime.date | None:
    match = DATE_PATTERN.fullmatch(text)
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _utc_bound(day: datetime.date) -> datetime.datetime:
    """Return the UTC instant at which ``day`` begins in the display time zone."""
    local = datetime.datetime.combine(day, datetime.time(), tzinfo=DISPLAY_TIMEZONE)
    return local.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def history_query(account_id: int, filters: HistoryFilters):
    query = select(Search).where(Search.account_id == account_id)
    if filters.name:
        # Names compare folded (case, accents, hyphens and apostrophes ignored);
        # references, which contain digits and hyphens, compare case-insensitively.
        pattern = f"%{_escape_like(filters.name.lower())}%"
        conditions = [
            func.lower(Search.file_reference).like(pattern, escape="\\"),
            func.lower(Search.reference).like(pattern, escape="\\"),
        ]
        folded_name = fold(filters.name)
        if folded_name:
            name_pattern = f"%{folded_name}%"
            conditions += [
                folded(Search.usage_name).like(name_pattern),
                folded(Search.birth_name).like(name_pattern),
                folded(Search.first_names).like(name_pattern),
            ]
        query = query.where(or_(*conditions))
    if filters.start:
        query = query.where(Search.created_at >= _utc_bound(filters.start))
    if filters.end:
        query = query.where(Search.created_at < _utc_bound(filters.end + datetime.timedelta(days=1)))
    if filters.outcome == PENDING_FILTER:
        query = query.where(Search.status == STATUS_PENDING_REVIEW)
    elif filters.outcome:
        query = query.where(Search.outcome == filters.outcome)
    return query


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _page_number(params) -> int:
    try:
        return max(1, int(params.get("page", "1")))
    except ValueError:
        return 1


@view_config(route_name="history", renderer="core:web/templates/history.pt", request_method="GET",
             permission=PERMISSION_NOTARY)
def history(request):
    filters, values, errors = read_filters(request.GET)
    query = history_query(request.identity.id, filters)
    dbsession = request.dbsession

    total = dbsession.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(_page_number(request.GET), pages)
    searches = list(
        dbsession.scalars(
            query.order_by(Search.created_at.desc(), Search.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    with_letter = _searches_with_letter(dbsession, [search.id for search in searches])
    return {
        "searches": searches,
        "with_letter": with_letter,
        "values": values,
        "errors": errors,
        "total": total,
        "page": page,
        "pages": pages,
        "previous_url": page_url(request, page=page - 1) if page > 1 else None,
        "next_url": page_url(request, page=page + 1) if page < pages else None,
        "outcomes": OUTCOMES,
        "pending_filter": PENDING_FILTER,
    }


def _searches_with_letter(dbsession, search_ids: list[int]) -> set[int]:
    if not search_ids:
        return set()
    return set(dbsession.scalars(select(Letter.search_id).where(Letter.search_id.in_(search_ids)).distinct()))
