"""End-to-end near-duplicate clustering against peers, side by side on one generated corpus.

Each engine runs in its own subprocess (``python -m bench.peers --run ENGINE CORPUS OUT``), reads
the same jsonl corpus, writes ``{id: family}``, and reports its own wall time and peak RSS:

- ``copytrace-words``: ``copytrace scan --no-semantic --no-spun --no-spin`` (word channels and
  alignment: the near-duplicate job the peers do, plus passages);
- ``copytrace``: ``copytrace scan --no-semantic`` (adds spun copies and spun_score);
- ``copytrace-words-1core``: the same as ``copytrace-words`` with ``--workers 1``: the peers
  below run on one core, so copytrace is reported on one core too;
- ``datasketch``: ``MinHash`` (128 permutations, xxhash32, 5-word shingles) + ``MinHashLSH``
  (the banding datasketch chooses for the threshold), each document queried then inserted;
  every LSH candidate is checked, and is a match only when the two signatures' estimated
  Jaccard reaches the threshold; families by union-find over the matches;
- ``datasketch-ensemble``: datasketch's containment-aware ``MinHashLSHEnsemble`` (16
  partitions), the peer an expert picks when copies may be excerpts: a candidate is a match
  when the smaller shingle set lies in the larger at the threshold or more (checked exactly);
- ``rensa``: ``RMinHash`` + ``RMinHashLSH`` with the same shingles, the band count dividing 128
  whose S-curve midpoint is nearest the threshold, candidates checked by estimated Jaccard;
- ``text-dedup``: text-dedup's ``python -m text_dedup.minhash`` (5-grams, 128 permutations,
  threshold 0.5, xxh3, one process: with ``--num_proc 2`` text-dedup 0.4.0 fails under the
  datasets version pip resolves today, "cannot pickle 'KeyedRef' object") when a Python with
  text-dedup installed is named by ``TEXT_DEDUP_PYTHON`` (its dependencies -- datasets,
  pyspark, unisim, onnxruntime... -- are too heavy for copytrace's own environment); families
  from its union-find (``--debug``). Not tuned (one run of its CLI per threshold is minutes).

Peak memory is the peak of the summed RSS of the engine's whole process tree, sampled every
50 ms (text-dedup forks workers), the same way for every engine.

Quality on the same corpus (its families are known: bench/corpus.py generators) is reported
beside the speed: family ARI and pairwise precision/recall. Each peer's threshold is tuned
first, on a corpus made the same way from a disjoint half of the articles (the tuning split):
the threshold among 0.2-0.8 with the best family ARI there is the one it runs with. copytrace
runs at its defaults (tuned on other data, never on these corpora).

    PYTHONPATH=. python -m bench.peers [--docs 10000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.baselines import UnionFind, peer_shingles
from bench.metrics import pair_scores

ENGINES = ["copytrace-words", "copytrace-words-1core", "copytrace", "datasketch",
           "datasketch-ensemble", "rensa", "text-dedup"]
#: The peers whose threshold is tuned on the tuning split, and the thresholds tried.
TUNED = ("datasketch", "datasketch-ensemble", "rensa")
THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)

# Runs text-dedup's MinHash on a jsonl corpus inside ITS Python, then writes {id: family}.
_TEXT_DEDUP = """
import json, pickle, subprocess, sys, tempfile, time
corpus, out = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp()
cmd = [sys.executable, "-m", "text_dedup.minhash", "--path", "json", "--data_files", corpus,
       "--split", "train", "--cache_dir", tmp + "/cache", "--output", tmp + "/out",
       "--column", "text", "--idx_column", "id", "--ngram", "5", "--num_perm", "128",
       "--threshold", "0.5", "--hash_func", "xxh3", "--num_proc", "1", "--min_length", "1",
       "--debug"]
