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



def _varied_articles(n=40, per=10, seed=0):
    # words drawn from a large made-up vocabulary: sentences a bigram model cannot recreate
    rng = random.Random(seed)
    vocab = [f"w{k}" for k in range(300)]
    return [" ".join(" ".join(rng.choice(vocab) for _ in range(12)).capitalize() + "."
                     for _ in range(per)) for _ in range(n)]


def _grown_pool(n=40, per=10):
    from bench.corpus import BigramText

    texts = _varied_articles(n, per)
    pool = SentencePool(texts, max_share=0.2)
    pool.grow = BigramText([s for doc in pool.docs for s in doc])
    return texts, pool


def test_a_grown_pool_lends_each_sentence_once_and_never_much_of_a_text():
    texts, pool = _grown_pool()
    home = {s.rstrip("."): a for a, t in enumerate(texts) for s in t.split(". ")}
    rng = random.Random(5)
    seen = Counter()
    for _ in range(300):
        doc = pool.original(rng)
        borrowed = [s.rstrip(".") for s in doc.split(". ") if s.rstrip(".") in home]
        seen.update(borrowed)
        runs = Counter(home[s] for s in borrowed)
        # a run holds at most a fifth of the article it comes from (2 of its 10 sentences)
        # and at most a fifth of the article it goes to
        assert all(v <= 2 for v in runs.values()), runs
        assert 12 * max(runs.values(), default=0) <= 0.2 * len(doc.split()) + 12
    assert len(seen) > 50, "real sentences are lent"
    assert max(seen.values()) == 1  # each real sentence lent to one original at most


def test_a_grown_pool_keeps_chance_overlap_flat_as_the_corpus_grows():
    donors = [f"Donor line {k} adds something new." for k in range(50)]
    share = []
    for n in (600, 2400):
        _, pool = _grown_pool()
        docs = list(scaling_corpus(n, [], donors, seed=4, sentences_from=pool))
        stats = shared_sentence_pairs(docs)
        share.append(stats["original_pairs_sharing_a_sentence"] / stats["originals"])
    # each original shares a run with about one other, at 4x the size as well
    assert 0.3 < share[0] < 2 and 0.3 < share[1] < 1.3 * share[0], share


def test_bigram_text_is_deterministic_and_made_of_the_texts_words():
    from bench.corpus import BigramText

    sents = ["The council met on Monday.", "The mayor said the bridge will close.",
             "On Monday the bridge was shut."]
    bt = BigramText(sents)
    a = bt.article(random.Random(1), 40)
    assert a == bt.article(random.Random(1), 40)
    words = {w for s in sents for w in s.split()}
    assert all(w in words or w.rstrip(".") + "." in words or w + "." in words
               for s in a for w in s.split())
