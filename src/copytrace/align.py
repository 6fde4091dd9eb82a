"""Passage alignment: seed on shared word n-grams, extend, merge neighbours, bridge small gaps.

This is the passim / WCopyfind recipe, compiled:
1. **Seeds.** Every word ``seed`` -gram (default 3) that occurs in both documents gives a seed
   (i, j): token i of a and token j of b start the same n-gram. N-grams repeated more than
   ``max_occurrences`` times inside one document (lists, chants) are not seeds.
2. **Chains.** Seeds are taken in order of i; a seed extends the open chain whose last seed lies
   before it in BOTH documents within ``gap`` tokens (closest first), otherwise it opens a chain.
   A chain therefore tolerates edits: a changed word, a dropped clause, a reordered pair of words.
3. **Merge.** Chains with at least ``min_chain`` matched tokens are sorted by position in a; a chain
   that starts within ``merge_gap`` tokens after the previous one ends, in both documents and in
   the same order, joins it (this bridges an inserted or replaced sentence).
4. **Keep** passages with at least ``min_passage`` matched tokens whose matched share of their
   span is at least ``min_density`` on both sides (bridging never glues unrelated text together).
5. **Never overlap.** Passages are taken strongest first; one that overlaps a passage taken
   before it, in either document, is trimmed to the text left free (its seeds there are chained
   again) or dropped. Each word of either document is thus in at most one passage, so matched
   words add up over a pair's passages. Overlaps came from off-diagonal chains over phrases
   repeated in lists and catalogues: on PAN-13's no-obfuscation pairs 37 of 250 pairs held
   crossing passages (granularity 1.14, plagdet 0.765 over every passage); without them
   granularity is 1.00.
6. **Side passages.** When a pair holds a *solid* passage (``solid_words`` (40) matched words,
   ``solid_density`` (0.8) of its span), a short passage at a document's head or tail, far from
   the kept passages and out of line with them, is a shared title, header or footer, not reuse:
   dropped (`_align_core`). With 5 and 6, plagdet over every passage of the PAN-13 pairs went
   0.765 -> 0.931 (precision 0.758 -> 0.926, recall 0.937 =).

Offsets come from the tokens, so a passage (start, end) slices the ORIGINAL text from the first
character of its first token to the last character of its last token.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numba as nb
import numpy as np

from copytrace.document import Passage
from copytrace.fingerprint.minhash import shingle_hash
from copytrace.normalize import Tokens


@dataclass(frozen=True)
class AlignParams:
    seed: int = 3
    max_occurrences: int = 8
    gap: int = 12
    min_chain: int = 5
    merge_gap: int = 40
    min_passage: int = 8
    min_density: float = 0.5
    #: a passage of this many matched words, at least ``solid_density`` of its span on both
    #: sides, is reuse on its own (`copytrace.relate`: at least a ``partial`` pair)
    solid_words: int = 40
    solid_density: float = 0.8
    #: with a solid passage in the pair, a passage of fewer than ``solid_words`` matched words
    #: that lies at the head or tail of either document (its first or last tenth, at least
    #: ``side_reach`` tokens) is dropped unless it lies within ``side_reach`` tokens of a kept
    #: passage in either text, or in line with one (the same order in both texts, off its
    #: diagonal by at most ``side_shift`` tokens): a title, header or footer, not reuse
    side_reach: int = 40
    side_shift: int = 80


@dataclass
class Alignment:
    passages: list[Passage]
    tokens_a: int  # matchable tokens in a
    tokens_b: int
    covered_a: int  # tokens of a inside passages
    covered_b: int
    matched_a: int  # tokens of a inside exact seed matches
    matched_b: int
    #: the passages in token units, rows [a0, a1, b0, b1] (end exclusive)
    spans: np.ndarray = field(default_factory=lambda: np.empty((0, 4), dtype=np.int64))
    #: passages that are reuse on their own (``AlignParams.solid_words``)
    solid: int = 0
    #: words aligned with an identical word, and with a different one (`_with_exactness`)
    identical: int = 0
    substituted: int = 0

    @property
    def containment_ab(self) -> float:
        return self.covered_a / self.tokens_a if self.tokens_a else 0.0

    @property
    def containment_ba(self) -> float:
        return self.covered_b / self.tokens_b if self.tokens_b else 0.0

    @property
    def similarity(self) -> float:
        total = self.tokens_a + self.tokens_b
        return (self.covered_a + self.covered_b) / total if total else 0.0

    @property
    def exact_share(self) -> float:
        """Share of the aligned words that are identical on both sides (1.0: cut and paste;
        lower: revised wording). Words inserted or dropped between aligned ones do not count."""
        total = self.identical + self.substituted
        return self.identical / total if total else 0.0

    @property
    def density(self) -> float:
        """Share of passage tokens that match exactly (1.0: no edits inside passages)."""
        cov = self.covered_a + self.covered_b
        return (self.matched_a + self.matched_b) / cov if cov else 0.0


@nb.njit(cache=True, nogil=True)
def _index_kernel(hashes, n):
    """Sorted 32-bit n-gram hashes of one document and their token positions. 32 bits are
    plenty inside one pair (a false seed among 500 x 500 n-grams has odds ~6e-5, and chaining
    drops a lone seed) and halve the table."""
    m = hashes.shape[0] - n + 1
    if m <= 0:
        return np.empty(0, np.uint32), np.empty(0, np.int64)
    g = np.empty(m, np.uint32)
    for i in range(m):
        s = shingle_hash(hashes, i, n)
        g[i] = np.uint32((s >> np.uint64(32)) ^ (s & np.uint64(0xFFFFFFFF)))
    order = np.argsort(g, kind="mergesort")
    return g[order], order


@nb.njit(cache=True, nogil=True)
def _seeds(sa, oa, sb, ob, max_occ):
    """All (i, j) where a's n-gram at i equals b's at j, sorted by (i, j); n-grams repeated more
    than max_occ times inside either document are skipped."""
    na = sa.shape[0]
    nb_ = sb.shape[0]
    total = 0
    for rep in range(2):
        if rep == 1:
            si = np.empty(total, dtype=np.int64)
            sj = np.empty(total, dtype=np.int64)
        k = 0
        p = 0
        q = 0
        while p < na and q < nb_:
            if sa[p] < sb[q]:
                p += 1
            elif sa[p] > sb[q]:
                q += 1
            else:
                p2 = p
                while p2 < na and sa[p2] == sa[p]:
                    p2 += 1
                q2 = q
                while q2 < nb_ and sb[q2] == sb[q]:
                    q2 += 1
                if p2 - p <= max_occ and q2 - q <= max_occ:
                    if rep == 0:
                        total += (p2 - p) * (q2 - q)
                    else:
                        for x in range(p, p2):
                            for y in range(q, q2):
                                si[k] = np.int64(oa[x])
                                sj[k] = np.int64(ob[y])
                                k += 1
                p = p2
                q = q2
    order = np.argsort(si * (nb_ + 1) + sj, kind="mergesort")
    return si[order], sj[order]


@nb.njit(cache=True, nogil=True)
def _blocked(lo, hi, spans):
    """Does any of the disjoint intervals ``spans`` (rows [start, end), sorted) meet [lo, hi)?"""
    if hi <= lo or spans.shape[0] == 0:
        return False
    t = np.searchsorted(spans[:, 1], lo, side="right")
    return t < spans.shape[0] and spans[t, 0] < hi


@nb.njit(cache=True, nogil=True)
def _chain(si, sj, n, gap, block_a, block_b):
    """Greedy forward chaining of seeds; a chain never steps over a ``block_a`` / ``block_b``
    interval (text an earlier passage took). Returns per-chain [a0, a1, b0, b1, matched_a,
    matched_b]."""
    m = si.shape[0]
    # chain state
    ch = np.empty((max(m, 1), 8), dtype=np.int64)
    # columns: a0, a_end, b0, b_end, last_i, last_j, matched_a, matched_b
    nch = 0
    active = np.empty(max(m, 1), dtype=np.int64)
    nact = 0
    for s in range(m):
        i = si[s]
        j = sj[s]
        # drop chains that can no longer be extended
        w = 0
        for t in range(nact):
            c = active[t]
            if ch[c, 4] >= i - gap:
                active[w] = c
                w += 1
        nact = w
        best = -1
        best_d = 1 << 60
        for t in range(nact):
            c = active[t]
            di = i - ch[c, 4]
            dj = j - ch[c, 5]
            if 0 < di <= gap and 0 < dj <= gap and not (
                    _blocked(ch[c, 1], i, block_a) or _blocked(ch[c, 3], j, block_b)):
                d = di + dj + abs(di - dj) * 2
                if d < best_d:
                    best_d = d
                    best = c
        if best >= 0:
            c = best
            ch[c, 6] += min(n, i + n - ch[c, 1])
            ch[c, 7] += min(n, j + n - ch[c, 3]) if j + n > ch[c, 3] else 0
            if i + n > ch[c, 1]:
                ch[c, 1] = i + n
            if j + n > ch[c, 3]:
                ch[c, 3] = j + n
            ch[c, 4] = i
            ch[c, 5] = j
        else:
            c = nch
            nch += 1
            ch[c, 0] = i
            ch[c, 1] = i + n
            ch[c, 2] = j
            ch[c, 3] = j + n
            ch[c, 4] = i
            ch[c, 5] = j
            ch[c, 6] = n
            ch[c, 7] = n
            active[nact] = c
            nact += 1
    out = np.empty((nch, 6), dtype=np.int64)
    for c in range(nch):
        out[c, 0] = ch[c, 0]
        out[c, 1] = ch[c, 1]
        out[c, 2] = ch[c, 2]
        out[c, 3] = ch[c, 3]
        out[c, 4] = ch[c, 6]
        out[c, 5] = ch[c, 7]
    return out


@nb.njit(cache=True, nogil=True)
def _merge(chains, merge_gap, block_a, block_b):
    """Merge chains (sorted by a0) that follow each other closely in both documents, never
    across a blocked interval."""
    m = chains.shape[0]
    out = np.empty((max(m, 1), 6), dtype=np.int64)
    k = 0
    for c in range(m):
        merged = False
        # try to append to the most recent passage that ends before this chain in both docs
        for t in range(k - 1, max(-1, k - 8), -1):
            ga = chains[c, 0] - out[t, 1]
            gb = chains[c, 2] - out[t, 3]
            if -2 <= ga <= merge_gap and -2 <= gb <= merge_gap and chains[c, 3] > out[t, 3] \
                    and not _blocked(out[t, 1], chains[c, 0], block_a) \
                    and not _blocked(out[t, 3], chains[c, 2], block_b):
                out[t, 1] = max(out[t, 1], chains[c, 1])
                out[t, 3] = max(out[t, 3], chains[c, 3])
                out[t, 4] += chains[c, 4]
                out[t, 5] += chains[c, 5]
                merged = True
                break
        if not merged:
            for x in range(6):
                out[k, x] = chains[c, x]
            k += 1
    return out[:k]


@nb.njit(cache=True, nogil=True)
def _union_len(lo, hi):
    """Total length of the union of intervals [lo[k], hi[k])."""
    if lo.shape[0] == 0:
        return 0
    order = np.argsort(lo, kind="mergesort")
    total = 0
    cur_s = lo[order[0]]
    cur_e = hi[order[0]]
    for t in range(1, order.shape[0]):
        s = lo[order[t]]
        e = hi[order[t]]
        if s > cur_e:
            total += cur_e - cur_s
            cur_s = s
            cur_e = e
        elif e > cur_e:
            cur_e = e
    return total + cur_e - cur_s


@nb.njit(cache=True, nogil=True)
def _passages(si, sj, n, gap, min_chain, merge_gap, min_passage, min_density, block_a, block_b):
    """One round: seeds -> chains -> merged passages -> kept passages [a0, a1, b0, b1, ma, mb]
    (tokens), none of them stepping over a blocked interval. Kept passages may overlap."""
    empty = np.empty((0, 6), dtype=np.int64)
    if si.shape[0] == 0:
        return empty
    chains = _chain(si, sj, n, gap, block_a, block_b)
    keep = np.minimum(chains[:, 4], chains[:, 5]) >= min_chain
    chains = chains[keep]
    if chains.shape[0] == 0:
        return empty
    order = np.argsort(chains[:, 0] * (np.int64(1) << 32) + chains[:, 2], kind="mergesort")
    merged = _merge(chains[order], merge_gap, block_a, block_b)
    out = np.empty_like(merged)
    k = 0
    for r in range(merged.shape[0]):
        a0, a1, b0, b1 = merged[r, 0], merged[r, 1], merged[r, 2], merged[r, 3]
        ma = min(merged[r, 4], a1 - a0)
        mb = min(merged[r, 5], b1 - b0)
        if min(ma, mb) < min_passage:
            continue
        if ma < min_density * (a1 - a0) or mb < min_density * (b1 - b0):
            continue
        out[k, 0] = a0
        out[k, 1] = a1
        out[k, 2] = b0
        out[k, 3] = b1
        out[k, 4] = ma
        out[k, 5] = mb
        k += 1
    return out[:k]


@nb.njit(cache=True, nogil=True)
def _with_interval(spans, lo, hi):
    """Disjoint sorted intervals ``spans`` plus [lo, hi) (disjoint from them)."""
    out = np.empty((spans.shape[0] + 1, 2), dtype=np.int64)
    t = 0
    while t < spans.shape[0] and spans[t, 0] < lo:
        t += 1
    _rows_into(out, 0, spans, 0, t)
    out[t, 0] = lo
    out[t, 1] = hi
    _rows_into(out, t + 1, spans, t, spans.shape[0] - t)
    return out


@nb.njit(cache=True, nogil=True, inline="always")
def _rows_into(dst, at, src, start, count):
    """dst[at:at + count] = src[start:start + count], row by row. Kernels copy rows with loops,
    not slice assignment: a slice assignment compiles numba's shape-mismatch error path (its
    message formatting alone took ~8 s of a first run's 36 s of compiling)."""
    for r in range(count):
        for c in range(src.shape[1]):
            dst[at + r, c] = src[start + r, c]


