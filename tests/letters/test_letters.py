"""Letters rendered from real searches: their text, their storage, PDF/A, overrides."""

import os
import re
import shutil
from datetime import date, datetime

import pytest
from PIL import Image

from core.letters.branding import load_branding
from core.letters.models import Letter
from core.letters.render import LetterRenderingError, long_date, render_letter
from core.letters.sample import sample_letter_data
from core.letters.service import (
    create_letter,
    letter_for_search,
    letters_for_search,
    render_sample_letter,
)
from core.settings import ConfigurationError, load_departement
from letters import TEMPLATES_DIR
from tests.letters.conftest import DEMO_TOML
from tests.letters.pdf import embedded_fonts, image_count, pdf_text, read_pdf

CIVIL_STATUS_AS_TYPED = ("DUPONT", "MARTIN", "Jeanne Marie", "12/03/1931", "02/11/2026", "Lyon 3e")

OUTCOME_SENTENCES = {
    "unknown": [
        "Réponse du Département — inconnu : pas d’aide sociale récupérable",
        "n’est pas connue des services du Département comme bénéficiaire d’une aide sociale récupérable",
        "aucune créance sur cette succession au titre de l’article L132-8 du code de l’action sociale et des familles",
        "Cette réponse repose uniquement sur l’état civil que vous avez saisi",
    ],
    "recoverable_aid": [
        "Réponse du Département — connu : bénéficiaire d’une aide sociale récupérable",
        "article L132-8 du code de l’action sociale et des familles",
        "l’aide sociale à l’hébergement est récupérable dès le premier euro de l’actif net successoral",
        "qui excède 46 000 € (article R132-12 du même code)",
        "frais d’obsèques sont admis en déduction de l’actif successoral dans la limite de 3 500 €",
        "la déclaration de succession ou, à défaut, l’état détaillé de l’actif et du passif de la succession",
    ],
    "possible_overpayment": [
        "Réponse du Département — connu : prestation avec indu potentiel",
        "allocation personnalisée d’autonomie (APA), prestation de compensation du handicap (PCH) ou "
        "allocation compensatrice pour tierce personne (ACTP)",
        "Ces prestations ne sont pas récupérables sur la succession",
        "les sommes versées pour la période postérieure au décès sont des indus",
    ],
    "ambiguous": [
        "État de votre demande — doute : vérification par les services",
        "Votre demande est donc en cours de vérification par les services du Département",
        "ne constitue pas une réponse sur l’existence d’une créance",
    ],
}


@pytest.mark.parametrize("outcome", sorted(OUTCOME_SENTENCES))
def test_letter_text_per_outcome(dbsession, departement, office, make_search, outcome):
    search = make_search(outcome)

    letter = create_letter(dbsession, departement, search, office)
    text = pdf_text(letter.pdf)

    for sentence in OUTCOME_SENTENCES[outcome]:
        assert sentence in text
    for value in CIVIL_STATUS_AS_TYPED:
        assert value in text
    assert f"Nos références : {search.reference}" in text
    assert "Vos références : SUCC/2026/45" in text
    assert "Office notarial de Maître Claire Martin" in text
    assert "CRPCEN : 69001" in text
    assert "Département de démonstration" in text
    assert "Camille Durand" in text
    assert "1er décembre 2026" in text


def test_letters_only_state_their_own_outcome(departement):
    texts = {outcome: pdf_text(render(departement, outcome).pdf) for outcome in OUTCOME_SENTENCES}

    assert "L132-8" not in texts["possible_overpayment"]
    assert "46 000" not in texts["unknown"]
    assert "indus" not in texts["recoverable_aid"]
    assert "connu :" not in texts["ambiguous"]


def test_letter_keeps_civil_status_as_typed(dbsession, departement, office, make_search):
    search = make_search("unknown", usage_name="de la Fontaine-d’Arc", first_names="jean-édouard", birth_date="3/4/1940")

    text = pdf_text(create_letter(dbsession, departement, search, office).pdf)

    assert "de la Fontaine-d’Arc" in text
    assert "jean-édouard" in text
    assert "3/4/1940" in text


def test_letter_escapes_typed_markup(dbsession, departement, office, make_search):
    search = make_search("unknown", usage_name="<b>DUPONT</b> & fils")

    text = pdf_text(create_letter(dbsession, departement, search, office).pdf)

    assert "<b>DUPONT</b> & fils" in text


