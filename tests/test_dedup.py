"""Which member of each family de-duplication keeps (copytrace.keep)."""

import numpy as np
import pytest

from copytrace.keep import keep_one_per_family


def test_one_member_per_family_by_preference():
    family = np.array(["x", "x", "y", "x", "z"])
    is_source = np.array([False, True, True, False, True])
    chars = np.array([500, 300, 100, 900, 50])
    assert keep_one_per_family(family, is_source, chars, "source").tolist() == \
        [False, True, True, False, True]
    assert keep_one_per_family(family, is_source, chars, "longest").tolist() == \
        [False, False, True, True, True]


def test_ties_go_to_the_source_then_the_first_read():
    family = np.array([0, 0, 0, 1, 1])
    is_source = np.array([False, False, True, False, False])
    chars = np.array([10, 10, 10, 7, 7])
    assert keep_one_per_family(family, is_source, chars, "longest").tolist() == \
        [False, False, True, True, False]


def test_unknown_preference_is_refused():
    with pytest.raises(ValueError):
        keep_one_per_family(np.array([0]), np.array([True]), np.array([1]), "shortest")
