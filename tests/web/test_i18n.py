"""Catalogs: every text has an English translation, and the .mo files match the .po files."""

import subprocess
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from core.i18n import DOMAIN

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCALE = REPO_ROOT / "core" / "locale"


def catalog_path(language: str, extension: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.{extension}"


def read_catalog(language: str):
    with catalog_path(language, "po").open("rb") as stream:
        return read_po(stream, locale=language)


def extracted_msgids(tmp_path) -> set[str]:
    """Run the lingua extraction of update-catalogs.sh into a temporary .pot."""
    sources = sorted(
        str(path.relative_to(REPO_ROOT))
        for path in (REPO_ROOT / "core").rglob("*")
        if path.suffix in (".py", ".pt") and "letters" not in path.relative_to(REPO_ROOT / "core").parts[:1]
    )
    listing = tmp_path / "sources.txt"
    listing.write_text("\n".join(sources) + "\n", encoding="utf-8")
    output = tmp_path / f"{DOMAIN}.pot"
    subprocess.run(
        ["pot-create", "--config", str(LOCALE / "lingua.cfg"), "--domain", DOMAIN,
         "--output", str(output), "--files-from", str(listing)],
        cwd=REPO_ROOT, check=True, capture_output=True,
    )
    with output.open("rb") as stream:
        return {message.id for message in read_po(stream) if message.id}


def test_every_text_of_the_sources_is_in_the_english_catalog(tmp_path):
    in_catalog = {message.id for message in read_catalog("en") if message.id}
    missing = extracted_msgids(tmp_path) - in_catalog
    assert not missing, f"Run core/locale/update-catalogs.sh; texts missing from the catalog: {sorted(missing)[:10]}"


def test_every_msgid_has_an_english_translation():
    untranslated = [message.id for message in read_catalog("en") if message.id and not message.string]
    assert not untranslated, f"Fill in en/LC_MESSAGES/{DOMAIN}.po: {untranslated[:10]}"


def test_no_english_translation_is_fuzzy():
    fuzzy = [message.id for message in read_catalog("en") if message.id and message.fuzzy]
    assert not fuzzy, f"Review the fuzzy entries: {fuzzy[:10]}"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_mo_files_match_po_files(language):
    with catalog_path(language, "mo").open("rb") as stream:
        compiled = {message.id: message.string for message in read_mo(stream) if message.id and message.string}
    source = {message.id: message.string for message in read_catalog(language) if message.id and message.string}
    assert compiled == source, "Run core/locale/update-catalogs.sh to compile the .mo files."


def test_language_switch_shows_english_pages(web_app):
    page = web_app.get("/connexion")
    assert "Se connecter" in page.text
    english = page.click(href="/langue/en").follow()
    assert '<html' in english.text
    assert 'lang="en"' in english.text
    assert "Sign in" in english.text
    assert "Forgotten password?" in english.text
    french = english.click(href="/langue/fr").follow()
    assert "Se connecter" in french.text


def test_errors_are_translated(web_app, notary):
    web_app.get("/langue/en")
    form = web_app.get("/connexion").forms[0]
    form["login"] = notary.login
    form["password"] = "wrong password!!"
    page = form.submit(status=400)
    assert "Incorrect login or password" in page.text


def test_unknown_language_is_refused(web_app):
    page = web_app.get("/langue/de", status=400)
    assert "Langue inconnue" in page.text


def test_language_switch_ignores_foreign_return_address(web_app):
    response = web_app.get("/langue/en", {"retour": "https://evil.example/"}, status=303)
    assert response.location == "http://localhost/"


def test_language_survives_sign_in_and_sign_out(web_app, notary):
    web_app.get("/langue/en")
    form = web_app.get("/connexion").forms[0]
    form["login"] = notary.login
    form["password"] = notary.password
    page = form.submit(status=303).follow()
    assert "New search" in page.text
    sign_out = next(form for form in page.forms.values() if form.action.endswith("/deconnexion"))
    page = sign_out.submit(status=303).follow()
    assert "You are signed out." in page.text
