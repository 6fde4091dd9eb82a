"""The baselines every benchmark runs beside copytrace: word shingles as peers build them, and
MinHash-only families (datasketch at its usual settings: 128 permutations, 5-word shingles,
threshold 0.5), with their own union-find (never copytrace's clustering).
"""

from __future__ import annotations

import re

WORD = re.compile(r"\w+")


def peer_shingles(text: str, k: int = 5) -> list[str]:
    words = WORD.findall(text.lower())
    return [" ".join(words[i:i + k]) for i in range(max(len(words) - k + 1, 1))]


def _shingles(text: str, k: int = 5) -> list[bytes]:
    return [s.encode() for s in peer_shingles(text, k)]


class UnionFind(dict):
    """Families for the baselines (bench/ never uses copytrace's own clustering for them)."""

    def find(self, x):
        self.setdefault(x, x)
        while self[x] != x:
            self[x] = self[self[x]]
            x = self[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self[max(ra, rb)] = min(ra, rb)


def minhash(text: str, k: int = 5):
    import xxhash
    from datasketch import MinHash

    m = MinHash(num_perm=128, hashfunc=xxhash.xxh32_intdigest)
    m.update_batch(_shingles(text, k))
    return m


def jaccard(a: str, b: str, k: int = 5) -> float:
    sa, sb = set(_shingles(a, k)), set(_shingles(b, k))
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def datasketch_families(docs: list[tuple[str, str]], threshold: float = 0.5) -> dict[str, str]:
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    sigs = {}
    for i, t in docs:
        sigs[i] = minhash(t)
        lsh.insert(i, sigs[i])
    uf = UnionFind()
    for i, m in sigs.items():
        uf.find(i)
        for j in lsh.query(m):
            if j != i and m.jaccard(sigs[j]) >= threshold:
                uf.union(i, j)
    return {i: uf.find(i) for i, _ in docs}


def difflib_families(docs: list[tuple[str, str]], min_block: int = 60,
                     min_cover: float = 0.25) -> dict[str, str]:
    """Families by Python's difflib: two documents are one family when SequenceMatcher's common
    blocks of at least ``min_block`` characters cover ``min_cover`` of the shorter document.
    Only pairs sharing three word 4-grams are compared (a 60-character common block holds
    several)."""
    grams: dict[str, set] = {}
    index: dict[int, list[str]] = {}
    for i, t in docs:
        words = WORD.findall(t.lower())
        grams[i] = {hash(tuple(words[k:k + 4])) for k in range(max(len(words) - 3, 1))}
        for g in grams[i]:
            index.setdefault(g, []).append(i)
    shared: dict[tuple[str, str], int] = {}
    for ids in index.values():
        if len(ids) > 64:  # a formula every page has: not a sign of copying
            continue
        for x in range(len(ids)):
            for y in range(x + 1, len(ids)):
                shared[(ids[x], ids[y])] = shared.get((ids[x], ids[y]), 0) + 1
    text = dict(docs)
    uf = UnionFind()
    for i, _ in docs:
        uf.find(i)
    for (a, b), n in sorted(shared.items()):
        # a common block of 60+ characters (10+ words) holds several shared 4-grams
        if n < 3 or uf.find(a) == uf.find(b):
            continue
        if (difflib_common_chars(text[a], text[b], min_block)
                >= min_cover * min(len(text[a]), len(text[b]))):
            uf.union(a, b)
    return {i: uf.find(i) for i, _ in docs}


# ----------------------------------------------------------------------------- field baselines
# What an expert in text-reuse detection runs first on PAN and Clough & Stevenson: no MinHash
# over whole documents (which scores 0 there by design), but n-gram containment, difflib's
# common blocks, and a seed-and-extend aligner (the scheme most PAN text-alignment entries
# build on). None of them uses copytrace's code.

def _word_spans(text: str) -> list[tuple[str, int, int]]:
    return [(m.group().lower(), m.start(), m.end()) for m in WORD.finditer(text)]


def ngram_containment(part: str, whole: str, n: int = 3) -> float:
    """Share of ``part``'s distinct word n-grams found in ``whole`` (Clough & Stevenson's
    measure of how much of an answer comes from its source; they use n = 3)."""
    def grams(t):
        w = WORD.findall(t.lower())
        return {tuple(w[k:k + n]) for k in range(max(len(w) - n + 1, 0))}

    g = grams(part)
    return len(g & grams(whole)) / len(g) if g else 0.0


def difflib_common_chars(a: str, b: str, min_block: int) -> int:
    """Characters in difflib SequenceMatcher's common blocks of at least ``min_block``
    characters between two texts."""
    from difflib import SequenceMatcher

    sm = SequenceMatcher(None, a, b, autojunk=False)
    return sum(m.size for m in sm.get_matching_blocks() if m.size >= min_block)


def difflib_coverage(part: str, whole: str, min_block: int = 20) -> float:
    """Share of ``part``'s characters in difflib SequenceMatcher blocks of at least
    ``min_block`` characters shared with ``whole``."""
    return difflib_common_chars(part, whole, min_block) / max(len(part), 1)


def seed_extend_passages(a: str, b: str, n: int = 4, gap: int = 250, min_seeds: int = 3
                         ) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Aligned passages of two texts by seed and extend: seeds are the word n-grams the texts
    share (each at every position in both); seeds sorted by their position in ``a`` are chained
    while both sides advance by at most ``gap`` characters from the chain's end (a seed out of
    line starts a new chain); a chain of at least ``min_seeds`` seeds is a passage, from its
    first seed's start to its last seed's end on each side, and passages within ``gap`` of
    each other on both sides are merged. Returns ((a0, a1), (b0, b1))."""
    wa, wb = _word_spans(a), _word_spans(b)
    where: dict[tuple, list[int]] = {}
    for k in range(len(wb) - n + 1):
        where.setdefault(tuple(w for w, _, _ in wb[k:k + n]), []).append(k)
    seeds = []
    for k in range(len(wa) - n + 1):
        for j in where.get(tuple(w for w, _, _ in wa[k:k + n]), ())[:8]:
            seeds.append((wa[k][1], wa[k + n - 1][2], wb[j][1], wb[j + n - 1][2]))
    chains: list[list] = []
    for s in sorted(seeds):
        for c in chains:
            if 0 <= s[0] - c[1] <= gap and -n * 8 <= s[2] - c[3] <= gap and s[2] >= c[2]:
                c[1], c[3] = max(c[1], s[1]), max(c[3], s[3])
                c[4] += 1
                break
        else:
            chains.append([s[0], s[1], s[2], s[3], 1])
    merged = [c[:4] for c in chains if c[4] >= min_seeds]

    def near(x, y):  # within ``gap`` of each other on both sides (or overlapping)
        return (x[0] - gap <= y[1] and y[0] - gap <= x[1]
                and x[2] - gap <= y[3] and y[2] - gap <= x[3])

    changed = True  # passages near each other on both sides join, until none do
    while changed:
        changed = False
        for i in range(len(merged)):
            for j in range(len(merged) - 1, i, -1):
                if near(merged[i], merged[j]):
                    x, y = merged[i], merged.pop(j)
                    merged[i] = [min(x[0], y[0]), max(x[1], y[1]), min(x[2], y[2]),
                                 max(x[3], y[3])]
                    changed = True
    return [((c[0], c[1]), (c[2], c[3])) for c in sorted(merged)]


def fit_cutpoints(scores: list[float], labels: list[int], classes: int) -> list[float]:
    """Thresholds t_1 <= ... <= t_{classes-1} on a score that maximise the accuracy of
    "label = number of thresholds the score reaches" (ordered classes 0..classes-1) on the
    given examples: how a baseline's cut-offs are tuned on a training split."""
    from itertools import combinations_with_replacement

    vals = sorted(set(scores))
    cands = [vals[0] - 1] + [(x + y) / 2 for x, y in zip(vals, vals[1:])] + [vals[-1] + 1]
    best, best_t = -1, []
    for ts in combinations_with_replacement(cands, classes - 1):
        right = sum(sum(s >= t for t in ts) == lab for s, lab in zip(scores, labels))
        if right > best:
            best, best_t = right, list(ts)
    return best_t


def difflib_passages(a: str, b: str, min_words: int = 10, gap: int = 40
                     ) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Aligned passages of two texts by difflib: SequenceMatcher over their word sequences
    (characters would be quadratic on long documents), matching blocks of at least
    ``min_words`` words, blocks merged while both sides are within ``gap`` words of each
    other. Returns character spans ((a0, a1), (b0, b1))."""
    from difflib import SequenceMatcher

    wa, wb = _word_spans(a), _word_spans(b)
    sm = SequenceMatcher(None, [w for w, _, _ in wa], [w for w, _, _ in wb], autojunk=False)
    out: list[list[int]] = []  # word ranges [a0, a1, b0, b1]
    for m in sm.get_matching_blocks():
        if m.size < min_words:
            continue
        blk = [m.a, m.a + m.size, m.b, m.b + m.size]
        if out and 0 <= blk[0] - out[-1][1] <= gap and 0 <= blk[2] - out[-1][3] <= gap:
            out[-1][1], out[-1][3] = blk[1], blk[3]
        else:
            out.append(blk)
    return [((wa[x0][1], wa[x1 - 1][2]), (wb[y0][1], wb[y1 - 1][2])) for x0, x1, y0, y1 in out]
