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
    from difflib import SequenceMatcher

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
        sm = SequenceMatcher(None, text[a], text[b], autojunk=False)
        common = sum(m.size for m in sm.get_matching_blocks() if m.size >= min_block)
        if common >= min_cover * min(len(text[a]), len(text[b])):
            uf.union(a, b)
    return {i: uf.find(i) for i, _ in docs}
