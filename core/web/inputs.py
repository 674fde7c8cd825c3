"""Cleaning of text typed into forms and URLs before it reaches the database."""

import unicodedata

# Control characters (NUL included, which PostgreSQL rejects in text) and lone
# surrogates (left by undecodable bytes, which no database driver can encode).
_DROPPED_CATEGORIES = ("Cc", "Cs")


def clean_text(value) -> str:
    """Return ``value`` as one line: blanks collapsed, control characters removed."""
    text = "" if value is None else str(value)
    # Tabs and line breaks separate words, so they become spaces before the rest goes.
    text = " ".join(text.split())
    return "".join(character for character in text if unicodedata.category(character) not in _DROPPED_CATEGORIES)