def test_letter_stored_with_search(dbsession, departement, office, make_search):
    search = make_search("recoverable_aid")

    letter = create_letter(dbsession, departement, search, office)
    dbsession.commit()
    dbsession.expunge_all()
    stored = dbsession.get(Letter, letter.id)

    assert stored.search_id == search.id
    assert stored.outcome == "recoverable_aid"
    assert stored.language == "fr"
    assert stored.filename == f"courrier-{search.reference}.pdf"
    assert stored.pdf.startswith(b"%PDF-")
    assert stored.pdf == letter.pdf
    assert re.fullmatch(r"[0-9a-f]{64}", stored.template_hash)
    assert isinstance(stored.created_at, datetime)


def test_settled_search_latest_letter_wins(dbsession, departement, office, make_search):
    search = make_search("ambiguous")
    acknowledgement = create_letter(dbsession, departement, search, office)
    search.outcome = "possible_overpayment"
    search.status = "answered"
    final = create_letter(dbsession, departement, search, office)
    dbsession.commit()

    assert acknowledgement.filename.startswith("accuse-reception-")
    assert letter_for_search(dbsession, search.id).id == final.id
    assert [letter.outcome for letter in letters_for_search(dbsession, search.id)] == [
        "ambiguous",
        "possible_overpayment",
    ]
    assert letter_for_search(dbsession, search.id + 1000) is None


