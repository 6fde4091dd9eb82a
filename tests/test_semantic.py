"""Rewrites, translations and stories: reuse without shared words."""

import numpy as np
import pytest
from conftest import FIXTURES

from copytrace.document import Document
from copytrace.config import ScanConfig
from copytrace.engines.local import scan
from copytrace.language import detect
from copytrace.normalize import tokenize
from copytrace.fingerprint.entities import entity_keys
from copytrace.semantic import monotone_matching

REWRITE = FIXTURES / "rewrite"


def _story_docs() -> list[Document]:
    # a report written for these tests, an English rewrite of it and translations into Spanish and
    # German (also written for these tests), dated after the report
    dates = {"original_en": "2025-03-03", "rewrite_en": "2025-03-04",
             "translation_es": "2025-03-04", "translation_de": "2025-03-05"}
    return [Document(name, (REWRITE / f"{name}.txt").read_text(encoding="utf-8"), date=date)
            for name, date in dates.items()]


def _unrelated() -> list[Document]:
    return [Document(p.stem, p.read_text(encoding="utf-8"))
            for p in sorted((FIXTURES / "sites").glob("*.txt"))]


@pytest.fixture(scope="module")
def story_scan():
    return scan(_unrelated() + _story_docs())


def test_rewrite_and_translations_join_the_family_of_their_source(story_scan):
    r = {x.id: x for x in story_scan.results}
    assert r["original_en"].relation == "source"
    assert r["rewrite_en"].relation == "rewrite"
    assert r["translation_es"].relation == "translation"
    assert r["translation_de"].relation == "translation"
    members = {k for k, x in r.items() if x.family == r["original_en"].family}
    assert members == {"original_en", "rewrite_en", "translation_es", "translation_de"}
    assert len({r[k].story for k in members}) == 1
    assert all(x.relation == "independent" for k, x in r.items() if k not in members)


def test_translation_passages_are_aligned_sentences(story_scan):
    docs = {d.id: d.text for d in story_scan.documents}
    pair, = [p for p in story_scan.pairs if {p.a, p.b} == {"original_en", "translation_es"}]
    assert pair.relation == "translation"
    assert pair.direction == ("a->b" if pair.a == "original_en" else "b->a")  # by date
    assert min(pair.containment_ab, pair.containment_ba) >= 0.8
    first = pair.passages[0]
    a, b = (first.a, first.b) if pair.a == "original_en" else (first.b, first.a)
    assert docs["original_en"][a[0]:a[1]].startswith("Dock workers at the port of Valmora")
    assert docs["translation_es"][b[0]:b[1]].startswith("Los trabajadores portuarios")


def test_semantic_stage_can_be_switched_off():
    res = scan(_unrelated() + _story_docs(), ScanConfig(semantic=False))
    assert not {p.relation for p in res.pairs} & {"rewrite", "translation", "same-story"}
    assert all(x.story == x.family for x in res.results)


def test_languages():
    texts = {REWRITE / f"{n}.txt": lang for n, lang in
             [("original_en", "en"), ("translation_es", "es"), ("translation_de", "de")]}
    for path, lang in texts.items():
        assert detect(path.read_text(encoding="utf-8")) == lang
    assert detect("12 34 !!") == "und"
    assert detect("Москва — столица России, крупнейший город страны.") == "ru"
    # two other scripts, each a quarter of the letters (half together): neither names the
    # language, the function words do
    mixed = ("Москва столица " * 3 + "مدينة كبيرة جدا " * 3
             + "the city is one of the largest in the world and the capital of the country " * 2)
    assert detect(mixed) == "en"
    assert detect("Москва столица " * 3 + "the city and the world") == "ru"


