"""The statistics dashboard for agents and administrators, and its CSV exports."""

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from core.audit import utcnow
from core.backoffice import stats
from core.backoffice.charts import Series, stacked_bar_chart
from core.backoffice.csvexport import csv_response
from core.backoffice.periods import read_period
from core.i18n import _
from core.search.outcomes import OUTCOMES
from core.security import PERMISSION_STAFF

# Page sections: table name (also the CSV file name), anchor id, title.
SECTIONS = (
    ("recherches-par-mois", "par-mois", _("Recherches par mois et par réponse")),
    ("recherches-par-office", "par-office", _("Recherches par étude")),
    ("cas-douteux", "cas-douteux", _("Cas douteux")),
    ("connexions-par-mois", "connexions", _("Connexions par mois")),
)

TABLES = {
    "recherches-par-mois": lambda dbsession, period, now: stats.searches_by_month(dbsession, period),
    "recherches-par-office": lambda dbsession, period, now: stats.searches_by_office(dbsession, period),
    "cas-douteux": lambda dbsession, period, now: stats.doubtful_cases(dbsession, period, now=now),
    "connexions-par-mois": lambda dbsession, period, now: stats.sign_ins_by_month(dbsession, period),
}


def monthly_chart(request, table: stats.Table) -> str:
    """Draw the searches-per-month table as a stacked bar chart, described in words."""
    translate = request.localizer.translate
    series = [
        Series(outcome, translate(stats.OUTCOME_LABELS[outcome]), [row[1 + index] for row in table.rows])
        for index, outcome in enumerate(OUTCOMES)
    ]
    months = [row[0] for row in table.rows]
    totals = "; ".join(
        translate(_("${month} : ${count} recherche(s)", mapping={"month": row[0], "count": row[-1]}))
        for row in table.rows
    )
    return stacked_bar_chart(
        title=translate(_("Recherches par mois et par réponse")),
        description=translate(_("Total par mois : ${totals}. Le détail figure dans le tableau qui suit.",
                                mapping={"totals": totals or "—"})),
        categories=months,
        series=series,
    )


@view_config(route_name="statistics", renderer="core:backoffice/templates/statistics.pt",
             request_method="GET", permission=PERMISSION_STAFF)
def statistics_page(request):
    now = utcnow()
    period, errors = read_period(request.GET, now.date())
    if errors:
        request.response.status = 400
    tables = {name: build(request.dbsession, period, now) for name, build in TABLES.items()}
    return {
        "period": period,
        "errors": errors,
        "values": {"du": request.GET.get("du", period.start.isoformat()), "au": request.GET.get("au", period.end.isoformat())},
        "sections": [(name, anchor, title, tables[name]) for name, anchor, title in SECTIONS],
        "chart": monthly_chart(request, tables["recherches-par-mois"]),
        "csv_query": {"du": period.start.isoformat(), "au": period.end.isoformat()},
    }


@view_config(route_name="statistics_csv", request_method="GET", permission=PERMISSION_STAFF)
def statistics_csv(request):
    build = TABLES.get(request.matchdict["table"])
    if build is None:
        raise HTTPNotFound()
    now = utcnow()
    period, errors = read_period(request.GET, now.date())
    if errors:
        raise HTTPNotFound()
    table = build(request.dbsession, period, now)
    filename = f"{table.name}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return csv_response(filename, table.headers, table.rows)
