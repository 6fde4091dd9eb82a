"""Measures the benchmarks share: family ARI and pairwise scores, PAN's text-alignment measures.

They never use copytrace's own code: a benchmark's truth and its measures must not depend on the
system under test.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import numpy as np


def family_pairs(family_of: dict[str, str]) -> set[frozenset[str]]:
    """Every pair of documents that share a family label."""
    groups: dict[str, list[str]] = {}
    for d, f in family_of.items():
        groups.setdefault(f, []).append(d)
    return {frozenset(p) for g in groups.values() if len(g) > 1 for p in combinations(g, 2)}


def ari(truth: list, pred: list) -> float:
    """Adjusted Rand index of two labelings of the same items."""
    def c2(x):
        return x * (x - 1) / 2

    n = len(truth)
    pairs = Counter(zip(truth, pred))
    sum_ij = sum(c2(v) for v in pairs.values())
    sum_a = sum(c2(v) for v in Counter(truth).values())
    sum_b = sum(c2(v) for v in Counter(pred).values())
    expected = sum_a * sum_b / c2(n) if n > 1 else 0.0
    top = 0.5 * (sum_a + sum_b) - expected
    return float((sum_ij - expected) / top) if top else 1.0


def pair_scores(truth: dict[str, str], pred: dict[str, str]) -> dict:
    """Pairwise precision/recall of 'same family' and the adjusted Rand index."""
    ids = sorted(truth)
    t, p = family_pairs(truth), family_pairs({i: pred.get(i, i) for i in ids})
    tp = len(t & p)
    return {"ari": round(ari([truth[i] for i in ids], [pred.get(i, i) for i in ids]), 4),
            "precision": round(tp / len(p), 4) if p else 1.0,
            "recall": round(tp / len(t), 4) if t else 1.0}


def pan_measures(cases: list[tuple], detections: list[tuple]) -> dict:
    """Character precision, recall, granularity and plagdet (Potthast et al. 2010).

    A case or detection is (pair key, (susp_start, susp_end), (src_start, src_end)); its
    characters are those of both spans. A detection *detects* a case of the same pair when they
    overlap in both documents.
    """
    def overlap(x, y):
        return max(0, min(x[1], y[1]) - max(x[0], y[0]))

    def size(c):
        return (c[1][1] - c[1][0]) + (c[2][1] - c[2][0])

    def union_len(spans):
        spans = sorted(s for s in spans if s[1] > s[0])
        total, cur = 0, None
        for s, e in spans:
            if cur is None or s > cur[1]:
                if cur:
                    total += cur[1] - cur[0]
                cur = [s, e]
            else:
                cur[1] = max(cur[1], e)
        return total + (cur[1] - cur[0] if cur else 0)

    def detects(r, s):
        return r[0] == s[0] and overlap(r[1], s[1]) > 0 and overlap(r[2], s[2]) > 0

    def shared(x, y):  # characters of x inside y, per document
        return ((max(x[1][0], y[1][0]), min(x[1][1], y[1][1])),
                (max(x[2][0], y[2][0]), min(x[2][1], y[2][1])))

    def covered(x, others):
        parts = [shared(x, o) for o in others]
        return union_len([p[0] for p in parts]) + union_len([p[1] for p in parts])

    by_pair: dict = {}
    for r in detections:
        by_pair.setdefault(r[0], []).append(r)
    rec_terms, gran = [], []
    for s in cases:
        rs = [r for r in by_pair.get(s[0], []) if detects(r, s)]
        rec_terms.append(covered(s, rs) / size(s) if rs else 0.0)
        if rs:
            gran.append(len(rs))
    cases_by_pair: dict = {}
    for s in cases:
        cases_by_pair.setdefault(s[0], []).append(s)
    prec_terms = []
    for r in detections:
        ss = [s for s in cases_by_pair.get(r[0], []) if detects(r, s)]
        prec_terms.append(covered(r, ss) / size(r) if ss and size(r) else 0.0)
    prec = float(np.mean(prec_terms)) if prec_terms else 0.0
    rec = float(np.mean(rec_terms)) if rec_terms else 0.0
    g = float(np.mean(gran)) if gran else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": round(prec, 4), "recall": round(rec, 4), "granularity": round(g, 4),
            "plagdet": round(f1 / np.log2(1 + g), 4), "cases": len(cases),
            "detections": len(detections)}


def pairwise(truth: dict[str, str], pred: dict[str, str]) -> dict:
    """Pairwise precision, recall and F1 of "same group" (over the ids of ``truth``)."""
    ids = sorted(truth)
    t, p = family_pairs(truth), family_pairs({i: pred.get(i, i) for i in ids})
    tp = len(t & p)
    prec = tp / len(p) if p else 1.0
    rec = tp / len(t) if t else 1.0
    return {"precision": round(prec, 4), "recall": round(rec, 4),
            "f1": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0,
            "true_pairs": len(t), "found_pairs": len(p)}
