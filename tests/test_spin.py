"""Spin evidence without a source: the lexicon, phrase statistics and spun_score."""

import random

import numpy as np
import pytest

from conftest import needs_shared, seed_path
from copytrace.lexicon import lexicon
from copytrace.normalize import tokenize, tokenize_many
from copytrace.spin import phrase_joins, spun_score, suspects


def _form(word: str) -> int:
    return int(lexicon().forms(tokenize(word).hash)[0])


def test_shipped_lexicon_matches_the_tokenizer():
    # the table is keyed by token hash: a tokenizer change without a rebuild breaks every lookup
    lex = lexicon()
    house, homes = _form("house"), _form("Homes")
    assert house >= 0 and homes >= 0
    assert lex.text(house) == "house"
    assert lex.are_synonyms(house, _form("home"))
    assert "homes" in [lex.text(f) for f in lex.synonyms(_form("houses"))]  # inflection kept
    assert not lex.are_synonyms(house, _form("banana"))


def test_function_words_and_unknown_words_are_not_in_the_lexicon():
    assert _form("the") == -1 and _form("which") == -1
    assert _form("xqzzyv") == -1
    keys = lexicon().class_keys(tokenize("the house the home").hash)
    assert keys[1] == keys[3] and keys[0] == keys[2] and keys[0] != keys[1]


def test_phrases_do_not_cross_punctuation_or_lines():
    text = "White House, home\nrun it"
    assert phrase_joins(text, tokenize(text)).tolist() == [True, False, False, True]


def test_seed_002_is_spun_and_the_others_are_not(seed_docs):
    scores = {d.id[:3]: spun_score(d.text, tokenize(d.text))[0] for d in seed_docs}
    assert scores["002"] >= 0.5
    assert all(scores["002"] >= 2 * s for k, s in scores.items() if k != "002")


def test_suspicious_phrases_come_with_likely_originals():
    text = seed_path("002").read_text(encoding="utf-8")
    tok = tokenize(text)
    found = {text[tok.start[s.i]:tok.end[s.i + 1]]: s.original
             for s in suspects(tok.hash, phrase_joins(text, tok))}
    assert found.get("White Home") == "house"


def test_real_articles_held_out_of_the_statistics_mostly_score_zero():
    needs_shared("news")
    from bench.corpus import load_news, unseen_by_spin_statistics

    # neither counted into the statistics nor used to calibrate the score
    arts = [a for a in load_news() if unseen_by_spin_statistics(a["id"])][:400]
    texts = [a["text"] for a in arts]
    scores = np.array([spun_score(t, k)[0] for t, k in zip(texts, tokenize_many(texts))])
    assert (scores >= 0.5).mean() <= 0.05


def test_more_spinning_leaves_more_suspicious_phrases():
    needs_shared("news")
    from bench import spinner

    if spinner.thesaurus_dir() is None:
        pytest.skip("Aiksaurus thesaurus not installed (apt-get install libaiksaurus-1.2-data)")
    from bench.corpus import load_news, unseen_by_spin_statistics

    arts = [a["text"] for a in load_news() if unseen_by_spin_statistics(a["id"])][:200]
    rng = random.Random(3)
    rates = []
    for rate in (0.0, 0.5):
        texts = [spinner.spin(t, rate, rng)[0] for t in arts]
        n = [len(suspects(k.hash, phrase_joins(t, k))) / max(len(k), 1)
             for t, k in zip(texts, tokenize_many(texts))]
        rates.append(np.mean(n))
    assert rates[1] > 1.5 * rates[0]


def test_batched_scores_equal_one_document_at_a_time():
    texts = [seed_path(f"{i:03d}").read_text(encoding="utf-8") for i in range(5)]
    texts += ["", "word", "The White Home said the Occasions reported it."]
    tokens = tokenize_many(texts)
    from copytrace.spin import spun_scores
    assert spun_scores(texts, tokens) == [spun_score(x, t)[0] for x, t in zip(texts, tokens)]


def test_the_score_weighs_the_amount_of_evidence_not_only_its_rate():
    from copytrace.spin import score, tail_probability

    # one odd phrase in a 50-word bulletin is the same rate as 20 in 1,000 words, not the same
    # evidence
    assert score(1, 50) < 0.5 <= score(20, 1000)
    assert score(0, 10) == 0.0 and score(3, 0) == 0.0
    assert score(5, 300) > score(4, 300) > score(3, 300)
    # the Poisson tail, against its sum written out
    mu = 0.004 * 500
    direct = 1 - sum(np.exp(-mu) * mu ** x / np.prod(range(1, x + 1)) for x in range(4))
    assert abs(tail_probability(4, 500, 0.004) - direct) < 1e-12
    assert 0 < tail_probability(60, 100, 0.004) < 1e-80  # no catastrophic cancellation
