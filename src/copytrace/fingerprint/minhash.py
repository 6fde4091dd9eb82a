"""MinHash signatures over word shingles, computed by one compiled kernel per batch.

For a set S of shingles and a random hash function h, P[min h(S) = min h(T)] = J(S, T), the Jaccard
similarity. With ``num_perm`` independent functions the fraction of equal signature positions is an
unbiased estimate of J with standard error sqrt(J (1 - J) / num_perm).

The functions are h_j(x) = ((a_j * x + b_j) mod 2^64) >> 32 over 32-bit shingle hashes x, with a_j
odd: Dietzfelbinger's multiply-add-shift family, one multiply and one add per shingle and function,
which the compiler vectorises across functions. Shingles are ``shingle`` consecutive word tokens
(after boilerplate removal); a document shorter than one shingle is one shingle of all its tokens;
an empty document gets the all-ones signature and is never a candidate.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from copytrace.normalize import mix64

EMPTY = np.uint32(0xFFFFFFFF)


# Odd multipliers for the multilinear shingle hash (k <= 16 tokens per shingle).
_MULT = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
                  0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9,
                  0x2545F4914F6CDD1D, 0x9FB21C651E98DF25, 0xA0761D6478BD642F, 0xE7037ED1A0B428DB,
                  0x8EBC6AF09C88C6E3, 0x589965CC75374CC3, 0x1D8E4E27C47D124F, 0xDB4F0B9175AE2165],
                 dtype=np.uint64)


@nb.njit(cache=True, inline="always")
def _shingle(hashes, i, k):
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
        out[0] = _shingle(hashes, 0, n)
        return 1
    for i in range(n - k + 1):
        out[i] = _shingle(hashes, i, k)
    return n - k + 1


@nb.njit(cache=True, nogil=True)
def _minhash_kernel(hashes, doc_tok, k, a, b, out):
    """hashes: all token hashes of a batch; doc_tok: per-document offsets; out: (n_docs, num_perm)."""
    num_perm = a.shape[0]
    n_docs = doc_tok.shape[0] - 1
    shift = np.uint64(32)
    sig = np.empty(num_perm, dtype=np.uint32)
    for d in range(n_docs):
        lo = doc_tok[d]
        n = doc_tok[d + 1] - lo
        for j in range(num_perm):
            sig[j] = np.uint32(0xFFFFFFFF)
        if n > 0:
            n_sh = n - k + 1 if n >= k else 1
            width = k if n >= k else n
            for i in range(n_sh):
                h = _shingle(hashes, lo + i, width)
                x = (h >> shift) ^ (h & np.uint64(0xFFFFFFFF))
                for j in range(num_perm):  # min() without a branch lets LLVM vectorise this
                    sig[j] = min(sig[j], np.uint32((a[j] * x + b[j]) >> shift))
        for j in range(num_perm):
            out[d, j] = sig[j]


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
        self.a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        self.b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)

    def signatures(self, token_hashes: list[np.ndarray]) -> np.ndarray:
        """One uint32 signature row per document, from each document's token hashes."""
        doc_tok = np.zeros(len(token_hashes) + 1, dtype=np.int64)
        np.cumsum([len(h) for h in token_hashes], out=doc_tok[1:])
        flat = (np.concatenate(token_hashes).astype(np.uint64, copy=False)
                if token_hashes else np.empty(0, np.uint64))
        out = np.empty((len(token_hashes), self.num_perm), dtype=np.uint32)
        _minhash_kernel(flat, doc_tok, self.shingle, self.a, self.b, out)
        return out

    @staticmethod
    def similarity(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
        """Estimated Jaccard similarity of two signatures."""
        if (sig_a == EMPTY).all() or (sig_b == EMPTY).all():
            return 0.0
        return float(np.mean(sig_a == sig_b))
