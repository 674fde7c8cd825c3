"""CSV downloads for spreadsheets: ``;``-separated, UTF-8 with a BOM so Excel reads accents."""

import csv
import io

from pyramid.response import Response

# A cell starting with one of these is read as a formula by spreadsheets; a leading
# apostrophe makes it plain text again.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_response(filename: str, headers: list[str], rows) -> Response:
    """Return a download of ``rows`` under ``headers`` named ``filename``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_safe_cell(value) for value in row])
    response = Response(
        body=("\ufeff" + buffer.getvalue()).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
    )
    response.content_disposition = f'attachment; filename="{filename}"'
    return response


def _safe_cell(value):
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
