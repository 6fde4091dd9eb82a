"""The field's baselines that bench/quality.py runs beside copytrace on PAN-13 and Clough &
Stevenson (bench/baselines.py): each must find what it is meant to find, or the comparison
flatters copytrace."""

from __future__ import annotations

import random

from bench.baselines import (difflib_coverage, difflib_passages, fit_cutpoints,
                             ngram_containment, seed_extend_passages)


def _text(seed: int, words: int) -> str:
    r = random.Random(seed)
    vocab = [f"w{k}" for k in range(3000)]
    return " ".join(r.choice(vocab) for _ in range(words))


def test_seed_and_extend_finds_one_lifted_passage_even_with_a_few_words_changed():
    passage = _text(1, 120).split()
    noisy = list(passage)
    for k in (20, 55, 90):  # a few words changed: seeds break, the chain must not
        noisy[k] = "changed"
    a = _text(2, 300) + " " + " ".join(noisy) + " " + _text(3, 300)
    b = _text(4, 500) + " " + " ".join(passage) + " " + _text(5, 200)
    (pa, pb), = seed_extend_passages(a, b)
    start_a = a.index(" ".join(noisy))
    start_b = b.index(" ".join(passage))
    assert abs(pa[0] - start_a) < 20 and abs(pa[1] - (start_a + len(" ".join(noisy)))) < 20
    assert abs(pb[0] - start_b) < 20 and abs(pb[1] - (start_b + len(" ".join(passage)))) < 20
    assert seed_extend_passages(_text(6, 400), _text(7, 400)) == []  # unrelated: nothing


def test_difflib_passages_and_coverage():
    shared = _text(8, 60)
    a, b = _text(9, 100) + " " + shared, shared + " " + _text(10, 100)
    (pa, pb), = difflib_passages(a, b)
    assert a[pa[0]:pa[1]] == b[pb[0]:pb[1]] == shared
    assert 0.3 < difflib_coverage(a, b) < 0.45  # 60 of 160 words, by characters
    assert ngram_containment(shared, b) == 1.0 and ngram_containment(_text(11, 50), b) == 0.0


def test_cut_offs_are_fitted_to_ordered_classes():
    scores = [0.05, 0.1, 0.3, 0.35, 0.6, 0.7, 0.95, 0.99]
    labels = [0, 0, 1, 1, 2, 2, 3, 3]
    cuts = fit_cutpoints(scores, labels, 4)
    assert [sum(s >= t for t in cuts) for s in scores] == labels


def test_calibration_grid_names_a_pair_only_when_both_count_and_rate_are_reached():
    from bench.calibrate import _named, _summary

    ev = [(100, 8), (100, 7), (50, 8), (0, 0)]  # (anchored content words, substitutions)
    assert _named(ev, 8, 0.1) == 0.25  # only (50, 8): 8 substitutions at 16%
    assert _named(ev, 7, 0.06) == 0.75
    assert _summary(ev)["max_substitutions"] == 8
