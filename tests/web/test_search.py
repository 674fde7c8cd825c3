"""Search form, answer page, letter download, e-mail and history of a notary office."""

import io

import pytest
import webtest
from pypdf import PdfReader
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.letters.models import Letter
from core.mail.models import OutgoingMail
from core.search.models import Search
from core.search.outcomes import OUTCOME_WORDINGS
from core.web.wording import OUTCOME_LABELS
from tests.smtp import smtp_server, smtp_settings  # noqa: F401
from tests.web.fixtures import KNOWN_PEOPLE, set_app_settings, sign_in, submit_search
from tests.conftest import REPO_ROOT

VALID = KNOWN_PEOPLE["recoverable_aid"]


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_outcome_labels_match_the_search_wordings():
    assert {key: str(value) for key, value in OUTCOME_LABELS.items()} == OUTCOME_WORDINGS


def test_search_form_is_labelled_and_explained(notary_app):
    page = notary_app.get("/recherche")
    for name in ("usage_name", "birth_name", "first_names", "birth_date", "death_date", "death_place", "file_reference"):
        assert page.html.find("label", attrs={"for": name}) is not None, name
    assert "JJ/MM/AAAA" in page.text
    assert "<title>Nouvelle recherche" in page.text


@pytest.mark.parametrize("outcome", ["recoverable_aid", "possible_overpayment", "unknown", "ambiguous"])
def test_each_outcome_reaches_its_answer_page(notary_app, register, outcome, session_factory):
    response = submit_search(notary_app, KNOWN_PEOPLE[outcome], status=303)
    page = response.follow()
    assert OUTCOME_WORDINGS[outcome] in page.text
    with session_factory() as dbsession:
        search = dbsession.scalar(select(Search))
        assert search.outcome == outcome
        assert search.reference in page.text
        assert dbsession.scalar(select(Letter).where(Letter.search_id == search.id)) is not None
        assert dbsession.scalar(select(OutgoingMail).where(OutgoingMail.search_id == search.id)) is not None
        actions = list(dbsession.scalars(select(AuditEvent.action)))
        assert "search" in actions
    if outcome == "ambiguous":
        assert "en cours de vérification" in page.text
        assert "la réponse suivra par e-mail" in page.text
        assert "accusé de réception" in page.text
    else:
        assert "Télécharger le courrier officiel" in page.text


def test_absent_person_is_unknown(notary_app, register):
    page = submit_search(notary_app, {**VALID, "usage_name": "Zyzomys", "birth_name": ""}, status=303).follow()
    assert OUTCOME_WORDINGS["unknown"] in page.text


def test_answer_page_shows_reference_date_and_input(notary_app, register):
    fields = {**VALID, "file_reference": "Succession Dupont 2026/14", "death_place": "Lyon"}
    page = submit_search(notary_app, fields, status=303).follow()
    assert "Succession Dupont 2026/14" in page.text
    assert "02/05/1931" in page.text
    assert "10/01/2026" in page.text
    assert "Lyon" in page.text


def test_letter_download_is_the_official_pdf(notary_app, register):
    answer = submit_search(notary_app, VALID, status=303).follow()
    download = answer.click(href="courrier.pdf")
    assert download.content_type == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    text = pdf_text(download.body)
    assert "L132-8" in text
    assert "DN-" in text


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"usage_name": "", "birth_name": ""}, "usage_name", "Indiquez le nom d'usage ou le nom de naissance"),
        ({"first_names": ""}, "first_names", "Indiquez au moins un prénom"),
        ({"birth_date": ""}, "birth_date", "Indiquez la date de naissance"),
        ({"death_date": ""}, "death_date", "Indiquez la date de décès"),
        ({"birth_date": "1931/05/02"}, "birth_date", "format JJ/MM/AAAA"),
        ({"birth_date": "31/02/1931"}, "birth_date", "Cette date n'existe pas"),
        ({"birth_date": "02/13/1931"}, "birth_date", "Cette date n'existe pas"),
        ({"death_date": "01/01/2099"}, "death_date", "Cette date est dans le futur"),
        ({"birth_date": "01/01/2099"}, "birth_date", "Cette date est dans le futur"),
        ({"death_date": "01/01/1930"}, "death_date", "avant la date de naissance"),
        ({"birth_date": "01/01/1880", "death_date": "02/01/2006"}, "death_date", "plus de 125 ans"),
        ({"death_date": "00/01/2026"}, "death_date", "doit être complète"),
        ({"usage_name": "1234"}, "usage_name", "au moins une lettre"),
        ({"file_reference": "x" * 101}, "file_reference", "trop long"),
    ],
)
def test_bad_input_gets_a_message_next_to_the_field(notary_app, register, fields, field, message, session_factory):
    page = submit_search(notary_app, {**VALID, **fields}, status=400)
    error = page.html.find(id=f"{field}-error")
    assert error is not None, page.text
    assert message in error.text
    field_input = page.html.find("input", id=field)
    assert field_input["aria-invalid"] == "true"
    assert f"{field}-error" in field_input["aria-describedby"]
    with session_factory() as dbsession:
        assert dbsession.scalar(select(Search)) is None


