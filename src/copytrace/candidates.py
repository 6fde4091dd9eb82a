"""Candidate pairs: every channel's rule, in one place.

Five channels, unioned: near-duplicates (LSH over MinHash signatures), partial reuse (shared
word anchors), spun copies (shared skeleton anchors, the same rule over
`copytrace.fingerprint.skeleton`'s skeletons) and, for the sentence stage, shared rare names and
numbers (`entity_pairs`) and nearest probes across languages (`translation_pairs`). The scan
applies them to a corpus in memory; the index applies the same rules to (key, document) rows it
has stored (`keyed_pairs`, `KEY_BAND`...; the probe rules to the pairs a batch touches); the Spark engine applies the same
kernels to each partition of keys shuffled by key.

**Near-duplicates: MinHash LSH.**

A signature of ``num_perm`` values is cut into ``bands`` bands of ``rows`` values. Two documents
with Jaccard similarity s share at least one band with probability 1 - (1 - s^rows)^bands, an S-curve
that rises around (1 / bands)^(1 / rows). `lsh_params` picks (bands, rows) for a target threshold t by
minimising the area of false positives below t plus false negatives above t (the same criterion as
datasketch's MinHashLSH, equal weights).

Band keys are 64-bit hashes of each band's values; grouping is one ``argsort`` per band over numpy
arrays. A bucket larger than ``max_bucket`` (templated pages, boilerplate that escaped removal) does
not emit all m(m-1)/2 pairs: it emits a star from its first member plus the chain of neighbours,
which keeps every member connected for clustering at O(m) pairs.

**Partial reuse: shared anchors.** Jaccard over whole documents is the wrong measure for a page
that reuses half of another, or a short excerpt inside a long article: the pair's Jaccard is low
while the reused share (containment) is high. So a second channel indexes *anchors*: the 5-word
shingles whose hash is 0 modulo ``anchor_rate`` (default 1 in 8; hash-based sampling keeps the
same shingles in every document, as in winnowing). Two documents that share at least
``min_anchors`` (3) anchors -- about 25 words of common running text -- are candidates. A
document of fewer than ``dense_below`` (150) tokens also keeps 1 in 2 shingles, apart from the
regular ones (`anchor_rows`): a glossary snippet or a 50-word page keeps ~6 regular anchors, too
few to meet another short page that reuses part of it or spins it. Anchors
carried by more than ``max_anchor_docs`` documents are formulaic phrases and are dropped (as
passim drops too-common n-grams); a family that large is still joined by its near-duplicates.
Alignment then decides; a candidate costs one alignment, a missed pair is lost for good.

**Rewrites and translations: shared rare names and numbers** (`entity_pairs`, parameters in
`copytrace.semantic.SemanticParams`). Two documents sharing at least ``min_entities`` (8) names
and numbers (`copytrace.fingerprint.entities`), each carried by at most ``max_entity_docs`` (32)
documents, are sentence-stage candidates -- or ``min_entities_short`` (4) when those are half of
the smaller document's; each document keeps the ``top_k`` (8) partners it shares the most with.

**Stories: mutual nearest topic vectors** (`story_pairs`). Independent reports of one event
share few words, and the definitions, recipes and explainers of one subject few names either:
on webreuse_dev the same-story pairs of its non-news part share a median of 3 names and numbers
(news: 9), so the rule above (8) links few of them. Each document's topic vector
(`copytrace.fingerprint.topics`: its opening's pieces, weighted) is compared with every
other's; two documents that are each among the other's ``story_neighbours`` (5) nearest at
cosine >= ``story_min_cosine`` (0.65) are a ``same-story`` pair (when both are dated, at most
``story_days`` apart). Measured on webreuse_dev (story ARI, part A / part B) with the encoder's
probes (below), before topic vectors took their place at about the same figure (0.882 ->
0.878; the grid is in `fingerprint.topics`): same-story
links from names and numbers alone 0.691 (0.833 / 0.519); with mutual 5-NN probe links 0.867
(0.866 / 0.861), within 0.01 for a cosine floor of 0.65 to 0.75; 3 neighbours 0.80, 8
neighbours 0.82; every pair at cosine >= 0.75 without the mutual test 0.86, but 0.74 at 0.7 (a
threshold alone chains topics together). Mutuality also bounds every document's story links
to ``story_neighbours``, so a dense topic does not become one giant story (on the 3,352-document
golden corpus the largest story made of such links and copies has 17 documents).

**Translations: nearest documents in other languages** (`translation_pairs`). A translation
shares no words, and across scripts no names either (a Chinese text yields one name key, an
Arabic one none): on xling_dev's 25 cross-language translation pairs the median pair shares 3
names and numbers and 7 share none, so the channel above cannot reach them. Each document's
*probe* -- its first ``probe_chars`` (600) characters as one input of the multilingual sentence
encoder -- is compared with the probes of the documents in other languages; a pair is a candidate
when each is among the other's ``translation_neighbours`` (3) nearest there (mutual nearest
neighbours) at cosine >= ``probe_min_cosine`` (0.3). Measured on xling_dev mixed with
webreuse_dev and 2,000 news articles (2,636 documents, 28 translation pairs): mutual 3-NN keeps
63 pairs (60 documents to embed) holding 15 of the 28; one-sided 3-NN keeps 1,269 pairs (626
documents) holding 16. Mutuality bounds the pairs by k per document of the smaller side, so a
corpus in one main language with a few pages in others pays for few sentence alignments. The
search is exact (`nearest`: blocked matrix products; it gives the same pairs on every engine;
a corpus in one language computes no encoder probes at all, `several_languages`; in a corpus
with one main language only its documents near a page in another language by topic vector
are probed, `translation_shortlist`).
Measured against an ANN index (usearch HNSW, 512-d, 30,000 vectors): the exact search took 12 s
on 2 cores; building the HNSW graph took 55 s single-threaded, and a multi-threaded build does
not give the same graph twice (so two engines could disagree). Exact search grows with the
square of the corpus (~2 min at 100,000 documents): past a few hundred thousand documents an
ANN index is the way (see issue 20's notes).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numba as nb
import numpy as np

from copytrace.coldstart import python_twin
from copytrace.fingerprint.minhash import shingle_hash, shingle_hashes_numpy
from copytrace.language import UND
from copytrace.normalize import mix64


@lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) with bands * rows <= num_perm minimising FP + FN area around ``threshold``."""
    if not 0.0 < threshold < 1.0:
        raise ValueError("threshold must be between 0 and 1")
    # every (bands, rows) that fits, not only rows = num_perm // bands: that shortcut missed
    # (28, 2) at threshold 0.2 (it gave (43, 2), whose curve sits further from 0.2) and
    # (9, 13) at 0.8; datasketch's `MinHashLSH` searches the same set with the same criterion
    lo = np.linspace(0.0, threshold, 2001)  # each side integrated on its own: one grid
    hi = np.linspace(threshold, 1.0, 2001)  # across the threshold's step picked (5, 24) at 0.9
    best, best_err = (1, num_perm), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            fp = np.trapezoid(1.0 - (1.0 - lo**rows) ** bands, lo)
            fn = np.trapezoid((1.0 - hi**rows) ** bands, hi)
            if fp + fn < best_err:
                best, best_err = (bands, rows), fp + fn
    return best


