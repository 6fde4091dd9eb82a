import numpy as np
import pytest

from copytrace.candidates import candidate_pairs, lsh_params


def _brute_force(threshold, num_perm):
    """The (bands, rows) of least false-positive plus false-negative area under the S-curve
    1 - (1 - s^r)^b, over every b * r <= num_perm (midpoint rule, finer than the product's)."""
    s = (np.arange(20_000) + 0.5) / 20_000
    best = min(((np.where(s < threshold, 1 - (1 - s**r) ** b, (1 - s**r) ** b).mean(), b, r)
                for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)))
    return best[1], best[2]


@pytest.mark.parametrize("threshold", [0.1, 0.2, 0.3, 0.5, 0.8, 0.9])
def test_lsh_params_are_the_best_banding_by_brute_force(threshold):
    assert lsh_params(threshold, 128) == _brute_force(threshold, 128)
    assert lsh_params(threshold, 64) == _brute_force(threshold, 64)
    with pytest.raises(ValueError):
        lsh_params(1.5, 128)


def test_lsh_params_agree_with_datasketch_when_it_is_installed():
    lsh = pytest.importorskip("datasketch.lsh", reason="datasketch (bench extra) not installed")
    for t in (0.2, 0.3, 0.5, 0.8):
        assert lsh_params(t, 128) == lsh._optimal_param(t, 128, 0.5, 0.5)


def test_identical_signatures_pair_up_and_distinct_do_not():
    rng = np.random.default_rng(0)
    sigs = rng.integers(0, 2**32 - 1, size=(10, 128), dtype=np.uint32)
    sigs[7] = sigs[2]
    sigs[9] = sigs[2]
    pairs = candidate_pairs(sigs, 16, 8)
    assert sorted(map(tuple, pairs.tolist())) == [(2, 7), (2, 9), (7, 9)]


def test_empty_signatures_are_never_candidates():
    sigs = np.full((3, 128), 0xFFFFFFFF, dtype=np.uint32)
    assert len(candidate_pairs(sigs, 16, 8)) == 0


def test_huge_bucket_stays_connected_with_linear_pairs():
    sigs = np.zeros((500, 128), dtype=np.uint32)  # 500 identical documents
    pairs = candidate_pairs(sigs, 16, 8, max_bucket=50)
    assert len(pairs) < 2 * 500
    parent = list(range(500))

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in pairs.tolist():
        parent[find(a)] = find(b)
    assert len({find(i) for i in range(500)}) == 1


def test_anchor_buffer_grows_for_documents_made_of_one_repeated_anchor():
    # a word whose repeated 5-word shingle is an anchor: every position of the document emits it,
    # far more than the 1-in-8 the first buffer is sized for
    from copytrace.candidates import anchor_pairs
    from copytrace.fingerprint import shingle_hashes
    from copytrace.normalize import tokenize

    word = next(w for w in (f"w{i}" for i in range(1000))
                if int(shingle_hashes(tokenize(f"{w} " * 5).hash, 5)[0]) & 7 == 0)
    docs = [tokenize(f"{word} " * 2000).hash, tokenize(f"{word} " * 1500).hash,
            tokenize("something else entirely, nothing repeated here at all").hash]
    pairs = anchor_pairs(docs, min_anchors=1)
    assert pairs.tolist() == [[0, 1]]


def test_short_documents_keep_dense_anchors_and_meet():
    """Two 40-word pages that share one 12-word phrase and little else: 1 in 8 shingles gives
    them about 4 anchors each, too few to share 3; short documents also keep 1 in 2."""
    import random

    from copytrace.candidates import anchor_pairs, anchor_rows
    from copytrace.normalize import tokenize_many

    r = random.Random(4)
    vocab = [f"w{i}" for i in range(5000)]
    shared = " ".join(r.choice(vocab) for _ in range(14))
    texts = [" ".join(r.choice(vocab) for _ in range(13)) + " " + shared + " " +
             " ".join(r.choice(vocab) for _ in range(13)) for _ in range(2)]
    hashes = [t.hash for t in tokenize_many(texts)]
    assert len(anchor_pairs(hashes, 5, 8, 3, 64)) == 0
    assert anchor_pairs(hashes, 5, 8, 3, 64, dense_below=150, dense_rate=2).tolist() == [[0, 1]]
    # a long document keeps regular anchors only
    long = [np.arange(1000, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)]
    h1, _ = anchor_rows(long, 5, 8)
    h2, _ = anchor_rows(long, 5, 8, dense_below=150, dense_rate=2)
    assert h1.tolist() == h2.tolist()


# ----------------------------------------------------------------------------- translations

