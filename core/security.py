"""The one security policy: sessions, roles, permissions, CSRF and security headers.

Roles and the permissions they grant are named here and nowhere else; every view
states one of the ``PERMISSION_*`` names below. A signed-in user is an ``Account``
whose id and ``session_version`` sit in a signed cookie session, which expires after
``session.idle_timeout`` seconds without a request (30 minutes by default).
"""

import logging
import time

from pyramid.security import Allowed, Denied
from pyramid.csrf import get_csrf_token, new_csrf_token
from pyramid.events import NewResponse
from pyramid.interfaces import IRoutesMapper
from pyramid.request import RequestLocalCache
from pyramid.session import SignedCookieSessionFactory
from pyramid.security import remember
from pyramid.settings import asbool

from core.accounts.models import ROLE_ADMIN, ROLE_AGENT, ROLE_NOTARY, Account
from core.i18n import SESSION_KEY as LANGUAGE_SESSION_KEY
from core.i18n import _
from core.settings import ConfigurationError

log = logging.getLogger(__name__)

# Permissions named by views.
PERMISSION_ACCOUNT = "account"  # any signed-in account: change password, sign out
PERMISSION_NOTARY = "notary"  # a notary office's own searches, answers, letters
PERMISSION_STAFF = "staff"  # agents and administrators: doubtful cases, statistics
PERMISSION_ADMIN = "admin"  # administrators: accounts, imports, settings, audit

ROLE_PERMISSIONS = {
    ROLE_NOTARY: frozenset({PERMISSION_ACCOUNT, PERMISSION_NOTARY}),
    ROLE_AGENT: frozenset({PERMISSION_ACCOUNT, PERMISSION_STAFF}),
    ROLE_ADMIN: frozenset({PERMISSION_ACCOUNT, PERMISSION_STAFF, PERMISSION_ADMIN}),
}

SESSION_ACCOUNT_KEY = "account_id"
SESSION_VERSION_KEY = "account_version"
SESSION_SEEN_KEY = "seen_at"
# Set by the sign-in view for a staff account that still has to give its TOTP code.
# The second-factor view (route ``SECOND_FACTOR_ROUTE``) reads it, checks the code,
# then calls ``sign_in``.
PENDING_SECOND_FACTOR_KEY = "pending_account_id"
SECOND_FACTOR_ROUTE = "second_factor"

DEFAULT_IDLE_TIMEOUT = 30 * 60
# The cookie itself lives a little longer than the idle timeout, so that the policy
# sees the stale session and can tell the user why they are signed out.
COOKIE_GRACE = 5 * 60
# Flash messages are stored as their French msgid and translated when shown.
SESSION_EXPIRED_MESSAGE = _("Votre session a expiré faute d'activité. Reconnectez-vous.")
MIN_SECRET_LENGTH = 32

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


