"""The full scan on a partial-overlap corpus, beside datasketch's MinHash LSH, in one run.

Real web pages share a sentence or two with many others (quotes, wire paragraphs, templates):
candidate search then hands alignment many pairs that hold no reuse worth a family. The scaling
corpus of `bench.speed` (word-shuffled originals: no phrase shared by chance) never showed this.
Here every original is recombined from runs of real news sentences (`corpus.SentencePool`), and
copies are injected as in the scaling corpus (`corpus.scaling_corpus`: verbatim, edited, spun,
truncated, wrapped), so the truth is known and the overlaps are real text.

Engines, each in its own subprocess, on the same jsonl corpus, wall time and peak RSS of the
process tree measured the same way (`bench.peers._run_measured`):

- ``copytrace``: ``copytrace scan`` with its defaults (every stage: passages, relations, spun
  copies, rewrites, stories), all cores;
- ``copytrace-1core``: the same with ``--workers 1``;
- ``datasketch``: MinHash signatures + ``MinHashLSH`` at threshold 0.5, candidates checked by
  estimated Jaccard (`bench.peers.run_datasketch`), one core: datasketch has no parallel path.

Reported per engine: seconds, peak memory, family ARI and pairwise precision/recall against
the truth; for copytrace also its own counts (candidate pairs aligned, related pairs, partial
pairs) and per-stage seconds from ``stats.json``; for the corpus, how many pairs of originals
share at least one sentence (counted here, without copytrace).

    PYTHONPATH=. python -m bench.overlap [--docs 10000] [--out bench/results/overlap.json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from bench.metrics import pair_scores
from bench.peers import _run_measured

_SPLIT = re.compile(r"(?<=[.!?])\s+")


def shared_sentence_pairs(docs: list[dict], min_chars: int = 40) -> dict:
    """Pairs of originals (documents that are their own family) that share at least one
    sentence of ``min_chars`` characters or more, and at least three."""
    where: dict[str, set[int]] = defaultdict(set)
    for k, d in enumerate(docs):
        if d["family"] == d["id"]:
            for s in set(_SPLIT.split(d["text"])):
                if len(s) >= min_chars:
                    where[s].add(k)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for ks in where.values():
        ks_sorted = sorted(ks)
        for x, i in enumerate(ks_sorted):
            for j in ks_sorted[x + 1:]:
                counts[(i, j)] += 1
    originals = sum(d["family"] == d["id"] for d in docs)
    touched = {k for p in counts for k in p}
    return {"originals": originals,
            "originals_sharing_a_sentence": len(touched),
            "original_pairs_sharing_a_sentence": len(counts),
            "original_pairs_sharing_3_or_more": sum(v >= 3 for v in counts.values()),
            "most_sentences_two_originals_share": max(counts.values(), default=0)}


def build(n: int, seed: int = 0) -> list[dict]:
    from bench.corpus import load_news, overlap_inputs, scaling_corpus, scaling_spin

    _, donors, pool = overlap_inputs(load_news(min_words=80))
    return list(scaling_corpus(n, [], donors, seed=seed, spin=scaling_spin(),
                               sentences_from=pool))


def _copytrace(corpus: Path, out_dir: Path, flags: list[str]) -> dict:
    cmd = [sys.executable, "-m", "copytrace", "scan", str(corpus), "--out", str(out_dir),
           "--quiet", *flags]
    proc, wall, peak = _run_measured(cmd)
    if proc.returncode:
        return {"error": proc.stderr[-400:]}
    fam = {d["id"]: d["family"] for d in
           map(json.loads, (out_dir / "documents.jsonl").open(encoding="utf-8"))}
    stats = json.loads((out_dir / "stats.json").read_text())
    return {"seconds": round(wall, 2), "peak_rss_mib": round(peak / 1024), "families": fam,
            "counts": {k: stats[k] for k in ("candidate_pairs", "related_pairs",
                                             "partial_pairs", "same_story_pairs", "families")
                       if k in stats},
            "stage_seconds": stats.get("seconds", {})}


def compare(n: int, seed: int = 0) -> dict:
    from bench.corpus import news_available

    if not news_available():
        raise SystemExit("bench.overlap needs ../shared/data/news (its sentences)")
    docs = build(n, seed)
    truth = {d["id"]: d["family"] for d in docs}
    out: dict = {"documents": len(docs), "corpus": shared_sentence_pairs(docs), "engines": {}}
    print("corpus", out["corpus"], flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl.gz"
        with gzip.open(corpus, "wt", encoding="utf-8") as fh:
            for d in docs:
                fh.write(json.dumps({"id": d["id"], "text": d["text"]}) + "\n")
        runs = {"copytrace": [], "copytrace-1core": ["--workers", "1"]}
        for name, flags in runs.items():
            r = _copytrace(corpus, Path(tmp) / name, flags)
            fam = r.pop("families", None)
            out["engines"][name] = {**r, **(pair_scores(truth, fam) if fam else {})}
            print(name, out["engines"][name], flush=True)
        res = Path(tmp) / "datasketch.json"
        proc, wall, peak = _run_measured([sys.executable, "-m", "bench.peers", "--run",
                                          "datasketch", str(corpus), str(res),
                                          "--threshold", "0.5"])
        if proc.returncode or not res.exists():
            out["engines"]["datasketch"] = {"error": proc.stderr[-400:]}
        else:
            r = json.loads(res.read_text())
            out["engines"]["datasketch"] = {"seconds": round(wall, 2),
                                            "peak_rss_mib": round(peak / 1024),
                                            **pair_scores(truth, r["families"])}
        print("datasketch", out["engines"]["datasketch"], flush=True)
    ds = out["engines"]["datasketch"].get("seconds")
    for name in runs:
        secs = out["engines"][name].get("seconds")
        if ds and secs:
            out["engines"][name]["datasketch_seconds_ratio"] = round(ds / secs, 2)
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    res = compare(args.docs, args.seed)
    res["command"] = "PYTHONPATH=. python -m bench.overlap " + " ".join(argv or sys.argv[1:])
    from bench.speed import machine

    res["machine"] = machine()
    if args.out:
        args.out.write_text(json.dumps(res, indent=1) + "\n")
    return res


if __name__ == "__main__":
    main()
