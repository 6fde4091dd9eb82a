"""The partial-overlap corpus (bench.corpus.SentencePool, bench.overlap) is what it says: new
documents made of runs of real sentences, at most one run per source article, sharing
sentences with some others by chance, never copies of one another."""

import random
from collections import Counter

from bench.corpus import SentencePool, scaling_corpus
from bench.overlap import shared_sentence_pairs


def _articles(n=60, per=8):
    # every sentence names its article and place, so where it came from is readable back
    return [" ".join(f"Article {a} reports item {s} of its story in full detail today."
                     for s in range(per)) for a in range(n)]


def _sources(text):
    return [tuple(int(w) for w in s.split()[1:5:3]) for s in text.split(". ") if s]


def test_an_original_is_runs_of_sentences_one_run_per_article():
    pool = SentencePool(_articles())
    rng = random.Random(3)
    for _ in range(50):
        doc = pool.original(rng)
        src = _sources(doc)
        assert src, doc
        runs = Counter()
        prev = None
        for art, item in src:
            if prev is None or prev != (art, item - 1):
                runs[art] += 1  # a new run starts
            prev = (art, item)
        assert max(runs.values()) == 1, runs   # one run per source article
        # runs are 1-3 consecutive sentences
        lengths, cur = [], 1
        for x, y in zip(src, src[1:]):
            if y == (x[0], x[1] + 1):
                cur += 1
            else:
                lengths.append(cur)
                cur = 1
        lengths.append(cur)
        assert max(lengths) <= 3
        assert len(doc.split()) >= min(pool.lengths)  # as long as some real article


def test_recombined_originals_share_sentences_but_copies_keep_their_family():
    texts = _articles()
    donors = [f"Donor line {k} adds something new." for k in range(50)]
    docs = list(scaling_corpus(400, [], donors, seed=1, sentences_from=SentencePool(texts)))
    assert len(docs) == 400 and len({d["id"] for d in docs}) == 400
    stats = shared_sentence_pairs(docs)
    assert stats["originals"] > 150
    assert stats["original_pairs_sharing_a_sentence"] > 0  # partial overlaps exist
    for d in docs:
        if d["id"].startswith("copy-") and d["id"].endswith("-verbatim"):
            orig = next(o for o in docs if o["id"] == d["family"])
            assert d["text"] == orig["text"]


def test_without_a_pool_originals_past_the_list_are_shuffled_words():
    texts = _articles(n=5)
    docs = list(scaling_corpus(40, texts[:2], ["Donor text here."], seed=2))
    origs = [d for d in docs if d["family"] == d["id"]]
    assert origs[0]["text"] == texts[0]
    later = origs[3]["text"]
    assert sorted(later.split()) in [sorted(t.split()) for t in texts[:2]]