@nb.njit(cache=True, nogil=True)
def band_keys(sigs, bands, rows, out):
    n = sigs.shape[0]
    for d in range(n):
        empty = True
        for j in range(bands * rows):
            if sigs[d, j] != np.uint32(0xFFFFFFFF):
                empty = False
                break
        for band in range(bands):
            h = np.uint64(band + 1) * np.uint64(0x9E3779B97F4A7C15)
            for r in range(rows):
                h = mix64(h ^ np.uint64(sigs[d, band * rows + r]))
            out[band, d] = np.uint64(0) if empty else h  # 0 marks "no key"


@nb.njit(cache=True, nogil=True)
def _emit_pairs(keys_sorted, docs_sorted, max_bucket, out_a, out_b, k, skip_big=False):
    n = keys_sorted.shape[0]
    i = 0
    while i < n:
        j = i + 1
        while j < n and keys_sorted[j] == keys_sorted[i]:
            j += 1
        m = j - i
        if m > 1 and keys_sorted[i] != np.uint64(0):
            if m <= max_bucket:
                for x in range(i, j):
                    for y in range(x + 1, j):
                        if k < out_a.shape[0]:
                            out_a[k] = docs_sorted[x]
                            out_b[k] = docs_sorted[y]
                        k += 1
            elif not skip_big:
                for x in range(i + 1, j):
                    if k + 1 < out_a.shape[0]:
                        out_a[k] = docs_sorted[i]
                        out_b[k] = docs_sorted[x]
                        out_a[k + 1] = docs_sorted[x - 1]
                        out_b[k + 1] = docs_sorted[x]
                    k += 2
        i = j
    return k


