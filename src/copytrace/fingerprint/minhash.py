"""MinHash signatures over word shingles, computed by one compiled kernel per batch.

For a set S of shingles and a random hash function h, P[min h(S) = min h(T)] = J(S, T), the Jaccard
similarity. With ``num_perm`` independent functions the fraction of equal signature positions is an
unbiased estimate of J with standard error sqrt(J (1 - J) / num_perm).

Each shingle is hashed to 64 bits (a multilinear sum of its token hashes and a splitmix64 finaliser)
and folded to 32 bits x. The functions are the bijections h_j(x) = (a_j * (x xor c_j) + b_j) mod 2^32
with a_j odd: one xor, one multiply and one add per shingle and function, all in 32-bit lanes, so
the compiler runs eight functions per AVX2 instruction. Because x is already a well-mixed hash, each
h_j(S) is a uniformly random set and each signature position is an unbiased estimate of J; the xor
breaks the affine structure shared by the functions (the estimator's variance matches
J (1 - J) / num_perm in the property tests). Shingles are ``shingle`` consecutive word tokens
(after boilerplate removal); a document shorter than one shingle is one shingle of all its tokens;
an empty document gets the all-ones signature and is never a candidate.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from copytrace.coldstart import python_twin
from copytrace.normalize import mix64, mix64_numpy

EMPTY = np.uint32(0xFFFFFFFF)


# Odd multipliers for the multilinear shingle hash (k <= 16 tokens per shingle).
_MULT = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
                  0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9,
                  0x2545F4914F6CDD1D, 0x9FB21C651E98DF25, 0xA0761D6478BD642F, 0xE7037ED1A0B428DB,
                  0x8EBC6AF09C88C6E3, 0x589965CC75374CC3, 0x1D8E4E27C47D124F, 0xDB4F0B9175AE2165],
                 dtype=np.uint64)


@nb.njit(cache=True, inline="always")
def shingle_hash(hashes, i, k):
    """Order-sensitive hash of tokens i..i+k-1: a multilinear sum, then one finaliser."""
    h = np.uint64(k)
    for t in range(k):
        h += hashes[i + t] * _MULT[t]
    return mix64(h)


@nb.njit(cache=True, nogil=True)
def _shingles_kernel(hashes, k, out):
    n = hashes.shape[0]
    if n == 0:
        return 0
    if n < k:
        out[0] = shingle_hash(hashes, 0, n)
        return 1
    for i in range(n - k + 1):
        out[i] = shingle_hash(hashes, i, k)
    return n - k + 1


@nb.njit(cache=True, inline="always")
def _fold32(h):
    return np.uint32((h >> np.uint64(32)) ^ (h & np.uint64(0xFFFFFFFF)))


@nb.njit(cache=True, inline="always")
def _perm(a, b, c, x):
    # np.uint32(...) truncates before the min, so LLVM runs the loop in 8 lanes of 32 bits
    return np.uint32(a * (x ^ c) + b)


@nb.njit(cache=True, nogil=True)
def _minhash_kernel(hashes, doc_tok, k, a, b, c, out):
    """hashes: all token hashes of a batch; doc_tok: per-document offsets; out: (n_docs, num_perm).

    Eight shingles per pass over the functions cut the loads and stores of the running minima
    eightfold (measured: 4 per pass -> 8 per pass is 25% faster).
    """
    num_perm = a.shape[0]
    n_docs = doc_tok.shape[0] - 1
    sig = np.empty(num_perm, dtype=np.uint32)
    for d in range(n_docs):
        lo = doc_tok[d]
        n = doc_tok[d + 1] - lo
        for j in range(num_perm):
            sig[j] = np.uint32(0xFFFFFFFF)
        if n > 0:
            n_sh = n - k + 1 if n >= k else 1
            width = k if n >= k else n
            i = 0
            while i + 8 <= n_sh:
                x0 = _fold32(shingle_hash(hashes, lo + i, width))
                x1 = _fold32(shingle_hash(hashes, lo + i + 1, width))
                x2 = _fold32(shingle_hash(hashes, lo + i + 2, width))
                x3 = _fold32(shingle_hash(hashes, lo + i + 3, width))
                x4 = _fold32(shingle_hash(hashes, lo + i + 4, width))
                x5 = _fold32(shingle_hash(hashes, lo + i + 5, width))
                x6 = _fold32(shingle_hash(hashes, lo + i + 6, width))
                x7 = _fold32(shingle_hash(hashes, lo + i + 7, width))
                for j in range(num_perm):  # min() without a branch lets LLVM vectorise this
                    aj, bj, cj = a[j], b[j], c[j]
                    v = min(min(min(_perm(aj, bj, cj, x0), _perm(aj, bj, cj, x1)),
                                min(_perm(aj, bj, cj, x2), _perm(aj, bj, cj, x3))),
                            min(min(_perm(aj, bj, cj, x4), _perm(aj, bj, cj, x5)),
                                min(_perm(aj, bj, cj, x6), _perm(aj, bj, cj, x7))))
                    sig[j] = min(sig[j], v)
                i += 8
            while i < n_sh:
                x = _fold32(shingle_hash(hashes, lo + i, width))
                for j in range(num_perm):
                    sig[j] = min(sig[j], _perm(a[j], b[j], c[j], x))
                i += 1
        for j in range(num_perm):
            out[d, j] = sig[j]


def shingle_hashes_numpy(hashes: np.ndarray, k: int) -> np.ndarray:
    """`shingle_hash` of every shingle of ``k`` tokens of ``hashes``, in numpy (uint64 array
    arithmetic wraps as the kernel's does): the twins' building block."""
    n_sh = hashes.shape[0] - k + 1
    if n_sh <= 0:
        return np.empty(0, dtype=np.uint64)
    h = np.full(n_sh, k, dtype=np.uint64)
    for t in range(k):
        h += hashes[t:t + n_sh] * _MULT[t]
    return mix64_numpy(h)


@python_twin(_minhash_kernel)
def _minhash_numpy(hashes, doc_tok, k, a, b, c, out):
    """`_minhash_kernel` in numpy: every shingle against every function at once, a block of
    shingles at a time (uint32 and uint64 array arithmetic wraps as the kernel's does)."""
    a, b, c = (np.asarray(v, dtype=np.uint32)[:, None] for v in (a, b, c))
    for d in range(doc_tok.shape[0] - 1):
        lo, n = int(doc_tok[d]), int(doc_tok[d + 1] - doc_tok[d])
        if n == 0:
            out[d] = EMPTY
            continue
        h = shingle_hashes_numpy(hashes[lo:lo + n], min(k, n))
        x = ((h >> np.uint64(32)) ^ (h & np.uint64(0xFFFFFFFF))).astype(np.uint32)
        sig = np.full(a.shape[0], EMPTY, dtype=np.uint32)
        for s in range(0, x.shape[0], 4096):
            sig = np.minimum(sig, (a * (x[None, s:s + 4096] ^ c) + b).min(axis=1))
        out[d] = sig


def shingle_hashes(token_hashes: np.ndarray, shingle: int = 5) -> np.ndarray:
    """The 64-bit hashes of a token sequence's shingles (for exact Jaccard and tests)."""
    out = np.empty(max(len(token_hashes) - shingle + 1, 1), dtype=np.uint64)
    n = _shingles_kernel(np.ascontiguousarray(token_hashes, dtype=np.uint64), shingle, out)
    return out[:n]


class MinHasher:
    """Computes MinHash signatures; ``num_perm`` functions drawn from ``seed``."""

    def __init__(self, num_perm: int = 128, shingle: int = 5, seed: int = 1):
        if num_perm < 1 or not 1 <= shingle <= 16:
            raise ValueError("num_perm must be positive and shingle between 1 and 16")
        rng = np.random.Generator(np.random.PCG64(seed))
        self.num_perm = num_perm
        self.shingle = shingle
        self.a = (rng.integers(0, 2**31, size=num_perm, dtype=np.uint32) * 2 + 1).astype(np.uint32)
        self.b = rng.integers(0, 2**32, size=num_perm, dtype=np.uint64).astype(np.uint32)
        self.c = rng.integers(0, 2**32, size=num_perm, dtype=np.uint64).astype(np.uint32)

    def signatures(self, token_hashes: list[np.ndarray]) -> np.ndarray:
        """One uint32 signature row per document, from each document's token hashes."""
        doc_tok = np.zeros(len(token_hashes) + 1, dtype=np.int64)
        np.cumsum([len(h) for h in token_hashes], out=doc_tok[1:])
        flat = (np.concatenate(token_hashes).astype(np.uint64, copy=False)
                if token_hashes else np.empty(0, np.uint64))
        out = np.empty((len(token_hashes), self.num_perm), dtype=np.uint32)
        _minhash_kernel(flat, doc_tok, self.shingle, self.a, self.b, self.c, out)
        return out

    def item_signatures(self, hashes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Signatures of documents given as ready 64-bit item hashes (shingles already hashed
        by the caller): document d's items are ``hashes[offsets[d]:offsets[d + 1]]``. The same
        kernel as `signatures` with one-item shingles (bench/speed.py compares it with peers'
        kernels fed the same hashes)."""
        out = np.empty((len(offsets) - 1, self.num_perm), dtype=np.uint32)
        _minhash_kernel(np.ascontiguousarray(hashes, dtype=np.uint64),
                        np.ascontiguousarray(offsets, dtype=np.int64), 1, self.a, self.b, self.c,
                        out)
        return out

    def text_signatures(self, texts: list[str]) -> np.ndarray:
        """Signatures straight from raw texts (tokenized as `copytrace.normalize` does, with no
        per-document token objects): the fast path when only fingerprints are wanted."""
        from copytrace.normalize import token_hashes_many

        flat, doc_tok = token_hashes_many(texts)
        out = np.empty((len(texts), self.num_perm), dtype=np.uint32)
        _minhash_kernel(flat, doc_tok, self.shingle, self.a, self.b, self.c, out)
        return out

    @staticmethod
    def similarity(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
        """Estimated Jaccard similarity of two signatures."""
        if (sig_a == EMPTY).all() or (sig_b == EMPTY).all():
            return 0.0
        return float(np.mean(sig_a == sig_b))
