"""The benchmark metrics themselves (PAN measures, ARI), on cases worked out by hand."""

import math

import pytest

from bench.metrics import ari, pan_measures

KEY = ("susp-1", "src-1")


def test_pan_measures_of_a_half_detected_case():
    case = (KEY, (0, 100), (0, 100))
    det = (KEY, (50, 150), (50, 150))
    m = pan_measures([case], [det])
    # 50 + 50 of the case's 200 characters are detected; half of the detection is the case
    assert m["recall"] == pytest.approx(0.5) and m["precision"] == pytest.approx(0.5)
    assert m["granularity"] == 1 and m["plagdet"] == pytest.approx(0.5)


def test_pan_granularity_punishes_split_detections():
    case = (KEY, (0, 100), (0, 100))
    dets = [(KEY, (0, 50), (0, 50)), (KEY, (50, 100), (50, 100))]
    m = pan_measures([case], dets)
    assert m["recall"] == pytest.approx(1.0) and m["precision"] == pytest.approx(1.0)
    assert m["granularity"] == 2
    assert m["plagdet"] == pytest.approx(1.0 / math.log2(3), abs=1e-4)  # reported to 4 places


def test_pan_detection_must_overlap_in_both_documents_and_the_same_pair():
    case = (KEY, (0, 100), (0, 100))
    wrong_src = (KEY, (0, 100), (500, 600))
    other_pair = (("susp-2", "src-1"), (0, 100), (0, 100))
    m = pan_measures([case], [wrong_src, other_pair])
    assert m["recall"] == 0 and m["precision"] == 0 and m["plagdet"] == 0


def test_adjusted_rand_index():
    assert ari([0, 0, 1, 1], [5, 5, 7, 7]) == pytest.approx(1.0)
    assert ari([0, 0, 1, 1], [0, 0, 1, 2]) == pytest.approx(4 / 7)  # as scikit-learn computes it
    assert ari([0, 0, 0, 0], [0, 1, 2, 3]) == pytest.approx(0.0)