def bucket_pairs(keys_sorted: np.ndarray, docs_sorted: np.ndarray, max_bucket: int,
                  skip_big: bool, n: int) -> np.ndarray:
    """Pairs within each run of equal keys, as flat keys lo * n + hi (duplicates kept)."""
    cap = 4 * len(keys_sorted) + 16
    while True:
        a = np.empty(cap, dtype=np.int64)
        b = np.empty(cap, dtype=np.int64)
        k = _emit_pairs(keys_sorted, docs_sorted, max_bucket, a, b, 0, skip_big)
        if k <= cap:
            break
        cap = k
    lo, hi = np.minimum(a[:k], b[:k]), np.maximum(a[:k], b[:k])
    return lo * n + hi


def candidate_pairs(sigs: np.ndarray, bands: int, rows: int, max_bucket: int = 64) -> np.ndarray:
    """Unique candidate pairs (i < j) as an (n, 2) int64 array of row indices into ``sigs``."""
    n = sigs.shape[0]
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    keys = np.empty((bands, n), dtype=np.uint64)
    band_keys(np.ascontiguousarray(sigs), bands, rows, keys)
    docs = np.arange(n, dtype=np.int64)
    chunks = []
    for band in range(bands):
        order = np.argsort(keys[band], kind="stable")
        flat = bucket_pairs(keys[band][order], docs[order], max_bucket, False, n)
        if len(flat):
            chunks.append(np.unique(flat))
    if not chunks:
        return np.empty((0, 2), dtype=np.int64)
    flat = np.unique(np.concatenate(chunks))
    flat = flat[(flat // n) != (flat % n)]
    return np.stack([flat // n, flat % n], axis=1)


@nb.njit(cache=True, nogil=True)
def _anchors_kernel(hashes, doc_tok, k, rate, out_h, out_d):
    """Sampled shingle hashes of every document: (hash, doc) rows, one per anchor occurrence.
    Rows past the outputs' capacity are counted, not written; the caller retries with room."""
    cap = out_h.shape[0]
    m = 0
    mask = np.uint64(rate - 1)
    for d in range(doc_tok.shape[0] - 1):
        lo = doc_tok[d]
        n = doc_tok[d + 1] - lo
        for i in range(n - k + 1):
            h = shingle_hash(hashes, lo + i, k)
            if (h & mask) == 0:
                if m < cap:
                    out_h[m] = h
                    out_d[m] = d
                m += 1
    return m


@python_twin(_anchors_kernel)
def _anchors_numpy(hashes, doc_tok, k, rate, out_h, out_d):
    """`_anchors_kernel` in numpy, a document at a time."""
    cap, m = out_h.shape[0], 0
    for d in range(doc_tok.shape[0] - 1):
        h = shingle_hashes_numpy(hashes[doc_tok[d]:doc_tok[d + 1]], k)
        h = h[(h & np.uint64(rate - 1)) == 0]
        room = max(min(h.shape[0], cap - m), 0)
        out_h[m:m + room] = h[:room]
        out_d[m:m + room] = d
        m += h.shape[0]
    return m


def sampled_shingles(flat: np.ndarray, doc_tok: np.ndarray, shingle: int, rate: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The shingle hashes that are 0 modulo ``rate`` of documents laid out flat (document d's
    token hashes are ``flat[doc_tok[d]:doc_tok[d + 1]]``), as (hash, document) rows in document
    order, one per occurrence."""
    cap = len(flat) // max(rate // 2, 1) + 16  # twice the expected share
    while True:
        out_h = np.empty(cap, dtype=np.uint64)
        out_d = np.empty(cap, dtype=np.int64)
        m = _anchors_kernel(flat, doc_tok, shingle, rate, out_h, out_d)
        if m <= cap:
            return out_h[:m], out_d[:m]
        cap = m


def unique_rows(keys: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (key, doc) rows sorted by key, then doc. ``docs`` must be non-decreasing (rows
    come document by document), so one stable sort by key orders both."""
    order = np.argsort(keys, kind="stable")
    keys, docs = keys[order], docs[order]
    if len(keys) == 0:
        return keys, docs
    new = np.r_[True, (keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1])]
    return keys[new], docs[new]


#: Marks the extra anchors of short documents (`anchor_rows`), so that they never equal a
#: regular anchor.
_DENSE_SALT = np.uint64(0x5BD1E9955BD1E995)


def anchor_rows(token_hashes: list[np.ndarray], shingle: int = 5, rate: int = 8,
                dense_below: int = 0, dense_rate: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """The anchors of each document as (key, document) rows in document order: the shingles
    whose hash is 0 modulo ``rate``, and, for documents of fewer than ``dense_below`` tokens,
    also those 0 modulo ``dense_rate`` (and not ``rate``), salted apart. One in eight shingles
    is a thin sample of a 50-word page: two short pages that share a few phrases, or two
    machine-spun versions of one short text, share too few regular anchors to meet."""
    n = len(token_hashes)
    for r in (rate, dense_rate):
        if r < 1 or r & (r - 1):
            raise ValueError("anchor rates must be powers of two")
    doc_tok = np.zeros(n + 1, dtype=np.int64)
    np.cumsum([len(h) for h in token_hashes], out=doc_tok[1:])
    flat = np.concatenate(token_hashes).astype(np.uint64, copy=False) if n else \
        np.empty(0, np.uint64)
    h, d = sampled_shingles(flat, doc_tok, shingle, rate)
    short = np.diff(doc_tok) < dense_below
    if dense_below and dense_rate < rate and short.any():
        dh, dd = sampled_shingles(flat, doc_tok, shingle, dense_rate)
        extra = short[dd] & ((dh & np.uint64(rate - 1)) != 0)
        h = np.concatenate([h, dh[extra] ^ _DENSE_SALT])
        d = np.concatenate([d, dd[extra]])
        order = np.argsort(d, kind="stable")  # rows document by document again
        h, d = h[order], d[order]
    return h, d


def anchor_pairs(token_hashes: list[np.ndarray], shingle: int = 5, anchor_rate: int = 8,
                 min_anchors: int = 3, max_anchor_docs: int = 64, dense_below: int = 0,
                 dense_rate: int = 2) -> np.ndarray:
    """Pairs (i < j) sharing at least ``min_anchors`` distinct anchors (`anchor_rows`), as an
    (n, 2) array."""
    n = len(token_hashes)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    out_h, out_d = anchor_rows(token_hashes, shingle, anchor_rate, dense_below, dense_rate)
    flat_pairs, counts = shared_key_counts(out_h, out_d, n, max_anchor_docs)
    keep = flat_pairs[counts >= min_anchors]
    return np.stack([keep // n, keep % n], axis=1)


def shared_key_counts(keys: np.ndarray, docs: np.ndarray, n: int, max_docs: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """For (key, document) rows (``docs`` non-decreasing): every pair of documents that share a
    key carried by at most ``max_docs`` documents, as flat keys lo * n + hi (sorted, lo < hi),
    and how many distinct such keys each pair shares."""
    keys, docs = unique_rows(keys.astype(np.uint64, copy=False), docs)
    flat = bucket_pairs(keys, docs, max_docs, True, n)
    if len(flat) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    flat_pairs, counts = np.unique(flat, return_counts=True)
    distinct = flat_pairs // n != flat_pairs % n
    return flat_pairs[distinct], counts[distinct]


def union_pairs(*parts: np.ndarray, n: int) -> np.ndarray:
    """Union of (i < j) pair arrays over n documents, sorted."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return np.empty((0, 2), dtype=np.int64)
    flat = np.unique(np.concatenate([p[:, 0] * n + p[:, 1] for p in parts]))
    return np.stack([flat // n, flat % n], axis=1)


# ----------------------------------------------------------------------------- translations

def nearest(vec: np.ndarray, query: np.ndarray, pool: np.ndarray, k: int,
            min_cosine: float, cells: int = 1 << 25) -> dict[int, set[int]]:
    """Each row of ``query``'s ``k`` nearest rows of ``pool`` (itself left out) by cosine of the
    unit vectors ``vec``, at ``min_cosine`` or more; ties go to the smaller row. Exact: blocked
    matrix products, ``cells`` bounding one block (128 MiB of float32), each block's rows
    ranked by one compiled pass (`_top_k_rows`).

    The product is nearly all of the cost: 30,000 story rows, 4.5 s of products; the ranking
    around them used to take 15 s more (a copy of each block's columns when the pool was most
    rows, a boolean mask to leave each row itself out, a comparison and ``nonzero`` over the
    whole block, then a sort), now ~1 s."""
    near: dict[int, set[int]] = {}
    query = np.asarray(query, dtype=np.int64)
    pool = np.asarray(pool, dtype=np.int64)
    if len(pool) == 0:
        return {int(i): set() for i in query}
    whole = 2 * len(pool) > len(vec)  # most rows: multiply by all, read the pool's columns
    pv = vec if whole else vec[pool]
    cols = pool if whole else np.arange(len(pool), dtype=np.int64)
    step = max(1, cells // len(pv))
    kk = min(k, len(pool))
    floor = np.float32(min_cosine)  # compared as numpy compares a float32 block with it
    for s in range(0, len(query), step):
        q = query[s:s + step]
        sim = vec[q] @ pv.T
        top = _top_k_rows(sim, cols, pool, q, kk, floor)
        for row, i in enumerate(q.tolist()):
            near[i] = {j for j in top[row].tolist() if j >= 0}
    return near


def nearest_among(vec: np.ndarray, rows: np.ndarray, k: int, min_cosine: float,
                  cells: int = 1 << 25) -> dict[int, set[int]]:
    """`nearest` of every row of ``rows`` among ``rows`` themselves -- the same answer -- for
    half the work: the cosine matrix is symmetric, so each tile of it above the diagonal is
    computed once and read both ways (its rows for one block of documents, its columns for the
    other), square tiles of about ``cells`` cosines. (A tile and its transpose computed by
    BLAS are the same bits: the same products summed in the same order.) The story rule's
    search over a whole corpus, 100,000 documents: ~77 -> ~40 s on 2 cores."""
    rows = np.asarray(rows, dtype=np.int64)
    kk = min(k, len(rows) - 1)
    if kk < 1:
        return {int(i): set() for i in rows}
    x = np.ascontiguousarray(vec[rows], dtype=np.float32)
    # tiles of 256 rows at least: BLAS may take another path for tiny products, whose last
    # bits could then differ between two tiles and break a tie between twin documents the
    # other way than `nearest` does
    side = max(256, math.isqrt(cells))
    val = np.full((len(rows), kk), -np.inf, dtype=np.float32)
    best = np.full((len(rows), kk), -1, dtype=np.int64)
    floor = np.float32(min_cosine)
    for a in range(0, len(rows), side):
        for b in range(a, len(rows), side):
            sim = x[a:a + side] @ x[b:b + side].T
            _top_k_tile(sim, a, b, rows, floor, val, best)
    return {i: {j for j in best[r].tolist() if j >= 0} for r, i in enumerate(rows.tolist())}


@nb.njit(cache=True, nogil=True)
def _insert(val, best, r, v, i):
    """Put id ``i`` at cosine ``v`` into row ``r``'s list (value descending, id ascending;
    -1 ids at -inf fill the end) if it belongs there."""
    kk = val.shape[1]
    last = kk - 1
    if v < val[r, last] or (v == val[r, last] and best[r, last] >= 0 and i > best[r, last]):
        return
    at = last
    while at > 0 and (val[r, at - 1] < v
                      or (val[r, at - 1] == v and (best[r, at - 1] < 0 or best[r, at - 1] > i))):
        val[r, at] = val[r, at - 1]
        best[r, at] = best[r, at - 1]
        at -= 1
    val[r, at] = v
    best[r, at] = i


@nb.njit(cache=True, nogil=True)
def _top_k_tile(sim, a, b, ids, floor, val, best):
    """Fold one tile (rows ``a``.., columns ``b``.. of the cosine matrix among ``ids``) into
    the running lists: row ``a + r`` meets ``ids[b + c]``, and, off the diagonal, row
    ``b + c`` meets ``ids[a + r]``."""
    for r in range(sim.shape[0]):
        for c in range(sim.shape[1]):
            v = sim[r, c]
            if not v >= floor:
                continue
            if a == b:
                if c <= r:
                    continue  # the diagonal tile: each pair once, a row never meets itself
            _insert(val, best, a + r, v, ids[b + c])
            _insert(val, best, b + c, v, ids[a + r])


@nb.njit(cache=True, nogil=True)
def _top_k_rows(sim, cols, ids, q, kk, floor):
    """Per row r of ``sim``, the ``kk`` best of ``ids`` (``ids[p]``'s cosine is
    ``sim[r, cols[p]]``) at ``floor`` or more, best first, ties to the smaller id, leaving out
    ``q[r]`` itself; -1 where fewer qualify."""
    m = sim.shape[0]
    out = np.full((m, kk), -1, dtype=np.int64)
    val = np.full((m, kk), -np.inf, dtype=np.float32)
    for r in range(m):
        for p in range(ids.shape[0]):
            v = sim[r, cols[p]]
            if v >= floor and ids[p] != q[r]:
                _insert(val, out, r, v, ids[p])
    return out


def _mutual(near_of, rows: np.ndarray, touching: np.ndarray | None) -> np.ndarray:
    """Pairs (i < j, sorted) of ``rows`` each in the other's neighbours (``near_of(rows)``:
    row -> set of rows). With ``touching``, only the pairs with a side in it: the neighbours of
    those rows, and of the rows they name, are all that is computed (the index adds a batch
    this way); the answer is the same as the global one restricted to those pairs."""
    if touching is None:
        near = near_of(rows)
    else:
        mine = np.unique(touching[np.isin(touching, rows, assume_unique=False)])
        near = near_of(mine)
        keep = set(mine.tolist())
        named = sorted({j for js in near.values() for j in js} - keep)
        near.update(near_of(np.array(named, dtype=np.int64)))
    out = sorted((i, j) for i, js in near.items() for j in js if i < j and i in near.get(j, ())
                 and (touching is None or i in keep or j in keep))
    return np.array(out, dtype=np.int64).reshape(-1, 2)


def several_languages(langs) -> bool:
    """Whether documents of two known languages or more are among ``langs`` (ISO codes,
    "und" for undetermined): the only case where `translation_pairs` can find anything."""
    lang = langs if isinstance(langs, np.ndarray) else np.array(langs, dtype=object)
    known = lang[lang != UND]
    return len(known) > 1 and bool((known != known[0]).any())


def main_language(langs, counts: dict[str, int] | None = None) -> str | None:
    """The most common known language of ``langs`` (ties: the first in code order), or None
    when fewer than two known languages are there (`several_languages`: nothing to
    translate). ``counts``: documents per language already counted, ``langs`` then being
    only the ones to add to them (the index keeps its counts)."""
    total = dict(counts or {})
    for code in (langs.tolist() if isinstance(langs, np.ndarray) else langs):
        total[code] = total.get(code, 0) + 1
    known = {code: c for code, c in total.items() if code != UND and c > 0}
    if len(known) < 2:
        return None
    top = max(known.values())
    return min(code for code, c in known.items() if c == top)


def kth_cosines(vec: np.ndarray, query: np.ndarray, pool: np.ndarray, k: int,
                cells: int = 1 << 25) -> np.ndarray:
    """Each row of ``query``'s ``k``-th highest cosine (of the unit vectors ``vec``) with the
    rows of ``pool`` other than itself: a row of ``pool`` at that cosine or more is among its
    ``k`` nearest (ties included). -inf where ``pool`` holds fewer than ``k`` others."""
    out = np.full(len(query), -np.inf, dtype=np.float32)
    if len(pool) == 0 or len(query) == 0:
        return out
    step = max(1, cells // len(pool))
    for s in range(0, len(query), step):
        q = query[s:s + step]
        sim = vec[q] @ vec[pool].T
        sim[pool[None, :] == q[:, None]] = -np.inf
        if len(pool) >= k:
            out[s:s + len(q)] = np.partition(sim, len(pool) - k, axis=1)[:, len(pool) - k]
    return out


def shortlist_added(topics: np.ndarray, langs, new: np.ndarray, kth: dict[int, float],
                    k: int = 50, main: str | None = None) -> np.ndarray:
    """`translation_shortlist`'s rule for a corpus that grows (the index): the rows whose
    encoder probe is needed once rows ``new`` (sorted) have joined the rest. ``kth`` maps a row
    in another language than the main one to its ``k``-th nearest main-language topic cosine,
    as found before (filled in here for rows not in it; the caller drops it when the main
    language changes or rows go). Needed: every row in another language; the ``k`` nearest
    main-language rows of each row not in ``kth`` (the new ones among them); and each new
    main-language row at a known row's ``kth`` or nearer. A known row's ``k``-th cosine only
    rises as rows are added, so the answer holds every row the whole corpus's shortlist holds
    (a few more at most: a main-language row that has since been displaced keeps its probe).
    Empty when the corpus is in one language. ``main``: `main_language` of ``langs``, when
    the caller knows it."""
    lang = langs if isinstance(langs, np.ndarray) else np.array(langs, dtype=object)
    main = main or main_language(lang)
    if main is None:
        return np.empty(0, dtype=np.int64)
    vec = np.asarray(topics, dtype=np.float32)
    others = np.flatnonzero((lang != UND) & (lang != main))
    pool = np.flatnonzero(lang == main)
    fresh = np.array([o for o in others.tolist() if o not in kth], dtype=np.int64)
    known = np.array([o for o in others.tolist() if o in kth], dtype=np.int64)
    need = set(others.tolist())
    for o, js in nearest(vec, fresh, pool, k, -1.0).items():
        need |= js
    kth.update(zip(fresh.tolist(), kth_cosines(vec, fresh, pool, k).tolist()))
    added = pool[np.isin(pool, new)]
    if len(added) and len(known):
        sim = vec[added] @ vec[known].T
        bar = np.array([kth[o] for o in known.tolist()], dtype=np.float32)
        need |= set(added[(sim >= bar[None, :]).any(axis=1)].tolist())
    return np.array(sorted(need), dtype=np.int64)


def translation_shortlist(topics: np.ndarray, langs, k: int = 50) -> np.ndarray:
    """The rows whose encoder probe `translation_pairs` needs (sorted): every document in a
    language other than the corpus's most common one, and the documents of that language among
    the ``k`` nearest by topic vector (`fingerprint.topics`) of one of them. The rest --
    usually nearly all of a corpus in one main language with a few pages in others -- are
    left out: a document of the main language can only be a candidate of a page in another,
    and one not among that page's ``k`` nearest topics is taken to be no nearer by probe
    (the probes of the main language's documents left out are zeros: no candidates)."""
    lang = langs if isinstance(langs, np.ndarray) else np.array(langs, dtype=object)
    main = main_language(lang)
    if main is None:
        return np.empty(0, dtype=np.int64)
    others = np.flatnonzero((lang != UND) & (lang != main))
    pool = np.flatnonzero(lang == main)
    vec = np.asarray(topics, dtype=np.float32)
    near = nearest(vec, others, pool, k, -1.0)
    chosen = {j for js in near.values() for j in js}
    return np.array(sorted(set(others.tolist()) | chosen), dtype=np.int64)


def translation_pairs(probes: np.ndarray, langs, k: int = 3, min_cosine: float = 0.3,
                      cells: int = 1 << 25, touching: np.ndarray | None = None,
                      rows: np.ndarray | None = None) -> np.ndarray:
    """Pairs (i < j, sorted) of documents in different languages that are each among the other's
    ``k`` nearest in other languages by probe cosine, at ``min_cosine`` or more (see module
    docstring). ``probes``: (n, d) unit vectors; ``langs``: ISO codes (a list, or an object
    array), "und" (undetermined) documents take no part. ``touching``: only pairs with a side
    among these rows. ``rows``: the rows that have a probe (sorted), when the caller knows:
    the others' zeros meet nothing at a positive floor, and searching only these is faster
    (default: every row)."""
    lang = langs if isinstance(langs, np.ndarray) else np.array(langs, dtype=object)
    rows = np.flatnonzero(lang != UND) if rows is None else rows[lang[rows] != UND]
    if k < 1 or not several_languages(lang):
        return np.empty((0, 2), dtype=np.int64)  # one language: nothing to translate
    vec = np.asarray(probes, dtype=np.float32)

    def near_of(query: np.ndarray) -> dict[int, set[int]]:
        near: dict[int, set[int]] = {}
        ql = lang[query]
        for code in sorted(set(ql.tolist())):
            near.update(nearest(vec, query[ql == code], rows[lang[rows] != code], k,
                                min_cosine, cells))
        return near

    return _mutual(near_of, rows, touching)


def story_pairs(vectors: np.ndarray, k: int = 5, min_cosine: float = 0.65,
                cells: int = 1 << 25, touching: np.ndarray | None = None,
                rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j, sorted) of documents that are each among the other's ``k`` nearest by
    cosine of their topic vectors (any language), at ``min_cosine`` or more, and their cosines
    (see module docstring). ``touching``: only pairs with a side among these rows. ``rows``:
    the rows that have a vector, when the caller knows (default: the non-zero ones; an empty
    text has none)."""
    vec = np.asarray(vectors, dtype=np.float32)
    if len(vec) < 2 or k < 1:
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.float32)
    if rows is None:
        rows = np.flatnonzero(vec.any(axis=1))
    if touching is None:  # the whole corpus: the symmetric search
        pairs = _mutual(lambda q: nearest_among(vec, q, k, min_cosine, cells), rows, None)
    else:
        pairs = _mutual(lambda q: nearest(vec, q, rows, k, min_cosine, cells), rows, touching)
    cos = np.einsum("ij,ij->i", vec[pairs[:, 0]], vec[pairs[:, 1]]) if len(pairs) else \
        np.empty(0, dtype=np.float32)
    return pairs, cos


# ----------------------------------------------------------------------------- names and numbers

def entity_pairs(keys: list[np.ndarray], min_entities: int = 8, max_docs: int = 32,
                 top_k: int = 8, min_short: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) sharing at least ``min_entities`` keys carried by at most ``max_docs``
    documents -- or at least ``min_short`` keys making up half of the smaller document's keys
    (short texts name fewer things) -- with their counts; each document keeps its ``top_k``
    partners sharing the most (a pair stays when it is in the top of either document)."""
    n = len(keys)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64)
    docs = np.repeat(np.arange(n, dtype=np.int64), [len(k) for k in keys])
    pairs, counts = shared_key_counts(np.concatenate(keys), docs, n, max_docs)
    a, b = pairs // n, pairs % n
    sizes = np.array([len(k) for k in keys])
    ok = enough_entities(counts, sizes[a], sizes[b], min_entities, min_short)
    pairs, counts, a, b = pairs[ok], counts[ok], a[ok], b[ok]
    keep = top_k_pairs(a, b, counts, top_k)
    return np.stack([a[keep], b[keep]], axis=1), counts[keep]


def enough_entities(counts: np.ndarray, size_a: np.ndarray, size_b: np.ndarray,
                    min_entities: int, min_short: int | None) -> np.ndarray:
    """Which pairs share enough names and numbers: ``min_entities``, or ``min_short`` that are
    half of the smaller document's (``size_a``, ``size_b``: each side's count)."""
    ok = counts >= min_entities
    if min_short is not None:
        ok |= (counts >= min_short) & (2 * counts >= np.minimum(size_a, size_b))
    return ok


def top_k_mask(side: np.ndarray, counts: np.ndarray, top_k: int) -> np.ndarray:
    """Mask of the pairs that are among the ``top_k`` sharing the most (``counts``) of their
    document ``side[i]``; ties go to the pair that comes first."""
    keep = np.zeros(len(counts), dtype=bool)
    order = np.lexsort((-counts, side))  # each document's pairs, most shared first
    s = side[order]
    start = np.r_[0, np.flatnonzero(s[1:] != s[:-1]) + 1]
    rank = np.arange(len(s)) - np.repeat(start, np.diff(np.r_[start, len(s)]))
    keep[order[rank < top_k]] = True
    return keep


def top_k_pairs(a: np.ndarray, b: np.ndarray, counts: np.ndarray, top_k: int,
                rank_a: np.ndarray | None = None, rank_b: np.ndarray | None = None
                ) -> np.ndarray:
    """Mask of the pairs (a[i], b[i]) that are among the ``top_k`` sharing the most (``counts``)
    of a's pairs or of b's pairs (`top_k_mask`). ``rank_a`` / ``rank_b`` (masks) limit which
    pairs may be kept for being in their a's / b's top."""
    keep = np.zeros(len(counts), dtype=bool)
    for side, only in ((a, rank_a), (b, rank_b)):
        top = top_k_mask(side, counts, top_k)
        keep |= top if only is None else top & only
    return keep


# ----------------------------------------------------------------------------- stored keys

#: Kinds of stored keys (top bits of a 63-bit key): LSH band, word anchor, skeleton anchor, and
#: (with the sentence stage) a rare name or number.
KEY_BAND, KEY_ANCHOR, KEY_SKELETON, KEY_ENTITY = 1, 2, 3, 4
KEY_KINDS = (KEY_BAND, KEY_ANCHOR, KEY_SKELETON, KEY_ENTITY)
_KEY_MASK = np.uint64((1 << 60) - 1)


def tag_keys(kind: int, hashes: np.ndarray) -> np.ndarray:
    """Keys of one kind as int64: kind << 60 | the hash's low 60 bits."""
    return ((hashes & _KEY_MASK) | np.uint64(kind << 60)).astype(np.int64)


def key_kind(keys: np.ndarray) -> np.ndarray:
    return keys >> 60


def keyed_pairs(keys: np.ndarray, docs: np.ndarray, n: int, min_anchors: int,
                max_bucket: int) -> np.ndarray:
    """Copy candidates among ``n`` documents from tagged (key, document) rows (``docs``
    non-decreasing): pairs (lo < hi) sharing a band key, or ``min_anchors`` word or skeleton
    anchors, counting only keys carried by at most ``max_bucket`` documents. (A scan in memory
    links a larger LSH bucket by a star and a chain instead, `candidate_pairs`.)"""
    kind = key_kind(keys)
    out = [np.empty((0, 2), np.int64)]
    for k, need in ((KEY_BAND, 1), (KEY_ANCHOR, min_anchors), (KEY_SKELETON, min_anchors)):
        sel = kind == k
        flat, counts = shared_key_counts(keys[sel], docs[sel], n, max_bucket)
        flat = flat[counts >= need]
        out.append(np.stack([flat // n, flat % n], axis=1))
    return np.concatenate(out)
