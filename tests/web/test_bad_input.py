"""Odd input never gives a 500: control characters, bad encodings, huge or missing fields."""

import pytest

from tests.web.fixtures import KNOWN_PEOPLE, sign_in, submit_search

VALID = KNOWN_PEOPLE["recoverable_aid"]


def test_nul_character_in_login_is_a_failed_sign_in(web_app, notary):
    page = sign_in(web_app, notary.login + "\x00", "whatever password", status=400)
    assert "Identifiant ou mot de passe incorrect" in page.text


def test_nul_character_in_search_fields(notary_app, register):
    response = submit_search(notary_app, {**VALID, "usage_name": "Du\x00pont", "death_place": "Ly\x00on"}, status=303)
    assert "Lyon" in response.follow().text


def test_nul_character_in_history_filter(notary_app):
    notary_app.get("/historique", {"nom": "a\x00b"}, status=200)


def test_invalid_utf8_form_is_not_a_server_error(notary_app, register):
    token = notary_app.get("/recherche").forms["search-form"]["csrf_token"].value
    body = b"csrf_token=" + token.encode() + b"&usage_name=%FF%FE&first_names=Marie&birth_date=02/05/1931&death_date=10/01/2026"
    response = notary_app.post(
        "/recherche", body, content_type="application/x-www-form-urlencoded", expect_errors=True
    )
    assert response.status_int < 500


def test_huge_field_is_rejected_with_a_message(notary_app, register):
    page = submit_search(notary_app, {**VALID, "first_names": "Marie " * 20000}, status=400)
    assert "trop long" in page.html.find(id="first_names-error").text


def test_missing_fields_in_a_hand_made_post(notary_app, register):
    token = notary_app.get("/recherche").forms["search-form"]["csrf_token"].value
    page = notary_app.post("/recherche", {"csrf_token": token}, status=400)
    assert page.html.find(id="usage_name-error") is not None


@pytest.mark.parametrize("path", ["/recherche/%00", "/historique?page=-5&du=99/99/9999", "/langue/%00"])
def test_odd_urls_are_not_server_errors(notary_app, path):
    response = notary_app.get(path, expect_errors=True)
    assert response.status_int < 500


def test_long_reset_token_is_404(web_app):
    web_app.get("/reinitialiser/" + "a" * 5000, status=404)


def test_undecodable_address_is_a_400(wsgi_app):
    from webob import Request

    # WebTest's cookie jar cannot build such a URL, so the request goes to the app directly.
    response = Request.blank("/recherche/DN-%FF").get_response(wsgi_app)
    assert response.status_int == 400
    assert "Adresse invalide" in response.text