def test_letter_is_pdfa_with_embedded_fonts(dbsession, departement, office, make_search):
    search = make_search("recoverable_aid")

    pdf = create_letter(dbsession, departement, search, office).pdf
    reader = read_pdf(pdf)
    root = reader.trailer["/Root"]

    assert reader.xmp_metadata.pdfaid_part == "3"
    assert reader.xmp_metadata.pdfaid_conformance == "B"
    assert root["/Lang"] == "fr"
    assert root["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
    assert reader.metadata.title == f"Réponse à votre demande {search.reference}"
    assert reader.metadata.author == "Département de démonstration"
    fonts = embedded_fonts(pdf)
    assert fonts
    assert all(fonts.values()), fonts
    assert any("DejaVu" in name for name in fonts)


def test_render_sample_letter_each_outcome(departement):
    for outcome in OUTCOME_SENTENCES:
        text = pdf_text(render_sample_letter(departement, outcome))
        assert OUTCOME_SENTENCES[outcome][0] in text
        assert "EXEMPLE" in text


def test_render_sample_letter_unknown_outcome(departement):
    with pytest.raises(LetterRenderingError, match="inexistant"):
        render_sample_letter(departement, "inexistant")


def test_english_letter(dbsession, departement, office, make_search):
    search = make_search("recoverable_aid")

    letter = create_letter(dbsession, departement, search, office, language="en")
    text = pdf_text(letter.pdf)

    assert letter.language == "en"
    assert letter.filename == f"letter-{search.reference}.pdf"
    assert "Social Action and Families Code" in text
    assert "article L132-8" in text
    assert "3,500 €" in text
    assert "December 1, 2026" in text
    assert read_pdf(letter.pdf).trailer["/Root"]["/Lang"] == "en"
    # The civil status stays as typed, whatever the language.
    assert "Jeanne Marie" in text


def test_unsupported_language_falls_back_to_french(dbsession, departement, office, make_search):
    letter = create_letter(dbsession, departement, make_search("unknown"), office, language="de")

    assert letter.language == "fr"
    assert "Maître," in pdf_text(letter.pdf)


# Overrides and branding ---------------------------------------------------------------


def render(departement, outcome: str):
    """Render a sample letter without the database, for tests of branding alone."""
    return render_letter(load_branding(departement), sample_letter_data(outcome, datetime(2026, 12, 4, 10, 0)))


def write_departement(tmp_path, letters_lines: list[str]):
    """Write a copy of the demo TOML with ``[letters]`` lines set; return the loaded config.

    A line for a key the demo already sets replaces it; other lines are added.
    """
    source = DEMO_TOML.read_text(encoding="utf-8")
    for line in letters_lines:
        key = line.split("=")[0].strip()
        source, replaced = re.subn(rf"^{key} = .*$", line, source, count=1, flags=re.MULTILINE)
        if not replaced:
            source = source.replace("[letters]\n", f"[letters]\n{line}\n", 1)
    path = tmp_path / "departement.toml"
    path.write_text(source, encoding="utf-8")
    return load_departement(path)


def test_override_replaces_only_its_template(tmp_path, departement):
    folder = tmp_path / "modeles"
    folder.mkdir()
    default_unknown = (TEMPLATES_DIR / "unknown.pt").read_text(encoding="utf-8")
    (folder / "unknown.pt").write_text(
        default_unknown.replace("Le Département ne fera donc valoir", "Texte propre au Département : il ne fera donc valoir"),
        encoding="utf-8",
    )
    custom = write_departement(tmp_path, ['templates = "modeles"'])

    unknown = render(custom, "unknown")
    recoverable = render(custom, "recoverable_aid")
    default = render(departement, "unknown")

    assert "Texte propre au Département : il ne fera donc valoir" in pdf_text(unknown.pdf)
    assert "dès le premier euro" in pdf_text(recoverable.pdf)
    assert unknown.template_hash != default.template_hash


def test_override_stylesheet_and_layout(tmp_path):
    folder = tmp_path / "modeles"
    folder.mkdir()
    templates = TEMPLATES_DIR
    layout = (templates / "layout.pt").read_text(encoding="utf-8")
    (folder / "layout.pt").write_text(
        layout.replace('<p class="salutation"', '<p>Pied de page propre au Département.</p>\n  <p class="salutation"'),
        encoding="utf-8",
    )
    shutil.copy(templates / "letter.css", folder / "letter.css")
    with (folder / "letter.css").open("a", encoding="utf-8") as stream:
        stream.write("\n.sender-name { text-transform: uppercase; }\n")
    custom = write_departement(tmp_path, ['templates = "modeles"'])

    text = pdf_text(render(custom, "unknown").pdf)

    assert "Pied de page propre au Département." in text
    assert "DÉPARTEMENT DE DÉMONSTRATION" in text


def test_override_with_remote_resource_rejected(tmp_path):
    folder = tmp_path / "modeles"
    folder.mkdir()
    layout = (TEMPLATES_DIR / "layout.pt").read_text(encoding="utf-8")
    (folder / "layout.pt").write_text(
        layout.replace('<img class="logo"', '<img src="http://127.0.0.1:9/logo.png" alt="" />\n    <img class="logo"'),
        encoding="utf-8",
    )
    custom = write_departement(tmp_path, ['templates = "modeles"'])

    with pytest.raises(LetterRenderingError, match="ressource non autorisée : http://127.0.0.1:9/logo.png"):
        render(custom, "unknown")


def test_override_with_template_error(tmp_path):
    folder = tmp_path / "modeles"
    folder.mkdir()
    (folder / "unknown.pt").write_text(
        '<html metal:use-macro="layout.macros[\'letter\']" xmlns:metal="http://xml.zope.org/namespaces/metal">'
        '<div metal:fill-slot="body">${champ_inexistant}</div></html>',
        encoding="utf-8",
    )
    custom = write_departement(tmp_path, ['templates = "modeles"'])

    with pytest.raises(LetterRenderingError, match="unknown.pt"):
        render(custom, "unknown")


def test_logo_and_signature_images(tmp_path):
    Image.new("RGB", (120, 60), (30, 80, 120)).save(tmp_path / "logo.png")
    Image.new("RGB", (200, 80), (10, 10, 10)).save(tmp_path / "signature.png")
    custom = write_departement(tmp_path, ['logo = "logo.png"', 'signature = "signature.png"'])

    with_images = render(custom, "unknown")

    assert image_count(with_images.pdf) == 2
    assert load_branding(custom).images == (tmp_path / "logo.png", tmp_path / "signature.png")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['logo = "absent.png"'], "logo .* fichier introuvable"),
        (['signature = "absent.png"'], "signature .* fichier introuvable"),
        (['templates = "absent"'], "templates .* dossier introuvable"),
        (["signature = 12"], "signature .* chemin entre guillemets"),
        (["address = 12"], "address .* liste de lignes"),
        (["phone = 400000000"], "phone .* chaîne de caractères"),
    ],
)
def test_branding_errors(tmp_path, lines, message):
    custom = write_departement(tmp_path, lines)

    with pytest.raises(ConfigurationError, match=message):
        load_branding(custom)


@pytest.mark.parametrize("value", ["-1", '"3500"', "true"])
def test_funeral_expenses_limit_invalid(tmp_path, value):
    source = DEMO_TOML.read_text(encoding="utf-8").replace(
        "funeral_expenses_limit = 3500", f"funeral_expenses_limit = {value}"
    )
    path = tmp_path / "departement.toml"
    path.write_text(source, encoding="utf-8")

    with pytest.raises(ConfigurationError, match="funeral_expenses_limit .* nombre d'euros"):
        load_branding(load_departement(path))


