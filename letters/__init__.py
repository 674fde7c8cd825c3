"""Default letter templates and branding, and the ``letters`` translation catalogs.

``templates/`` contains one Chameleon template per letter, the shared ``layout.pt``,
the print stylesheet ``letter.css`` and the default logo. A Département replaces any of
these files by putting a file of the same name in the folder named by ``[letters]
templates`` in its TOML file; the files it does not replace come from here.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
LOCALE_DIR = PACKAGE_DIR / "locale"
TRANSLATION_DOMAIN = "letters"