def test_language_fast_paths_answer_as_the_plain_rule():
    """`detect` takes shortcuts (ASCII text read as bytes, the six scripts counted together
    first); on texts of every kind they give what the plain rule gives: letters counted with
    ``str.isalpha``, each script tested, ``\\w+`` words lowered one by one."""
    import random
    import re
    from collections import Counter

    from copytrace.language import _SCRIPTS, _WORDS

    def plain(text: str) -> str:
        text = text[:4000]
        letters = sum(map(str.isalpha, text))
        if letters < 20:
            return "und"
        for lang, pattern in _SCRIPTS:
            if len(pattern.findall(text)) > 0.3 * letters:
                return lang
        words = [w.lower() for w in re.findall(r"\w+", text)]
        if not words:
            return "und"
        counts = Counter(words)
        share = {lang: sum(counts[w] for w in ws) / len(words) for lang, ws in _WORDS.items()}
        best = max(share, key=share.get)
        return best if share[best] >= 0.08 else "und"

    rng = random.Random(11)
    vocab = [w for ws in _WORDS.values() for w in ws] + [
        "The", "OF", "And", "x_1", "42", "don't", "e-mail", "Die", "für", "Straße", "İstanbul",
        "Москва", "и", "東京", "مدينة", "ภาษา", "한국", "ニュース", "naïve", "über", "½", "²"]
    seps = [" ", " ", " ", ", ", ". ", "\n", "-", "_", "'", "  ", "\t", "(", ")"]
    answers = Counter()
    for _ in range(3000):
        pool = rng.sample(vocab, rng.randint(3, 40))
        text = "".join(rng.choice(pool) + rng.choice(seps) for _ in range(rng.randint(0, 120)))
        if rng.random() < 0.4:
            text = text.encode("ascii", "ignore").decode()
        got = detect(text)
        assert got == plain(text), text
        answers[got] += 1
    assert len(answers) >= 8  # the test means something: many answers, "und" among them


def test_entity_keys_are_names_and_numbers_not_sentence_openers():
    text = "The White House said on Monday. Biden met Putin in Geneva, 40 km away in 2023."
    tokens = tokenize(text)
    keys = set(entity_keys(text, tokens).tolist())
    found = [text[s:e] for s, e, h in zip(tokens.start, tokens.end, tokens.hash.tolist())
             if h in keys]
    assert found == ["White", "House", "Monday", "Putin", "Geneva", "40", "2023"]


def test_sentence_alignment_keeps_order_and_threshold():
    sim = np.array([[0.9, 0.1, 0.1],
                    [0.1, 0.1, 0.95],
                    [0.1, 0.8, 0.1],
                    [0.1, 0.1, 0.5]])
    # rows 1 and 2 cross; the heavier in-order set is rows 0, 1 (0.9 + 0.95)
    assert monotone_matching(sim, 0.7).tolist() == [[0, 0], [1, 2]]
    assert monotone_matching(sim, 0.99).tolist() == []


def test_document_relations_stay_within_the_contract():
    # "same-story" is a pair relation only: a family member whose direct pair with the source
    # is same-story takes the relation of its own copy link instead
    from copytrace.relations import DOCUMENT_RELATIONS as RELATIONS

    res = scan(_unrelated() + _story_docs())
    assert all(r.relation in RELATIONS for r in res.results)
    got = {r.id: r.relation for r in res.results}
    want = {"original_en": "source", "rewrite_en": "rewrite", "translation_es": "translation",
            "translation_de": "translation"}
    assert got == {k: want.get(k, "independent") for k in got}  # exactly, document by document
    # the rewrite and the translations are also about the same story as each other: those pairs
    # are reported, and never become a document's relation
    assert any(p.relation in ("same-story", "rewrite", "translation") and
               {p.a, p.b} <= set(want) - {"original_en"} for p in res.pairs)


def test_a_translation_in_another_script_is_found_by_its_nearest_probe():
    # a Russian translation (written for these tests) shares no names with the English report
    # (Cyrillic names hash differently) and only numbers: the name-and-number channel misses
    # it; the nearest-probe channel across languages finds it

    ru = Document("translation_ru", (REWRITE / "translation_ru.txt").read_text(encoding="utf-8"))
    docs = _unrelated() + [_story_docs()[0], ru]
    found = scan(docs, ScanConfig())
    r = {x.id: x for x in found.results}
    assert r["translation_ru"].relation == "translation"
    assert r["translation_ru"].family == "original_en"
    assert all(x.relation == "independent" for k, x in r.items()
               if k not in ("original_en", "translation_ru"))
    off = scan(docs, ScanConfig(probes=False))
    assert all(x.relation == "independent" for x in off.results)


def _wildfire(dates=(None, None)) -> list[Document]:
    # two independent reports of one (invented) event, written for these tests: no shared
    # sentence, few shared names or numbers
    names = ("wildfire_report", "wildfire_second_outlet")
    return [Document(n, (FIXTURES / "story" / f"{n}.txt").read_text(encoding="utf-8"), date=d)
            for n, d in zip(names, dates)]


