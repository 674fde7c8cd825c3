"""Reading the date filters of back-office pages (``du`` and ``au`` in the query string)."""

from datetime import date

from core.backoffice.stats import Period, default_period
from core.i18n import _

# A longer period would list hundreds of months on one page.
MAX_PERIOD_DAYS = 10 * 366


def parse_day(text: str) -> date | None:
    """Parse ``AAAA-MM-JJ`` (what ``<input type=date>`` sends) or ``JJ/MM/AAAA``; None if invalid."""
    text = text.strip()
    try:
        if "/" in text:
            day, month, year = (int(part) for part in text.split("/"))
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        return None


def read_period(params, today: date) -> tuple[Period, dict]:
    """Return the period asked for in ``params`` (default: the last twelve months) and errors by field."""
    period = default_period(today)
    errors = {}
    start_text, end_text = params.get("du", "").strip(), params.get("au", "").strip()
    start = parse_day(start_text) if start_text else period.start
    end = parse_day(end_text) if end_text else period.end
    if start is None:
        errors["du"] = _("Date de début invalide : saisissez-la au format JJ/MM/AAAA.")
    if end is None:
        errors["au"] = _("Date de fin invalide : saisissez-la au format JJ/MM/AAAA.")
    if not errors and start > end:
        errors["au"] = _("La date de fin doit suivre la date de début.")
    if not errors and (end - start).days > MAX_PERIOD_DAYS:
        errors["au"] = _("La période ne doit pas dépasser dix ans.")
    if errors:
        return period, errors
    return Period(start, end), {}
