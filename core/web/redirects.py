"""Redirect targets: the home page of each role, and the return paths safe to follow."""

from core.accounts.models import ROLE_NOTARY

# The back office names its first page with this route; without it staff land on the
# change-password page, the only page they share with notaries.
STAFF_HOME_ROUTE = "backoffice"


def safe_next(path: str | None) -> str | None:
    """Return ``path`` if it is a path on this site, so a link cannot send users elsewhere."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    if any(ord(character) < 32 for character in path) or len(path) > 500:
        return None
    return path


def home_url(request, account=None) -> str:
    account = account or request.identity
    if account is None:
        return request.route_url("sign_in")
    if account.role == ROLE_NOTARY:
        if account.terms_accepted_at is None:
            return request.route_url("terms")
        return request.route_url("search")
    if request.registry.introspector.get("routes", STAFF_HOME_ROUTE) is not None:
        return request.route_url(STAFF_HOME_ROUTE)
    return request.route_url("change_password")
