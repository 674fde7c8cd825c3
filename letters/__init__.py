"""Default letter templates and branding, and the ``letters`` translation catalogs.

``templates/`` contains one Chameleon template per letter, the shared ``layout.pt``,
the print stylesheet ``letter.css`` and the default logo. A Département replaces any of
these files with a file of the same name in the folder that ``[letters] templates``
names in its TOML file. The files it does not replace come from here.

Message ids are the French texts; ``locale/en`` contains the English catalog. After
changing a text, from the repository root::

    pot-create -d letters -o letters/locale/letters.pot letters/templates/*.pt core/letters/*.py
    pybabel update -D letters -i letters/locale/letters.pot -d letters/locale
    (translate the new entries in letters/locale/en/LC_MESSAGES/letters.po)
    pybabel compile -D letters -d letters/locale
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
LOCALE_DIR = PACKAGE_DIR / "locale"
TRANSLATION_DOMAIN = "letters"
