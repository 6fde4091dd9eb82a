"""Spin evidence: phrases a synonym spinner leaves behind, found without the source.

A spinner swaps words for dictionary synonyms regardless of sense and idiom, so spun text is full
of two-word phrases that almost never occur in real text while the same phrase with a synonym is
common: "White Home" (White House), "the Occasions" (the Times), "entrance strains" (front lines).

For each two-word phrase (two words joined by one space) with a lexicon word in it
(data/lexicon.npz) we look up how often real news text has it (data/phrases.npz, built by
tools/build_phrases.py from ../shared/data/news) and how often it has each variant with that word
replaced by a synonym of the same inflection. The phrase is *suspicious* when it was never (or
once) seen, its word was seen at least ``MIN_WORD`` times, and a variant was seen at least
``MIN_ALT`` times and is at least ``RATIO`` times as likely given the synonym as the phrase given
its word. A document's ``spun_score`` weighs the amount of evidence, not only its rate: one odd phrase in
a 50-word bulletin is no evidence (a rate would call it 2 per 100 words). Real text shows
suspicious phrases at some rate per word; the number in a document of n words is taken as
Poisson, and its tail probability p (how often real text this long has this many or more) is put
on a scale where p = alpha scores 0.5:

    spun_score = 1 / (1 + sqrt(p / alpha))        (0 with no suspicious phrase)

The rate and alpha are calibrated on varied real text (data/spin_calibration.json, built by
tools/calibrate_spin.py from web pages, encyclopedic text and held-out news, as page beginnings
and whole texts): the statistics come from news only, so other real text shows two to three
times more unseen phrases, and alpha is set so that no kind of real text scores 0.5 or more
more often than 1 time in 100. Measured on the real pages of webreuse_dev: bench/notes.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numba as nb
import numpy as np

from copytrace.coldstart import python_twin
from copytrace.keyindex import KeyIndex
from copytrace.lexicon import Lexicon, lexicon
from copytrace.normalize import Tokens, mix64, mix64_numpy

MIN_WORD = 20  # a word seen fewer times in the reference text cannot be judged
MIN_ALT = 8  # the synonym variant must be a real, recurring phrase
RATIO = 30  # ... RATIO times as likely, given its word, as the phrase given its word
_K = np.uint64(0x9E3779B97F4A7C15)


@nb.njit(cache=True)
def bigram_keys(first, second):
    out = np.empty(first.shape[0], dtype=np.uint64)
    for i in range(first.shape[0]):
        out[i] = mix64(first[i] * _K + second[i])
    return out


@python_twin(bigram_keys)
def _bigram_keys_numpy(first, second):
    return mix64_numpy(np.asarray(first, dtype=np.uint64) * _K + second)


class _Counts:
    """count of each key, 0 for keys not in the table."""

    def __init__(self, keys: np.ndarray, counts: np.ndarray):
        self._index = KeyIndex(keys)
        self._counts = np.append(counts.astype(np.int64), 0)  # row -1 reads the trailing 0

    def __call__(self, queries: np.ndarray) -> np.ndarray:
        return self._counts[self._index.find(queries)]


class PhraseStats:
    """Counts of words and two-word phrases in the reference text (below 2 reads as 0)."""

    def __init__(self, key, count, word_key, word_count):
        self.counts = _Counts(key, count)
        self.word_counts = _Counts(word_key, word_count)


@lru_cache(maxsize=1)
def phrase_stats() -> PhraseStats:
    with resources.files("copytrace.data").joinpath("phrases.npz").open("rb") as f:
        with np.load(f) as z:
            return PhraseStats(z["key"], z["count"], z["word_key"], z["word_count"])


@dataclass
class Suspect:
    """A suspicious phrase: tokens ``i`` and ``i + 1``; ``word`` (0 or 1) is the replaced one;
    ``original`` is the likely original word; counts in the reference text."""

    i: int
    word: int
    original: str
    seen: int
    seen_original: int


def phrase_joins(text: str, tokens: Tokens) -> np.ndarray:
    """For each pair of neighbouring tokens: True when one plain space joins them (a phrase),
    False across punctuation, line breaks or other characters."""
    if len(tokens) < 2:
        return np.zeros(0, dtype=bool)
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    gap_at = tokens.end[:-1]
    return (tokens.start[1:] - gap_at == 1) & (cps[gap_at] == 32)


def suspects(hashes: np.ndarray, joins: np.ndarray | None = None, lex: Lexicon | None = None,
             stats: PhraseStats | None = None) -> list[Suspect]:
    """The suspicious phrases of a token sequence, in order; ``joins`` (from phrase_joins)
    says which neighbours form a phrase (all of them when None)."""
    lex = lex or lexicon()
    stats = stats or phrase_stats()
    if len(hashes) < 2:
        return []
    forms = lex.forms(hashes)
    first, second = hashes[:-1], hashes[1:]
    seen = stats.counts(bigram_keys(first, second))
    # only phrases never (or once) seen in the reference text, inside a run of words
    open_ = seen == 0 if joins is None else (seen == 0) & joins
    word_seen = stats.word_counts(hashes)
    found: dict[int, Suspect] = {}
    for word in (1, 0):
        f = forms[1:] if word == 1 else forms[:-1]
        w_seen = word_seen[1:] if word == 1 else word_seen[:-1]
        # only words seen often enough to know their company
        pos = np.flatnonzero((f >= 0) & (w_seen >= MIN_WORD) & open_)
        if len(pos) == 0:
            continue
        # expand each position into its synonyms (same inflection), vectorised
        lem = lex.form_lemma[f[pos]]
        ty = lex.form_type[f[pos]]
        lo, hi = lex.syn_ptr[lem], lex.syn_ptr[lem + 1]
        n = hi - lo
        rep = np.repeat(np.arange(len(pos)), n)
        if len(rep) == 0:
            continue
        offs = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
        alt_form = lex.lemma_form[lex.syn_idx[np.repeat(lo, n) + offs], ty[rep]]
        ok = alt_form >= 0
        rep, alt_form = rep[ok], alt_form[ok]
        alt_hash = lex.form_hash[alt_form]
        p = pos[rep]
        keys = (bigram_keys(first[p], alt_hash) if word == 1
                else bigram_keys(alt_hash, second[p]))
        alt_seen = stats.counts(keys)
        alt_word = stats.word_counts(alt_hash)
        # P(context | synonym) against P(context | word): the phrase is odd when the synonym
        # keeps this company far more often than the word does
        p_alt = alt_seen / np.maximum(alt_word, 1)
        p_obs = (seen[p] + 0.5) / w_seen[pos][rep]
        hit = (alt_seen >= MIN_ALT) & (p_alt >= RATIO * p_obs)
        for k in np.flatnonzero(hit):
            i = int(p[k])
            if i in found and found[i].seen_original >= alt_seen[k]:
                continue
            found[i] = Suspect(i, word, lex.text(int(alt_form[k])), int(seen[i]),
                               int(alt_seen[k]))
    return [found[i] for i in sorted(found)]


def tail_probability(n_suspects: int, n_words: int, rate: float) -> float:
    """P(X >= n_suspects) for X ~ Poisson(rate * n_words): how often real text of this length
    shows this many suspicious phrases or more."""
    if n_suspects <= 0:
        return 1.0
    mu = rate * n_words
    term = total = np.exp(-mu)  # P(X = 0), then P(X < n_suspects) term by term
    for x in range(1, n_suspects):
        term *= mu / x
        total += term
    return float(max(1.0 - total, 0.0)) if total < 0.999999 else \
        float(_upper_tail(n_suspects, mu))


def _upper_tail(k: int, mu: float) -> float:
    """P(X >= k) summed from k up (exact where 1 - P(X < k) would lose all digits)."""
    from math import exp, lgamma, log

    total, x = 0.0, k
    while True:
        term = exp(x * log(mu) - mu - lgamma(x + 1)) if mu > 0 else 0.0
        total += term
        if term < 1e-300 or term < total * 1e-12:
            return total
        x += 1


@lru_cache(maxsize=1)
def calibration() -> tuple[float, float]:
    """(rate, alpha) from data/spin_calibration.json (tools/calibrate_spin.py)."""
    import json

    with resources.files("copytrace.data").joinpath("spin_calibration.json").open("rb") as f:
        c = json.load(f)
    return float(c["rate"]), float(c["alpha"])


def score(n_suspects: int, n_words: int) -> float:
    """spun_score from the number of suspicious phrases and the number of words: the evidence
    against "real text" (its tail probability p) on a scale where p = alpha, the 1-in-100 level
    of real text of every kind, is 0.5: 1 / (1 + sqrt(p / alpha)); no suspicious phrase is 0."""
    if n_words == 0 or n_suspects == 0:
        return 0.0
    rate, alpha = calibration()
    p = tail_probability(n_suspects, n_words, rate)
    return float(1.0 / (1.0 + np.sqrt(p / alpha)))


def spun_score(text: str, tokens: Tokens) -> tuple[float, list[Suspect]]:
    s = suspects(tokens.hash, phrase_joins(text, tokens))
    return score(len(s), len(tokens)), s


@dataclass
class Phrase:
    """A suspicious phrase located in a text: ``text[start:end]`` reads ``phrase``; the likely
    original reads ``original``."""

    start: int
    end: int
    phrase: str
    original: str
    seen: int
    seen_original: int


def _case_like(word: str, model: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def suspicious_phrases(text: str, tokens: Tokens | None = None) -> list[Phrase]:
    """The suspicious phrases of a text with their character offsets and likely originals
    ("White Home" -> "White House"), for reports and ``copytrace compare``."""
    if tokens is None:
        from copytrace.normalize import tokenize

        tokens = tokenize(text)
    out = []
    for s in suspects(tokens.hash, phrase_joins(text, tokens)):
        st, en = tokens.start, tokens.end
        words = [text[st[s.i]:en[s.i]], text[st[s.i + 1]:en[s.i + 1]]]
        words[s.word] = _case_like(s.original, words[s.word])
        out.append(Phrase(int(st[s.i]), int(en[s.i + 1]), text[st[s.i]:en[s.i + 1]],
                          " ".join(words), s.seen, s.seen_original))
    return out


def spun_scores(texts: list[str], tokens: list[Tokens]) -> list[float]:
    """spun_score of many documents in one pass: their tokens are looked up together, with no
    phrase across a document boundary (one lookup per batch, not per document)."""
    if not texts:
        return []
    hashes = np.concatenate([t.hash for t in tokens]).astype(np.uint64, copy=False)
    joins = np.concatenate([np.append(phrase_joins(x, t), False)[:max(len(t), 1)]
                            if len(t) else np.zeros(0, bool) for x, t in zip(texts, tokens)])
    # joins[k] links token k to token k + 1; the last token of each document links to nothing
    found = suspects(hashes, joins[:-1] if len(joins) else joins)
    ends = np.cumsum([len(t) for t in tokens])
    per_doc = np.bincount(np.searchsorted(ends, [s.i for s in found], side="right"),
                          minlength=len(tokens)) if found else np.zeros(len(tokens), np.int64)
    return [score(int(c), len(t)) for c, t in zip(per_doc, tokens)]


def substitution_votes(hashes_a: np.ndarray, hashes_b: np.ndarray, pos_a: np.ndarray,
                       pos_b: np.ndarray, stats: PhraseStats | None = None) -> tuple[int, int]:
    """Which side of a spun pair reads like real text at its substituted words.

    ``pos_a[k]`` in a and ``pos_b[k]`` in b are aligned tokens that differ. At each, the two
    phrases the word makes with its neighbours are counted in the reference text; the side whose
    phrases are more common ("White House") wins the vote over the side whose phrases are rare
    ("White Home"). Returns (votes for a as the original, votes for b as the original).
    """
    stats = stats or phrase_stats()
    if len(pos_a) == 0:
        return 0, 0

    def naturalness(h: np.ndarray, p: np.ndarray) -> np.ndarray:
        left = np.where(p > 0, stats.counts(bigram_keys(h[np.maximum(p - 1, 0)], h[p])), 0)
        nxt = np.minimum(p + 1, len(h) - 1)
        right = np.where(p + 1 < len(h), stats.counts(bigram_keys(h[p], h[nxt])), 0)
        return np.log1p(left) + np.log1p(right)

    na, nb_ = naturalness(hashes_a, pos_a), naturalness(hashes_b, pos_b)
    return int((na > nb_ + 0.5).sum()), int((nb_ > na + 0.5).sum())


def related_substitutions(words_a: np.ndarray, words_b: np.ndarray,
                          lex: Lexicon | None = None) -> int:
    """How many of the substituted word pairs (token hashes ``words_a[k]`` for ``words_b[k]``)
    are dictionary-related (`copytrace.lexicon.Lexicon.related`): what a spinner's thesaurus
    swaps, unlike a template's "copper" for "lead" or "January" for "February"."""
    lex = lex or lexicon()
    fa, fb = lex.forms(words_a), lex.forms(words_b)
    return sum(a >= 0 and b >= 0 and lex.related(a, b) for a, b in zip(fa.tolist(), fb.tolist()))
