"""Doubtful cases: queue, case page, decision with letter and e-mail, concurrency, notes."""

import io
import re
import threading

import pytest
import webtest
from pypdf import PdfReader
from sqlalchemy import select

from core.accounts.service import system_account_id
from core.audit.models import AuditEvent
from core.backoffice import cases
from core.backoffice.models import CaseDecision, CaseNote
from core.letters.models import Letter
from core.mail.models import OutgoingMail
from core.search.models import Search
from core.search.outcomes import OUTCOME_WORDINGS
from core.settings import load_departement
from tests.conftest import REPO_ROOT
from tests.smtp import smtp_server, smtp_settings  # noqa: F401
from tests.web.fixtures import *  # noqa: F401,F403
from tests.web.fixtures import KNOWN_PEOPLE, set_app_settings, sign_in, submit_search

DEMO_TOML = REPO_ROOT / "config" / "departements" / "demo.toml"


def signed_in(wsgi_app, account, address):
    app = webtest.TestApp(wsgi_app, extra_environ={"REMOTE_ADDR": address})
    sign_in(app, account.login, account.password, status=303)
    return app


@pytest.fixture
def office_app(wsgi_app, notary):
    return signed_in(wsgi_app, notary, "127.0.0.10")


@pytest.fixture
def staff_app(wsgi_app, agent):
    return signed_in(wsgi_app, agent, "127.0.0.11")


@pytest.fixture
def doubtful(office_app, register, session_factory) -> str:
    """Submit the search that matches two people of the register; return its reference."""
    submit_search(office_app, {**KNOWN_PEOPLE["ambiguous"], "file_reference": "Succession Bernard"}, status=303)
    with session_factory() as dbsession:
        search = dbsession.scalars(select(Search)).one()
        assert search.status == "pending_review"
        return search.reference


def candidate_choice(page, person_ref, dbsession, reference):
    search = dbsession.scalar(select(Search).where(Search.reference == reference))
    return str(next(item.id for item in search.candidates if item.person_ref == person_ref))


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_queue_lists_pending_oldest_first(staff_app, doubtful, office_app):
    submit_search(office_app, {**KNOWN_PEOPLE["ambiguous"], "death_date": "11/01/2026"}, status=303)

    page = staff_app.get("/bureau/cas")

    rows = page.html.find(id="queue").find("tbody").find_all("tr")
    assert len(rows) == 2
    assert doubtful in rows[0].text
    assert "0 h" in rows[0].text
    assert "Étude Dupont et associés" in rows[0].text


def test_case_page_shows_input_candidates_and_differences(staff_app, doubtful):
    page = staff_app.get(f"/bureau/cas/{doubtful}")

    table = page.html.find(id="comparison")
    assert "Candidat n° 1" in table.text
    assert "Candidat n° 2" in table.text
    assert "Aide sociale à l'hébergement" in table.text
    assert "Prestation de compensation du handicap" in table.text
    assert OUTCOME_WORDINGS["recoverable_aid"] in table.text
    assert "Score" in table.text
    # The candidates' birth name (BERNARD) matches the typed usage name: nothing marked there.
    assert table.find("mark") is None
    assert "Succession Bernard" in page.text


def test_differences_are_marked(staff_app, office_app, register, session_factory):
    submit_search(office_app, {"usage_name": "Bernart", "first_names": "Jean", "birth_date": "03/03/1945",
                               "death_date": "10/01/2026"}, status=303)
    with session_factory() as dbsession:
        search = dbsession.scalars(select(Search)).one()
    assert search.status == "pending_review", "a typo-level difference must give a doubt"

    page = staff_app.get(f"/bureau/cas/{search.reference}")

    marks = [mark.text for mark in page.html.find(id="comparison").find_all("mark")]
    assert "BERNARD" in marks