class SecurityPolicy:
    """Pyramid security policy: the identity is the session's active ``Account``."""

    def __init__(self, idle_timeout: int = DEFAULT_IDLE_TIMEOUT):
        self.idle_timeout = idle_timeout
        # Pyramid calls identity() at every use of request.identity (a layout uses it a
        # dozen times), so the account is loaded once per request and kept here.
        self._identity_cache = RequestLocalCache(self._load_identity)

    def identity(self, request) -> Account | None:
        return self._identity_cache.get_or_create(request)

    def _load_identity(self, request) -> Account | None:
        session = request.session
        account_id = session.get(SESSION_ACCOUNT_KEY)
        if account_id is None:
            return None

        now = time.time()
        seen_at = session.get(SESSION_SEEN_KEY, 0)
        if now - seen_at > self.idle_timeout:
            log.info("session_expired account_id=%s", account_id)
            reset_session(request)
            session.flash(SESSION_EXPIRED_MESSAGE, "info")
            return None

        account = request.dbsession.get(Account, account_id)
        if account is None or not account.is_active or account.session_version != session.get(SESSION_VERSION_KEY):
            # Disabled account or password changed elsewhere: this session ends.
            reset_session(request)
            return None

        session[SESSION_SEEN_KEY] = now
        return account

    def authenticated_userid(self, request):
        account = request.identity
        return account.id if account is not None else None

    def permits(self, request, context, permission):
        account = request.identity
        if account is None:
            return Denied("not signed in")
        if permission not in ROLE_PERMISSIONS.get(account.role, ()):
            return Denied(f"role {account.role} lacks {permission}")
        # A notary office uses the service only once it has accepted the terms of use.
        if permission == PERMISSION_NOTARY and account.terms_accepted_at is None:
            return Denied("terms of use not accepted")
        return Allowed(f"role {account.role} has {permission}")

    def remember(self, request, userid, **kw):
        account = kw["account"]
        session = reset_session(request)
        session[SESSION_ACCOUNT_KEY] = account.id
        session[SESSION_VERSION_KEY] = account.session_version
        session[SESSION_SEEN_KEY] = time.time()
        # A new CSRF token per sign-in, so a token seen before sign-in is worthless after.
        new_csrf_token(request)
        self._identity_cache.set(request, account)
        return []

    def forget(self, request, **kw):
        self._identity_cache.set(request, None)
        reset_session(request)
        new_csrf_token(request)
        return []


def reset_session(request):
    """Empty the session, keeping only the chosen language; return the session."""
    session = request.session
    language = session.get(LANGUAGE_SESSION_KEY)
    session.invalidate()
    if language is not None:
        session[LANGUAGE_SESSION_KEY] = language
    return session


def sign_in(request, account: Account) -> None:
    """Open a session for ``account`` once every sign-in factor has been checked."""
    remember(request, account.id, account=account)
    log.info("session_opened account_id=%s", account.id)


def requires_second_factor(account: Account) -> bool:
    """Tell whether ``account`` must give a TOTP code after its password."""
    return account.is_staff and (account.totp_required or account.totp_secret is not None)


def second_factor_available(request) -> bool:
    """Tell whether a view for the second sign-in step is registered."""
    mapper = request.registry.queryUtility(IRoutesMapper)
    return mapper is not None and mapper.get_route(SECOND_FACTOR_ROUTE) is not None


def add_security_headers(event) -> None:
    """Set the security headers on every response, and forbid caching of pages."""
    request, response = event.request, event.response
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.scheme == "https":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # Pages and letters carry personal data: no copy in a shared or browser cache.
    if not request.environ.get("PATH_INFO", "").startswith("/static/"):
        headers["Cache-Control"] = "no-store"


def make_session_factory(settings: dict):
    """Build the signed-cookie session factory from ``session.*`` settings."""
    secret = settings.get("session.secret", "")
    if len(secret) < MIN_SECRET_LENGTH or "CHANGE_ME" in secret:
        raise ConfigurationError(
            f"session.secret must be a random string of at least {MIN_SECRET_LENGTH} characters "
            "in the .ini file (for example the output of: python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    return SignedCookieSessionFactory(
        secret,
        cookie_name="dn_session",
        secure=asbool(settings.get("session.secure", False)),
        httponly=True,
        samesite="Lax",
        timeout=idle_timeout(settings) + COOKIE_GRACE,
        # Written even when a view raises (403, 404): an expired session must be cleared.
        set_on_exception=True,
    )


def idle_timeout(settings: dict) -> int:
    try:
        return int(settings.get("session.idle_timeout", DEFAULT_IDLE_TIMEOUT))
    except ValueError:
        raise ConfigurationError("session.idle_timeout must be a number of seconds.") from None


def includeme(config):
    settings = config.get_settings()
    config.set_session_factory(make_session_factory(settings))
    config.set_security_policy(SecurityPolicy(idle_timeout(settings)))
    # Every POST, PUT and DELETE must carry the session's CSRF token.
    config.set_default_csrf_options(require_csrf=True)
    config.add_request_method(get_csrf_token, "csrf_token", reify=True)
    config.add_subscriber(add_security_headers, NewResponse)
