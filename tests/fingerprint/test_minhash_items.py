"""`MinHasher.item_signatures`: signatures from ready item hashes, the kernel bench/speed.py
compares with peers' kernels."""

import numpy as np

from copytrace.fingerprint import MinHasher


def test_item_signatures_estimate_jaccard_of_the_item_sets():
    rng = np.random.default_rng(0)
    shared = rng.integers(0, 2**63, 300, dtype=np.uint64)
    a = np.concatenate([shared, rng.integers(0, 2**63, 100, dtype=np.uint64)])
    b = np.concatenate([shared, rng.integers(0, 2**63, 200, dtype=np.uint64)])
    c = rng.integers(0, 2**63, 400, dtype=np.uint64)
    flat = np.concatenate([a, b, c])
    offsets = np.array([0, len(a), len(a) + len(b), len(flat)])
    sig = MinHasher(num_perm=256).item_signatures(flat, offsets)
    assert abs(MinHasher.similarity(sig[0], sig[1]) - 300 / 600) < 0.1
    assert MinHasher.similarity(sig[0], sig[2]) < 0.05
    # a document's items in another order give the same signature
    again = MinHasher(num_perm=256).item_signatures(a[::-1].copy(), np.array([0, len(a)]))
    assert (again[0] == sig[0]).all()
