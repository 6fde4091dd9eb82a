"""Deterministic corpus generators with known ground truth.

Real article text comes from ../shared/data/news/ when it is there (see its README); the
generators themselves work on any list of texts. They never import copytrace: ground truth must
not depend on the system under test.

- `edited_copy`: a copy of a text with sentences deleted, inserted (from donor texts) and replaced
  (by donor sentences) at given rates -- what an editor or a sloppy re-publisher does.
- `truncated_copy`: the first part of a text (a mirror that kept the lede).
- `wrapped_copy`: the text between a site's header and footer lines.
- `SentencePool`: new "originals" recombined from runs of real sentences, so that documents
  share a sentence or two by chance, as web pages sharing quotes and wire paragraphs do.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

NEWS_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "news"
_SENT = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[A-Z“\"(])|\n+")


def news_available() -> bool:
    return (NEWS_DIR / "bbc.jsonl.gz").exists()


def unseen_by_spin_statistics(doc_id: str) -> bool:
    """Is this news article one that copytrace's spin evidence never saw: neither counted into
    the phrase statistics (tools/build_phrases.py ``held_out``, 1 in 10) nor used to calibrate
    spun_score (tools/calibrate_spin.py ``calibration_half``, half of those)? Spin evidence is
    judged on these articles only (about 1 in 20)."""
    import sys

    tools = str(Path(__file__).resolve().parent.parent / "tools")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    from build_phrases import held_out
    from calibrate_spin import calibration_half

    return held_out(doc_id) and not calibration_half(doc_id)


def load_news(files=("bbc", "reuter_50_50", "buzzfeed_webis_2016", "reuters21578"),
              min_words: int = 120, limit: int | None = None,
              near_duplicates: bool = False) -> list[dict]:
    """Articles from ../shared/data/news, without the documents of known near-duplicate pairs
    (with them when ``near_duplicates``)."""
    skip: set[str] = set()
    nd = NEWS_DIR / "near_duplicate_pairs.tsv"
    if nd.exists() and not near_duplicates:
        for line in nd.read_text(encoding="utf-8").splitlines()[1:]:
            a, b, _ = line.split("\t")
            skip.update((a, b))
    out = []
    for name in files:
        path = NEWS_DIR / f"{name}.jsonl.gz"
        if not path.exists():
            continue
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                if rec["id"] in skip or len(rec["text"].split()) < min_words:
                    continue
                out.append(rec)
                if limit and len(out) >= limit:
                    return out
    return out


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT.split(text) if s and s.strip()]


def donor_sentences(donors: list[str]) -> list[str]:
    """The sentences that edited copies may paste in (split once, reused for every copy)."""
    return [s for d in donors for s in sentences(d)] or ["Nothing else was said."]


def edited_copy(text: str, rng: random.Random, donor_sents: list[str], delete: float = 0.0,
                insert: float = 0.0, replace: float = 0.0, fresh=None) -> str:
    """Delete / replace each sentence with the given probabilities (replacements are donor
    sentences); insert a donor sentence after each sentence with probability ``insert``.
    ``fresh`` (sentence -> sentence), when given, makes each pasted donor sentence new text
    (so that copies do not share the donors' sentences with each other)."""
    def donor() -> str:
        d = rng.choice(donor_sents)
        return fresh(d) if fresh else d

    out = []
    for s in sentences(text):
        r = rng.random()
        if r < delete:
            pass
        elif r < delete + replace:
            out.append(donor())
        else:
            out.append(s)
        if rng.random() < insert:
            out.append(donor())
    return " ".join(out)


def truncated_copy(text: str, keep: float) -> str:
    sents = sentences(text)
    return " ".join(sents[:max(1, round(len(sents) * keep))])


def wrapped_copy(text: str, header: list[str], footer: list[str]) -> str:
    return "\n".join(header + [text] + footer)


def independent_subset(texts: list[str], n: int = 8) -> list[str]:
    """Greedy subset of texts in which no two share any run of ``n`` words (lower-cased, letters
    and digits only): ground-truth negatives, decided without the system under test."""
    seen: set[tuple[str, ...]] = set()
    kept = []
    for t in texts:
        words = re.findall(r"\w+", t.lower())
        grams = {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}
        if grams & seen:
            continue
        seen |= grams
        kept.append(t)
    return kept


HEADER = ["Skip to content", "Home | World | Business | Sport | Opinion"]
FOOTER = ["Join our channel and get the latest breaking news delivered to you.",
          "Copyright 2026 Example Media. All rights reserved."]


def make_corpus(n: int, articles: list[dict], seed: int = 0) -> list[dict]:
    """n documents: originals plus injected copies (at least 30% of documents are copies);
    ``family`` is the truth: the id of the original a document was made from.

    Sentences inserted into edited copies come from 500 held-out articles that are never in the
    corpus, so a copy is derived from its source only."""
    rng = random.Random(seed)
    if len(articles) < 600:
        raise ValueError("need at least 600 articles (500 are held out as donors)")
    donors = donor_sentences([a["text"] for a in articles[-500:]])
    n_orig = min(len(articles) - 500, max(1, int(n * 0.7)))
    docs = [{"id": a["id"], "text": a["text"], "family": a["id"]} for a in articles[:n_orig]]
    k = 0
    while len(docs) < n:
        origin = articles[rng.randrange(n_orig)]
        src = origin["text"]
        kind = k % 3
        if kind == 0:
            text = edited_copy(src, rng, donors, delete=0.1, insert=0.1, replace=0.1)
        elif kind == 1:
            text = truncated_copy(src, rng.uniform(0.4, 0.9))
        else:
            text = wrapped_copy(src, HEADER, FOOTER)
        docs.append({"id": f"copy-{k}", "text": text, "family": origin["id"]})
        k += 1
    return docs


class BigramText:
    """New sentences from a word-bigram model of real texts: each word drawn from the words
    that follow the previous one in the texts (as often as they do), from a sentence's first
    word to its last. Locally the text reads like the news it was counted from -- its
    vocabulary, word frequencies, function words, names, numbers and sentence lengths -- while
    the sentences are new: two generated sentences share a phrase only where the texts' own
    phrasing is formulaic. It is what lets `SentencePool` grow past the real sentences it
    holds (see there). The model is the texts' own; it shares nothing with copytrace."""

    def __init__(self, sentences: list[str]):
        vocab: dict[str, int] = {"<s>": 0, "</s>": 1}
        prev: list[int] = []
        nxt: list[int] = []
        for sent in sentences:
            ids = [vocab.setdefault(w, len(vocab)) for w in sent.split()]
            if not ids:
                continue
            seq = [0, *ids, 1]
            prev.extend(seq[:-1])
            nxt.extend(seq[1:])
        if not prev:
            raise ValueError("BigramText needs sentences with words")
        self.words = list(vocab)
        p = np.asarray(prev, dtype=np.int32)
        order = np.argsort(p, kind="stable")
        self.next = np.asarray(nxt, dtype=np.int32)[order]
        self.start = np.searchsorted(p[order], np.arange(len(vocab) + 1)).astype(np.int64)

    def sentence(self, rng: random.Random, max_words: int = 60) -> str:
        out: list[str] = []
        w = 0
        while len(out) < max_words:
            lo, hi = int(self.start[w]), int(self.start[w + 1])
            if hi <= lo:
                break
            w = int(self.next[lo + rng.randrange(hi - lo)])
            if w == 1:
                break
            out.append(self.words[w])
        text = " ".join(out)
        return text if text[-1:] in ".!?\"”’" else text + "."

    def article(self, rng: random.Random, words: int) -> list[str]:
        out: list[str] = []
        n = 0
        while n < words:
            s = self.sentence(rng)
            out.append(s)
            n += len(s.split())
        return out


class SentencePool:
    """The sentences of real articles, to build documents that are no copy of anything but
    share a sentence or a short run of sentences with a few others -- the partial overlaps
    that make candidate search and alignment work on the real web, which word-shuffled
    documents (no phrase shared with anything) never exercise.

    Without ``grow`` (the dense pool of `bench.overlap`), `original` takes its length (in
    words) from a random real article and fills it with runs of 1-3 consecutive sentences (1:
    1/4, 2: 1/2, 3: 1/4) of random real articles, at most one run from each. From the 17,101
    articles of `overlap_inputs` (254,764 sentences), 30,000 documents (seed 0) hold 16,586
    originals: 16,425 of them share a sentence with another, 133,483 pairs of them share one
    or more, 4,186 pairs three or more (at most 13: wire templates repeat sentences across
    articles).

    That pool cannot scale. Drawn from many times more often than it has sentences, every
    sentence recurs in many documents (at 100,000 documents of `bench.speed` ~4 times, at a
    million ~45), each original shares runs with ~15 others, the copy links percolate and one
    family swallows the corpus (`dedup --fast` at 100,000: ARI 0.009, one family of 6,276
    documents): no web corpus looks like that, and family figures at that scale measured the
    pool. With ``grow`` (a `BigramText`), an original is a new article written by it, of a
    real article's length, into which 0-3 runs (0: 35%, 1: 35%, 2: 20%, 3: 10%) of 1-3
    sentences borrowed from the pool are inserted; its own sentences then join the pool. A
    sentence is lent at most once, and a run never holds more than ``max_share`` (a fifth) of
    the article it comes from or of the one it goes to -- a passage shared, never most of a
    text, so the truth ("unrelated") stays what the texts show. Each original then shares a
    run with about one other at any size (100,000 documents of `bench.speed`: 25,422 pairs of
    its 55,702 originals share a sentence; `dedup --fast` ARI 0.932); real sentences are lent
    while they last."""

    RUNS = (0.35, 0.7, 0.9)  # cumulative: P(0 runs), P(<= 1), P(<= 2); else 3

    def __init__(self, texts: list[str], grow: BigramText | None = None,
                 max_share: float = 0.2):
        # line breaks go first: wire copy is hard-wrapped at ~70 columns, and a line is no
        # sentence
        self.docs = [s for s in (sentences(re.sub(r"\s+", " ", t)) for t in texts) if s]
        self.lengths = [len(t.split()) for t in texts]
        if not self.docs:
            raise ValueError("SentencePool needs texts with sentences")
        self.grow, self.max_share = grow, max_share
        self._left = [[True] * len(s) for s in self.docs]  # not lent yet, per sentence
        self._words = [[len(x.split()) for x in s] for s in self.docs]
        self._open = list(range(len(self.docs)))  # articles with a sentence left to lend

    def original(self, rng: random.Random) -> str:
        if self.grow is None:
            return self._recombined(rng)
        target = self.lengths[rng.randrange(len(self.lengths))]
        sents = self.grow.article(rng, target)
        own = list(sents)
        u = rng.random()
        runs = sum(u >= c for c in self.RUNS)
        lenders: set[int] = set()
        for _ in range(runs):
            run = self._borrow(rng, self.max_share * target, lenders)
            at = rng.randrange(len(sents) + 1)
            sents[at:at] = run
        self.docs.append(own)
        self._left.append([True] * len(own))
        self._words.append([len(x.split()) for x in own])
        self._open.append(len(self.docs) - 1)
        return " ".join(sents)

    def _borrow(self, rng: random.Random, room: float, lenders: set[int]) -> list[str]:
        """A run of 1-3 consecutive sentences not lent before, from a random article not in
        ``lenders`` (one run per article and borrower; the article joins them), holding at
        most ``max_share`` of that article and at most ``room`` words; [] when the article
        drawn has no such sentence left."""
        if len(self._open) <= len(lenders):
            return []
        slot = rng.randrange(len(self._open))
        while self._open[slot] in lenders:
            slot = rng.randrange(len(self._open))
        k = self._open[slot]
        lenders.add(k)
        left, sizes = self._left[k], self._words[k]
        limit = self.max_share * sum(sizes)  # the most of its article a run may hold
        cap = min(room, limit)
        avail = [i for i, free in enumerate(left) if free and sizes[i] <= cap]
        out: list[str] = []
        if avail:
            i = avail[rng.randrange(len(avail))]
            run = 1 + (rng.random() < 0.5) + (rng.random() < 0.5)
            taken = 0
            while run and i < len(left) and left[i] and taken + sizes[i] <= cap:
                left[i] = False
                out.append(self.docs[k][i])
                taken += sizes[i]
                i += 1
                run -= 1
        if not any(free and size <= limit
                   for free, size in zip(left, sizes)):  # nothing left to lend
            self._open[slot] = self._open[-1]
            self._open.pop()
        return out

    def _recombined(self, rng: random.Random) -> str:
        target = self.lengths[rng.randrange(len(self.lengths))]
        out: list[str] = []
        used: set[int] = set()
        words = 0
        while words < target and len(used) < len(self.docs):
            k = rng.randrange(len(self.docs))
            if k in used:  # one run per source article: a document shares a run or two with
                continue   # another, never a large share of it
            used.add(k)
            sents = self.docs[k]
            run = min(len(sents), 1 + (rng.random() < 0.5) + (rng.random() < 0.5))
            start = rng.randrange(len(sents) - run + 1)
            for sent in sents[start:start + run]:
                out.append(sent)
                words += len(sent.split())
        return " ".join(out)


COPY_KINDS = ("verbatim", "edited", "spun", "truncated", "wrapped")


def scaling_corpus(n: int, originals: list[str], donors: list[str], seed: int = 0,
                   spin=None, sentences_from: SentencePool | None = None) -> Iterator[dict]:
    """n documents whose make-up is the same at every n, yielded one at a time (a million
    documents never sit in memory): ~56% originals, ~44% copies.

    Each original has no copy with probability 0.6, else 1 + Geometric(0.5) copies (at most 30):
    families of 2-31 documents, mean 3. Copies cycle through ``COPY_KINDS``: verbatim (the same
    text), edited (10% of sentences deleted, inserted, replaced by ``donors`` sentences with their
    words shuffled, so that no two copies share pasted text), spun (``spin``:
    text -> text; 30% of eligible words replaced by bench.spinner when given, else edited),
    truncated (the first 40-90%), wrapped (in a site's header and footer). A copy is emitted
    a random distance (up to ~2,000 documents) after its original, not beside it.

    Originals are the real articles in ``originals`` (ground truth says they are unrelated:
    pass them without shared text, or accept that the real overlaps between them -- shared
    quotes, same-story reports -- count as negatives); past the end of that list, an original
    is recombined from real sentences by ``sentences_from`` (`SentencePool`) when it is
    given, else a real article with its words in a random order (the same length and
    vocabulary, no phrase shared with any other document: easy negatives). ``family`` is the
    truth: the id of the original a document was made from."""
    rng = random.Random(seed)
    shuffle = np.random.default_rng(seed)
    pool: list[dict] = []
    emitted = made = copies = 0

    def shuffled(text: str) -> str:
        words = np.array(text.split(), dtype=object)
        return " ".join(words[shuffle.permutation(len(words))])

    def pop() -> dict:
        k = rng.randrange(len(pool))
        pool[k], pool[-1] = pool[-1], pool[k]
        return pool.pop()

    while emitted < n:
        if emitted + len(pool) >= n:
            yield pop()
            emitted += 1
            continue
        if made < len(originals):
            text = originals[made]
        elif sentences_from is not None:
            text = sentences_from.original(rng)
        else:
            text = shuffled(originals[made % len(originals)])
        oid = f"orig-{made}"
        made += 1
        yield {"id": oid, "text": text, "family": oid}
        emitted += 1
        k = 0 if rng.random() < 0.6 else min(30, 1 + int(np.log(rng.random()) / np.log(0.5)))
        for _ in range(k):
            kind = COPY_KINDS[copies % len(COPY_KINDS)]
            if kind == "verbatim":
                ct = text
            elif kind == "edited" or (kind == "spun" and spin is None):
                ct = edited_copy(text, rng, donors, delete=0.1, insert=0.1, replace=0.1,
                                 fresh=shuffled)
            elif kind == "spun":
                ct = spin(text, rng)
            elif kind == "truncated":
                ct = truncated_copy(text, rng.uniform(0.4, 0.9))
            else:
                ct = wrapped_copy(text, HEADER, FOOTER)
            if not ct.strip():  # an edit that deleted every sentence
                ct = text
            pool.append({"id": f"copy-{copies}-{kind}", "text": ct, "family": oid})
            copies += 1
        while len(pool) > 2000:
            yield pop()
            emitted += 1


def scaling_inputs(articles: list[dict]) -> tuple[list[str], list[str]]:
    """(originals, donor sentences) for `scaling_corpus`: real articles that share no 8-word run
    with each other, and the sentences of 500 held-out articles for edits."""
    donors = donor_sentences([a["text"] for a in articles[-500:]])
    return independent_subset([a["text"] for a in articles[:-500]]), donors


def overlap_inputs(articles: list[dict], scaling: bool = False
                   ) -> tuple[list[str], list[str], SentencePool]:
    """(originals, donor sentences, sentence pool) for `scaling_corpus` with hard negatives:
    the real articles as they come (only the known near-duplicate pairs of
    ../shared/data/news are left out, by `load_news`), so same-story reports, shared quotes and
    wire templates stay in as negatives; past them, originals recombined from the sentences of
    those same articles. The 500 donor articles are held out of both.

    ``scaling``: past the real articles, originals written by a `BigramText` of the same
    sentences, each holding a few runs borrowed from earlier originals (`SentencePool` with
    ``grow``): chance overlap that stays the same at any size. Without it, the dense pool of
    `bench.overlap`."""
    texts = [a["text"] for a in articles[:-500]]
    donors = donor_sentences([a["text"] for a in articles[-500:]])
    if not scaling:
        return texts, donors, SentencePool(texts)
    pool = SentencePool(texts)
    pool.grow = BigramText([s for doc in pool.docs for s in doc])
    return texts, donors, pool


def scaling_spin():
    """The spinner `scaling_corpus` makes spun copies with (30% of words, Aiksaurus), or None
    without Aiksaurus data (spun copies then become edited ones)."""
    from bench import spinner

    try:
        spinner.thesaurus()
    except FileNotFoundError:
        return None

    def spin(text, rng):
        return spinner.spin(text, 0.3, rng)[0]

    return spin
