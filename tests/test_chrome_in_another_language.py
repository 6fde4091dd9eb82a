"""Text two pages share in a language neither page is otherwise written in -- a multilingual
site's untranslated chrome -- is no evidence of a copy (`copytrace.relate.in_neither_language`),
on words and on sentences; a translation, or a copy that shares the page's own language, still
is. Every text here was written for these tests."""

import pytest

from copytrace.api import compare
from copytrace.language import detect
from copytrace.relate import in_neither_language

# an English subscription appeal, as the French and Spanish editions of one site carry it
CHROME = (
    "For more than twenty years, our newsroom has been guided by a simple idea: every reader "
    "deserves access to a broad range of views from the people who shape the events of the day. "
    "At a time of great uncertainty, that mission matters more than ever, and we remain "
    "committed to it. If you are in a position to support our work, please subscribe now. As a "
    "subscriber you will enjoy unlimited access to long reads, interviews and the full archive, "
    "and you will directly support independent commentary on the questions that matter most.")

# the teaser of another article, in English, that tops one of the French pages
TEASER = (
    "The new mayor may have promised a return to normal, but the truth is that there is no "
    "going back. The city is changing in fundamental ways, and the choices it makes in the "
    "next few years will decide whether its harbour, its schools and its housing can serve the "
    "people who live here now.")

FRENCH_ONE = (
    "PARIS – Le conseil municipal a voté mardi soir la fermeture du vieux pont du port aux "
    "camions pendant un mois. Les ingénieurs ont découvert des fissures profondes dans deux de "
    "ses piliers en acier et demandent des réparations rapides. Les commerçants du quartier "
    "craignent une baisse de leur chiffre d'affaires pendant les travaux, mais la mairie promet "
    "des navettes gratuites pour les clients et une signalisation renforcée sur les routes.")

FRENCH_TWO = (
    "LYON – Les chercheurs de l'université ont présenté jeudi une nouvelle méthode pour "
    "recycler les batteries des voitures électriques. Selon eux, le procédé permet de récupérer "
    "la plus grande partie du lithium et du cobalt sans utiliser de produits toxiques. Une usine "
    "pilote doit ouvrir l'an prochain dans la banlieue de la ville, avec une centaine d'emplois "
    "à la clé et le soutien financier de la région.")

SPANISH_ONE = (
    "MADRID – El ayuntamiento votó el martes por la noche cerrar el viejo puente del puerto a "
    "los camiones durante un mes. Los ingenieros descubrieron grietas profundas en dos de sus "
    "pilares de acero y piden reparaciones rápidas. Los comerciantes del barrio temen una caída "
    "de sus ventas durante las obras, pero el ayuntamiento promete autobuses gratuitos para los "
    "clientes y más señales en las carreteras.")


def test_the_rule():
    assert in_neither_language("en", "fr", "es")
    assert in_neither_language("en", "fr", "fr")
    assert not in_neither_language("en", "en", "fr")  # one page is written in it
    assert not in_neither_language("en", "und", "fr")  # too little left of one page to tell
    assert not in_neither_language("und", "fr", "fr")


def test_the_texts_are_in_the_languages_they_claim():
    assert (detect(CHROME), detect(FRENCH_ONE), detect(FRENCH_TWO), detect(SPANISH_ONE)) == \
        ("en", "fr", "fr", "es")


@pytest.mark.parametrize("semantic", [False, True])
def test_two_articles_sharing_only_a_sites_english_chrome_are_no_copy(semantic):
    # without the rule: an edited copy on words (the chrome is half of each page), a rewrite on
    # sentences (six identical sentences)
    pair = compare(CHROME + "\n" + FRENCH_ONE, CHROME + "\n" + FRENCH_TWO,
                   semantic=semantic).pair
    assert pair.relation not in ("verbatim", "edited", "rewrite", "translation")
    pair = compare(FRENCH_ONE + "\n" + CHROME, SPANISH_ONE.replace("MADRID", "SEVILLA") + "\n"
                   + CHROME, semantic=False).pair
    assert pair.relation not in ("verbatim", "edited")
    # what one page does not share opens with English too: its own text is still French
    pair = compare(CHROME + "\n" + FRENCH_ONE, CHROME + "\n" + TEASER + "\n" + FRENCH_TWO,
                   semantic=semantic).pair
    assert pair.relation not in ("verbatim", "edited", "rewrite", "translation")


def test_the_chrome_still_shows_as_a_passage():
    pair = compare(CHROME + "\n" + FRENCH_ONE, CHROME + "\n" + FRENCH_TWO, semantic=False).pair
    assert pair.relation == "partial"
    assert pair.passages


@pytest.mark.parametrize("semantic", [False, True])
def test_a_copy_with_the_same_chrome_is_still_a_copy(semantic):
    # a French copy that rewrote its last sentence: what each page does not share is French,
    # and it shares French lines besides the English chrome
    last = FRENCH_ONE.index("Les commerçants")
    copy = FRENCH_ONE[:last] + ("Le chantier doit commencer lundi prochain et durer quatre "
                                "semaines, selon un communiqué publié par la préfecture.")
    pair = compare(CHROME + "\n" + FRENCH_ONE, CHROME + "\n" + copy, semantic=semantic).pair
    assert pair.relation == "edited"


def test_a_page_reproducing_an_english_pages_own_text_is_still_its_copy():
    english = CHROME.replace("our newsroom", "the council's newsletter")
    pair = compare(english, FRENCH_ONE + "\n" + english, semantic=False).pair
    assert pair.relation in ("edited", "verbatim")


def test_a_translation_carrying_the_sites_english_chrome_is_still_a_translation():
    from conftest import FIXTURES

    original = (FIXTURES / "rewrite" / "original_en.txt").read_text(encoding="utf-8")
    spanish = (FIXTURES / "rewrite" / "translation_es.txt").read_text(encoding="utf-8")
    assert compare(original, spanish + "\n" + CHROME).pair.relation == "translation"
