"""End-to-end near-duplicate clustering against peers, side by side on one generated corpus.

Each engine runs in its own subprocess (``python -m bench.peers --run ENGINE CORPUS OUT``), reads
the same jsonl corpus, writes ``{id: family}``, and reports its own wall time and peak RSS:

- ``copytrace-words``: ``copytrace scan --no-semantic --no-spun --no-spin`` (word channels and
  alignment: the near-duplicate job the peers do, plus passages);
- ``copytrace``: ``copytrace scan --no-semantic`` (adds spun copies and spun_score);
- ``datasketch``: ``MinHash`` (128 permutations, xxhash32, 5-word shingles) + ``MinHashLSH``
  (threshold 0.5), each document queried then inserted, families by union-find over matches
  whose estimated Jaccard reaches the threshold;
- ``rensa``: ``RMinHash`` + ``RMinHashLSH`` with the same shingles, threshold and banding;
- ``text-dedup``: text-dedup's ``python -m text_dedup.minhash`` (5-grams, 128 permutations,
  threshold 0.5, xxh3, one process: with ``--num_proc 2`` text-dedup 0.4.0 fails under the
  datasets version pip resolves today, "cannot pickle 'KeyedRef' object") when a Python with text-dedup installed is named by
  ``TEXT_DEDUP_PYTHON`` (its dependencies -- datasets, pyspark, unisim, onnxruntime... -- are
  too heavy for copytrace's own environment); families from its union-find (``--debug``).

Peak memory is the peak of the summed RSS of the engine's whole process tree, sampled every
50 ms (text-dedup forks workers), the same way for every engine.

Quality on the same corpus (its families are known: bench/corpus.py generators) is reported
beside the speed: family ARI and pairwise precision/recall.

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

ENGINES = ["copytrace-words", "copytrace", "datasketch", "rensa", "text-dedup"]

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


def _lsh_params() -> tuple[int, int]:
    from datasketch.lsh import _optimal_param

    return _optimal_param(0.5, 128, 0.5, 0.5)


def run_datasketch(corpus: Path) -> dict[str, str]:
    import xxhash
    from datasketch import MinHash, MinHashLSH

    bands, rows = _lsh_params()
    lsh = MinHashLSH(num_perm=128, params=(bands, rows))
    uf = UnionFind()
    for i, text in _read(corpus):
        m = MinHash(num_perm=128, hashfunc=xxhash.xxh32_intdigest)
        m.update_batch([s.encode() for s in peer_shingles(text)])
        uf.find(i)
        for j in lsh.query(m):
            uf.union(i, j)  # LSH candidates at threshold 0.5 are the matches, as in dedup tools
        lsh.insert(i, m)
    return {i: uf.find(i) for i in list(uf)}


def run_rensa(corpus: Path) -> dict[str, str]:
    from rensa import RMinHash, RMinHashLSH

    # rensa needs bands dividing 128: 32 bands of 4 rows puts the S-curve's midpoint at
    # (1/32)^(1/4) = 0.42, the divisor closest to datasketch's optimum for 0.5 (25 x 5)
    lsh = RMinHashLSH(threshold=0.5, num_perm=128, num_bands=32)
    uf = UnionFind()
    ids = []
    for k, (i, text) in enumerate(_read(corpus)):
        m = RMinHash(num_perm=128, seed=42)
        m.update(peer_shingles(text))
        uf.find(i)
        for j in lsh.query(m):
            uf.union(i, ids[j])
        lsh.insert(k, m)
        ids.append(i)
    return {i: uf.find(i) for i in list(uf)}


def run_copytrace(corpus: Path, flags: list[str]) -> dict[str, str]:
    from copytrace.cli import app

    with tempfile.TemporaryDirectory() as tmp:
        try:
            app(["scan", str(corpus), "--out", tmp, "--quiet", *flags], standalone_mode=False)
        except SystemExit:
            pass
        return {d["id"]: d["family"] for d in
                map(json.loads, (Path(tmp) / "documents.jsonl").open(encoding="utf-8"))}


def _child(engine: str, corpus: Path, out: Path) -> None:
    t = time.perf_counter()
    if engine == "datasketch":
        fam = run_datasketch(corpus)
    elif engine == "rensa":
        fam = run_rensa(corpus)
    elif engine == "copytrace":
        fam = run_copytrace(corpus, ["--no-semantic"])
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


def compare(n_docs: int, engines: list[str] = ENGINES, seed: int = 0) -> dict:
    from bench.corpus import independent_subset, load_news, make_corpus, news_available

    if not news_available():
        raise SystemExit("bench.peers needs ../shared/data/news (its corpus's articles)")
    # originals that share no 8-word run, so that the injected families are the whole truth
    articles = load_news(min_words=80, limit=3 * n_docs if n_docs < 10_000 else None)
    keep = set(independent_subset([a["text"] for a in articles]))
    docs = make_corpus(n_docs, [a for a in articles if a["text"] in keep], seed=seed)
    truth = {d["id"]: d["family"] for d in docs}
    out: dict = {"documents": len(docs), "engines": {}}
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
                cmd = [sys.executable, "-m", "bench.peers", "--run", engine, str(corpus),
                       str(res)]
            proc, wall, peak = _run_measured(cmd)
            if proc.returncode or not res.exists():
                out["engines"][engine] = {"error": proc.stderr[-400:]}
                continue
            r = json.loads(res.read_text())
            out["engines"][engine] = {"seconds": round(r["seconds"], 2),
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
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    if args.run:
        _child(args.run[0], Path(args.run[1]), Path(args.run[2]))
        return None
    res = compare(args.docs, args.engines.split(","))
    res["command"] = "PYTHONPATH=. python -m bench.peers " + " ".join(argv or sys.argv[1:])
    if args.out:
        args.out.write_text(json.dumps(res, indent=1) + "\n")
    return res


if __name__ == "__main__":
    main()
