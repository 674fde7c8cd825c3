"""Deterministic synthetic register people, for the demo, tests and benchmarks.

The people look like a French Département's social-aid register. Surnames are
frequent ones, names with particles (DE, DU, D', LE, LA, DE LA), hyphenated double names,
apostrophes, accents and ligatures (LŒUILLET). People have one to four given names, and
married women a usage name that differs from their birth name. Birth dates lie mostly
between 1915 and 1960, a few of them partial, and aids use the demo Département's codes.
Nobody in it is real.

The same ``seed`` always yields the same people, whatever the machine or the date, so
tests and benchmark files can be rebuilt identically.
"""

import csv
import datetime
import random
from collections.abc import Iterator
from pathlib import Path

from core.connectors.records import PartialDate

# Columns of the csv_generic default mapping, in order.
EXTRACTION_COLUMNS = (
    "person_id",
    "usage_name",
    "birth_name",
    "first_names",
    "sex",
    "birth_date",
    "aid_code",
    "aid_label",
    "aid_start",
    "aid_end",
)

# Aid dates end here rather than today, so that the output does not depend on the day
# it is generated and no date is ever in the future.
LAST_AID_DATE = datetime.date(2024, 12, 31)

# Frequent French surnames, most frequent first: the weight of a name decreases with its
# rank, which gives the many homonyms a real register has.
COMMON_SURNAMES = (
    "MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS",
    "MOREAU", "LAURENT", "SIMON", "MICHEL", "LEFEBVRE", "LEROY", "ROUX", "DAVID",
    "BERTRAND", "MOREL", "FOURNIER", "GIRARD", "BONNET", "DUPONT", "LAMBERT", "FONTAINE",
    "ROUSSEAU", "VINCENT", "MULLER", "LEFÈVRE", "FAURE", "ANDRÉ", "MERCIER", "BLANC",
    "GUÉRIN", "BOYER", "GARNIER", "CHEVALIER", "FRANÇOIS", "LEGRAND", "GAUTHIER", "GARCIA",
    "PERRIN", "ROBIN", "CLÉMENT", "MORIN", "NICOLAS", "HENRY", "ROUSSEL", "MATHIEU",
    "GAUTIER", "MASSON", "MARCHAND", "DUVAL", "DENIS", "DUMONT", "MARIE", "LEMAIRE",
    "NOËL", "MEYER", "DUFOUR", "MEUNIER", "BRUN", "BLANCHARD", "GIRAUD", "JOLY",
    "RIVIÈRE", "LUCAS", "BRUNET", "GAILLARD", "BARBIER", "ARNAUD", "MARTINEZ", "GÉRARD",
    "ROCHE", "RENARD", "SCHMITT", "ROY", "LEROUX", "COLIN", "VIDAL", "CARON",
    "PICARD", "ROGER", "FABRE", "AUBERT", "LEMOINE", "RENAUD", "DUMAS", "LACROIX",
    "OLIVIER", "PHILIPPE", "BOURGEOIS", "PIERRE", "BENOÎT", "REY", "LECLERC", "PAYET",
    "ROLLAND", "LECLERCQ", "GUILLAUME", "LECOMTE", "LOPEZ", "JEAN", "DUPUY", "GUILLOT",
    "HUBERT", "BERGER", "CARPENTIER", "SANCHEZ", "DUPUIS", "MOULIN", "LOUIS", "DESCHAMPS",
    "HUET", "VASSEUR", "PEREZ", "BOUCHER", "FLEURY", "ROYER", "KLEIN", "JACQUET",
    "ADAM", "PARIS", "POIRIER", "MARTY", "AUBRY", "GUYOT", "CARRÉ", "CHARLES",
    "RENAULT", "CHARPENTIER", "MÉNARD", "MAILLARD", "BARON", "BERTIN", "BAILLY", "HERVÉ",
    "SCHNEIDER", "FERNANDEZ", "LE GALL", "COLLET", "LÉGER", "BOUVIER", "JULIEN", "PRÉVOST",
    "MILLET", "PERROT", "DANIEL", "LE ROUX", "COUSIN", "GERMAIN", "BRETON", "BESSON",
    "LANGLOIS", "RÉMY", "LE GOFF", "PELLETIER", "LÉVÊQUE", "PERRIER", "LEBLANC", "BARRÉ",
    "LEBRUN", "MARCHAL", "WEBER", "MALLET", "HAMON", "BOULANGER", "JACOB", "MONNIER",
    "MICHAUD", "RODRIGUEZ", "GUICHARD", "GILLET", "ÉTIENNE", "GRONDIN", "POULAIN", "TESSIER",
    "CHEVALLIER", "COLLIN", "CHAUVIN", "DA SILVA", "BOUCHET", "GAY", "LEMAÎTRE", "BENARD",
    "MARÉCHAL", "HUMBERT", "REYNAUD", "ANTOINE", "HOARAU", "PERRET", "BARTHÉLEMY", "CORDIER",
    "PICHON", "LEJEUNE", "GILBERT", "LAMY", "DELAUNAY", "PASQUIER", "CARLIER", "LAPORTE",
)