t = time.perf_counter()
subprocess.run(cmd, check=True, capture_output=True)
secs = time.perf_counter() - t
uf = pickle.load(open(tmp + "/out/uf.pkl", "rb"))
fam = {str(k): str(uf.find(k)) for k in uf.parent}
json.dump({"seconds": secs, "families": fam}, open(out, "w"))
"""
def _read(corpus: Path) -> list[tuple[str, str]]:
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        return [(d["id"], d["text"]) for d in map(json.loads, fh)]


def _signatures(docs: list[tuple[str, str]]):
    import xxhash
    from datasketch import MinHash

    out = []
    for i, text in docs:
        shingles = set(peer_shingles(text))
        m = MinHash(num_perm=128, hashfunc=xxhash.xxh32_intdigest)
        m.update_batch([s.encode() for s in shingles])
        out.append((i, m, shingles))
    return out


def run_datasketch(docs: list[tuple[str, str]], threshold: float = 0.5) -> dict[str, str]:
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=128)  # datasketch's own banding
    sig = {}
    uf = UnionFind()
    for i, m, _ in _signatures(docs):
        uf.find(i)
        for j in lsh.query(m):
            if m.jaccard(sig[j]) >= threshold:  # a candidate is checked, not taken as a match
                uf.union(i, j)
        lsh.insert(i, m)
        sig[i] = m
    return {i: uf.find(i) for i in list(uf)}


def run_datasketch_ensemble(docs: list[tuple[str, str]], threshold: float = 0.5
                            ) -> dict[str, str]:
    from datasketch import MinHashLSHEnsemble

    sigs = _signatures(docs)
    ens = MinHashLSHEnsemble(threshold=threshold, num_perm=128, num_part=16)
    ens.index([(i, m, max(len(sh), 1)) for i, m, sh in sigs])
    # candidates are checked on the exact shingle sets: a containment estimated from 128
    # values is too noisy when the sets differ much in size (measured: pairwise precision 0.06
    # at 20,000 documents)
    shingles = {i: {hash(s) for s in sh} for i, _, sh in sigs}
    uf = UnionFind()
    for i, m, sh in sigs:
        uf.find(i)
        for j in ens.query(m, max(len(sh), 1)):
            if j == i:
                continue
            a, b = shingles[i], shingles[j]
            if len(a & b) >= threshold * max(min(len(a), len(b)), 1):  # smaller inside larger
                uf.union(i, j)
    return {i: uf.find(i) for i in list(uf)}


def _rensa_bands(threshold: float) -> int:
    """The band count dividing 128 whose S-curve midpoint (1/b)^(1/r) is nearest the
    threshold (rensa needs bands that divide the permutations)."""
    return min((8, 16, 32, 64), key=lambda b: abs((1 / b) ** (b / 128) - threshold))


def run_rensa(docs: list[tuple[str, str]], threshold: float = 0.5) -> dict[str, str]:
    from rensa import RMinHash, RMinHashLSH

    lsh = RMinHashLSH(threshold=threshold, num_perm=128, num_bands=_rensa_bands(threshold))
    uf = UnionFind()
    ids, sigs = [], []
    for k, (i, text) in enumerate(docs):
        m = RMinHash(num_perm=128, seed=42)
        m.update(peer_shingles(text))
        uf.find(i)
        for j in lsh.query(m):
            if m.jaccard(sigs[j]) >= threshold:  # checked, not taken as a match
                uf.union(i, ids[j])
        lsh.insert(k, m)
        ids.append(i)
        sigs.append(m)
    return {i: uf.find(i) for i in list(uf)}


PEERS = {"datasketch": run_datasketch, "datasketch-ensemble": run_datasketch_ensemble,
         "rensa": run_rensa}


def tune(docs: list[dict], thresholds=THRESHOLDS) -> dict[str, dict]:
    """Each tuned peer's threshold with the best family ARI on the tuning corpus ``docs``."""
    truth = {d["id"]: d["family"] for d in docs}
    pairs = [(d["id"], d["text"]) for d in docs]
    out = {}
    for engine in TUNED:
        try:
            scores = {t: pair_scores(truth, PEERS[engine](pairs, t))["ari"] for t in thresholds}
        except ImportError as e:
            out[engine] = {"error": f"not installed ({e.name})"}
            continue
        best = max(thresholds, key=lambda t: (scores[t], -abs(t - 0.5)))
        out[engine] = {"threshold": best, "ari_by_threshold": scores}
        print("tuned", engine, out[engine], flush=True)
    return out


def run_copytrace(corpus: Path, flags: list[str]) -> dict[str, str]:
    from copytrace.cli import app

    with tempfile.TemporaryDirectory() as tmp:
        try:
            app(["scan", str(corpus), "--out", tmp, "--quiet", *flags], standalone_mode=False)
        except SystemExit:
            pass
        return {d["id"]: d["family"] for d in
                map(json.loads, (Path(tmp) / "documents.jsonl").open(encoding="utf-8"))}


def _child(engine: str, corpus: Path, out: Path, threshold: float) -> None:
    t = time.perf_counter()
    if engine in PEERS:
        fam = PEERS[engine](_read(corpus), threshold)
    elif engine == "copytrace":
        fam = run_copytrace(corpus, ["--no-semantic"])
    elif engine == "copytrace-words-1core":
        fam = run_copytrace(corpus, ["--no-semantic", "--no-spun", "--no-spin", "--workers", "1"])
    else:
        fam = run_copytrace(corpus, ["--no-semantic", "--no-spun", "--no-spin"])
    secs = time.perf_counter() - t
    out.write_text(json.dumps({"seconds": secs, "families": fam}))


