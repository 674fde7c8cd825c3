"""Template values shared by every page: the layout macro, navigation, languages, forms.

Templates fill ``layout.macros['layout']``; the values added here by a ``BeforeRender``
subscriber are available in every page, including the back office's.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from pyramid.events import BeforeRender
from pyramid.renderers import get_renderer

from core.i18n import LANGUAGES, _
from core.web import wording

LANGUAGE_LABELS = {"fr": "Français", "en": "English"}
NAVIGATION_KEY = "web.navigation"


@dataclass(frozen=True)
class NavigationLink:
    route_name: str
    label: str
    permission: str
    order: int


@dataclass(frozen=True)
class Link:
    url: str
    label: str
    current: bool = False


@dataclass(frozen=True)
class LanguageLink:
    code: str
    label: str
    url: str


def add_navigation_link(config, route_name: str, label, permission: str, order: int = 50) -> None:
    """Config directive: show a header link to ``route_name`` to accounts with ``permission``."""
    config.registry.setdefault(NAVIGATION_KEY, []).append(
        NavigationLink(route_name, label, permission, order)
    )


def navigation_for(request) -> list[Link]:
    if request.identity is None:
        return []
    links = sorted(request.registry.get(NAVIGATION_KEY, []), key=lambda link: link.order)
    current_route = request.matched_route.name if request.matched_route else None
    return [
        Link(request.route_url(link.route_name), link.label, link.route_name == current_route)
        for link in links
        if request.has_permission(link.permission)
    ]


def languages_for(request) -> list[LanguageLink]:
    try:
        back_to = request.path_qs if request.method == "GET" else request.path
    except UnicodeDecodeError:
        # An address with undecodable bytes: switching language leads home instead.
        back_to = "/"
    return [
        LanguageLink(code, LANGUAGE_LABELS[code], request.route_url("language", code=code, _query={"retour": back_to}))
        for code in LANGUAGES
    ]


def add_renderer_globals(event) -> None:
    request = event.get("request")
    if request is None or event.get("renderer_name", "").endswith("json"):
        return
    event["layout"] = get_renderer("core:templates/layout.pt").implementation()
    event["forms"] = get_renderer("core:templates/forms.pt").implementation()
    event["departement"] = request.registry["departement"]
    event["navigation"] = navigation_for(request)
    event["languages"] = languages_for(request)
    event["translate_message"] = lambda message: request.localizer.translate(_(message))
    event["outcome_labels"] = wording.OUTCOME_LABELS
    event["outcome_explanations"] = wording.OUTCOME_EXPLANATIONS
    event["status_labels"] = wording.STATUS_LABELS
    event["format_datetime"] = wording.format_datetime
    event["format_date"] = wording.format_date
    event.setdefault("errors", {})
    event.setdefault("values", {})


def page_url(request, **params) -> str:
    """Return the current page's URL with ``params`` replacing those of its query string."""
    query = {key: value for key, value in request.GET.items() if key not in params}
    query.update({key: value for key, value in params.items() if value not in (None, "")})
    return request.path_url + ("?" + urlencode(query) if query else "")


def includeme(config):
    config.add_directive("add_navigation_link", add_navigation_link)
    config.add_subscriber(add_renderer_globals, BeforeRender)
