"""The imports page: list, upload with the guards of dn import, rejected-lines report."""

from pathlib import Path

import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.register.models import RegisterImport
from tests.web.fixtures import *  # noqa: F401,F403
from tests.web.fixtures import REGISTER_CSV, set_app_settings

HEADER = "person_id;usage_name;birth_name;first_names;sex;birth_date;aid_code;aid_label;aid_start;aid_end\n"


@pytest.fixture
def web_ini(demo_ini, mail_folder, tmp_path):
    set_app_settings(demo_ini, {"mail.folder": str(mail_folder), "imports.upload_dir": str(tmp_path / "uploads")})
    return demo_ini


def upload(app, content: bytes, filename="extraction.csv", **options):
    """Post the upload form as a browser does (WebTest cannot fill a ``multiple`` file input)."""
    page = app.get("/bureau/imports")
    form = next(form for form in page.forms.values() if "files" in form.fields)
    fields = {"csrf_token": form["csrf_token"].value, "connector": form["connector"].value}
    fields.update({name: "yes" for name in options})
    return app.post(form.action, fields, upload_files=[("files", filename, content)], expect_errors=True)


def test_upload_imports_and_lists(admin_app, dbsession, tmp_path):
    response = upload(admin_app, REGISTER_CSV.read_bytes())

    assert response.status_int == 200
    assert "réussi : le nouveau registre est actif" in response.text
    row = response.html.find(id="imports").find("tbody").find("tr")
    assert "csv_generic" in row.text
    assert "extraction.csv" in row.text
    assert "réussi" in row.text
    imported = dbsession.scalars(select(RegisterImport)).one()
    assert imported.people == 5
    assert imported.started_by == "admin@departement.example"
    assert list((tmp_path / "uploads").rglob("extraction.csv")) == [], "the uploaded extraction must be deleted"
    event = dbsession.scalars(select(AuditEvent).where(AuditEvent.action == "import.run")).one()
    assert event.details["status"] == "succeeded"


def test_dry_run_leaves_register(admin_app, dbsession):
    response = upload(admin_app, REGISTER_CSV.read_bytes(), dry_run=True)

    assert "Essai à blanc" in response.text
    assert dbsession.scalars(select(RegisterImport.status)).all() == ["dry_run"]


def test_refused_import_shows_reason_and_report(admin_app, dbsession):
    bad_lines = "".join(f"9{index};;;;;;;;;\n" for index in range(5))
    response = upload(admin_app, (HEADER + REGISTER_CSV.read_text(encoding="utf-8").split("\n", 1)[1] + bad_lines).encode())

    assert response.status_int == 422
    outcome = response.html.find(id="import-outcome")
    assert "refusé" in outcome.text
    assert "Importer malgré les contrôles" in outcome.text
    assert dbsession.scalars(select(RegisterImport.status)).all() == ["refused"]
    report = response.click(href="lignes-rejetees.csv")
    assert report.content_type == "text/csv"
    assert "motif" in report.body.decode("utf-8-sig")
    assert "import.refused" in dbsession.scalars(select(AuditEvent.action)).all()


def test_forced_import_passes_guard(admin_app, dbsession):
    bad_lines = "".join(f"9{index};;;;;;;;;\n" for index in range(5))
    content = (REGISTER_CSV.read_text(encoding="utf-8") + bad_lines).encode()

    response = upload(admin_app, content, force=True)

    assert response.status_int == 200
    assert "Importé malgré" in response.text
    assert dbsession.scalars(select(RegisterImport)).one().forced is True


def test_unreadable_upload_is_refused(admin_app, dbsession):
    response = upload(admin_app, b"")

    assert response.status_int == 422
    assert "le registre est inchangé" in response.text


def test_upload_without_file(admin_app):
    token = admin_app.get("/bureau/imports").forms[1]["csrf_token"].value

    response = admin_app.post("/bureau/imports", {"csrf_token": token, "connector": "csv_generic"}, status=400)

    assert "Choisissez le ou les fichiers" in response.html.find(id="files-error").text


def test_unknown_report_is_404(admin_app):
    admin_app.get("/bureau/imports/999/lignes-rejetees.csv", status=404)