def test_funeral_expenses_limit_missing(tmp_path):
    source = DEMO_TOML.read_text(encoding="utf-8").replace("funeral_expenses_limit = 3500\n", "")
    path = tmp_path / "departement.toml"
    path.write_text(source, encoding="utf-8")

    with pytest.raises(ConfigurationError, match="funeral_expenses_limit manque"):
        load_branding(load_departement(path))


def test_branding_checked_at_start_up(tmp_path):
    from pyramid.config import Configurator

    source = DEMO_TOML.read_text(encoding="utf-8").replace("[letters]\n", '[letters]\nlogo = "absent.png"\n', 1)
    path = tmp_path / "departement.toml"
    path.write_text(source, encoding="utf-8")

    with pytest.raises(ConfigurationError, match="logo .* fichier introuvable"):
        with Configurator(settings={"departement.config": str(path)}) as config:
            config.include("core.settings")
            config.include("core.letters")


def test_logo_removed_after_start_up(tmp_path, dbsession, office, make_search):
    Image.new("RGB", (120, 60), (30, 80, 120)).save(tmp_path / "logo.png")
    custom = write_departement(tmp_path, ['logo = "logo.png"'])
    (tmp_path / "logo.png").unlink()

    with pytest.raises(LetterRenderingError, match="logo .* fichier introuvable"):
        create_letter(dbsession, custom, make_search("unknown"), office)


def test_letter_without_office(dbsession, departement, make_search):
    search = make_search("unknown", account_id=None, channel="batch", file_reference=None)

    letter = create_letter(dbsession, departement, search, None)
    text = pdf_text(letter.pdf)

    assert "CRPCEN" not in text
    assert "Vos références" not in text
    assert f"Nos références : {search.reference}" in text


def test_dates_are_local_to_departement(tmp_path, dbsession, departement, office, make_search):
    # 21:00 UTC on 1 December is 22:00 in Paris, but already 1:00 on 2 December in
    # La Réunion; 23:30 UTC is already 2 December in Paris too.
    evening = make_search("unknown", created_at=datetime(2026, 12, 1, 21, 0))
    late = make_search("unknown", created_at=datetime(2026, 12, 1, 23, 30))
    reunion = write_departement(tmp_path, ['timezone = "Indian/Reunion"'])

    paris_evening = pdf_text(create_letter(dbsession, departement, evening, office).pdf)
    reunion_evening = pdf_text(create_letter(dbsession, reunion, evening, office).pdf)
    paris_late = pdf_text(create_letter(dbsession, departement, late, office).pdf)

    assert "le 1er décembre 2026 au sujet" in paris_evening
    assert "le 2 décembre 2026 au sujet" in reunion_evening
    assert "le 2 décembre 2026 au sujet" in paris_late


def test_invalid_timezone(tmp_path):
    custom = write_departement(tmp_path, ['timezone = "Europe/Démoville"'])

    with pytest.raises(ConfigurationError, match="timezone .* fuseau horaire inconnu 'Europe/Démoville'"):
        load_branding(custom)


def test_long_dates():
    assert long_date(date(2026, 12, 1), "fr") == "1er décembre 2026"
    assert long_date(date(2026, 12, 11), "fr") == "11 décembre 2026"
    assert long_date(date(2026, 12, 1), "en") == "December 1, 2026"


def test_edited_stylesheet_applies_at_once(tmp_path):
    folder = tmp_path / "modeles"
    folder.mkdir()
    stylesheet = folder / "letter.css"
    shutil.copy(TEMPLATES_DIR / "letter.css", stylesheet)
    custom = write_departement(tmp_path, ['templates = "modeles"'])
    before = pdf_text(render(custom, "unknown").pdf)

    with stylesheet.open("a", encoding="utf-8") as stream:
        stream.write("\n.sender-name { text-transform: uppercase; }\n")
    os.utime(stylesheet, ns=(stylesheet.stat().st_atime_ns, stylesheet.stat().st_mtime_ns + 1_000_000))
    after = pdf_text(render(custom, "unknown").pdf)

    assert "DÉPARTEMENT DE DÉMONSTRATION" not in before
    assert "DÉPARTEMENT DE DÉMONSTRATION" in after


def test_stylesheet_import_of_url_rejected(tmp_path):
    folder = tmp_path / "modeles"
    folder.mkdir()
    (folder / "letter.css").write_text('@import url("http://127.0.0.1:9/style.css");\n', encoding="utf-8")
    custom = write_departement(tmp_path, ['templates = "modeles"'])

    with pytest.raises(LetterRenderingError, match="ressource non autorisée : http://127.0.0.1:9/style.css"):
        render(custom, "unknown")
