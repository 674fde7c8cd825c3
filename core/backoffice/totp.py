"""TOTP second factor for agents and administrators (RFC 6238 through pyotp).

A code is accepted once: the time step it belongs to is stored in ``totp_use`` and a
later code must belong to a later step. Codes one step (30 s) early or late are
accepted, for clocks that drift.
"""

import hmac
import time

import pyotp
from sqlalchemy import update

from core.backoffice.models import TotpUse

ISSUER = "Départements & Notaires"
ACCEPTED_DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, login: str, issuer: str = ISSUER) -> str:
    """Return the ``otpauth://`` URI that authenticator apps read."""
    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=issuer)


def matching_timestep(secret: str, code: str, *, now: float | None = None) -> int | None:
    """Return the time step whose code is ``code``, within the accepted drift, or None."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(time.time() if now is None else now)
    for step in range(current - ACCEPTED_DRIFT_STEPS, current + ACCEPTED_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_code(dbsession, account, code: str, *, secret: str | None = None, now: float | None = None) -> bool:
    """Check ``code`` against the account's secret (or ``secret`` during enrolment) and
    consume its time step, so that the same code cannot be used twice."""
    secret = secret or account.totp_secret
    if not secret:
        return False
    step = matching_timestep(secret, code, now=now)
    if step is None:
        return False
    return _consume_timestep(dbsession, account.id, step)


def _consume_timestep(dbsession, account_id: int, step: int) -> bool:
    if dbsession.get(TotpUse, account_id) is None:
        dbsession.add(TotpUse(account_id=account_id, last_timestep=-1))
        dbsession.flush()

    # A conditional UPDATE, so two requests carrying one code cannot both pass.
    claimed = dbsession.execute(
        update(TotpUse)
        .where(TotpUse.account_id == account_id, TotpUse.last_timestep < step)
        .values(last_timestep=step)
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1
