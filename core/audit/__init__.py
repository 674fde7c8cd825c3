"""Audit trail: ``record_event`` adds an ``AuditEvent`` to the caller's transaction.

Sign-ins (success or failure), searches, letter views and downloads, decisions on
doubtful cases, account changes, imports and setting changes are recorded this way.
The row is committed or rolled back with the work it describes, so the trail does not
show an action whose transaction failed.
"""

import re
from datetime import datetime, timezone

from core.audit.models import AuditEvent

# Action names used across the application, for the audit page's filter. Other names
# are accepted if they have the same dotted lower-case shape (see ACTION_PATTERN).
KNOWN_ACTIONS = (
    "sign_in.success",
    "sign_in.failure",
    "sign_in.locked",
    "sign_in.second_factor_failure",
    "sign_out",
    "password.reset_request",
    "password.change",
    "password.set",
    "terms.accept",
    "totp.enrol",
    "totp.reset",
    "search",
    "letter.view",
    "letter.download",
    "case.decision",
    "case.note",
    "account.create",
    "account.update",
    "account.disable",
    "account.enable",
    "account.import",
    "account.invite",
    "import.run",
    "import.refused",
    "settings.change",
    "audit.export",
    "purge.run",
)
ACTION_PATTERN = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)*$")

# Keys that would carry personal data or secrets into the trail. ``details`` is for
# ids, counts and codes.
FORBIDDEN_DETAIL_KEYS = frozenset(
    {
        "password",
        "password_hash",
        "token",
        "totp_secret",
        "name",
        "usage_name",
        "birth_name",
        "first_names",
        "birth_date",
        "death_date",
    }
)


def utcnow() -> datetime:
    """Return the current UTC time as a naive datetime, as the ``DateTime`` columns store it."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def record_event(dbsession, *, action, actor=None, request=None, target=None, details=None):
    """Add an audit event to ``dbsession`` (committed with the caller's transaction).

    :param action: a fixed dotted name such as ``"sign_in.failure"`` or ``"case.decision"``.
    :param actor: the account acting (anything with ``id``, ``login`` and ``role``), or
        a plain string when there is no account, such as the login typed at a failed
        sign-in or ``"dn purge"`` for a command. When omitted, ``request.identity`` is
        used if there is one.
    :param request: the Pyramid request, for the remote address and the signed-in account.
    :param target: ``(type, id)``, or an ORM object (its table name and ``id``).
    :param details: a JSON-serialisable dict of ids, counts and codes, without personal data.
    :returns: the new ``AuditEvent``.
    :raises ValueError: on a malformed action or a forbidden key in ``details``.
    """
    if not isinstance(action, str) or len(action) > 64 or not ACTION_PATTERN.match(action):
        raise ValueError(f"Invalid audit action {action!r}: use a dotted lower-case name such as 'sign_in.failure'.")
    details = dict(details or {})
    forbidden = FORBIDDEN_DETAIL_KEYS.intersection(details)
    if forbidden:
        raise ValueError(f"Audit details must not contain personal data or secrets: {sorted(forbidden)}")

    if actor is None and request is not None:
        actor = getattr(request, "identity", None)
    actor_id, actor_label, role = _describe_actor(actor)
    target_type, target_id = _describe_target(target)

    event = AuditEvent(
        created_at=utcnow(),
        actor_id=actor_id,
        actor_label=actor_label,
        role=role,
        remote_addr=_remote_address(request),
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )
    dbsession.add(event)
    return event


def _describe_actor(actor) -> tuple[int | None, str | None, str | None]:
    if actor is None:
        return None, None, None
    if isinstance(actor, str):
        return None, actor[:200], None
    return getattr(actor, "id", None), _truncate(getattr(actor, "login", None), 200), getattr(actor, "role", None)


def _describe_target(target) -> tuple[str | None, str | None]:
    if target is None:
        return None, None
    if isinstance(target, tuple):
        target_type, target_id = target
    else:
        target_type, target_id = target.__tablename__, target.id
    return _truncate(target_type, 32), _truncate(None if target_id is None else str(target_id), 64)


def _remote_address(request) -> str | None:
    if request is None:
        return None
    return _truncate(getattr(request, "client_addr", None), 64)


def _truncate(value, length: int):
    return value[:length] if isinstance(value, str) else value


def includeme(config):
    """Nothing to register: the audit views live in ``core.backoffice``."""