# Rarer surnames that exercise normalisation: particles, apostrophes, ligatures,
# accents and names of several words.
UNUSUAL_SURNAMES = (
    "DE LA FONTAINE", "DE GAULLE", "DU PONT", "DU BELLAY", "D'ALMEIDA", "D'ARTAGNAN",
    "D'ESTAING", "D'HONDT", "DE SAINT-EXUPÉRY", "DES ROCHES", "DE LA TOUR", "LA ROCHE",
    "LE CORRE", "LE BRIS", "LE BIHAN", "LE FLOCH", "L'HERMITTE", "L'HUILLIER", "N'DIAYE",
    "O'NEILL", "DELA CROIX", "LA FAYETTE", "DE BEAUVOIR", "VAN DEN BERGHE", "DOS SANTOS",
    "LŒUILLET", "BŒUF", "CŒURDEROY", "SŒUR", "VŒUX", "MŒLLER", "ÆSCHIMANN",
    "GRÉGOIRE", "FRANÇAIS", "CHÂTEAU", "NÉGRIER", "LEFÈBVRE", "BÉRANGER", "MÜLLER",
    "AÏT-ALI", "BEN SAÏD", "N'GUYEN", "DEL PIERO", "DI MARIA", "LÉONARD", "CHRÉTIEN",
    "SAINT-JUST", "SAINTE-CROIX", "LA SALLE", "DU CHÂTELET", "DE MONTMORENCY", "DE L'ÉPÉE",
)

MALE_GIVEN_NAMES = (
    "Jean", "Pierre", "Louis", "André", "Marcel", "René", "Henri", "Roger", "Georges",
    "Paul", "Joseph", "Robert", "Maurice", "Jacques", "Michel", "Claude", "Bernard",
    "Gérard", "Raymond", "Lucien", "Émile", "Fernand", "François", "Daniel", "Alain",
    "Albert", "Marius", "Édouard", "Gaston", "Léon", "Charles", "Eugène", "Auguste",
    "Roland", "Guy", "Yves", "Serge", "Gilbert", "Noël", "Raoul", "Étienne", "Hervé",
    "Jean-Pierre", "Jean-Claude", "Jean-Louis", "Jean-Marie", "Jean-Paul", "Jean-Jacques",
    "Jean-François", "Pierre-Marie", "Jean-Baptiste", "Marc-Antoine",
)

FEMALE_GIVEN_NAMES = (
    "Marie", "Jeanne", "Marguerite", "Germaine", "Louise", "Yvonne", "Madeleine", "Suzanne",
    "Simone", "Denise", "Paulette", "Odette", "Andrée", "Renée", "Colette", "Monique",
    "Jacqueline", "Françoise", "Josette", "Geneviève", "Hélène", "Thérèse", "Lucienne",
    "Raymonde", "Nicole", "Danielle", "Christiane", "Éliane", "Micheline", "Ginette",
    "Gisèle", "Lucie", "Berthe", "Alice", "Juliette", "Léonie", "Noëlle", "Anaïs",
    "Zoé", "Agnès", "Béatrice", "Cécile", "Mireille", "Solange", "Huguette", "Bernadette",
    "Marie-Louise", "Marie-Thérèse", "Marie-Claire", "Anne-Marie", "Marie-Jeanne",
    "Marie-Madeleine", "Marie-Christine", "Marie-France",
)

