"""The compiled key -> row table behind lexicon and phrase lookups."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from copytrace.keyindex import KeyIndex

u64 = st.integers(min_value=0, max_value=2**64 - 1)


@settings(deadline=None)  # the first call compiles
@given(st.lists(u64, max_size=300), st.lists(u64, max_size=50))
def test_finds_the_first_row_of_each_key_and_nothing_else(keys, others):
    idx = KeyIndex(np.array(keys, dtype=np.uint64))
    queries = np.array(keys + others, dtype=np.uint64)
    want = [keys.index(q) if q in keys else -1 for q in queries.tolist()]
    assert idx.find(queries).tolist() == want


def test_colliding_low_bits_are_probed():
    keys = np.array([k << 40 for k in range(1, 50)], dtype=np.uint64)  # same low bits
    assert KeyIndex(keys).find(keys).tolist() == list(range(49))
