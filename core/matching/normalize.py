"""Normalisation of names for keys and comparison.

Cosmetic differences (case, accents, ligatures, hyphens, apostrophes, repeated spaces)
disappear here, so that they never reach the scoring.
"""

import re
import unicodedata

# Leading particles removed to build the root key: DE GAULLE and GAULLE share a root.
PARTICLES = frozenset(
    {"DE", "DU", "DES", "D", "LA", "LE", "LES", "L", "DEL", "DELLA", "DI", "DA", "DOS", "DAS", "VAN", "VON", "DER", "DEN"}
)

_LIGATURES = str.maketrans({"Œ": "OE", "œ": "OE", "Æ": "AE", "æ": "AE", "ß": "SS"})
_NON_LETTERS = re.compile(r"[^A-Z]+")


def fold(text: str | None) -> str:
    """Return ``text`` in upper-case ASCII letters, words separated by single spaces."""
    if not text:
        return ""
    text = text.translate(_LIGATURES)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char)).upper()
    return _NON_LETTERS.sub(" ", text).strip()


def name_key(text: str | None) -> str:
    """Return the surname with every separator removed: D'ALMEIDA, D ALMEIDA → DALMEIDA."""
    return fold(text).replace(" ", "")


def name_root(text: str | None) -> str:
    """Return the surname key without its leading particles: DE LA FONTAINE → FONTAINE."""
    words = fold(text).split()
    while len(words) > 1 and words[0] in PARTICLES:
        words.pop(0)
    return "".join(words)


def surname_keys(*names: str | None) -> set[str]:
    """Return the distinct keys and roots of the given surnames, empty ones left out."""
    keys = set()
    for name in names:
        for key in (name_key(name), name_root(name)):
            if key:
                keys.add(key)
    return keys


def given_name_words(text: str | None) -> list[str]:
    """Return the given names as folded words, a hyphenated name split into its parts."""
    return fold(text).split()
