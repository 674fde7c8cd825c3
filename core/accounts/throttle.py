"""Slowing down repeated failed sign-ins from one network address.

Account lockout alone lets one address try a few passwords on every CRPCEN; this
counts failures per address, whatever login they tried. Past ``FREE_FAILURES`` within
``WINDOW``, each further failure blocks the address for twice as long as the previous
one, up to ``MAX_BLOCK``. The state lives in the database so that every process of the
service sees it.
"""

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from core.accounts.models import SignInThrottle, utcnow

FREE_FAILURES = 10
WINDOW = timedelta(hours=1)
FIRST_BLOCK = timedelta(seconds=2)
MAX_BLOCK = timedelta(minutes=15)

# Requests without REMOTE_ADDR (some WSGI test clients) share one bucket.
UNKNOWN_ADDRESS = "unknown"


def _address_key(address: str | None) -> str:
    return (address or UNKNOWN_ADDRESS)[:64]


def blocked_for(dbsession, address: str | None, *, now: datetime | None = None) -> timedelta | None:
    """Return how long ``address`` must still wait before trying again, or None."""
    now = now or utcnow()
    row = dbsession.get(SignInThrottle, _address_key(address))
    if row is None or row.blocked_until is None or row.blocked_until <= now:
        return None
    return row.blocked_until - now


def _get_or_create(dbsession, key: str, now: datetime) -> SignInThrottle:
    row = dbsession.get(SignInThrottle, key, with_for_update=True)
    if row is not None:
        return row
    # Two failures from a new address at once: the second insert loses and reads the row.
    try:
        with dbsession.begin_nested():
            row = SignInThrottle(address=key, failures=0, first_failure_at=now, last_failure_at=now)
            dbsession.add(row)
        return row
    except IntegrityError:
        return dbsession.get(SignInThrottle, key, with_for_update=True, populate_existing=True)


def record_failure(dbsession, address: str | None, *, now: datetime | None = None) -> None:
    """Count a failed sign-in from ``address`` and block it when past the free failures."""
    now = now or utcnow()
    key = _address_key(address)
    row = _get_or_create(dbsession, key, now)
    if now - row.last_failure_at > WINDOW:
        # A quiet hour starts a new run: an office that mistyped yesterday starts afresh.
        row.failures = 0
        row.first_failure_at = now
        row.blocked_until = None

    row.failures += 1
    row.last_failure_at = now
    beyond = row.failures - FREE_FAILURES
    if beyond > 0:
        block = min(FIRST_BLOCK * (2 ** min(beyond - 1, 20)), MAX_BLOCK)
        row.blocked_until = now + block
    dbsession.flush()
