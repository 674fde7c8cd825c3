"""The list of register imports, their rejected-lines reports, and running one from the browser.

An upload runs through ``core.imports.service.run_import`` with the same guards as
``dn import``. The uploaded extraction is deleted once the import ends, because it
contains personal data; the rejected-lines report is kept for download.

NOTE: the import runs inside the upload request, so the page responds only when the
import ends, which for a large register can take minutes. A front proxy's timeout
must allow for that, or the Département's IT runs ``dn import`` instead.
"""

import logging
import re
import shutil
import tempfile
from pathlib import Path

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import FileResponse
from pyramid.view import view_config
from sqlalchemy import func, select

from core.audit import record_event
from core.connectors import UnknownConnectorError
from core.i18n import _
from core.imports.commands import connector_options
from core.imports.locking import ImportBusyError
from core.imports.service import ImportFailed, ImportRefused, ImportRequest, run_import
from core.register.models import RegisterImport
from core.security import PERMISSION_ADMIN

log = logging.getLogger(__name__)

PAGE_SIZE = 50
TEMPLATE = "core:backoffice/templates/imports.pt"
STATUS_LABELS = {
    "running": _("en cours"),
    "succeeded": _("réussi"),
    "failed": _("échoué"),
    "refused": _("refusé"),
    "dry_run": _("essai à blanc"),
    "interrupted": _("interrompu"),
}
UNSAFE_FILENAME_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")


def upload_root(settings) -> Path:
    """Return the folder for uploaded extractions (``imports.upload_dir``, else the temp dir)."""
    configured = settings.get("imports.upload_dir")
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "departements-notaires-imports"


def report_dir(settings) -> Path:
    """Return where reports of uploaded imports go (``imports.report_dir``, else beside uploads)."""
    configured = settings.get("imports.report_dir")
    return Path(configured) if configured else upload_root(settings) / "rapports"


def safe_filename(name: str) -> str:
    """Return the upload's base name with only portable characters (connectors may read the extension)."""
    base = Path(name.replace("\\", "/")).name
    cleaned = UNSAFE_FILENAME_CHARACTERS.sub("_", base).strip("._")
    return cleaned[:100] or "extraction"


def import_rows(dbsession, page: int) -> tuple[list[RegisterImport], int]:
    total = dbsession.scalar(select(func.count()).select_from(RegisterImport))
    rows = dbsession.scalars(
        select(RegisterImport).order_by(RegisterImport.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return rows, total


def imports_page(request, *, errors=None, outcome=None) -> dict:
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    rows, total = import_rows(request.dbsession, page)
    departement = request.registry["departement"]
    return {
        "imports": rows,
        "status_labels": STATUS_LABELS,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "connectors": request.registry["connectors"].names(),
        "default_connector": departement.connector,
        "errors": errors or {},
        "values": {},
        "outcome": outcome,
        "report_available": lambda row: bool(row.report_path) and Path(row.report_path).is_file(),
        "source_names": lambda row: ", ".join(Path(line).name for line in (row.sources or "").splitlines() if line),
    }


@view_config(route_name="imports", renderer=TEMPLATE, request_method="GET", permission=PERMISSION_ADMIN)
def imports_list(request):
    return imports_page(request)


@view_config(route_name="imports", renderer=TEMPLATE, request_method="POST", permission=PERMISSION_ADMIN)
def imports_upload(request):
    uploads = [item for item in request.POST.getall("files") if hasattr(item, "file")]
    connector = request.POST.get("connector", "")
    if not uploads:
        request.response.status = 400
        return imports_page(request, errors={"files": _("Choisissez le ou les fichiers de l'extraction.")})
    if connector not in request.registry["connectors"].names():
        request.response.status = 400
        return imports_page(request, errors={"connector": _("Choisissez un connecteur installé.")})

    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=_ensure(upload_root(request.registry.settings))))
    try:
        sources = _save_uploads(uploads, folder)
        outcome = _run(request, connector, sources)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if outcome["kind"] != "done":
        request.response.status = 409 if outcome["kind"] == "busy" else 422
    return imports_page(request, outcome=outcome)


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _save_uploads(uploads, folder: Path) -> list[Path]:
    sources = []
    for index, upload in enumerate(uploads):
        # One sub-folder per file keeps each uploaded name, even when two are the same.
        target = _ensure(folder / f"{index:02d}") / safe_filename(upload.filename or "")
        with target.open("wb") as stream:
            shutil.copyfileobj(upload.file, stream)
        sources.append(target)
    return sources


def _run(request, connector: str, sources: list[Path]) -> dict:
    """Run the import and return the outcome the page shows."""
    departement = request.registry["departement"]
    import_request = ImportRequest(
        connector=connector,
        sources=sources,
        options=connector_options(departement, connector),
        dry_run=request.POST.get("dry_run") == "yes",
        force=request.POST.get("force") == "yes",
        report_dir=_ensure(report_dir(request.registry.settings)),
        started_by=request.identity.login,
    )
    details = {"connector": connector, "dry_run": import_request.dry_run, "force": import_request.force}
    try:
        result = run_import(request.registry["db.engine"], request.registry["connectors"], import_request,
                            departement.import_thresholds)
    except ImportBusyError as error:
        return {"kind": "busy", "message": str(error)}
    except UnknownConnectorError:
        return {"kind": "failed", "message": _("Connecteur inconnu.")}
    except ImportRefused as refusal:
        record_event(request.dbsession, action="import.refused", request=request,
                     target=("register_import", refusal.result.import_id), details=details)
        return {"kind": "refused", "reasons": refusal.reasons, "forceable": refusal.forceable,
                "import_id": refusal.result.import_id}
    except ImportFailed as failure:
        record_event(request.dbsession, action="import.run", request=request,
                     target=("register_import", failure.result.import_id), details={**details, "status": "failed"})
        return {"kind": "failed", "message": str(failure), "import_id": failure.result.import_id}

    record_event(request.dbsession, action="import.run", request=request, target=("register_import", result.import_id),
                 details={**details, "status": result.status, "people": result.people, "rejected": result.rejected})
    return {"kind": "done", "result": result}


@view_config(route_name="import_report", request_method="GET", permission=PERMISSION_ADMIN)
def import_report(request):
    row = request.dbsession.get(RegisterImport, int(request.matchdict["id"]))
    if row is None or not row.report_path or not Path(row.report_path).is_file():
        raise HTTPNotFound()
    response = FileResponse(row.report_path, request=request, content_type="text/csv")
    response.content_disposition = f'attachment; filename="import-{row.id}-lignes-rejetees.csv"'
    return response