# Aid code → (label, earliest age at the start, latest start year or None).
AIDS = {
    "ASH_PA": ("Aide sociale à l'hébergement des personnes âgées", 60, None),
    "ASH_PH": ("Aide sociale à l'hébergement des personnes handicapées", 20, None),
    "AIDE_MENAGERE": ("Aide ménagère à domicile", 60, None),
    "ACCUEIL_FAMILIAL": ("Accueil familial", 60, None),
    "APA_DOMICILE": ("Allocation personnalisée d'autonomie à domicile", 60, None),
    "APA_ETABLISSEMENT": ("Allocation personnalisée d'autonomie en établissement", 60, None),
    "PCH": ("Prestation de compensation du handicap", 20, None),
    # The ACTP gave way to the PCH in 2006: only older files still carry it.
    "ACTP": ("Allocation compensatrice pour tierce personne", 20, 2005),
    "RSA": ("Revenu de solidarité active", 25, None),
    "FSL": ("Fonds de solidarité pour le logement", 20, None),
}
AID_WEIGHTS = {
    "APA_DOMICILE": 30, "APA_ETABLISSEMENT": 18, "ASH_PA": 14, "AIDE_MENAGERE": 10,
    "PCH": 8, "ASH_PH": 4, "ACCUEIL_FAMILIAL": 3, "ACTP": 3, "RSA": 6, "FSL": 4,
}
# The APA (2002), the PCH (2006) and the RSA (2009) did not exist before these years.
AID_FIRST_YEARS = {"APA_DOMICILE": 2002, "APA_ETABLISSEMENT": 2002, "PCH": 2006, "RSA": 2009}
EARLIEST_AID_YEAR = 1990


class _Generator:
    """The random draws behind :func:`generate_people`, from one seeded generator."""

    def __init__(self, seed: int):
        self.random = random.Random(seed)
        self.surname_weights = [1.0 / (rank + 8) for rank in range(len(COMMON_SURNAMES))]
        self.aid_codes = list(AID_WEIGHTS)
        self.aid_weights = list(AID_WEIGHTS.values())

    def surname(self) -> str:
        draw = self.random.random()
        if draw < 0.08:
            return self.random.choice(UNUSUAL_SURNAMES)
        if draw < 0.11:
            first, second = self.random.choices(COMMON_SURNAMES, self.surname_weights, k=2)
            return f"{first}-{second}"
        return self.random.choices(COMMON_SURNAMES, self.surname_weights)[0]

    def given_names(self, sex: str) -> str:
        pool = MALE_GIVEN_NAMES if sex == "M" else FEMALE_GIVEN_NAMES
        count = self.random.choices((1, 2, 3, 4), (45, 30, 18, 7))[0]
        names = []
        while len(names) < count:
            name = self.random.choice(pool)
            if name not in names:
                names.append(name)
        return " ".join(names)

    def birth_date(self) -> PartialDate:
        draw = self.random.random()
        if draw < 0.9:
            year = round(self.random.triangular(1915, 1960, 1935))
        elif draw < 0.95:
            year = self.random.randint(1900, 1914)
        else:
            year = self.random.randint(1961, 1995)
        partial = self.random.random()
        if partial < 0.02:
            return PartialDate(year)
        month = self.random.randint(1, 12)
        if partial < 0.03:
            return PartialDate(year, month)
        day = self.random.randint(1, _days_in_month(year, month))
        return PartialDate(year, month, day)

    def names(self, sex: str) -> tuple[str, str]:
        """Return (usage name, birth name); most women of these generations took a married name."""
        birth_name = self.surname()
        if sex == "F" and self.random.random() < 0.65:
            husband = self.surname()
            if self.random.random() < 0.07:
                return f"{husband}-{birth_name}", birth_name
            return husband, birth_name
        if self.random.random() < 0.1:
            # Some software leaves the birth name empty when it equals the usage name.
            return birth_name, ""
        return birth_name, birth_name

    def aids(self, birth: PartialDate) -> list[dict]:
        if self.random.random() < 0.55:
            return []
        count = self.random.choices((1, 2, 3), (60, 30, 10))[0]
        aids = []
        for code in self.random.choices(self.aid_codes, self.aid_weights, k=count):
            aid = self.aid(code, birth)
            if aid is not None:
                aids.append(aid)
        aids.sort(key=lambda aid: aid["start"])
        return aids

    def aid(self, code: str, birth: PartialDate) -> dict | None:
        label, minimum_age, latest_year = AIDS[code]
        first_year = max(birth.year + minimum_age, AID_FIRST_YEARS.get(code, EARLIEST_AID_YEAR))
        last_year = latest_year or LAST_AID_DATE.year
        if first_year > last_year:
            return None
        start = _random_date(self.random, datetime.date(first_year, 1, 1), datetime.date(last_year, 12, 31))
        end = None
        if self.random.random() < 0.5:
            end = _random_date(self.random, start, LAST_AID_DATE)
        return {"code": code, "label": label, "start": start, "end": end}