@nb.njit(cache=True, nogil=True)
def _align_core(sa, oa, sb, ob, n, max_occ, gap, min_chain, merge_gap, min_passage, min_density,
                solid_words, solid_density, reach, shift):
    """Passages [a0, a1, b0, b1, ma, mb] (tokens, sorted by a0) that never overlap each other
    on either side.

    Rounds: find passages among the seeds left; take them strongest first (most matched
    tokens), each unless it overlaps one taken before it on either side; block the text taken;
    drop the seeds that touch it and look again, chains and merges never stepping over blocked
    text. A passage that lost out is thus trimmed to what is left of it (often nothing: an
    off-diagonal chain over a phrase repeated in a list). Most pairs need one round.

    Then, when a passage is solid (``solid_words`` matched, ``solid_density`` of its span), the
    pair's reuse is there, and a short passage (fewer than ``solid_words`` matched words) is
    dropped when it lies at the head or tail of either document (its first or last tenth, at
    least ``reach`` tokens) and is neither within ``reach`` tokens of a kept passage in either
    text nor in line with one (same order in both texts, at most ``shift`` tokens off its
    diagonal). Kept: the long passages, every passage away from the documents' edges, and,
    step by step, every passage next to or in line with a kept one. Two documents often share
    a title line, a citation footer or a stock phrase besides the reused text: on PAN-13, 15 of
    the 17 detections that missed every case were such lines, most of them at an edge of one
    document, far from the real passage in both and out of line with it (in the other order,
    or 400 to 5,000 tokens off its diagonal). A copy's fragments lie next to its solid passage
    in at least one text (a wire write-through that moves its lede's sentences: webreuse_dev)
    or near its diagonal (generated copies with 25-35% of the words edited: within 90 tokens);
    background sentences a reporter reuses in a follow-up lie anywhere, which is why only the
    edges are searched: on 10,000 real news articles the rule took 6 of 812 edited pairs below
    the family gate (to ``partial``), where searching the whole text took 17. A corpus of two
    documents has no boilerplate statistics to find such lines by."""
    si, sj = _seeds(sa, oa, sb, ob, max_occ)
    all_i, all_j = si, sj
    block_a = np.empty((0, 2), dtype=np.int64)
    block_b = np.empty((0, 2), dtype=np.int64)
    taken = np.empty((0, 6), dtype=np.int64)
    while si.shape[0] > 0:
        found = _passages(si, sj, n, gap, min_chain, merge_gap, min_passage, min_density,
                          block_a, block_b)
        if found.shape[0] == 0:
            break
        strength = np.minimum(found[:, 4], found[:, 5])
        order = np.argsort(-strength, kind="mergesort")
        took = np.zeros(found.shape[0], dtype=np.bool_)
        lost = False
        for r in order:
            a0, a1, b0, b1 = found[r, 0], found[r, 1], found[r, 2], found[r, 3]
            if _blocked(a0, a1, block_a) or _blocked(b0, b1, block_b):
                lost = True
                continue
            took[r] = True
            block_a = _with_interval(block_a, a0, a1)
            block_b = _with_interval(block_b, b0, b1)
        both = np.empty((taken.shape[0] + took.sum(), 6), dtype=np.int64)
        _rows_into(both, 0, taken, 0, taken.shape[0])
        at = taken.shape[0]
        for r in range(found.shape[0]):
            if took[r]:
                _rows_into(both, at, found, r, 1)
                at += 1
        taken = both
        if not lost:
            break
        free = np.ones(si.shape[0], dtype=np.bool_)
        for s in range(si.shape[0]):
            if _blocked(si[s], si[s] + n, block_a) or _blocked(sj[s], sj[s] + n, block_b):
                free[s] = False
        si = si[free]
        sj = sj[free]
    taken = taken[np.argsort(np.ascontiguousarray(taken[:, 0]), kind="mergesort")]
    solid = _solid(taken, solid_words, solid_density)
    if not solid.any():
        return _with_exactness(taken, all_i, all_j, n)
    keep = np.minimum(taken[:, 4], taken[:, 5]) >= solid_words
    la, lb = oa.shape[0] + n - 1, ob.shape[0] + n - 1  # tokens in each document
    ea, eb = max(reach, la // 10), max(reach, lb // 10)
    for r in range(taken.shape[0]):  # only a passage at a document's head or tail can be a
        # title, a header or a footer
        if not (taken[r, 0] < ea or taken[r, 1] > la - ea or taken[r, 2] < eb
                or taken[r, 3] > lb - eb):
            keep[r] = True
    grew = True
    while grew:  # kept: long passages, and every passage next to or in line with a kept one
        grew = False
        for r in range(taken.shape[0]):
            if keep[r]:
                continue
            for q in range(taken.shape[0]):
                if not keep[q]:
                    continue
                near = _gap(taken[r, 0], taken[r, 1], taken[q, 0], taken[q, 1]) <= reach \
                    or _gap(taken[r, 2], taken[r, 3], taken[q, 2], taken[q, 3]) <= reach
                da, db = taken[r, 0] - taken[q, 0], taken[r, 2] - taken[q, 2]
                in_line = (da >= 0) == (db >= 0) and abs(da - db) <= shift
                if near or in_line:
                    keep[r] = True
                    grew = True
                    break
    return _with_exactness(taken[keep], all_i, all_j, n)


@nb.njit(cache=True, nogil=True)
def _with_exactness(psg, si, sj, n):
    """The passages [a0, a1, b0, b1, ma, mb] with two columns more: words aligned identical and
    words aligned to a different word.

    Inside a passage the seeds (``si``, ``sj``: every shared n-gram, sorted by i) are walked in
    order, each token mapped once and monotonically on both sides: mapped tokens are
    identical. Between two consecutive mapped tokens, a gap of ga words in a and gb in b holds
    min(ga, gb) substituted words (a word changed, a phrase reworded) and the rest inserted or
    dropped (a sentence added is no revision of the words around it)."""
    out = np.zeros((psg.shape[0], 8), dtype=np.int64)
    _rows_into(out, 0, psg, 0, psg.shape[0])
    for r in range(psg.shape[0]):
        a0, a1, b0, b1 = psg[r, 0], psg[r, 1], psg[r, 2], psg[r, 3]
        last_i, last_j = np.int64(-1), np.int64(-1)
        same, other = 0, 0
        for s in range(np.searchsorted(si, a0), si.shape[0]):
            i, j = si[s], sj[s]
            if i + n > a1:
                break
            if j < b0 or j + n > b1:
                continue
            for t in range(n):
                x, y = i + t, j + t
                if x > last_i and y > last_j:
                    if last_i >= 0:
                        other += min(x - last_i - 1, y - last_j - 1)
                    same += 1
                    last_i, last_j = x, y
        out[r, 6] = same
        out[r, 7] = other
    return out


@nb.njit(cache=True, nogil=True)
def _gap(lo, hi, lo2, hi2):
    """Tokens between two intervals (0 when they touch or overlap)."""
    return max(0, max(lo, lo2) - min(hi, hi2))


@nb.njit(cache=True, nogil=True)
def _solid(psg, solid_words, solid_density):
    """Which passages [a0, a1, b0, b1, ma, mb] are reuse on their own."""
    out = np.zeros(psg.shape[0], dtype=np.bool_)
    for r in range(psg.shape[0]):
        ma, mb = psg[r, 4], psg[r, 5]
        out[r] = min(ma, mb) >= solid_words and ma >= solid_density * (psg[r, 1] - psg[r, 0]) \
            and mb >= solid_density * (psg[r, 3] - psg[r, 2])
    return out


@nb.njit(cache=True, nogil=True)
def _index_many(hashes, doc_tok, n, out_h, out_p, out_off):
    """Sorted n-gram index of every document of a batch, written flat."""
    k = 0
    for d in range(doc_tok.shape[0] - 1):
        out_off[d] = k
        g, order = _index_kernel(hashes[doc_tok[d]:doc_tok[d + 1]], n)
        for t in range(g.shape[0]):
            out_h[k] = g[t]
            out_p[k] = order[t]
            k += 1
    out_off[doc_tok.shape[0] - 1] = k


@dataclass
class GramTable:
    """Seed n-gram indexes of many documents, flat: document d's sorted hashes are
    ``hashes[offsets[d]:offsets[d + 1]]`` and their token positions likewise."""

    hashes: np.ndarray
    positions: np.ndarray
    offsets: np.ndarray

    @classmethod
    def build(cls, tokens: list[Tokens], n: int = 3, chunk_tokens: int = 2_000_000
              ) -> GramTable:
        lengths = np.array([len(t) for t in tokens], dtype=np.int64)
        cap = max(int(lengths.sum()), 1)
        h, pos = np.empty(cap, np.uint32), np.empty(cap, np.int32)
        off = np.zeros(len(tokens) + 1, np.int64)
        # documents go through the kernel a chunk at a time, so the concatenated token hashes
        # never exist for the whole corpus at once
        lo, written = 0, 0
        while lo < len(tokens):
            hi = lo + 1
            acc = lengths[lo]
            while hi < len(tokens) and acc + lengths[hi] <= chunk_tokens:
                acc += lengths[hi]
                hi += 1
            doc_tok = np.zeros(hi - lo + 1, dtype=np.int64)
            np.cumsum(lengths[lo:hi], out=doc_tok[1:])
            flat = np.concatenate([t.hash for t in tokens[lo:hi]]).astype(np.uint64, copy=False)
            part_off = np.empty(hi - lo + 1, np.int64)
            _index_many(flat, doc_tok, n, h[written:], pos[written:], part_off)
            off[lo + 1:hi + 1] = written + part_off[1:]
            written += int(part_off[-1])
            lo = hi
        return cls(h[:written], pos[:written], off)


@nb.njit(cache=True, nogil=True)
def _align_pairs(gh, gp, goff, pairs, n, max_occ, gap, min_chain, merge_gap, min_passage,
                 min_density, solid_words, solid_density, reach, shift):
    """Align many pairs in one call. Returns per-pair [cov_a, cov_b, matched_a, matched_b,
    solid passages, identical, substituted], passage offsets per pair, and the passages
    [a0, a1, b0, b1, ma, mb, identical, substituted] in token units. Passages never overlap,
    so matched tokens add up over them."""
    k = pairs.shape[0]
    stats = np.zeros((k, 7), dtype=np.int64)
    poff = np.zeros(k + 1, dtype=np.int64)
    cap = 4 * k + 16
    psg = np.empty((cap, 8), dtype=np.int64)
    m = 0
    for t in range(k):
        a = pairs[t, 0]
        b = pairs[t, 1]
        sa = gh[goff[a]:goff[a + 1]]
        oa = gp[goff[a]:goff[a + 1]]
        sb = gh[goff[b]:goff[b + 1]]
        ob = gp[goff[b]:goff[b + 1]]
        kept = _align_core(sa, oa, sb, ob, n, max_occ, gap, min_chain, merge_gap, min_passage,
                           min_density, solid_words, solid_density, reach, shift)
        r = kept.shape[0]
        if r > 0:
            stats[t, 0] = _union_len(np.ascontiguousarray(kept[:, 0]), kept[:, 1])
            stats[t, 1] = _union_len(np.ascontiguousarray(kept[:, 2]), kept[:, 3])
            stats[t, 2] = kept[:, 4].sum()  # at most each passage's span, and the spans
            stats[t, 3] = kept[:, 5].sum()  # are disjoint: never more than the coverage
            stats[t, 4] = _solid(kept, solid_words, solid_density).sum()
            stats[t, 5] = kept[:, 6].sum()
            stats[t, 6] = kept[:, 7].sum()
            if m + r > cap:
                cap = 2 * (m + r)
                grown = np.empty((cap, 8), dtype=np.int64)
                _rows_into(grown, 0, psg, 0, m)
                psg = grown
            _rows_into(psg, m, kept, 0, r)
            m += r
        poff[t + 1] = m
    return stats, poff, psg[:m]


def _alignment(a: Tokens, b: Tokens, stats, kept: np.ndarray) -> Alignment:
    if len(kept) == 0:
        return Alignment([], len(a), len(b), 0, 0, 0, 0)
    a_s, a_e = a.start[kept[:, 0]].tolist(), a.end[kept[:, 1] - 1].tolist()
    b_s, b_e = b.start[kept[:, 2]].tolist(), b.end[kept[:, 3] - 1].tolist()
    m = np.minimum(kept[:, 4], kept[:, 5]).tolist()
    passages = [Passage((a_s[k], a_e[k]), (b_s[k], b_e[k]), m[k]) for k in range(len(m))]
    cov_a, cov_b, ma, mb, solid, same, other = (int(x) for x in stats)
    return Alignment(passages, len(a), len(b), cov_a, cov_b, ma, mb, kept[:, :4].copy(), solid,
                     same, other)


def align_many(tokens: list[Tokens], table: GramTable, pairs: np.ndarray,
               params: AlignParams = AlignParams()) -> list[Alignment]:
    """Align each (i, j) row of ``pairs``; one compiled call for the whole batch."""
    pairs = np.ascontiguousarray(pairs, dtype=np.int64).reshape(-1, 2)
    stats, poff, psg = _align_pairs(table.hashes, table.positions, table.offsets, pairs,
                                    params.seed, params.max_occurrences, params.gap,
                                    params.min_chain, params.merge_gap, params.min_passage,
                                    params.min_density, params.solid_words,
                                    params.solid_density, params.side_reach,
                                    params.side_shift)
    return [_alignment(tokens[i], tokens[j], stats[k], psg[poff[k]:poff[k + 1]])
            for k, (i, j) in enumerate(pairs.tolist())]


@nb.njit(cache=True, nogil=True)
def _aligned_positions(sa, oa, sb, ob, n, max_occ, spans, len_a):
    """For each token of a inside a passage, the token of b it is aligned with (-1: none).
    A token covered by several seeds takes the one nearest its passage's diagonal."""
    pos = np.full(len_a, -1, dtype=np.int64)
    best = np.full(len_a, np.inf)
    si, sj = _seeds(sa, oa, sb, ob, max_occ)
    for s in range(si.shape[0]):
        i = si[s]
        j = sj[s]
        for r in range(spans.shape[0]):
            a0, a1, b0, b1 = spans[r, 0], spans[r, 1], spans[r, 2], spans[r, 3]
            if a0 <= i and i + n <= a1 and b0 <= j and j + n <= b1:
                expect = b0 + (i - a0) * (b1 - b0) / max(a1 - a0, 1)
                d = abs(j - expect)
                for t in range(n):
                    if d < best[i + t]:
                        best[i + t] = d
                        pos[i + t] = j + t
                break
    return pos


def aligned_positions(table: GramTable, i: int, j: int, al: Alignment, len_a: int,
                      params: AlignParams) -> np.ndarray:
    """Token-to-token map from document i to document j inside ``al``'s passages, from the
    seeds of ``table`` (the table the alignment was made with)."""
    o = table.offsets
    return _aligned_positions(table.hashes[o[i]:o[i + 1]], table.positions[o[i]:o[i + 1]],
                              table.hashes[o[j]:o[j + 1]], table.positions[o[j]:o[j + 1]],
                              params.seed, params.max_occurrences, al.spans, len_a)


def align(a: Tokens, b: Tokens, params: AlignParams = AlignParams()) -> Alignment:
    """Align two token sequences (boilerplate already removed) into passages."""
    table = GramTable.build([a, b], params.seed)
    return align_many([a, b], table, np.array([[0, 1]]), params)[0]