def test_partial_birth_date_is_accepted(notary_app, register):
    submit_search(notary_app, {**VALID, "birth_date": "00/00/1931"}, status=303)


def test_typed_values_are_kept_after_an_error(notary_app, register):
    page = submit_search(notary_app, {**VALID, "death_date": "hier"}, status=400)
    assert page.forms["search-form"]["usage_name"].value == "Dupont"
    assert page.forms["search-form"]["death_date"].value == "hier"


def test_search_without_register_says_so(notary_app):
    page = submit_search(notary_app, VALID, status=503)
    assert "pas encore été chargé" in page.text


def test_another_office_gets_404_for_answer_and_letter(notary_app, other_notary_app, register):
    answer_url = submit_search(notary_app, VALID, status=303).location
    other_notary_app.get(answer_url, status=404)
    other_notary_app.get(answer_url + "/courrier.pdf", status=404)
    notary_app.get(answer_url, status=200)


def test_unknown_reference_is_404(notary_app):
    page = notary_app.get("/recherche/DN-2026-999999", status=404)
    assert "Page introuvable" in page.text


def test_staff_cannot_use_notary_pages(agent_app):
    page = agent_app.get("/recherche", status=403)
    assert "Accès refusé" in page.text
    agent_app.get("/historique", status=403)


def test_anonymous_is_sent_to_sign_in(web_app):
    response = web_app.get("/historique", status=303)
    assert "/connexion?suivant=%2Fhistorique" in response.location


def test_terms_are_accepted_once_before_searching(web_app, session_factory):
    from core.accounts.models import Account
    from tests.web.fixtures import NOTARY_PASSWORD, make_account

    office = make_account(session_factory, role="notary", login="13003", password=NOTARY_PASSWORD,
                          email="etude.13003@notaires.example", terms_accepted=False)
    response = sign_in(web_app, office.login, office.password, status=303)
    assert response.location.endswith("/conditions")
    web_app.get("/recherche", status=303).location.endswith("/conditions")

    page = web_app.get("/conditions")
    refused = page.forms[1].submit(status=400)
    assert "Cochez la case" in refused.text
    form = web_app.get("/conditions").forms[1]
    form["accept"] = True
    assert form.submit(status=303).location.endswith("/recherche")
    web_app.get("/recherche", status=200)
    with session_factory() as dbsession:
        assert dbsession.get(Account, office.id).terms_accepted_at is not None