def test_decision_sends_letter_and_updates_history(web_ini, engine, register, notary, agent, smtp_settings,
                                                   smtp_server, session_factory):
    from pyramid.paster import get_app

    set_app_settings(web_ini, {**smtp_settings, "mail.folder": ""})
    wsgi_app = get_app(str(web_ini), "main")
    office_app = signed_in(wsgi_app, notary, "127.0.0.10")
    staff_app = signed_in(wsgi_app, agent, "127.0.0.11")
    submit_search(office_app, KNOWN_PEOPLE["ambiguous"], status=303)
    acknowledgement = smtp_server.wait_for(1)[0]
    assert "vérification en cours" in acknowledgement.subject
    with session_factory() as dbsession:
        reference = dbsession.scalars(select(Search.reference)).one()
        page = staff_app.get(f"/bureau/cas/{reference}")
        choice = candidate_choice(page, "100004", dbsession, reference)

    form = next(form for form in page.forms.values() if "choice" in form.fields)
    form["choice"] = choice
    response = form.submit(status=303).follow()

    assert f"Décision enregistrée pour {reference}" in response.text
    answer = smtp_server.wait_for(2)[1]
    assert answer.recipients == [notary.email]
    assert reference in answer.subject
    assert OUTCOME_WORDINGS["recoverable_aid"].replace("'", "’") in answer.text()
    filename, content_type, data = answer.attachments()[0]
    assert content_type == "application/pdf"
    assert "L132-8" in pdf_text(data)
    with session_factory() as dbsession:
        search = dbsession.scalars(select(Search)).one()
        assert (search.status, search.outcome) == ("answered", "recoverable_aid")
        decision = dbsession.scalars(select(CaseDecision)).one()
        assert decision.agent_id == agent.id
        assert decision.chosen_person_ref == "100004"
        assert decision.decided_at is not None
        assert [letter.outcome for letter in dbsession.scalars(select(Letter).order_by(Letter.id))] == [
            "ambiguous", "recoverable_aid"]
        event = dbsession.scalars(select(AuditEvent).where(AuditEvent.action == "case.decision")).one()
        assert event.actor_id == agent.id
        assert event.target_id == reference
    history = office_app.get("/historique")
    row = history.html.find("tbody").find("tr")
    assert OUTCOME_WORDINGS["recoverable_aid"] in row.text
    assert "en cours de vérification" not in row.text
    case_page = staff_app.get(f"/bureau/cas/{reference}")
    assert "Tranché le" in case_page.html.find(id="decision").text
    assert "Alex Agent" in case_page.html.find(id="decision").text


def test_decision_none_gives_unknown(staff_app, doubtful, session_factory):
    page = staff_app.get(f"/bureau/cas/{doubtful}")
    form = next(form for form in page.forms.values() if "choice" in form.fields)
    form["choice"] = "aucun"

    form.submit(status=303)

    with session_factory() as dbsession:
        search = dbsession.scalars(select(Search)).one()
        assert (search.status, search.outcome) == ("answered", "unknown")
        decision = dbsession.scalars(select(CaseDecision)).one()
        assert decision.none_matches is True
        assert decision.chosen_person_ref is None


def test_case_page_aid_dates_french(staff_app, doubtful):
    text = " ".join(staff_app.get(f"/bureau/cas/{doubtful}").html.get_text().split())

    assert re.search(r"(du|depuis le) \d{2}/\d{2}/\d{4}", text)
    assert not re.search(r"(du|depuis le) \d{4}-\d{2}-\d{2}", text)
    assert " au en cours" not in text


def test_command_line_case_letter_has_no_office(staff_app, doubtful, session_factory):
    with session_factory() as dbsession:
        search = dbsession.scalars(select(Search)).one()
        search.account_id = system_account_id(dbsession)
        search.channel = "batch"
        mails_before = len(dbsession.scalars(select(OutgoingMail)).all())
        dbsession.commit()
    page = staff_app.get(f"/bureau/cas/{doubtful}")
    # The system account has no CRPCEN to show.
    assert "(system)" not in page.text
    form = next(form for form in page.forms.values() if "choice" in form.fields)
    form["choice"] = "aucun"

    form.submit(status=303)

    with session_factory() as dbsession:
        letter = dbsession.scalars(select(Letter).order_by(Letter.id.desc())).first()
        assert letter.outcome == "unknown"
        assert "Compte système" not in pdf_text(letter.pdf)
        assert len(dbsession.scalars(select(OutgoingMail)).all()) == mails_before


def test_decision_choosing_pch_person(staff_app, doubtful, session_factory):
    page = staff_app.get(f"/bureau/cas/{doubtful}")
    with session_factory() as dbsession:
        choice = candidate_choice(page, "100005", dbsession, doubtful)
    form = next(form for form in page.forms.values() if "choice" in form.fields)
    form["choice"] = choice

    form.submit(status=303)

    with session_factory() as dbsession:
        assert dbsession.scalars(select(Search.outcome)).one() == "possible_overpayment"


