"""record_event: what it stores, what it refuses."""

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from core.audit import record_event
from core.audit.models import AuditEvent


def test_record_event_stores_actor_address_target(dbsession):
    actor = SimpleNamespace(id=7, login="agent@demo.fr", role="agent")
    request = SimpleNamespace(client_addr="127.0.0.1", identity=None)

    record_event(
        dbsession,
        action="case.decision",
        actor=actor,
        request=request,
        target=("search", "R-2026-000001"),
        details={"outcome": "unknown"},
    )
    dbsession.commit()

    event = dbsession.scalars(select(AuditEvent)).one()
    assert event.action == "case.decision"
    assert event.actor_id == 7
    assert event.actor_label == "agent@demo.fr"
    assert event.role == "agent"
    assert event.remote_addr == "127.0.0.1"
    assert event.target_type == "search"
    assert event.target_id == "R-2026-000001"
    assert event.details == {"outcome": "unknown"}
    assert event.created_at is not None


def test_record_event_takes_identity_from_request(dbsession):
    identity = SimpleNamespace(id=3, login="12345", role="notary")
    request = SimpleNamespace(client_addr="::1", identity=identity)

    record_event(dbsession, action="search", request=request)
    dbsession.commit()

    event = dbsession.scalars(select(AuditEvent)).one()
    assert (event.actor_id, event.actor_label, event.role) == (3, "12345", "notary")


def test_record_event_accepts_string_actor(dbsession):
    record_event(dbsession, action="sign_in.failure", actor="99999", details={"reason": "bad_password"})
    dbsession.commit()

    event = dbsession.scalars(select(AuditEvent)).one()
    assert event.actor_id is None
    assert event.actor_label == "99999"
    assert event.remote_addr is None


def test_record_event_rolls_back_with_caller(dbsession):
    record_event(dbsession, action="search")
    dbsession.rollback()

    assert dbsession.scalars(select(AuditEvent)).all() == []


@pytest.mark.parametrize("action", ["", "Sign In", "sign_in.", "a" * 65, None])
def test_record_event_rejects_malformed_action(dbsession, action):
    with pytest.raises(ValueError, match="Invalid audit action"):
        record_event(dbsession, action=action)


@pytest.mark.parametrize("key", ["password", "first_names", "birth_date", "usage_name"])
def test_record_event_rejects_personal_details(dbsession, key):
    with pytest.raises(ValueError, match="personal data"):
        record_event(dbsession, action="search", details={key: "x"})
