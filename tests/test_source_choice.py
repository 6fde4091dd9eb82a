"""Which member is a family's source, and which way a pair points, from text to answer: scans
of constructed families whose source is known by construction. The ids are chosen so that the
tie-breaks (smaller id, longer text) would pick a wrong source: only the rule under test can
pick the right one (`copytrace.cluster.choose_source`, `copytrace.relate` direction rules)."""

from __future__ import annotations

import random

from copytrace.document import Document
from copytrace.engines.local import scan

VOCAB = [f"{a}{b}" for a in ("port", "rail", "bank", "farm", "mill", "dock", "mine", "road")
         for b in ("er", "ing", "s", "ed", "ly", "ish", "dom", "ward", "ful", "less")]


def _article(seed: int, words: int = 420) -> str:
    r = random.Random(seed)
    sents = []
    while sum(len(s.split()) for s in sents) < words:
        n = r.randint(12, 24)
        sents.append(" ".join(r.choice(VOCAB) for _ in range(n)).capitalize() + ".")
    return " ".join(sents)


def _scan(docs):
    res = scan(docs)
    return {r.id: r for r in res.results}, res.pairs


def test_undated_the_text_that_contains_the_others_is_the_source():
    full = _article(1)
    words = full.split()
    docs = [Document(id="zz-full", text=full),  # the largest id: ties would not pick it
            Document(id="aa-head", text=" ".join(words[: int(len(words) * 0.7)])),
            Document(id="ab-tail", text=" ".join(words[int(len(words) * 0.3):]))]
    got, pairs = _scan(docs)
    assert {r.family for r in got.values()} == {"zz-full"}
    assert got["zz-full"].relation == "source"
    # each truncated copy points away from the full text (rule 3: the copy is contained)
    for p in pairs:
        if "zz-full" in (p.a, p.b) and p.relation != "same-story":
            assert p.direction == ("a->b" if p.a == "zz-full" else "b->a"), p


def test_all_dated_the_earliest_is_the_source_even_when_it_is_contained():
    full = _article(2)
    words = full.split()
    docs = [Document(id="a-longer-later", text=full + " " + _article(3, 80), date="2024-05-03"),
            Document(id="z-first", text=" ".join(words[:int(len(words) * 0.9)]),
                     date="2024-05-01"),
            Document(id="b-middle", text=full, date="2024-05-02")]
    got, pairs = _scan(docs)
    assert got["z-first"].relation == "source" and got["a-longer-later"].source == "z-first"
    for p in pairs:
        if "z-first" in (p.a, p.b):
            assert p.direction == ("a->b" if p.a == "z-first" else "b->a"), p  # rule 2


def test_identical_undated_twins_have_no_direction_and_the_tie_goes_to_the_smaller_id():
    text = _article(4)
    got, pairs = _scan([Document(id="twin-b", text=text), Document(id="twin-a", text=text)])
    pair, = pairs
    assert pair.relation == "verbatim" and pair.direction == "unknown"  # rule 5
    assert got["twin-a"].relation == "source" and got["twin-b"].relation == "verbatim"


def test_an_excerpt_inside_a_long_article_is_its_verbatim_copy():
    # 150 words lifted from the middle of a 2,000-word article: all of the excerpt is in the
    # article, 7% of the article is in the excerpt; the excerpt is the copy (rule 3)
    article = _article(5, 2000)
    words = article.split()
    excerpt = " ".join(words[900:1050])
    got, pairs = _scan([Document(id="a-excerpt", text=excerpt),
                        Document(id="z-article", text=article)])
    pair, = pairs
    assert pair.relation == "verbatim" and pair.direction == "b->a"  # z-article is the source
    assert got["z-article"].relation == "source" and got["a-excerpt"].source == "z-article"
    (a0, a1), (b0, b1) = pair.passages[0].a, pair.passages[0].b
    assert excerpt[a0:a1] == article[b0:b1] == excerpt  # exactly the lifted words, both sides
