"""Acceptance on the five seed documents (examples/seeds, copied from ../shared/seeds)."""

from conftest import FIXTURES, SEEDS

from copytrace.engines.local import scan
from copytrace.ingest import read_inputs
from copytrace.normalize import tokenize


def by_prefix(result):
    return {r.id[:3]: r for r in result.results}


def test_000_and_001_are_one_family_and_the_rest_stand_alone(seed_docs):
    result = scan(seed_docs)
    r = by_prefix(result)
    assert r["000"].family == r["001"].family
    # 001 is a near-verbatim copy of 000's wire text (../shared/data/README.md): one source,
    # one edited copy (not verbatim: words differ; not two sources)
    assert sorted([r["000"].relation, r["001"].relation]) == ["edited", "source"]
    for other in ("002", "003", "004"):
        assert r[other].relation == "independent"
        assert r[other].family == r[other].id
        assert all(r[other].family != r[x].family for x in r if x != other)
    copies = [p for p in result.pairs if p.relation != "same-story"]
    assert len(copies) == 1


def test_all_five_are_one_story_and_the_spun_seed_stands_out(seed_docs):
    result = scan(seed_docs)
    r = by_prefix(result)
    assert len({x.story for x in r.values()}) == 1
    assert r["004"].relation == "independent" and r["004"].story == r["000"].story
    # same-story pairs link the independent documents without making them copies
    linked = {x for p in result.pairs if p.relation == "same-story" for x in (p.a[:3], p.b[:3])}
    assert {"002", "003", "004"} <= linked
    assert r["002"].spun_score >= 0.5
    assert all(r["002"].spun_score >= 2 * r[x].spun_score for x in r if x != "002")


def test_passages_cover_001_and_slice_back_to_matching_text(seed_docs):
    result = scan(seed_docs)
    texts = {d.id: d.text for d in seed_docs}
    pair, = [p for p in result.pairs if p.relation != "same-story"]
    a, b = texts[pair.a], texts[pair.b]
    if not pair.b.startswith("001"):
        a, b = b, a
        spans = [(p.b, p.a) for p in pair.passages]
    else:
        spans = [(p.a, p.b) for p in pair.passages]
    covered = set()
    for (s0, e0), (s1, e1) in spans:
        ta, tb = tokenize(a[s0:e0]).hash.tolist(), tokenize(b[s1:e1]).hash.tolist()
        shared = len(set(ta) & set(tb))
        assert shared >= 0.8 * min(len(set(ta)), len(set(tb)))
        covered.update(range(s1, e1))
    text_001 = b
    words_001 = tokenize(text_001)
    in_passages = sum(1 for s in words_001.start.tolist() if s in covered)
    assert in_passages >= 0.7 * len(words_001)


def test_boilerplate_of_000_and_004_found_with_pages_of_the_same_sites():
    docs = [d for d in read_inputs([SEEDS, FIXTURES / "sites"]) if hasattr(d, "text")]
    result = scan(docs)
    r = {x.id: x for x in result.results}
    text = {d.id: d.text for d in docs}
    st = next(k for k in r if k.startswith("000"))
    ink = next(k for k in r if k.startswith("004"))
    line = "Join ST's Telegram channel and get the latest breaking news delivered to you."
    assert r[st].boilerplate_chars >= len(line) - 2
    appeal = "Inkstick is changing the face of foreign policy"
    assert r[ink].boilerplate_chars >= 300 and appeal in text[ink]
    # the site pages share chrome only: no family among them, and the seeds are unchanged
    assert all(x.relation == "independent" for k, x in r.items() if k[:3] not in ("000", "001"))
    assert r[st].family == next(x.family for k, x in r.items() if k.startswith("001"))
    # without the other pages, nothing is boilerplate
    alone = scan([d for d in docs if d.id[:3] in ("000", "004")])
    assert all(x.boilerplate_chars == 0 for x in alone.results)
