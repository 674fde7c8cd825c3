"""Render a letter: Chameleon template to HTML, then WeasyPrint to PDF/A-3b.

Rendering reads no database: ``LetterData`` carries what the letter states, and
``LetterBranding`` the Département's letterhead, so the back office preview and the
benchmark render letters the same way as the notary service does.
"""

import hashlib
import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import timezone as dt_timezone
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_currency
from chameleon import PageTemplateFile
from pyramid.i18n import Localizer, TranslationString, TranslationStringFactory, make_localizer
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from core.letters.branding import LetterBranding
from letters import LOCALE_DIR, TRANSLATION_DOMAIN

log = logging.getLogger(__name__)

_ = TranslationStringFactory(TRANSLATION_DOMAIN)

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

# The four letters: one per final outcome, and an acknowledgement sent at once for an
# ambiguous search. An ambiguous search gets the letter of its final outcome later,
# once an agent has settled it.
TEMPLATE_NAMES = {
    "unknown": "unknown.pt",
    "recoverable_aid": "recoverable_aid.pt",
    "possible_overpayment": "possible_overpayment.pt",
    "ambiguous": "ambiguous.pt",
}
OUTCOMES = tuple(TEMPLATE_NAMES)
LAYOUT_NAME = "layout.pt"
STYLESHEET_NAME = "letter.css"

PDF_VARIANT = "pdf/a-3b"

# The civil status fields of a search, with their labels, in the order letters list them.
CIVIL_STATUS_FIELDS = (
    ("usage_name", _("Nom d’usage")),
    ("birth_name", _("Nom de naissance")),
    ("first_names", _("Prénoms")),
    ("birth_date", _("Date de naissance")),
    ("death_date", _("Date de décès")),
    ("death_place", _("Lieu de décès")),
)
CIVIL_STATUS_LABELS = dict(CIVIL_STATUS_FIELDS)


class LetterRenderingError(Exception):
    """Rendering failed; the message, in French, gives the cause and the fix."""


@dataclass(frozen=True)
class LetterData:
    """The facts one letter states about a search, independent of the Département's branding.

    ``civil_status`` pairs a label (a message id of the ``letters`` domain) with the
    value as the notary typed it. Both times are naive UTC, as stored in the database.
    """

    outcome: str
    reference: str
    searched_at: datetime
    letter_date: datetime
    deceased_name: str
    civil_status: tuple[tuple[str, str], ...]
    office_name: str
    office_address: tuple[str, ...] = ()
    office_crpcen: str = ""
    file_reference: str = ""


@dataclass(frozen=True)
class RenderedLetter:
    pdf: bytes
    template_hash: str
    filename: str
    language: str
    html: str = field(repr=False, default="")


def render_letter(branding: LetterBranding, data: LetterData, language: str = DEFAULT_LANGUAGE) -> RenderedLetter:
    """Render ``data`` with ``branding`` as a PDF/A-3b document in ``language``."""
    if data.outcome not in TEMPLATE_NAMES:
        raise LetterRenderingError(f"Aucun modèle de courrier pour le résultat « {data.outcome} ».")
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE

    paths = _template_paths(branding, data.outcome)
    try:
        html = render_html(branding, data, language, paths)
    except Exception as error:
        # A Département's own template may fail in any way; the back office preview
        # shows this message so that the administrator can fix the file.
        template = paths[TEMPLATE_NAMES[data.outcome]]
        log.warning("letter_template_failed template=%s error=%s", template.name, type(error).__name__)
        raise LetterRenderingError(
            f"Le modèle de courrier {template} (ou {paths[LAYOUT_NAME].name}) n'a pas pu être appliqué : "
            f"{type(error).__name__}: {error}"
        ) from error
    try:
        pdf = _write_pdf(html, branding, paths[STYLESHEET_NAME])
    except LetterResourceError as error:
        raise LetterRenderingError(str(error)) from error
    return RenderedLetter(
        pdf=pdf,
        template_hash=_hash_files([*paths.values(), *branding.images]),
        filename=_filename(data, language),
        language=language,
        html=html,
    )


def render_html(branding: LetterBranding, data: LetterData, language: str, paths: dict | None = None) -> str:
    """Render the letter's HTML, with every text translated into ``language``."""
    paths = paths or _template_paths(branding, data.outcome)
    localizer = localizer_for(language)

    def translate(msgid, domain=None, mapping=None, default=None, context=None, target_language=None):
        # Chameleon calls this for every i18n:translate element.
        string = TranslationString(msgid, domain=domain or TRANSLATION_DOMAIN, default=default, mapping=mapping)
        return localizer.translate(string)

    template = _load_template(paths[TEMPLATE_NAMES[data.outcome]])
    return template(
        layout=_load_template(paths[LAYOUT_NAME]),
        letter=_letter_view(data, language, localizer, branding.timezone),
        departement=_branding_view(branding, language),
        office=_office_view(data),
        civil_status=[
            {"label": localizer.translate(_(label)), "value": value} for label, value in data.civil_status
        ],
        urls={
            "logo": branding.logo.resolve().as_uri(),
            "signature": branding.signature.resolve().as_uri() if branding.signature else None,
        },
        translate=translate,
        target_language=language,
    )


def _template_paths(branding: LetterBranding, outcome: str) -> dict[str, Path]:
    names = (TEMPLATE_NAMES[outcome], LAYOUT_NAME, STYLESHEET_NAME)
    return {name: branding.template_path(name) for name in names}