def _unit(*rows):
    v = np.array(rows, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_translation_pairs_are_mutual_nearest_documents_in_another_language():
    from copytrace.candidates import translation_pairs

    # 0 (en) and 2 (es) point the same way; 1 (en) is nearest 2 as well, but 2 prefers 0;
    # 3 (es) is alone in its direction; 4 (en) is 0's twin, in the same language as 0
    probes = _unit([1, 0, 0], [0.8, 0.6, 0], [1, 0.05, 0], [0, 0, 1], [1, 0, 0.01])
    langs = ["en", "en", "es", "es", "en"]
    assert translation_pairs(probes, langs, k=1, min_cosine=0.3).tolist() == [[0, 2]]
    # with two neighbours each, 2-4 becomes mutual (2's two nearest are 0 and 4, not 1); 3 is
    # nobody's: below the cosine floor
    assert translation_pairs(probes, langs, k=2, min_cosine=0.3).tolist() == [[0, 2], [2, 4]]
    # same-language twins are never candidates here; one language: no pairs at all
    assert translation_pairs(probes, ["en"] * 5, k=2).size == 0
    # undetermined documents take no part
    und = translation_pairs(probes, ["en", "en", "und", "es", "en"], k=2, min_cosine=-1)
    assert 2 not in und.ravel()


def test_translation_pair_ties_go_to_the_smaller_row():
    from copytrace.candidates import translation_pairs

    probes = _unit([1, 0], [1, 0], [1, 0])  # 1 and 2 are equally near 0
    assert translation_pairs(probes, ["en", "fr", "fr"], k=1).tolist() == [[0, 1]]
    # the matrix is cut in blocks of rows: the same answer in blocks of one row
    assert translation_pairs(probes, ["en", "fr", "fr"], k=1, cells=1).tolist() == [[0, 1]]


def test_story_pairs_are_mutual_nearest_probes_above_the_floor():
    from copytrace.candidates import story_pairs

    # 0, 1, 2 point nearly the same way; 3 is a little off them; 4 is empty (no probe)
    probes = _unit([1, 0, 0], [1, 0.1, 0], [1, 0, 0.1], [0.6, 0.8, 0], [1, 1, 1])
    probes[4] = 0
    pairs, cos = story_pairs(probes, k=1, min_cosine=0.5)
    # with one neighbour each: 0 <-> 1 and 0 <-> 2 tie at the same cosine, 0 keeps the smaller
    # row, 1 and 2 both want 0: only 0-1 is mutual; 3's nearest (1) prefers 0
    assert pairs.tolist() == [[0, 1]]
    assert np.allclose(cos, [probes[0] @ probes[1]])
    pairs, _ = story_pairs(probes, k=3, min_cosine=0.5)
    assert pairs.tolist() == [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]
    # the cosine floor: 3 is at 0.6-0.7 from the others
    pairs, _ = story_pairs(probes, k=3, min_cosine=0.75)
    assert pairs.tolist() == [[0, 1], [0, 2], [1, 2]]
    alone, cos = story_pairs(probes[:1])  # one document: nothing to pair
    assert alone.size == 0 and cos.size == 0


def test_probe_pairs_touching_some_rows_are_the_global_pairs_with_those_rows():
    # what the index computes for a new batch equals the scan's answer restricted to it
    from copytrace.candidates import story_pairs, translation_pairs

    rng = np.random.default_rng(1)
    base = rng.standard_normal((12, 16))
    probes = _unit(*np.concatenate([base, base[:8] + 0.4 * rng.standard_normal((8, 16))]))
    langs = ["en", "fr", "de"] * 6 + ["en", "und"]
    new = np.array([3, 11, 15, 19])
    for k in (1, 2, 4):
        every, _ = story_pairs(probes, k=k, min_cosine=0.0)
        some, _ = story_pairs(probes, k=k, min_cosine=0.0, touching=new)
        assert some.tolist() == [p for p in every.tolist() if set(p) & set(new.tolist())]
        every = translation_pairs(probes, langs, k=k, min_cosine=0.0)
        some = translation_pairs(probes, langs, k=k, min_cosine=0.0, touching=new)
        assert some.tolist() == [p for p in every.tolist() if set(p) & set(new.tolist())]
        assert len(every)  # the test means something


def test_nearest_is_exact_with_ties_to_the_smaller_row():
    """`nearest` gives, for every query row, what sorting all of its pool by cosine (ties: the
    smaller row) and keeping the first ``k`` at the floor gives -- itself left out, whether
    the pool is most rows (columns read in place) or a few, in one block or many."""
    from copytrace.candidates import nearest

    rng = np.random.default_rng(3)
    centres = rng.standard_normal((40, 24))
    vec = centres[rng.integers(0, 40, 900)] + 0.7 * rng.standard_normal((900, 24))
    vec[1::90] = vec[::90]  # exact twins: ties
    vec = _unit(*vec).astype(np.float32)
    vec[5] = 0  # an empty text: cosine 0 with everything
    sim = vec @ vec.T
    rows = np.arange(len(vec))
    query = rows[::3]
    ties = 0
    for pool in (rows, np.sort(rng.choice(rows, 200, replace=False))):
        for floor in (-1.0, 0.0, 0.3, 0.7, 0.9):
            for k in (1, 5, 50):
                got = nearest(vec, query, pool, k, floor, cells=20_000)
                for i in query.tolist():
                    cand = [j for j in pool.tolist() if j != i and sim[i, j] >= np.float32(floor)]
                    best = sorted(cand, key=lambda j: (-sim[i, j], j))[:k]
                    assert got[i] == set(best), (i, floor, k)
                    ties += len(best) > len({sim[i, j] for j in best})
    assert ties  # the test means something: neighbour lists with equal cosines


def test_the_symmetric_search_over_a_whole_corpus_gives_what_nearest_gives():
    """`nearest_among` reads each tile of the cosine matrix both ways; its neighbours are
    `nearest`'s (twins' ties included), whatever the tiles (here 256 rows: 4 x 4 tiles)."""
    from copytrace.candidates import nearest, nearest_among

    rng = np.random.default_rng(8)
    centres = rng.standard_normal((30, 24))
    vec = centres[rng.integers(0, 30, 900)] + 0.6 * rng.standard_normal((900, 24))
    vec[1::60] = vec[::60]  # exact twins, in other tiles than their pairs
    vec[301::60] = vec[::60][:len(vec[301::60])]
    vec = _unit(*vec).astype(np.float32)
    vec[7] = 0
    rows = np.flatnonzero(rng.random(900) < 0.9)
    for floor in (-1.0, 0.3, 0.8):
        for k in (1, 5, 30):
            for cells in (1 << 25, 256 * 256):
                assert nearest_among(vec, rows, k, floor, cells) == \
                    nearest(vec, rows, rows, k, floor, cells), (floor, k, cells)
    assert nearest_among(vec, rows[:1], 5, 0.0) == {int(rows[0]): set()}


def test_only_documents_a_translation_could_pair_are_probed():
    """In a corpus with one main language, the main language's documents are probed only
    when they are among a page in another language's nearest topics."""
    from copytrace.candidates import translation_shortlist

    rng = np.random.default_rng(4)
    topics = _unit(*rng.standard_normal((200, 16)))
    langs = ["en"] * 195 + ["fr", "fr", "de", "und", "und"]
    got = translation_shortlist(topics, langs, k=4)
    others = [195, 196, 197]
    assert set(others) <= set(got.tolist()) and not {198, 199} & set(got.tolist())
    for i in others:  # each page's 4 nearest English documents are in; most others are not
        sims = topics[:195] @ topics[i]
        assert set(np.argsort(-sims)[:4].tolist()) <= set(got.tolist())
    assert len(got) <= 3 + 3 * 4
    assert translation_shortlist(topics, ["en"] * 198 + ["und"] * 2).size == 0
    # languages in equal numbers: every page of the other language is probed
    half = translation_shortlist(topics, ["en", "fr"] * 100, k=4)
    assert set(range(1, 200, 2)) <= set(half.tolist())


def test_the_shortlist_of_a_growing_corpus_holds_the_whole_corpus_shortlist():
    """The index adds documents batch by batch (`shortlist_added`): every row the whole
    corpus's shortlist needs has been asked for by the time its last batch is in, each row
    only once it exists; rows once among a page's nearest keep their probe, so it asks for
    more than the whole corpus's (here 91 against 60), still far from every row."""
    from copytrace.candidates import kth_cosines, shortlist_added, translation_shortlist

    rng = np.random.default_rng(5)
    topics = _unit(*rng.standard_normal((300, 16)))
    langs = np.array(["en"] * 300, dtype=object)
    langs[rng.choice(300, 12, replace=False)] = "fr"
    langs[rng.choice(300, 3, replace=False)] = "und"
    kth: dict[int, float] = {}
    asked: set[int] = set()
    for lo in range(0, 300, 40):
        hi = min(300, lo + 40)
        got = shortlist_added(topics[:hi], langs[:hi], np.arange(lo, hi), kth, k=5)
        assert got.size == 0 or got.max() < hi
        asked |= set(got.tolist())
        whole = set(translation_shortlist(topics[:hi], langs[:hi], k=5).tolist())
        assert whole <= asked
    assert len(whole) < len(asked) < 300 // 2
    # a known row's bar is its k-th nearest main-language cosine over what it has seen
    fr = np.flatnonzero(langs == "fr")
    en = np.flatnonzero(langs == "en")
    assert np.allclose(kth_cosines(topics, fr, en, 5),
                       [np.sort(topics[en] @ topics[o])[-5] for o in fr])
    # one language: nothing is needed, nothing remembered
    assert shortlist_added(topics, ["en"] * 300, np.arange(300), {}, k=5).size == 0
