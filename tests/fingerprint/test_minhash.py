import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from copytrace.fingerprint import MinHasher, shingle_hashes
from copytrace.normalize import tokenize_many

VOCAB = [f"w{i}" for i in range(5000)]


def exact_jaccard(ta, tb, k):
    a = set(shingle_hashes(ta.hash, k).tolist())
    b = set(shingle_hashes(tb.hash, k).tolist())
    return len(a & b) / len(a | b)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(60, 600), overlap=st.floats(0.0, 1.0))
def test_estimate_agrees_with_exact_jaccard(seed, n, overlap):
    rng = np.random.default_rng(seed)
    base = list(rng.choice(VOCAB, n))
    other = list(base)
    # replace a random share of positions to control the overlap
    for i in np.flatnonzero(rng.random(n) > overlap):
        other[i] = str(rng.choice(VOCAB))
    ta, tb = tokenize_many([" ".join(base), " ".join(other)])
    hasher = MinHasher(num_perm=256, shingle=3, seed=int(seed % 1000))
    sig = hasher.signatures([ta.hash, tb.hash])
    est = hasher.similarity(sig[0], sig[1])
    j = exact_jaccard(ta, tb, 3)
    sd = math.sqrt(max(j * (1 - j), 0.0) / 256)
    assert abs(est - j) <= 4.5 * sd + 0.02, (est, j)


def test_mean_error_is_unbiased_over_many_pairs():
    rng = np.random.default_rng(7)
    errs = []
    for _ in range(200):
        base = list(rng.choice(VOCAB, 300))
        other = [w if rng.random() < 0.8 else str(rng.choice(VOCAB)) for w in base]
        ta, tb = tokenize_many([" ".join(base), " ".join(other)])
        h = MinHasher(num_perm=128, shingle=5, seed=int(rng.integers(1 << 30)))
        s = h.signatures([ta.hash, tb.hash])
        errs.append(h.similarity(s[0], s[1]) - exact_jaccard(ta, tb, 5))
    assert abs(np.mean(errs)) < 0.01
    assert np.std(errs) < 0.06


def test_identical_texts_have_identical_signatures_and_empty_is_never_similar():
    h = MinHasher()
    ta, tb, empty = tokenize_many(["the same words here " * 5, "The SAME words, here! " * 5, ""])
    s = h.signatures([ta.hash, tb.hash, empty.hash])
    assert h.similarity(s[0], s[1]) == 1.0
    assert h.similarity(s[0], s[2]) == 0.0
    assert h.similarity(s[2], s[2]) == 0.0


def test_short_documents_still_get_a_signature():
    h = MinHasher(shingle=5)
    ta, tb = tokenize_many(["two words", "two words"])
    s = h.signatures([ta.hash, tb.hash])
    assert h.similarity(s[0], s[1]) == 1.0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(max_size=200), max_size=8))
def test_signatures_from_raw_texts_equal_signatures_from_tokens(texts):
    hasher = MinHasher(num_perm=32, shingle=3)
    from_tokens = hasher.signatures([t.hash for t in tokenize_many(texts)])
    assert np.array_equal(hasher.text_signatures(texts), from_tokens)
