"""TOTP codes: drift, single use, bad input."""

import pyotp
import pytest

from core.accounts.models import ROLE_AGENT
from core.backoffice import totp

NOW = 1_800_000_000.0


@pytest.fixture
def enrolled(new_account):
    return new_account(ROLE_AGENT, totp_secret=pyotp.random_base32())


def code_at(secret, when):
    return pyotp.TOTP(secret).at(when)


def test_code_accepted_once(dbsession, enrolled):
    code = code_at(enrolled.totp_secret, NOW)

    assert totp.verify_code(dbsession, enrolled, code, now=NOW)
    assert not totp.verify_code(dbsession, enrolled, code, now=NOW)


def test_code_one_step_late_accepted(dbsession, enrolled):
    assert totp.verify_code(dbsession, enrolled, code_at(enrolled.totp_secret, NOW - 30), now=NOW)


def test_code_two_steps_late_rejected(dbsession, enrolled):
    assert not totp.verify_code(dbsession, enrolled, code_at(enrolled.totp_secret, NOW - 60), now=NOW)


def test_older_code_rejected_after_newer(dbsession, enrolled):
    assert totp.verify_code(dbsession, enrolled, code_at(enrolled.totp_secret, NOW), now=NOW)
    assert not totp.verify_code(dbsession, enrolled, code_at(enrolled.totp_secret, NOW - 30), now=NOW)
    assert totp.verify_code(dbsession, enrolled, code_at(enrolled.totp_secret, NOW + 30), now=NOW + 30)


def test_code_with_spaces_accepted(dbsession, enrolled):
    code = code_at(enrolled.totp_secret, NOW)

    assert totp.verify_code(dbsession, enrolled, f"{code[:3]} {code[3:]}", now=NOW)


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5"])
def test_malformed_code_rejected(dbsession, enrolled, code):
    assert not totp.verify_code(dbsession, enrolled, code, now=NOW)


def test_account_without_secret_rejected(dbsession, new_account):
    account = new_account(ROLE_AGENT)

    assert not totp.verify_code(dbsession, account, "123456", now=NOW)


def test_enrolment_secret_checked_before_saving(dbsession, new_account):
    account = new_account(ROLE_AGENT)
    secret = totp.new_secret()

    assert totp.verify_code(dbsession, account, code_at(secret, NOW), secret=secret, now=NOW)


def test_provisioning_uri_names_login_and_issuer():
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, "agent@departement.example.fr")

    assert uri.startswith("otpauth://totp/")
    assert f"secret={secret}" in uri
    assert "agent%40departement.example.fr" in uri
    assert "issuer=D%C3%A9partements%20%26%20Notaires" in uri
