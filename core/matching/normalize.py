"""Normalisation of names for keys and comparison.

Cosmetic differences (case, accents, ligatures, hyphens, apostrophes, repeated spaces)
disappear here, so that they never reach the scoring. The import stores
``surname_keys(usage_name, birth_name)`` and ``" ".join(given_name_words(first_names))``
for every person, and searches compute the same keys from what the notary typed.
"""

import functools
import re
import unicodedata

# Leading particles removed to build roots: DE GAULLE and GAULLE share a root.
PARTICLES = frozenset(
    {"DE", "DU", "DES", "D", "LA", "LE", "LES", "L", "DEL", "DELLA", "DI", "DA", "DOS", "DAS", "VAN", "VON", "DER", "DEN"}
)

# Words that join two surnames in one field: "DUPONT épouse MARTIN", "MARTIN née DUPONT".
SURNAME_JOINERS = frozenset({"EPOUSE", "EP", "EPX", "NEE", "VEUVE", "VVE", "DIT", "DITE"})

_LIGATURES = str.maketrans({"Œ": "OE", "œ": "OE", "Æ": "AE", "æ": "AE", "ß": "SS"})
_NON_LETTERS = re.compile(r"[^A-Z]+")


def fold(text: str | None) -> str:
    """Return ``text`` in upper-case ASCII letters, words separated by single spaces."""
    if not text:
        return ""
    if not text.isascii():
        text = text.translate(_LIGATURES)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(char for char in text if not unicodedata.combining(char))
    return _NON_LETTERS.sub(" ", text.upper()).strip()


def name_key(text: str | None) -> str:
    """Return the surname with every separator removed: D'ALMEIDA, D ALMEIDA → DALMEIDA."""
    return fold(text).replace(" ", "")


def name_root(text: str | None) -> str:
    """Return the surname key without its leading particles: DE LA FONTAINE → FONTAINE."""
    words = fold(text).split()
    while len(words) > 1 and words[0] in PARTICLES:
        words.pop(0)
    return "".join(words)


@functools.lru_cache(maxsize=65536)
def folded_surname_keys(folded: str) -> tuple[str, ...]:
    """Return the key of a folded surname, then one key per leading particle dropped.

    DE LA FONTAINE gives DELAFONTAINE, LAFONTAINE and FONTAINE, so that a notary who
    writes LAFONTAINE or FONTAINE meets one of the register's keys.
    """
    words = folded.split()
    keys = ["".join(words)] if words else []
    while len(words) > 1 and words[0] in PARTICLES:
        words = words[1:]
        keys.append("".join(words))
    return tuple(keys)


def surname_keys(*names: str | None) -> set[str]:
    """Return the distinct keys of the given surnames, for the register's key index.

    Each name gives its folded_surname_keys, plus each word of a compound name
    (MARTIN-DUPONT gives MARTINDUPONT, MARTIN and DUPONT), so that a notary who types
    one part of it still meets a key.
    """
    keys = set()
    for name in names:
        folded = fold(name)
        keys.update(folded_surname_keys(folded))
        words = folded.split()
        if len(words) > 1:
            keys.update(word for word in words if len(word) > 1 and word not in PARTICLES)
    return keys


def split_surnames(text: str | None) -> list[str]:
    """Return the folded surnames of one input field, split at words like ÉPOUSE or NÉE.

    "DUPONT épouse MARTIN" gives ["DUPONT", "MARTIN"]; a plain name gives itself.
    """
    names, current = [], []
    for word in fold(text).split():
        if word in SURNAME_JOINERS and current:
            names.append(" ".join(current))
            current = []
        elif word not in SURNAME_JOINERS:
            current.append(word)
    if current:
        names.append(" ".join(current))
    return names


def given_name_words(text: str | None) -> list[str]:
    """Return the given names as folded words, a hyphenated name split into its parts."""
    return fold(text).split()