@pytest.mark.parametrize("choice", ["", "999999", "abc"])
def test_decision_without_valid_choice_rejected(staff_app, doubtful, session_factory, choice):
    token = staff_app.get(f"/bureau/cas/{doubtful}").forms[1]["csrf_token"].value

    response = staff_app.post(f"/bureau/cas/{doubtful}", {"csrf_token": token, "choice": choice}, status=400)

    assert "Choisissez la personne" in response.html.find(id="choice-error").text
    with session_factory() as dbsession:
        assert dbsession.scalars(select(Search.status)).one() == "pending_review"


def test_second_agent_gets_clear_message(wsgi_app, staff_app, admin, doubtful, session_factory):
    other_app = signed_in(wsgi_app, admin, "127.0.0.12")
    first = next(form for form in staff_app.get(f"/bureau/cas/{doubtful}").forms.values() if "choice" in form.fields)
    second = next(form for form in other_app.get(f"/bureau/cas/{doubtful}").forms.values() if "choice" in form.fields)
    first["choice"] = "aucun"
    first.submit(status=303)
    second["choice"] = "aucun"

    response = second.submit(status=409)

    assert "vient d'être tranché par un autre agent" in response.html.find(id="case-message").text
    assert "Alex Agent" in response.html.find(id="decision").text
    with session_factory() as dbsession:
        assert len(dbsession.scalars(select(CaseDecision)).all()) == 1
        assert len(dbsession.scalars(select(Letter).where(Letter.outcome == "unknown")).all()) == 1


def test_concurrent_decisions_only_one_wins(doubtful, session_factory, agent, admin):
    """Two transactions decide at once: the second waits on the first's row lock, then loses."""
    from core.accounts.models import Account

    departement = load_departement(DEMO_TOML)
    first_session, second_session = session_factory(), session_factory()
    outcome = {}
    try:
        first_search = first_session.scalars(select(Search)).one()
        second_search = second_session.scalars(select(Search)).one()
        second_candidates = list(second_search.candidates)
        cases.decide_case(first_session, departement, first_search,
                          agent=first_session.get(Account, agent.id), candidate_id=None)

        def decide_second():
            try:
                cases.decide_case(second_session, departement, second_search,
                                  agent=second_session.get(Account, admin.id), candidate_id=second_candidates[0].id)
                outcome["second"] = "decided"
            except cases.CaseAlreadyDecided as error:
                outcome["second"] = str(error)
                second_session.rollback()

        thread = threading.Thread(target=decide_second)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive(), "the second decision must wait for the first transaction"
        first_session.commit()
        thread.join(30)
    finally:
        first_session.close()
        second_session.close()

    assert "vient d'être tranché" in outcome["second"]
    with session_factory() as dbsession:
        decisions = dbsession.scalars(select(CaseDecision)).all()
        assert [(decision.agent_id, decision.none_matches) for decision in decisions] == [(agent.id, True)]
        assert dbsession.scalars(select(Search.outcome)).one() == "unknown"


def test_note_is_kept_and_shown(staff_app, doubtful, session_factory):
    page = staff_app.get(f"/bureau/cas/{doubtful}")
    form = next(form for form in page.forms.values() if "note" in form.fields)
    form["note"] = "Appeler l'étude pour la date de naissance exacte."

    page = form.submit(status=303).follow()

    assert "Appeler l'étude pour la date de naissance exacte." in page.html.find(id="notes").text
    with session_factory() as dbsession:
        note = dbsession.scalars(select(CaseNote)).one()
        assert note.author_id is not None
        assert "case.note" in dbsession.scalars(select(AuditEvent.action)).all()


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001], ids=["empty", "blank", "too-long"])
def test_note_rejects_empty_or_long(staff_app, doubtful, text):
    page = staff_app.get(f"/bureau/cas/{doubtful}")
    form = next(form for form in page.forms.values() if "note" in form.fields)
    form["note"] = text

    response = form.submit(status=400)

    assert "1 à 2000 caractères" in response.html.find(id="note-error").text


def test_ordinary_search_has_no_case_page(staff_app, office_app, register, session_factory):
    submit_search(office_app, KNOWN_PEOPLE["unknown"], status=303)
    with session_factory() as dbsession:
        reference = dbsession.scalars(select(Search.reference)).one()

    staff_app.get(f"/bureau/cas/{reference}", status=404)
    staff_app.get("/bureau/cas/DN-2026-999999", status=404)
