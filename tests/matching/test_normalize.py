from core.matching.normalize import fold, given_name_words, name_key, split_surnames, surname_keys


def test_fold_removes_cosmetics():
    assert fold("  Lœuillet-Müller ") == "LOEUILLET MULLER"
    assert fold("Æschimann") == "AESCHIMANN"
    assert fold(None) == ""


def test_name_key_ignores_apostrophes_and_spaces():
    assert name_key("D'ALMEIDA") == name_key("d almeida") == name_key("Dalmeida") == name_key("D’Almeida")


def test_surname_keys_drop_particles_one_by_one():
    assert surname_keys("De la Fontaine") == {"DELAFONTAINE", "LAFONTAINE", "FONTAINE"}
    assert surname_keys("LE", None, "") == {"LE"}


def test_split_surnames_at_married_words():
    assert split_surnames("Dupont épouse Martin") == ["DUPONT", "MARTIN"]
    assert split_surnames("MARTIN née DUPONT") == ["MARTIN", "DUPONT"]
    assert split_surnames("Martin") == ["MARTIN"]


def test_given_name_words_split_commas_and_hyphens():
    assert given_name_words("Jean-Pierre, Marie") == ["JEAN", "PIERRE", "MARIE"]
