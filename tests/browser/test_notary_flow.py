"""The notary's main job in a real browser: sign in, search, answer, letter, e-mail."""

import io

import pytest
from pypdf import PdfReader

from core.search.outcomes import OUTCOME_WORDINGS
from tests.web.fixtures import KNOWN_PEOPLE

pytestmark = pytest.mark.browser


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def sign_in_page(page, live_server, login: str, password: str) -> None:
    page.goto(f"{live_server.url}/connexion")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_notary_searches_and_gets_the_letter(
    page, live_server, register, session_factory, smtp_server, check_accessibility
):
    from tests.web.fixtures import NOTARY_PASSWORD, make_account

    office = make_account(session_factory, role="notary", login="69001", password=NOTARY_PASSWORD,
                          email="etude.69001@notaires.example", terms_accepted=False)

    page.goto(f"{live_server.url}/connexion")
    check_accessibility(page, "sign-in page")
    sign_in_page(page, live_server, office.login, office.password)

    # First sign-in: the terms of use.
    page.wait_for_url("**/conditions")
    check_accessibility(page, "terms page")
    page.get_by_label("J'ai lu et j'accepte").check()
    page.get_by_role("button", name="Accepter et continuer").click()

    page.wait_for_url("**/recherche")
    check_accessibility(page, "search form")
    person = KNOWN_PEOPLE["recoverable_aid"]
    page.get_by_label("Nom d'usage").fill(person["usage_name"])
    page.get_by_label("Nom de naissance").fill(person["birth_name"])
    page.get_by_label("Prénoms").fill(person["first_names"])
    page.get_by_label("Date de naissance").fill(person["birth_date"])
    page.get_by_label("Date de décès").fill(person["death_date"])
    page.get_by_label("Référence du dossier de l'étude").fill("Succession 2026/77")
    page.get_by_role("button", name="Rechercher").click()

    page.wait_for_url("**/recherche/DN-*")
    check_accessibility(page, "answer page")
    assert OUTCOME_WORDINGS["recoverable_aid"] in page.content()
    reference = page.url.rsplit("/", 1)[1]

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le courrier officiel (PDF)").click()
    download = download_info.value
    with open(download.path(), "rb") as stream:
        letter = pdf_text(stream.read())
    assert reference in letter
    assert "L132-8" in letter

    received = smtp_server.wait_for(1)
    assert received[0].recipients == [office.email]
    filename, content_type, data = received[0].attachments()[0]
    assert content_type == "application/pdf"
    assert reference in pdf_text(data)

    page.get_by_role("link", name="Historique").first.click()
    page.wait_for_url("**/historique")
    check_accessibility(page, "history page")
    assert reference in page.locator("tbody").inner_text()


def test_form_errors_are_accessible(page, live_server, register, notary, check_accessibility):
    sign_in_page(page, live_server, notary.login, notary.password)
    page.wait_for_url("**/recherche")
    page.get_by_label("Date de naissance").fill("31/02/1931")
    page.get_by_role("button", name="Rechercher").click()
    check_accessibility(page, "search form with errors")
    birth_date = page.get_by_label("Date de naissance")
    assert birth_date.get_attribute("aria-invalid") == "true"
    assert "Cette date n'existe pas" in page.locator("#birth_date-error").inner_text()


def test_pages_in_english_are_accessible(page, live_server, notary, check_accessibility):
    page.goto(f"{live_server.url}/connexion")
    # The link reloads the page: wait for the new one, since the old one is loaded already.
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    check_accessibility(page, "English sign-in page")
    page.get_by_label("Login").fill(notary.login)
    page.get_by_label("Password").fill(notary.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/recherche")
    check_accessibility(page, "English search form")
    page.goto(f"{live_server.url}/nulle-part")
    check_accessibility(page, "English 404 page")


def test_keyboard_reaches_the_search_form(page, live_server, register, notary):
    sign_in_page(page, live_server, notary.login, notary.password)
    page.wait_for_url("**/recherche")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Aller au contenu"
    page.keyboard.press("Enter")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "usage_name":
            break
    assert page.evaluate("document.activeElement.id") == "usage_name"


def test_accessibility_check_catches_violations(page, check_accessibility):
    # Guards the guard: an unlabelled field and an image without text must fail.
    page.set_content('<html><body><input type="text"><img src="data:,"></body></html>')
    with pytest.raises(AssertionError, match="axe-core violations"):
        check_accessibility(page, "a broken page")
