"""Letters and branding preview: four sample letters with the current branding."""

import io

from pypdf import PdfReader

from tests.web.fixtures import *  # noqa: F401,F403


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_preview_page_lists_four_letters(admin_app):
    page = admin_app.get("/bureau/courriers")

    links = page.html.find(id="previews").find_all("a")
    assert len(links) == 4
    assert "Camille Durand" in page.html.find(id="branding").text


def test_each_preview_is_a_pdf_with_branding(admin_app):
    for outcome in ("unknown", "recoverable_aid", "possible_overpayment", "ambiguous"):
        response = admin_app.get(f"/bureau/courriers/{outcome}.pdf")

        assert response.content_type == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("inline;")
        text = pdf_text(response.body)
        assert "Camille Durand" in text, outcome


def test_preview_reads_toml_changes_without_restart(admin_app, web_ini, tmp_path):
    from core.settings import load_departement

    source = load_departement(admin_app.app.registry["departement"].path).path
    changed = source.read_text(encoding="utf-8").replace("Camille Durand", "Dominique Nouveau")
    copy = tmp_path / "departement.toml"
    copy.write_text(changed, encoding="utf-8")
    admin_app.app.registry["departement"].path = copy

    page = admin_app.get("/bureau/courriers")

    assert "Dominique Nouveau" in page.html.find(id="branding").text
    assert "Dominique Nouveau" in pdf_text(admin_app.get("/bureau/courriers/unknown.pdf").body)


def test_preview_shows_invalid_configuration(admin_app, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[departement\n", encoding="utf-8")
    admin_app.app.registry["departement"].path = broken

    page = admin_app.get("/bureau/courriers")

    assert "Fichier TOML invalide" in page.html.find(id="branding-error").text
    admin_app.get("/bureau/courriers/unknown.pdf", status=500)


def test_unknown_outcome_is_404(admin_app):
    admin_app.get("/bureau/courriers/autre.pdf", status=404)
