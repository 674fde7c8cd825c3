"""The ``letters`` catalogs: extracted from the current sources, translated, compiled."""

import gettext
import shutil
import subprocess

import pytest
from babel.messages.pofile import read_po

from letters import LOCALE_DIR, PACKAGE_DIR, TEMPLATES_DIR

REPO_ROOT = PACKAGE_DIR.parent
POT = LOCALE_DIR / "letters.pot"
ENGLISH_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "letters.po"


def message_ids(path) -> set[str]:
    with path.open("rb") as stream:
        return {message.id for message in read_po(stream) if message.id}


@pytest.mark.skipif(shutil.which("pot-create") is None, reason="lingua's pot-create is not installed")
def test_pot_matches_sources(tmp_path):
    output = tmp_path / "letters.pot"
    sources = sorted(TEMPLATES_DIR.glob("*.pt")) + sorted((REPO_ROOT / "core" / "letters").glob("*.py"))

    subprocess.run(
        ["pot-create", "-d", "letters", "-o", str(output), *map(str, sources)],
        check=True, capture_output=True, cwd=REPO_ROOT, timeout=120,
    )

    assert message_ids(output) == message_ids(POT), "Run the commands in letters/__init__.py to update the catalogs."


def test_english_catalog_complete():
    with ENGLISH_PO.open("rb") as stream:
        catalog = read_po(stream)

    untranslated = [message.id for message in catalog if message.id and not message.string]
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]
    assert {message.id for message in catalog if message.id} == message_ids(POT)
    assert untranslated == []
    assert fuzzy == []


def test_english_mo_compiled_from_po():
    with ENGLISH_PO.open("rb") as stream:
        catalog = read_po(stream)
    compiled = gettext.translation("letters", localedir=str(LOCALE_DIR), languages=["en"])

    for message in catalog:
        if message.id:
            assert compiled.gettext(message.id) == message.string, message.id
