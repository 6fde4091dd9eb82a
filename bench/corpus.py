"""Deterministic corpus generators with known ground truth.

Real article text comes from ../shared/data/news/ when it is there (see its README); the
generators themselves work on any list of texts. They never import copytrace: ground truth must
not depend on the system under test.

- `edited_copy`: a copy of a text with sentences deleted, inserted (from donor texts) and replaced
  (by donor sentences) at given rates -- what an editor or a sloppy re-publisher does.
- `truncated_copy`: the first part of a text (a mirror that kept the lede).
- `wrapped_copy`: the text between a site's header and footer lines.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from pathlib import Path

NEWS_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "news"
_SENT = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[A-Z“\"(])|\n+")


def news_available() -> bool:
    return (NEWS_DIR / "bbc.jsonl.gz").exists()


def load_news(files=("bbc", "reuter_50_50", "buzzfeed_webis_2016", "reuters21578"),
              min_words: int = 120, limit: int | None = None) -> list[dict]:
    """Articles from ../shared/data/news, without the documents of known near-duplicate pairs."""
    skip: set[str] = set()
    nd = NEWS_DIR / "near_duplicate_pairs.tsv"
    if nd.exists():
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
