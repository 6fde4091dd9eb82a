"""Edited copies are found at varied edit rates; unrelated articles on one topic are not merged."""

import random

import pytest
from conftest import FIXTURES, SEEDS

from bench.corpus import (donor_sentences, edited_copy, independent_subset, load_news,
                          news_available)
from copytrace.document import Document
from copytrace.engines.local import scan


def _base_texts():
    if news_available():
        arts = load_news(files=("bbc",), min_words=200)
        # one topic: BBC business articles only, so negatives are same-topic; BBC follow-ups reuse
        # earlier paragraphs, so keep only articles that share no 8-word run with each other
        business = [a["text"] for a in arts if a["meta"].get("category") == "business"]
        return independent_subset(business)[:160]
    return independent_subset(
        [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
        + [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "sites").glob("*.txt"))])


@pytest.mark.parametrize("rate", [0.05, 0.15, 0.25, 0.35])
def test_edited_copies_are_found_and_topics_do_not_merge(rate):
    texts = _base_texts()
    rng = random.Random(int(rate * 100))
    n_src = min(40, len(texts) // 4)
    # donors (text pasted into copies) stay out of the corpus: a copy that pastes a quarter of a
    # corpus document really is partly derived from it
    sources, negatives = texts[:n_src], texts[n_src:3 * n_src]
    donors = donor_sentences(texts[3 * n_src:])
    docs, truth = [], {}
    for i, t in enumerate(sources):
        docs.append(Document(id=f"s{i}", text=t))
        truth[f"s{i}"] = i
        c = edited_copy(t, rng, donors, delete=rate / 2, insert=rate / 2, replace=rate)
        docs.append(Document(id=f"c{i}", text=c))
        truth[f"c{i}"] = i
    for j, t in enumerate(negatives):  # same-topic negatives
        docs.append(Document(id=f"n{j}", text=t))
        truth[f"n{j}"] = 1000 + j
    res = scan(docs)
    fam = {r.id: r.family for r in res.results}
    found = sum(fam[f"s{i}"] == fam[f"c{i}"] for i in range(n_src))
    assert found / n_src >= (0.95 if rate <= 0.25 else 0.85), (rate, found, n_src)
    # precision: no two documents from different truth groups share a family
    assert not [p for p in res.pairs if p.relation == "spun"]  # editors do not spin
    wrong = [(a, b) for a in fam for b in fam if a < b and fam[a] == fam[b] and truth[a] != truth[b]]
    assert not wrong, wrong[:5]