def test_independent_reports_of_one_event_are_one_story_not_one_family():

    res = scan(_unrelated() + _wildfire())
    r = {x.id: x for x in res.results}
    assert r["wildfire_report"].story == r["wildfire_second_outlet"].story
    assert r["wildfire_report"].family != r["wildfire_second_outlet"].family
    assert all(x.relation == "independent" for x in r.values())
    pair, = [p for p in res.pairs if {p.a, p.b} == {"wildfire_report", "wildfire_second_outlet"}]
    assert pair.relation == "same-story" and pair.passages == [] and pair.similarity >= 0.7
    # the unrelated pages stay stories of their own
    assert len({x.story for x in r.values()}) == len(r) - 1
    # without probes, the two share too few names and numbers to be compared at all
    off = scan(_unrelated() + _wildfire(), ScanConfig(probes=False))
    assert len({x.story for x in off.results}) == len(off.results)
    # dated months apart, they are not one event
    apart = scan(_unrelated() + _wildfire(("2025-01-10", "2025-06-02")))
    assert len({x.story for x in apart.results}) == len(apart.results)


def test_sentences_of_documents_in_two_languages_align_at_a_lower_cosine():
    # four sentence pairs at cosine 0.65: below the floor for a paraphrase in one language,
    # above the floor for a translation (cross-lingual cosines run lower)
    from copytrace.fingerprint.embed import DIM, SentenceVectors
    from copytrace.semantic import SemanticParams, judge

    rng = np.random.default_rng(0)
    base = rng.standard_normal((4, DIM))
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    noise = rng.standard_normal((4, DIM))
    noise -= (noise * base).sum(axis=1, keepdims=True) * base  # orthogonal to base
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    other = 0.65 * base + np.sqrt(1 - 0.65 ** 2) * noise
    spans = np.array([[k * 100, k * 100 + 90] for k in range(4)])
    a = SentenceVectors(spans, base.astype(np.float16))
    b = SentenceVectors(spans, other.astype(np.float16))
    p = SemanticParams()
    assert p.cross_sentence_threshold < 0.65 < p.sentence_threshold
    assert judge(a, b, "en", "en", p)[1] != "rewrite"
    assert judge(a, b, "en", "es", p)[1] == "translation"
    assert judge(a, b, "en", "und", p)[1] != "rewrite"  # undetermined: the stricter floor


def test_compare_names_two_reports_of_one_event_same_story_as_a_scan_would():
    from copytrace.pipeline import compare_two

    a, b = _wildfire()
    pair, _, _ = compare_two(a, b)
    assert pair.relation == "same-story" and pair.passages == []
    assert compare_two(a, b, ScanConfig(probes=False))[0].relation == "none"
    unrelated = _unrelated()[0]
    assert compare_two(a, unrelated)[0].relation == "none"


def test_site_chrome_is_not_sentence_evidence():
    # the same menu, banner and footer lines around eight different articles: boilerplate, which
    # word matching ignores and the sentence stage must ignore too (else two different articles
    # align on four chrome sentences: the makings of a false rewrite)
    from copytrace.pipeline import boilerplate_trimmed, prepare
    from copytrace.semantic import SemanticVerifier

    top = "Home | World | Business | Sport | Opinion\n"
    end = ("\nJoin our channel and get the latest breaking news delivered to you.\n"
           "Copyright 2026 Example Media.\nAll rights reserved.\n")
    docs = [Document(d.id, top + d.text + end) for d in _unrelated()]
    texts = [d.text for d in docs]
    _, matchable, bchars = prepare(docs, ScanConfig())
    assert all(bchars)
    bare = SemanticVerifier(texts)
    masked = SemanticVerifier(texts, matchable=boilerplate_trimmed(matchable, bchars))
    al_bare, _ = bare.verify(0, 5)
    al_masked, _ = masked.verify(0, 5)
    chrome = int((al_bare.pairs[:, 2] >= 990).sum())
    assert chrome >= 4  # the four chrome sentences align word for word
    assert len(al_masked.pairs) <= len(al_bare.pairs) - 4
    for k in (0, 5):  # no embedded sentence is chrome, and the article's own sentences are
        kept = v = masked.vectors[k].spans.tolist()
        assert all(s >= len(top) and e <= len(texts[k]) - len(end) for s, e in v)
        own = [sp for sp in bare.vectors[k].spans.tolist()  # sentences no other page carries
               if sum(texts[k][sp[0]:sp[1]] in t for t in texts) == 1]
        assert len(own) >= 3 and all(sp in kept for sp in own)


