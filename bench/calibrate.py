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

Part ``siblings`` -- when do the substitution votes of a spun pair say that NEITHER side is the
original (`copytrace.relate.direction`: at least ``spin_sibling_votes`` votes on each side, the
larger side under ``spin_sibling_balance`` times the smaller), so that a family made only of spins has no source (`copytrace.cluster`)? Articles
copytrace's spin evidence never saw, cut to page excerpts of 350, 900 and 2,000 characters, each
spun twice by bench/spinner.py (15%, 30% or 50% of eligible words, drawn per article) with the
Aiksaurus thesaurus and with MyThes (WordNet-derived, as spinners in the wild are); each
original is compared with its first spin and the two spins with each other, as a scan compares
them. Reported, among the pairs that reach votes (pairs named spun): how many the votes direct
rightly and wrongly, and for a least count of votes on each side (2-4) and a balance (1.5-2) how
many original-spin pairs and sibling pairs would be called ``neither``.

Part ``sentences`` -- the thresholds of the sentence stage (`copytrace.semantic`) and of
boilerplate (`copytrace.boilerplate`), swept one at a time around copytrace's defaults on the
real labelled pages (webreuse_dev: 289 page excerpts; xling_dev: 58 pages in 14 languages), each
setting a full scan of id, url and text as `bench.real` runs it (the stored sweep of
2026-12-06 fed id + text: story ARI was 0.006 lower at the defaults then). Reported per setting: webreuse_dev
family ARI, "same family" pair precision and recall, rewrites joined to their family (of 28),
story ARI; xling_dev translations joined (of 15) and pair precision. In-sample: these are the
development sets the defaults were chosen on, so the table shows how sharp each choice is, not
what a hidden set will give.

    PYTHONPATH=. python -m bench.calibrate [--parts spin,siblings,sentences] [--spun 300]
                                           [--out bench/results/calibrate.json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

from bench.corpus import NEWS_DIR, independent_subset, load_news, unseen_by_spin_statistics

RESULTS = Path(__file__).resolve().parent / "results"
COUNTS = (4, 6, 8, 10, 12)
RATES = (0.05, 0.1, 0.15, 0.2, 0.3)


def _compared(pairs: list[tuple[str, str]]) -> list[tuple]:
    """Each pair of texts compared as a scan compares it (`copytrace.pipeline.compare_two`, no
    sentence stage): (its Pair, the spin evidence its skeleton alignment recorded, or None
    when the pair never reached the skeleton stage)."""
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
            pair = compare_two(Document("a", a), Document("b", b), cfg)[0]
            out.append((pair, seen[-1] if seen else None))
    finally:
        verify.Verifier.evidence = original
    return out


def _evidence(pairs: list[tuple[str, str]]) -> list[tuple[int, int]]:
    """(anchored content words, substitutions) of each pair of texts, as a scan finds them."""
    return [(ev.content_aligned, ev.substitutions) if ev else (0, 0)
            for _, ev in _compared(pairs)]


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


def _votes(pairs: list[tuple[str, str]]) -> list[tuple[int, int] | None]:
    """(votes for a as the original, for b) of each pair of texts as a scan finds them; None
    when the pair is not named spun (no votes are counted)."""
    from copytrace.relations import SPUN

    return [(ev.votes_a, ev.votes_b) if ev and pair.relation == SPUN else None
            for pair, ev in _compared(pairs)]


SIBLING_LENGTHS = (350, 900, 2000)
SIBLING_VOTES = (2, 3, 4)
SIBLING_BALANCE = (1.5, 1.75, 2.0)


def siblings(n: int) -> dict:
    from bench.spinner import MYTHES, spin as spinner_spin, thesaurus_dir

    from copytrace.relate import RelateParams

    if thesaurus_dir() is None:
        raise SystemExit("needs the Aiksaurus thesaurus (apt-get install libaiksaurus-1.2-data)")
    t = time.perf_counter()
    texts = independent_subset([a["text"] for a in load_news()
                                if unseen_by_spin_statistics(a["id"])])[:n]
    p = RelateParams()
    out = {"articles": len(texts), "lengths": list(SIBLING_LENGTHS),
           "default_votes": p.spin_sibling_votes, "default_balance": p.spin_sibling_balance,
           "thesauri": {}}
    for thes in ("aiksaurus", "mythes"):
        if thes == "mythes" and not MYTHES.exists():
            continue
        rng = random.Random(11)
        originals, sibs = [], []
        for length in SIBLING_LENGTHS:
            for text in texts:
                cut = text[:length]
                rate = rng.choice((0.15, 0.3, 0.5))
                one = spinner_spin(cut, rate, rng, source=thes)[0]
                two = spinner_spin(cut, rate, rng, source=thes)[0]
                originals.append((cut, one))
                sibs.append((one, two))
        orig_votes = [v for v in _votes(originals) if v and sum(v) > 0]
        sib_votes = [v for v in _votes(sibs) if v and sum(v) > 0]
        out["thesauri"][thes] = {
            "original_pairs": len(originals), "original_pairs_with_votes": len(orig_votes),
            "directed_right": sum(sum(v) >= 3 and v[0] >= 2 * v[1] for v in orig_votes),
            "directed_wrong": sum(sum(v) >= 3 and v[1] >= 2 * v[0] for v in orig_votes),
            "sibling_pairs": len(sibs), "sibling_pairs_with_votes": len(sib_votes),
            "grid": [{"least_votes_each_side": k, "balance": b,
                      "original_pairs_neither": sum(_neither(v, k, b) for v in orig_votes),
                      "sibling_pairs_neither": sum(_neither(v, k, b) for v in sib_votes)}
                     for k in SIBLING_VOTES for b in SIBLING_BALANCE]}
    out["seconds"] = round(time.perf_counter() - t, 1)
    return out


def _neither(v: tuple[int, int], least: int, balance: float) -> bool:
    """Would votes ``v`` read as two spins of a third text (`relate.direction`)?"""
    lo, hi = min(v), max(v)
    return lo >= least and hi < balance * lo


#: (parameter group, field, values) swept one at a time; the default is among the values.
SWEEPS = (
    ("semantic_params", "sentence_threshold", (0.66, 0.69, 0.72, 0.75, 0.78)),
    ("semantic_params", "cross_sentence_threshold", (0.5, 0.55, 0.6, 0.65, 0.72)),
    ("semantic_params", "min_aligned", (2, 3, 4)),
    ("semantic_params", "min_share", (0.3, 0.35, 0.4, 0.5)),
    ("semantic_params", "story_threshold", (0.7, 0.75, 0.8)),
    ("semantic_params", "story_entities", (4, 6, 8, 12)),
    ("semantic_params", "min_entities", (4, 6, 8, 12)),
    ("semantic_params", "story_min_cosine", (0.65, 0.7, 0.75)),
    ("boilerplate", "min_docs", (2, 3, 4, 6, 8)),
    ("boilerplate", "max_similarity", (0.15, 0.25, 0.35)),
    ("boilerplate", "min_repeated", (0.3, 0.5, 0.7)),
)


def _cached_encoder():
    """Sentence vectors memoised by sentence list for the sweep (a setting changes which
    pairs are judged, never a sentence's vector), so each scan costs its alignment only."""
    from copytrace.fingerprint import embed

    original = embed.encode_sentences
    memo: dict = {}

    def encode(sentences):
        key = tuple(sentences)
        if key not in memo:
            memo[key] = original(sentences)
        return memo[key]

    embed.encode_sentences = encode
    return lambda: setattr(embed, "encode_sentences", original)


def sentences() -> dict:
    import dataclasses

    from bench.real import load, run_copytrace, webreuse, xling
    from copytrace.config import ScanConfig

    web, xl = load("webreuse_dev"), load("xling_dev")
    t = time.perf_counter()
    restore = _cached_encoder()
    rows = []
    try:
        for group, name, values in SWEEPS:
            default = getattr(getattr(ScanConfig(), group), name)
            for v in values:
                cfg = ScanConfig()
                setattr(cfg, group, dataclasses.replace(getattr(cfg, group), **{name: v}))
                w = webreuse(web, run_copytrace(web, cfg)[0])
                x = xling(xl, run_copytrace(xl, cfg)[0])
                rows.append({"group": group, "parameter": name, "value": v,
                             "default": v == default,
                             "family_ari": w["families"]["ari"],
                             "pair_precision": w["families"]["precision"],
                             "pair_recall": w["families"]["recall"],
                             "rewrites_joined": w["relations"]["rewrite"]["joined"],
                             "story_ari": w["stories_ari"],
                             "translations_joined": x["joined"],
                             "xling_pair_precision": x["families"]["precision"]})
    finally:
        restore()
    return {"rows": rows, "seconds": round(time.perf_counter() - t, 1)}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m bench.calibrate",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--parts", default="spin,siblings,sentences",
                    help="comma-separated: spin, siblings, sentences")
    ap.add_argument("--siblings", type=int, default=200,
                    help="articles spun twice per excerpt length (part siblings)")
    ap.add_argument("--spun", type=int, default=300, help="spun copies per rate")
    ap.add_argument("--out", type=Path, default=RESULTS / "calibrate.json")
    args = ap.parse_args(argv)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = set(parts) - {"spin", "siblings", "sentences"}
    if unknown:
        ap.error(f"unknown part(s): {', '.join(sorted(unknown))} (spin, siblings, sentences)")
    # a run of some parts keeps the others' last results
    res = json.loads(args.out.read_text()) if args.out.exists() else {}
    res.setdefault("commands", {})
    command = "PYTHONPATH=. python -m bench.calibrate " + " ".join(
        sys.argv[1:] if argv is None else argv)
    if "spin" in parts:
        res["spin"] = spin(args.spun)
        res["command"] = res["commands"]["spin"] = command
        print(json.dumps(res["spin"]["human_edits"]), json.dumps(res["spin"]["spun"]))
    if "siblings" in parts:
        res["siblings"] = siblings(args.siblings)
        res["commands"]["siblings"] = command
        print(json.dumps(res["siblings"]["thesauri"]))
    if "sentences" in parts:
        res["sentences"] = sentences()
        res["commands"]["sentences"] = command
        print(f"sentences: {len(res['sentences']['rows'])} settings in "
              f"{res['sentences']['seconds']} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=1) + "\n")
    return res


if __name__ == "__main__":
    main()
