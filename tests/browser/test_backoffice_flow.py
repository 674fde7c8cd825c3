"""An agent settles a doubtful search in a real browser, and the notary sees the final answer."""

import io

import pytest
from pypdf import PdfReader

from core.search.outcomes import OUTCOME_WORDINGS
from tests.browser.test_notary_flow import sign_in_page
from tests.web.fixtures import KNOWN_PEOPLE

pytestmark = pytest.mark.browser


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def agent_page(browser):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


def test_agent_settles_doubtful_search(page, agent_page, live_server, register, notary, agent, smtp_server,
                                       check_accessibility):
    # The notary's search matches two people: the answer waits for an agent.
    sign_in_page(page, live_server, notary.login, notary.password)
    page.wait_for_url("**/recherche")
    person = KNOWN_PEOPLE["ambiguous"]
    page.get_by_label("Nom d'usage").fill(person["usage_name"])
    page.get_by_label("Prénoms").fill(person["first_names"])
    page.get_by_label("Date de naissance").fill(person["birth_date"])
    page.get_by_label("Date de décès").fill(person["death_date"])
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**/recherche/DN-*")
    reference = page.url.rsplit("/", 1)[1]
    assert "en cours de vérification" in page.content()
    smtp_server.wait_for(1)

    # The agent finds it in the queue and opens the case.
    sign_in_page(agent_page, live_server, agent.login, agent.password)
    agent_page.wait_for_url("**/bureau")
    check_accessibility(agent_page, "back-office dashboard")
    agent_page.get_by_role("link", name="Cas douteux").first.click()
    agent_page.wait_for_url("**/bureau/cas")
    check_accessibility(agent_page, "doubtful-case queue")
    agent_page.get_by_role("link", name=reference).click()
    agent_page.wait_for_url(f"**/bureau/cas/{reference}")
    check_accessibility(agent_page, "case page")
    comparison = agent_page.locator("#comparison").inner_text()
    assert "Aide sociale à l'hébergement" in comparison
    assert "Prestation de compensation du handicap" in comparison

    # The candidate with the recoverable aid is the deceased.
    column = next(
        index for index in (1, 2)
        if "hébergement" in agent_page.locator("#comparison tbody tr").nth(5).locator("td").nth(index).inner_text()
    )
    agent_page.locator("#comparison tbody tr").last.locator("input[type=radio]").nth(column).check()
    agent_page.get_by_role("button", name="Enregistrer la décision et envoyer le courrier").click()
    agent_page.wait_for_url("**/bureau/cas")
    assert f"Décision enregistrée pour {reference}" in agent_page.content()

    # The final answer reaches the office by e-mail, and its history shows it.
    answer = smtp_server.wait_for(2)[1]
    assert reference in answer.subject
    assert "L132-8" in pdf_text(answer.attachments()[0][2])
    page.goto(f"{live_server.url}/historique")
    row = page.locator("tbody tr").first.inner_text()
    assert reference in row
    assert OUTCOME_WORDINGS["recoverable_aid"] in row
    assert "en cours de vérification" not in row


def test_statistics_page_is_accessible(agent_page, live_server, agent, check_accessibility):
    sign_in_page(agent_page, live_server, agent.login, agent.password)
    agent_page.wait_for_url("**/bureau")
    agent_page.get_by_role("link", name="Statistiques").click()
    agent_page.wait_for_url("**/bureau/statistiques")
    check_accessibility(agent_page, "statistics page")
    assert agent_page.locator("svg[role=img]").count() == 1


def test_admin_pages_are_accessible(agent_page, live_server, admin, notary, check_accessibility):
    sign_in_page(agent_page, live_server, admin.login, admin.password)
    agent_page.wait_for_url("**/bureau")
    for path, name in [
        ("/bureau/comptes", "account list"),
        ("/bureau/comptes/nouveau?role=notary", "new account form"),
        (f"/bureau/comptes/{notary.id}", "account page"),
        ("/bureau/comptes/import-offices", "office import"),
        ("/bureau/imports", "imports page"),
        ("/bureau/audit", "audit page"),
        ("/bureau/courriers", "letter previews"),
        ("/bureau/double-authentification", "TOTP enrolment"),
    ]:
        agent_page.goto(f"{live_server.url}{path}")
        check_accessibility(agent_page, name)

    agent_page.goto(f"{live_server.url}/bureau/comptes/nouveau?role=notary")
    agent_page.get_by_role("button", name="Enregistrer").click()
    check_accessibility(agent_page, "new account form with errors")
    assert agent_page.locator("#name").get_attribute("aria-invalid") == "true"
