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

Offsets come from the tokens, so a passage (start, end) slices the ORIGINAL text from the first
character of its first token to the last character of its last token.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from copytrace.document import Passage
from copytrace.fingerprint.minhash import _shingles_kernel
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


@dataclass
class Alignment:
    passages: list[Passage]
    tokens_a: int  # matchable tokens in a
    tokens_b: int
    covered_a: int  # tokens of a inside passages
    covered_b: int
    matched_a: int  # tokens of a inside exact seed matches
    matched_b: int

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
    def density(self) -> float:
        """Share of passage tokens that match exactly (1.0: no edits inside passages)."""
        cov = self.covered_a + self.covered_b
        return (self.matched_a + self.matched_b) / cov if cov else 0.0


def ngram_hashes(token_hashes: np.ndarray, n: int) -> np.ndarray:
    out = np.empty(max(len(token_hashes) - n + 1, 1), dtype=np.uint64)
    k = _shingles_kernel(np.ascontiguousarray(token_hashes, dtype=np.uint64), n, out) \
        if len(token_hashes) >= n else 0
    return out[:k]


@nb.njit(cache=True, nogil=True)
def _seeds(ga, gb, max_occ):
    """All (i, j) with ga[i] == gb[j], skipping n-grams frequent inside either document."""
    oa = np.argsort(ga, kind="mergesort")
    sa = ga[oa]
    ob = np.argsort(gb, kind="mergesort")
    sb = gb[ob]
    # count matches first
    total = 0
    p = 0
    q = 0
    na = sa.shape[0]
    nb_ = sb.shape[0]
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
                total += (p2 - p) * (q2 - q)
            p = p2
            q = q2
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
                for x in range(p, p2):
                    for y in range(q, q2):
                        si[k] = oa[x]
                        sj[k] = ob[y]
                        k += 1
            p = p2
            q = q2
    order = np.argsort(si * (nb_ + 1) + sj, kind="mergesort")
    return si[order], sj[order]


@nb.njit(cache=True, nogil=True)
def _chain(si, sj, n, gap):
    """Greedy forward chaining of seeds. Returns per-chain [a0, a1, b0, b1, matched_a, matched_b]."""
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
            if 0 < di <= gap and 0 < dj <= gap:
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
def _merge(chains, merge_gap):
    """Merge chains (sorted by a0) that follow each other closely in both documents."""
    m = chains.shape[0]
    out = np.empty((max(m, 1), 6), dtype=np.int64)
    k = 0
    for c in range(m):
        merged = False
        # try to append to the most recent passage that ends before this chain in both docs
        for t in range(k - 1, max(-1, k - 8), -1):
            ga = chains[c, 0] - out[t, 1]
            gb = chains[c, 2] - out[t, 3]
            if -2 <= ga <= merge_gap and -2 <= gb <= merge_gap and chains[c, 3] > out[t, 3]:
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


def _union_len(spans: list[tuple[int, int]]) -> int:
    total, cur_s, cur_e = 0, None, None
    for s, e in sorted(spans):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s
    return total


def align(a: Tokens, b: Tokens, params: AlignParams = AlignParams()) -> Alignment:
    """Align two token sequences (boilerplate already removed) into passages."""
    n = params.seed
    ga, gb = ngram_hashes(a.hash, n), ngram_hashes(b.hash, n)
    empty = Alignment([], len(a), len(b), 0, 0, 0, 0)
    if len(ga) == 0 or len(gb) == 0:
        return empty
    si, sj = _seeds(ga, gb, params.max_occurrences)
    if len(si) == 0:
        return empty
    chains = _chain(si, sj, n, params.gap)
    chains = chains[np.minimum(chains[:, 4], chains[:, 5]) >= params.min_chain]
    if len(chains) == 0:
        return empty
    chains = chains[np.lexsort((chains[:, 2], chains[:, 0]))]
    merged = _merge(np.ascontiguousarray(chains), params.merge_gap)
    passages, spans_a, spans_b = [], [], []
    matched_a = matched_b = 0
    for a0, a1, b0, b1, ma, mb in merged.tolist():
        ma, mb = min(ma, a1 - a0), min(mb, b1 - b0)
        if min(ma, mb) < params.min_passage:
            continue
        if ma < params.min_density * (a1 - a0) or mb < params.min_density * (b1 - b0):
            continue
        passages.append(Passage((int(a.start[a0]), int(a.end[a1 - 1])),
                                (int(b.start[b0]), int(b.end[b1 - 1])), min(ma, mb)))
        spans_a.append((a0, a1))
        spans_b.append((b0, b1))
        matched_a += ma
        matched_b += mb
    if not passages:
        return empty
    cov_a, cov_b = _union_len(spans_a), _union_len(spans_b)
    return Alignment(passages, len(a), len(b), cov_a, cov_b,
                     min(matched_a, cov_a), min(matched_b, cov_b))