def _run_measured(cmd: list[str]) -> tuple[subprocess.CompletedProcess, float, int]:
    """Run ``cmd``; returns the process, wall seconds and the peak summed RSS (KiB) of its
    process tree, sampled every 50 ms."""
    import psutil

    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    root = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    out, err = proc.communicate()
    done = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    return done, time.perf_counter() - t, peak // 1024


def compare(n_docs: int, engines: list[str] = ENGINES, seed: int = 0,
            thresholds=THRESHOLDS, filtered: bool = False) -> dict:
    """Every engine on one corpus (`make_corpus`), each peer at its tuned threshold. Its
    originals are the news articles as they come (only the known near-duplicate pairs left
    out by `load_news`): same-story reports, shared quotes and wire templates are negatives
    the truth counts unrelated. ``filtered``: only articles that share no 8-word run (easy
    negatives; the corpus of the runs before 2026-12-07)."""
    from bench.corpus import independent_subset, load_news, make_corpus, news_available

    if not news_available():
        raise SystemExit("bench.peers needs ../shared/data/news (its corpus's articles)")
    articles = load_news(min_words=80, limit=6 * n_docs if n_docs < 10_000 else None)
    kept = articles
    if filtered:  # originals that share no 8-word run: the injected families are the truth
        keep = set(independent_subset([a["text"] for a in articles]))
        kept = [a for a in articles if a["text"] in keep]
    # two disjoint halves of the articles: one to tune the peers' thresholds, one to measure
    tuning = make_corpus(min(n_docs, 5000), kept[1::2], seed=seed + 1)
    docs = make_corpus(n_docs, kept[0::2], seed=seed)
    truth = {d["id"]: d["family"] for d in docs}
    out: dict = {"documents": len(docs), "tuning_documents": len(tuning),
                 "negatives": "filtered" if filtered else "as they come",
                 "tuned": tune(tuning, thresholds) if any(e in TUNED for e in engines) else {},
                 "engines": {}}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl.gz"
        with gzip.open(corpus, "wt", encoding="utf-8") as fh:
            for d in docs:
                fh.write(json.dumps({"id": d["id"], "text": d["text"]}) + "\n")
        for engine in engines:
            res = Path(tmp) / f"{engine}.json"
            if engine == "text-dedup":
                python = os.environ.get("TEXT_DEDUP_PYTHON")
                if not python:
                    out["engines"][engine] = {"skipped": "set TEXT_DEDUP_PYTHON to a Python "
                                              "with text-dedup installed"}
                    continue
                cmd = [python, "-c", _TEXT_DEDUP, str(corpus), str(res)]
            else:
                threshold = out["tuned"].get(engine, {}).get("threshold", 0.5)
                cmd = [sys.executable, "-m", "bench.peers", "--run", engine, str(corpus),
                       str(res), "--threshold", str(threshold)]
            proc, wall, peak = _run_measured(cmd)
            if proc.returncode or not res.exists():
                out["engines"][engine] = {"error": proc.stderr[-400:]}
                continue
            r = json.loads(res.read_text())
            out["engines"][engine] = {**({"threshold": threshold} if engine in TUNED else {}),
                                      "seconds": round(r["seconds"], 2),
                                      "wall_seconds": round(wall, 2),
                                      "peak_rss_mib": round(peak / 1024),
                                      **pair_scores(truth, r["families"])}
            print(engine, out["engines"][engine], flush=True)
    base = out["engines"].get("copytrace-words", {}).get("seconds")
    for e, r in out["engines"].items():
        if base and "seconds" in r and e != "copytrace-words":
            r["copytrace_words_speedup"] = round(r["seconds"] / base, 2)
    return out


def main(argv: list[str] | None = None) -> dict | None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--run", nargs=3, metavar=("ENGINE", "CORPUS", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--threshold", type=float, default=0.5, help=argparse.SUPPRESS)
    ap.add_argument("--thresholds", default=",".join(map(str, THRESHOLDS)),
                    help="the thresholds each peer is tuned over (comma-separated)")
    ap.add_argument("--filtered", action="store_true",
                    help="originals only from articles sharing no 8-word run (easy negatives)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    if args.run:
        _child(args.run[0], Path(args.run[1]), Path(args.run[2]), args.threshold)
        return None
    res = compare(args.docs, args.engines.split(","),
                  thresholds=tuple(float(t) for t in args.thresholds.split(",")),
                  filtered=args.filtered)
    res["command"] = "PYTHONPATH=. python -m bench.peers " + " ".join(argv or sys.argv[1:])
    if args.out:
        args.out.write_text(json.dumps(res, indent=1) + "\n")
    return res


if __name__ == "__main__":
    main()