def _days_in_month(year: int, month: int) -> int:
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return (following - datetime.timedelta(days=1)).day


def _random_date(generator: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    last = min(last, LAST_AID_DATE)
    return first + datetime.timedelta(days=generator.randint(0, (last - first).days))


def generate_people(count: int, seed: int = 0) -> Iterator[dict]:
    """Yield ``count`` synthetic register people, the same ones for the same ``seed``.

    Each person is a dict with ``person_id`` (unique, ``"P0000001"`` …), ``usage_name``,
    ``birth_name`` (empty when the software left it blank), ``first_names``, ``sex``
    (``"M"``/``"F"``) and ``birth_date`` (:class:`PartialDate`, month and day 0 when
    unknown). Its ``aids`` are dicts with ``code``, ``label``, ``start`` and ``end``
    (:class:`datetime.date`, ``end`` None while the aid is open). More than half of the
    people have no aid.
    """
    generator = _Generator(seed)
    for index in range(count):
        sex = "F" if generator.random.random() < 0.58 else "M"
        usage_name, birth_name = generator.names(sex)
        birth_date = generator.birth_date()
        yield {
            "person_id": f"P{index + 1:07d}",
            "usage_name": usage_name,
            "birth_name": birth_name,
            "first_names": generator.given_names(sex),
            "sex": sex,
            "birth_date": birth_date,
            "aids": generator.aids(birth_date),
        }


def format_partial_date(value: PartialDate) -> str:
    """Format a birth date as the csv_generic default mapping reads it.

    Complete dates are ISO (``1931-05-17``); partial ones keep the day-first form
    Départements' software exports (``00/05/1931``, ``00/00/1931``).
    """
    if value.is_complete:
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def extraction_rows(people) -> Iterator[list[str]]:
    """Yield the rows of the default-mapping CSV for ``people``: one per person and aid."""
    for person in people:
        identity = [
            person["person_id"],
            person["usage_name"],
            person["birth_name"],
            person["first_names"],
            person["sex"],
            format_partial_date(person["birth_date"]),
        ]
        if not person["aids"]:
            yield identity + ["", "", "", ""]
        for aid in person["aids"]:
            end = aid["end"].isoformat() if aid["end"] else ""
            yield identity + [aid["code"], aid["label"], aid["start"].isoformat(), end]


def write_extraction(path: str | Path, count: int, seed: int = 0, *, unit: str = "people") -> dict:
    """Write a csv_generic default-mapping extraction of synthetic people to ``path``.

    ``count`` is a number of people, or of data rows (header excluded) when ``unit`` is
    ``"rows"``. In rows, the last person's aids are cut to land on exactly ``count`` rows.
    The file is UTF-8 and ``;``-separated. It is written as it is generated, so memory
    stays flat whatever the size. Returns ``{"people": …, "rows": …}``.
    """
    if unit not in ("people", "rows"):
        raise ValueError(f"unit must be 'people' or 'rows', not {unit!r}")
    # Every person yields at least one row, so ``count`` people are enough in both units.
    people = generate_people(count, seed)
    written_people = written_rows = 0
    last_person = None
    with Path(path).open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter=";", lineterminator="\n")
        writer.writerow(EXTRACTION_COLUMNS)
        for row in extraction_rows(people):
            if unit == "rows" and written_rows == count:
                break
            writer.writerow(row)
            written_rows += 1
            if row[0] != last_person:
                written_people += 1
                last_person = row[0]
    return {"people": written_people, "rows": written_rows}