def test_answer_is_e_mailed_with_the_letter(web_ini, engine, register, notary, smtp_settings, smtp_server):
    from pyramid.paster import get_app

    set_app_settings(web_ini, {**smtp_settings, "mail.folder": ""})
    app = webtest.TestApp(get_app(str(web_ini), "main"), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    sign_in(app, notary.login, notary.password, status=303)
    page = submit_search(app, VALID, status=303).follow()
    received = smtp_server.wait_for(1)
    assert received[0].recipients == [notary.email]
    attachments = received[0].attachments()
    assert attachments[0][1] == "application/pdf"
    assert "L132-8" in pdf_text(attachments[0][2])
    reference = page.html.find("dd").text
    assert reference in received[0].subject


def test_history_lists_newest_first_with_status(notary_app, register):
    for outcome in ("unknown", "ambiguous", "recoverable_aid"):
        submit_search(notary_app, KNOWN_PEOPLE[outcome], status=303)
    page = notary_app.get("/historique")
    rows = page.html.find("tbody").find_all("tr")
    assert len(rows) == 3
    assert OUTCOME_WORDINGS["recoverable_aid"] in rows[0].text
    assert OUTCOME_WORDINGS["unknown"] in rows[2].text
    assert "en cours de vérification" in rows[1].text
    assert "répondu" in rows[0].text
    assert rows[0].find("a", href=lambda href: href and href.endswith("courrier.pdf")) is not None


def test_history_filters(notary_app, register):
    for outcome in ("unknown", "ambiguous", "recoverable_aid"):
        submit_search(notary_app, {**KNOWN_PEOPLE[outcome], "file_reference": f"dossier {outcome}"}, status=303)

    by_name = notary_app.get("/historique", {"nom": "dupont"})
    assert len(by_name.html.find("tbody").find_all("tr")) == 1
    by_reference = notary_app.get("/historique", {"nom": "dossier ambiguous"})
    assert len(by_reference.html.find("tbody").find_all("tr")) == 1
    by_outcome = notary_app.get("/historique", {"resultat": "ambiguous"})
    assert len(by_outcome.html.find("tbody").find_all("tr")) == 1
    pending = notary_app.get("/historique", {"resultat": "pending"})
    assert len(pending.html.find("tbody").find_all("tr")) == 1
    future = notary_app.get("/historique", {"du": "01/01/2099"})
    assert future.html.find("tbody") is None
    assert "Aucune recherche ne correspond" in future.text
    today = notary_app.get("/historique", {"au": "31/12/2099", "du": "01/01/2000"})
    assert len(today.html.find("tbody").find_all("tr")) == 3
    bad = notary_app.get("/historique", {"du": "hier"})
    assert "format JJ/MM/AAAA" in bad.html.find(id="du-error").text
    assert len(bad.html.find("tbody").find_all("tr")) == 3


def test_history_name_filter_ignores_accents(notary_app, register):
    typed = {**KNOWN_PEOPLE["unknown"], "usage_name": "Lœuillet-Hérault", "first_names": "Hélène"}
    submit_search(notary_app, typed, status=303)
    submit_search(notary_app, KNOWN_PEOPLE["ambiguous"], status=303)

    for name in ("helene", "HÉLÈNE", "loeuillet herault", "LOEUILLET-HERAULT", "Hérault"):
        page = notary_app.get("/historique", {"nom": name})
        rows = page.html.find("tbody").find_all("tr")
        assert len(rows) == 1, name
        assert "Hélène" in rows[0].text, name
    assert notary_app.get("/historique", {"nom": "hélèna"}).html.find("tbody") is None


def test_history_shows_only_own_searches(notary_app, other_notary_app, register):
    submit_search(notary_app, VALID, status=303)
    page = other_notary_app.get("/historique")
    assert page.html.find("tbody") is None


def test_history_is_paginated(notary_app, register, session_factory, notary):
    from datetime import datetime, timedelta

    from core.search.models import Search

    with session_factory() as dbsession:
        for number in range(45):
            dbsession.add(Search(
                reference=f"DN-2025-{number:06d}", created_at=datetime(2025, 1, 1) + timedelta(hours=number),
                account_id=notary.id, channel="web", usage_name="TEST", first_names="Page",
                birth_date="01/01/1940", outcome="unknown", status="answered",
            ))
        dbsession.commit()
    first = notary_app.get("/historique")
    assert len(first.html.find("tbody").find_all("tr")) == 20
    assert "DN-2025-000044" in first.html.find("tbody").find_all("tr")[0].text
    last = first.click(linkid=None, href="page=2").click(href="page=3")
    assert len(last.html.find("tbody").find_all("tr")) == 5
    assert "Page 3 / 3" in " ".join(last.html.find(class_="pagination").text.split())
    assert len(notary_app.get("/historique", {"page": "abc"}).html.find("tbody").find_all("tr")) == 20
    assert len(notary_app.get("/historique", {"page": "999"}).html.find("tbody").find_all("tr")) == 5


def test_answer_stands_when_the_letter_fails(web_ini, engine, register, notary, tmp_path, session_factory):
    from pyramid.paster import get_app

    # A Département template that breaks at rendering time.
    broken = tmp_path / "broken-letters"
    broken.mkdir()
    (broken / "recoverable_aid.pt").write_text("<p>${undefined_name.attribute}</p>", encoding="utf-8")
    source = (REPO_ROOT / "config" / "departements" / "demo.toml").read_text(encoding="utf-8")
    toml = tmp_path / "broken.toml"
    toml.write_text(source.replace("[letters]\n", f'[letters]\ntemplates = "{broken}"\n'), encoding="utf-8")
    set_app_settings(web_ini, {"departement.config": str(toml)})

    app = webtest.TestApp(get_app(str(web_ini), "main"), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    sign_in(app, notary.login, notary.password, status=303)
    page = submit_search(app, VALID, status=303).follow()
    assert OUTCOME_WORDINGS["recoverable_aid"] in page.text
    assert "Le courrier n'a pas pu être produit" in page.text
    with session_factory() as dbsession:
        assert dbsession.scalar(select(Search)) is not None
        assert dbsession.scalar(select(Letter)) is None
        assert dbsession.scalar(select(OutgoingMail)) is None