def _letter_view(data: LetterData, language: str, localizer: Localizer, timezone: ZoneInfo) -> dict:
    if data.outcome == "ambiguous":
        title = _("Accusé de réception de votre demande ${reference}", mapping={"reference": data.reference})
    else:
        title = _("Réponse à votre demande ${reference}", mapping={"reference": data.reference})
    subject = _(
        "Succession de ${name} : recherche d’aide sociale récupérable",
        mapping={"name": data.deceased_name},
    )
    return {
        "language": language,
        "title": localizer.translate(title),
        "subject": localizer.translate(subject),
        "reference": data.reference,
        "file_reference": data.file_reference,
        "date": long_date(local_date(data.letter_date, timezone), language),
        "search_date": long_date(local_date(data.searched_at, timezone), language),
        "created_iso": data.letter_date.replace(microsecond=0).isoformat() + "Z",
    }


def local_date(moment: datetime, timezone: ZoneInfo) -> date:
    """Return the date in ``timezone`` of ``moment``, a naive UTC datetime."""
    return moment.replace(tzinfo=dt_timezone.utc).astimezone(timezone).date()


def long_date(day: date, language: str) -> str:
    """Return ``day`` spelt out, e.g. "1er décembre 2026" or "December 1, 2026"."""
    text = format_date(day, format="long", locale=language)
    # French writes the first day of a month as an ordinal; CLDR's long format does not.
    if language == "fr" and day.day == 1:
        text = "1er" + text[1:]
    return text


def _branding_view(branding: LetterBranding, language: str) -> dict:
    limit = format_currency(
        branding.funeral_expenses_limit, "EUR", format="#,##0\u00a0¤", locale=language, currency_digits=False
    )
    return {
        "name": branding.departement_name,
        "service": branding.service,
        "address": branding.address,
        "phone": branding.phone,
        "email": branding.email,
        "website": branding.website,
        "hours": branding.hours,
        "city": branding.city,
        "signatory_name": branding.signatory_name,
        "signatory_title": branding.signatory_title,
        "funeral_expenses_limit": limit,
    }


def _office_view(data: LetterData) -> dict:
    return {"name": data.office_name, "address": data.office_address, "crpcen": data.office_crpcen}


# The web server renders letters from several threads, and WeasyPrint does not
# document thread safety. Four threads sharing one FontConfiguration made GLib report
# "corrupted double-linked list detected" once here (WeasyPrint 70, Debian GLib), though
# later runs did not reproduce it. One letter at a time per process is plenty for a
# Département's volumes (about 600 searches a month in the Rhône).
_WEASYPRINT_LOCK = threading.Lock()


def _write_pdf(html: str, branding: LetterBranding, stylesheet: Path) -> bytes:
    fetcher = LetterResourceFetcher(branding.resource_roots)
    with _WEASYPRINT_LOCK:
        css = _parsed_stylesheet(stylesheet, stylesheet.stat().st_mtime_ns, branding.resource_roots)
        document = HTML(string=html, base_url=stylesheet.parent.resolve().as_uri() + "/", url_fetcher=fetcher)
        return document.write_pdf(stylesheets=[css], pdf_variant=PDF_VARIANT, font_config=_font_config())


@lru_cache(maxsize=16)
def _parsed_stylesheet(path: Path, mtime_ns: int, roots: tuple[Path, ...]) -> CSS:
    # Parsing letter.css takes about a tenth of a letter's rendering time, so it is
    # parsed once per version of the file: an edited stylesheet has a new mtime.
    return CSS(filename=str(path), url_fetcher=LetterResourceFetcher(roots), font_config=_font_config())


class LetterResourceFetcher(URLFetcher):
    """Load only local files under the letter folders, so a letter never fetches a URL.

    A template that points anywhere else makes rendering fail with a message, rather
    than a letter silently missing its logo or stylesheet.
    """

    def __init__(self, roots: tuple[Path, ...]):
        super().__init__(allowed_protocols=("file", "data"))
        self._roots = roots

    def fetch(self, url, headers=None):
        if url.startswith("file:"):
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(root) for root in self._roots):
                raise LetterResourceError(url)
        elif not url.startswith("data:"):
            raise LetterResourceError(url)
        return super().fetch(url, headers)


class LetterResourceError(FatalURLFetchingError):
    def __init__(self, url: str):
        super().__init__(
            f"Le modèle de courrier fait appel à une ressource non autorisée : {url}. "
            "Un courrier ne peut utiliser que des fichiers du dossier des modèles, "
            "du logo ou de la signature."
        )


@lru_cache(maxsize=None)
def _font_config() -> FontConfiguration:
    # Building the font configuration scans the system fonts: do it once per process.
    return FontConfiguration()


@lru_cache(maxsize=None)
def localizer_for(language: str) -> Localizer:
    """Return the translator of the ``letters`` domain into ``language``."""
    return make_localizer(language, [str(LOCALE_DIR)])


@lru_cache(maxsize=64)
def _load_template(path: Path) -> PageTemplateFile:
    # auto_reload: the back office preview shows an edited template at once, without
    # restarting the service.
    return PageTemplateFile(str(path), auto_reload=True)


def _hash_files(paths) -> str:
    digest = hashlib.sha256()
    for path in sorted(set(paths)):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _filename(data: LetterData, language: str) -> str:
    reference = re.sub(r"[^A-Za-z0-9_-]+", "-", data.reference).strip("-") or "sans-reference"
    if data.outcome == "ambiguous":
        stem = "accuse-reception" if language == "fr" else "acknowledgement"
    else:
        stem = "courrier" if language == "fr" else "letter"
    return f"{stem}-{reference}.pdf"
