"""Calibration: the thresholds behind a relation, swept on development data, so that each
docstring can cite a measurement rather than a guess.

Part ``spin`` -- when is a pair ``spun`` rather than ``edited`` (`copytrace.relate.is_spun`,
`substituted_in_place`)? The decision counts the *substitutions* among a pair's anchored content
words (the same word on both sides = exact; another word = a substitution). Two populations:
- **human edits**: the 1,149 near-duplicate pairs listed in ../shared/data/news
  (near_duplicate_pairs.tsv: repeated, corrected and updated wire items, Jaccard >= 0.5 on word
  5-shingles), none of them spun;
- **spun copies**: articles copytrace's spin evidence never saw
  (`corpus.unseen_by_spin_statistics`) and their copies by bench/spinner.py (Aiksaurus,
  independent of copytrace's WordNet lexicon) at 5%, 10% and 20% of their words.
Each pair is compared as a scan compares it (`copytrace.pipeline.compare_two`, no sentence
stage) and its substitution evidence recorded (a pair whose words align almost exactly never
reaches the skeleton stage: 0 substitutions). Reported: the distribution of substitutions and of
their rate for each population, and for a grid of (least substitutions, least rate) the share of
human edits that would be named spun and the share of spun copies that would be.

    PYTHONPATH=. python -m bench.calibrate [--spun 300] [--out bench/results/calibrate.json]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np

from bench.corpus import NEWS_DIR, independent_subset, load_news, unseen_by_spin_statistics

RESULTS = Path(__file__).resolve().parent / "results"
COUNTS = (4, 6, 8, 10, 12)
RATES = (0.05, 0.1, 0.15, 0.2, 0.3)


def _evidence(pairs: list[tuple[str, str]]) -> list[tuple[int, int]]:
    """(anchored content words, substitutions) of each pair of texts, as a scan finds them."""
    from copytrace import verify
    from copytrace.config import ScanConfig
    from copytrace.document import Document
    from copytrace.pipeline import compare_two

    seen: list = []
    original = verify.Verifier.evidence

    def record(self, i, j, skel):
        ev = original(self, i, j, skel)
        seen.append(ev)
        return ev

    cfg = ScanConfig(semantic=False, probes=False, workers=1)
    out = []
    verify.Verifier.evidence = record
    try:
        for a, b in pairs:
            seen.clear()
            compare_two(Document("a", a), Document("b", b), cfg)
            out.append((seen[-1].content_aligned, seen[-1].substitutions) if seen else (0, 0))
    finally:
        verify.Verifier.evidence = original
    return out


def _summary(ev: list[tuple[int, int]]) -> dict:
    subs = np.array([s for _, s in ev], dtype=float)
    rate = np.array([s / c if c else 0.0 for c, s in ev])
    q = (50, 90, 99)
    return {"pairs": len(ev),
            "substitutions": {f"p{k}": round(float(np.percentile(subs, k)), 2) for k in q},
            "rate": {f"p{k}": round(float(np.percentile(rate, k)), 4) for k in q},
            "max_substitutions": int(subs.max()) if len(subs) else 0}


def _named(ev: list[tuple[int, int]], count: int, rate: float) -> float:
    hit = sum(c > 0 and s >= count and s >= rate * c for c, s in ev)
    return round(hit / len(ev), 4) if ev else 0.0


def spin(n_spun: int) -> dict:
    from bench.spinner import spin as spinner_spin, thesaurus_dir

    if thesaurus_dir() is None:
        raise SystemExit("needs the Aiksaurus thesaurus (apt-get install libaiksaurus-1.2-data)")
    text = {a["id"]: a["text"] for a in load_news(min_words=0, near_duplicates=True)}
    human_pairs = []
    for line in (NEWS_DIR / "near_duplicate_pairs.tsv").read_text().splitlines()[1:]:
        a, b, _ = line.split("\t")
        if a in text and b in text:
            human_pairs.append((text[a], text[b]))
    t = time.perf_counter()
    human = _evidence(human_pairs)
    out = {"human_edits": _summary(human), "spun": {}, "grid": []}
    sources = independent_subset([a["text"] for a in load_news()
                                  if unseen_by_spin_statistics(a["id"])])[:n_spun]
    spun_ev = {}
    for rate in (0.05, 0.1, 0.2):
        rng = random.Random(5)
        spun_ev[rate] = _evidence([(s, spinner_spin(s, rate, rng, of="words")[0])
                                   for s in sources])
        out["spun"][f"{rate:.2f}"] = _summary(spun_ev[rate])
    for count in COUNTS:
        for r in RATES:
            out["grid"].append({"min_substitutions": count, "min_rate": r,
                                "human_edits_named_spun": _named(human, count, r),
                                **{f"spun_{k:.2f}_named": _named(v, count, r)
                                   for k, v in spun_ev.items()}})
    out["seconds"] = round(time.perf_counter() - t, 1)
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m bench.calibrate",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--spun", type=int, default=300, help="spun copies per rate")
    ap.add_argument("--out", type=Path, default=RESULTS / "calibrate.json")
    args = ap.parse_args(argv)
    res = {"command": "PYTHONPATH=. python -m bench.calibrate " + " ".join(argv or []),
           "spin": spin(args.spun)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=1) + "\n")
    print(json.dumps(res["spin"]["human_edits"]), json.dumps(res["spin"]["spun"]))
    return res


if __name__ == "__main__":
    main()
