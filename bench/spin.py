"""Spin robustness: are spun copies of real articles found, and named, at 10% to 50% substitution?

Corpus per rate (deterministic, seeded): ``--background`` real articles from ../shared/data/news
that share no 8-word run with each other (true negatives, decided without copytrace), of which
``--pairs`` get one spun copy each. The spun articles are ones copytrace's spin evidence never
saw (neither in its phrase statistics nor in its calibration: `corpus.unseen_by_spin_statistics`;
the substitution votes that orient a spun pair come from those statistics). The copies are made
by bench/spinner.py (Aiksaurus thesaurus, independent of the WordNet lexicon copytrace detects
with) and, for comparison, with mythes-en-us (LibreOffice's thesaurus, largely WordNet: what
spinners in the wild resemble, not independent). The rate is
the share of ALL running words replaced by synonyms, one word or a phrase at a time (Aiksaurus's
multi-word entries change lengths: "according to" -> "in keeping with"), on top of which the
spinner drops and adds function words and splits sentences (`bench.spinner`, ``moves``); its
protected words come from the ``stop-words`` package, not from copytrace. The harsh reading: at
30%, more than half of the replaceable words change; the thesaurus runs out of replaceable words
between 20% and 30%, so ``words_replaced`` reports what was achieved.
No dates, so direction must come from the text.

Ground truth: each source and its spun copy are one family; nothing else is related.

Systems, on the same corpus:
- ``copytrace``: the full scan (word + skeleton channels, spun relation);
- ``copytrace-words``: the same scan with only the word channels (``spun=False,
  semantic=False``): what copytrace finds without the skeleton channel and the sentence encoder;
- ``datasketch``: MinHash LSH at its usual settings (128 permutations, 5-word shingles,
  threshold 0.5, xxhash), families = connected components of LSH matches whose estimated Jaccard
  reaches the threshold -- what MinHash-only dedup pipelines do.

Hard negatives: ``--real N`` scans N real news articles (`corpus.load_news`: the documents of
the corpus's known near-duplicate pairs are left out, so wire stories and their edited
re-publications are fewer than in a crawl) and counts how many related pairs copytrace names
``spun``: none of them were spun, so each is a false ``spun``.

Reported per rate and system: family recall (share of true pairs put in one family), pairwise
precision (share of same-family pairs that are true), and for copytrace the share of true pairs
named ``spun`` and the share of those whose direction points from the source to the copy.

    PYTHONPATH=. python -m bench.spin [--background 3000] [--pairs 300] [--rates 0.1,0.3,0.5]
                                      [--thesaurus aiksaurus,mythes] [--real 10000]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from pathlib import Path

from bench.corpus import (independent_subset, load_news, news_available,
                          unseen_by_spin_statistics)
from bench.baselines import datasketch_families
from bench.metrics import family_pairs
from bench.spinner import spin, thesaurus_dir

RESULTS = Path(__file__).resolve().parent / "results"


def build_corpus(texts: list[str], n_pairs: int, rate: float, seed: int,
                 source: str = "aiksaurus", spinnable: int | None = None
                 ) -> tuple[list[tuple[str, str]], set[frozenset[str]], dict]:
    """The corpus of one rate: ``texts``, and a spun copy of ``n_pairs`` of the first
    ``spinnable`` (all when None) texts."""
    rng = random.Random(seed)
    docs = [(f"n{k:05d}", t) for k, t in enumerate(texts)]
    truth, subs = set(), []
    for k in rng.sample(range(spinnable or len(texts)), n_pairs):
        spun, n = spin(texts[k], rate, rng, of="words", source=source)
        docs.append((f"s{k:05d}", spun))
        truth.add(frozenset((f"n{k:05d}", f"s{k:05d}")))
        subs.append(n / max(1, len(re.findall(r"[A-Za-z]+", texts[k]))))
    rng.shuffle(docs)
    return docs, truth, {"words_replaced": round(sum(subs) / len(subs), 3)}


def score(pred: set[frozenset[str]], truth: set[frozenset[str]]) -> dict:
    tp = len(pred & truth)
    return {"recall": round(tp / len(truth), 4) if truth else None,
            "precision": round(tp / len(pred), 4) if pred else 1.0,
            "predicted_pairs": len(pred)}


def run_copytrace(docs, full: bool) -> tuple[dict, dict]:
    from copytrace.document import Document
    from copytrace.config import ScanConfig
    from copytrace.engines.local import scan

    cfg = ScanConfig() if full else ScanConfig(spun=False, semantic=False)
    res = scan([Document(i, t) for i, t in docs], cfg)
    fam = {r.id: r.family for r in res.results}
    return fam, {frozenset((p.a, p.b)): p for p in res.pairs}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--background", type=int, default=3000)
    ap.add_argument("--pairs", type=int, default=300)
    ap.add_argument("--rates", default="0.1,0.2,0.3,0.4,0.5")
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--no-datasketch", action="store_true")
    ap.add_argument("--thesaurus", default="aiksaurus,mythes",
                    help="spinner thesauri, comma-separated: aiksaurus (independent of "
                    "WordNet), mythes (WordNet-like; needs mythes-en-us)")
    ap.add_argument("--real", type=int, default=10000, help="real articles for the hard "
                    "negatives (0: skip)")
    ap.add_argument("--filtered", action="store_true",
                    help="background only from articles sharing no 8-word run (easy negatives)")
    ap.add_argument("--out", type=Path, default=RESULTS / "spin.json")
    args = ap.parse_args(argv)
    from bench.spinner import MYTHES

    missing = {"aiksaurus": thesaurus_dir() is None, "mythes": not MYTHES.exists()}
    wanted = [t for t in args.thesaurus.split(",") if t]
    for t in wanted:
        if missing.get(t, True):
            print(f"skipping thesaurus {t}: not installed (libaiksaurus-1.2-data / mythes-en-us)")
    args.thesaurus = ",".join(t for t in wanted if not missing.get(t, True))
    if not news_available() or not args.thesaurus:
        raise SystemExit("needs ../shared/data/news and a spinner thesaurus "
                         "(apt-get install libaiksaurus-1.2-data mythes-en-us)")
    # the spun copies are made of articles the spin evidence never saw (phrase statistics and
    # calibration: `corpus.unseen_by_spin_statistics`), listed first; the rest is background
    arts = load_news()
    unseen = [a["text"] for a in arts if unseen_by_spin_statistics(a["id"])]
    seen = [a["text"] for a in arts if not unseen_by_spin_statistics(a["id"])]
    # as they come (only the known near-duplicate pairs left out by `load_news`): same-story
    # reports and wire templates among them are negatives; --filtered: only articles sharing
    # no 8-word run (the corpus before 2026-12-07)
    texts = unseen + seen[:3 * args.background]
    if args.filtered:
        texts = independent_subset(texts)
    unseen_set = set(unseen)
    spinnable = sum(t in unseen_set for t in texts)  # a prefix: unseen ones come first
    if spinnable < args.pairs:
        raise SystemExit(f"only {spinnable} unseen articles for {args.pairs} spun copies")
    texts = texts[:args.background]
    rows = []
    runs = [(th, float(r)) for th in args.thesaurus.split(",") for r in args.rates.split(",")]
    for thesaurus, rate in runs:
        docs, truth, info = build_corpus(texts, args.pairs, rate, args.seed, thesaurus,
                                         min(spinnable, len(texts)))
        row = {"thesaurus": thesaurus, "rate": rate, "documents": len(docs), **info}
        t = time.perf_counter()
        fam, pairs = run_copytrace(docs, full=True)
        row["copytrace_seconds"] = round(time.perf_counter() - t, 2)
        row["copytrace"] = score(family_pairs(fam), truth)
        named = [pairs[p] for p in truth if p in pairs and pairs[p].relation == "spun"]
        row["copytrace"]["named_spun"] = round(len(named) / len(truth), 4)
        right = sum(1 for p in named
                    if p.direction == ("a->b" if p.a.startswith("n") else "b->a"))
        row["copytrace"]["direction_right"] = round(right / len(named), 4) if named else None
        row["copytrace"]["direction_unknown"] = sum(p.direction == "unknown" for p in named)
        # both sides read as spun (`relate.direction`): wrong here, where one is the original
        row["copytrace"]["direction_neither"] = sum(p.direction == "neither" for p in named)
        fam, _ = run_copytrace(docs, full=False)
        row["copytrace-words"] = score(family_pairs(fam), truth)
        if not args.no_datasketch:
            row["datasketch"] = score(family_pairs(datasketch_families(docs)), truth)
        rows.append(row)
        print(json.dumps(row), flush=True)
    out = {"command": "PYTHONPATH=. python -m bench.spin " + " ".join(argv or []),
           "background": len(texts), "pairs": args.pairs,
           "negatives": "filtered" if args.filtered else "as they come", "rows": rows}
    if args.real:
        from collections import Counter

        from copytrace.document import Document
        from copytrace.engines.local import scan

        real = load_news(limit=args.real, min_words=50)
        res = scan([Document(a["id"], a["text"]) for a in real])
        out["real"] = {"documents": len(real),
                       "relations": dict(Counter(p.relation for p in res.pairs))}
        print(json.dumps(out["real"]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    main()