# written for these tests: a Chinese rendering of wildfire_report (no names or figures in Latin
# script or Arabic numerals, so it shares no name-and-number key with the English reports)
WILDFIRE_ZH = (
    "周二晚间，一场由强风推动的山火迫使山坡社区约三千名居民紧急撤离。消防部门表示，火势在傍晚六点后"
    "从干燥的灌木丛中燃起，几个小时内蔓延了大约八百公顷。\n\n"
    "周三清晨，灭火飞机加入救援。官员说，两栋房屋被烧毁，数个谷仓受损，但没有人受重伤。学校体育馆和"
    "社区会堂被用作临时安置点。\n\n"
    "气象部门警告，每小时七十公里的阵风和低湿度将使火势在周末前难以控制。")


def test_a_story_spans_scripts():
    # the English report, an independent English report of the same fire, and a Chinese
    # translation of the first: one story; the translation joins its original's family, the
    # independent report does not
    docs = (_unrelated() + _wildfire(("2025-03-04", "2025-03-04"))
            + [Document("wildfire_zh", WILDFIRE_ZH, date="2025-03-05")])
    r = {x.id: x for x in scan(docs).results}
    assert r["wildfire_zh"].relation == "translation"
    assert r["wildfire_zh"].family == r["wildfire_report"].family == "wildfire_report"
    assert r["wildfire_second_outlet"].family == "wildfire_second_outlet"
    assert r["wildfire_zh"].story == r["wildfire_report"].story == \
        r["wildfire_second_outlet"].story
    assert len({x.story for x in r.values()}) == len(r) - 2  # the other pages stay apart
    # the two scripts share no name-and-number key: without probes nothing links across them
    off = {x.id: x for x in scan(docs, ScanConfig(probes=False)).results}
    assert off["wildfire_zh"].story == "wildfire_zh" and off["wildfire_zh"].family == "wildfire_zh"


# written for these tests: a 52-word paragraph two reports of the fire both carry (not quoted),
# and a paragraph of each report's own
SHARED_NOTICE = (
    "The regional emergency agency published a list of road closures, warned drivers to avoid "
    "the valley road between the two bridges, and asked residents who had left their homes to "
    "register at the evacuation centres so that relatives could find them quickly and volunteers "
    "could bring blankets, food and medicine where they were needed most.")
OWN_A = (
    "Local farmers said the dry spring had left fields of grass as brittle as paper, and that "
    "they had moved cattle to lower pastures days before the fire began. The council will meet "
    "on Friday to discuss a fund for families whose homes were damaged, and schools in the area "
    "will stay closed until the air quality improves. Insurance assessors are expected to visit "
    "the worst affected streets early next week.")
OWN_B = (
    "Residents described a wall of orange light moving along the ridge as they packed their "
    "cars, and some said they had only minutes to collect documents and pets. A local bakery "
    "handed out bread and coffee at the school, and a church offered beds to elderly people who "
    "could not sleep on camp beds. Officials asked people not to fly drones near the fire, "
    "because they ground the water-bombing aircraft.")


def test_a_same_story_pair_keeps_the_passage_it_shares():
    # two reports of one fire that share one paragraph, too little of either to be a copy: the
    # pair is same-story (one story, two families) and still reports the shared paragraph,
    # word for word, as a partial pair would
    a, b = _wildfire(("2025-03-04", "2025-03-04"))
    a = Document(a.id, a.text + "\n\n" + SHARED_NOTICE + "\n\n" + OWN_A, date=a.date)
    b = Document(b.id, b.text + "\n\n" + OWN_B + "\n\n" + SHARED_NOTICE, date=b.date)
    res = scan(_unrelated() + [a, b])
    r = {x.id: x for x in res.results}
    assert r[a.id].story == r[b.id].story and r[a.id].family != r[b.id].family
    pair, = [p for p in res.pairs if {p.a, p.b} == {a.id, b.id}]
    assert pair.relation == "same-story" and pair.exact_share == 1.0
    (sa, ea), (sb, eb) = pair.passages[0].a, pair.passages[0].b
    assert len(pair.passages) == 1
    assert SHARED_NOTICE in a.text[sa - 2:ea + 2] and SHARED_NOTICE in b.text[sb - 2:eb + 2]
    assert 0 < pair.containment_ab < 0.3 and 0 < pair.containment_ba < 0.3
    # compare gives the same pair
    from copytrace.pipeline import compare_two
    one, _, _ = compare_two(a, b)
    assert one.relation == "same-story" and [p.a for p in one.passages] == [(sa, ea)]
