"""End-to-end near-duplicate clustering against peers, side by side on one generated corpus.

Each engine runs in its own subprocess (``python -m bench.peers --run ENGINE CORPUS OUT``), reads
the same jsonl corpus, writes ``{id: family}``, and reports its own wall time and peak RSS:

- ``copytrace-words``: ``copytrace scan --no-semantic --no-spun --no-spin`` (word channels and
  alignment: the near-duplicate job the peers do, plus passages);
- ``copytrace``: ``copytrace scan --no-semantic`` (adds spun copies and spun_score);
- ``datasketch``: ``MinHash`` (128 permutations, xxhash32, 5-word shingles) + ``MinHashLSH``
  (threshold 0.5), each document queried then inserted, families by union-find over matches
  whose estimated Jaccard reaches the threshold;
- ``rensa``: ``RMinHash`` + ``RMinHashLSH`` with the same shingles, threshold and banding.

Quality on the same corpus (its families are known: bench/corpus.py generators) is reported
beside the speed: family ARI and pairwise precision/recall.

    PYTHONPATH=. python -m bench.peers [--docs 10000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

ENGINES = ["copytrace-words", "copytrace", "datasketch", "rensa"]
_WORD = re.compile(r"\w+")


def _shingles(text: str, k: int = 5) -> list[str]:
    w = _WORD.findall(text.lower())
    return [" ".join(w[i:i + k]) for i in range(max(1, len(w) - k + 1))]


class _UnionFind(dict):
    def find(self, x):
        self.setdefault(x, x)
        while self[x] != x:
            self[x] = self[self[x]]
            x = self[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self[max(ra, rb)] = min(ra, rb)


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
    uf = _UnionFind()
    for i, text in _read(corpus):
        m = MinHash(num_perm=128, hashfunc=xxhash.xxh32_intdigest)
        m.update_batch([s.encode() for s in _shingles(text)])
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
    uf = _UnionFind()
    ids = []
    for k, (i, text) in enumerate(_read(corpus)):
        m = RMinHash(num_perm=128, seed=42)
        m.update(_shingles(text))
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
    out.write_text(json.dumps({"seconds": secs, "peak_rss_kib": peak_rss_kib(),
                               "families": fam}))


def peak_rss_kib() -> int:
    """This process's peak RSS since its exec (VmHWM). ``ru_maxrss`` would also count the parent's
    memory at fork time, which Linux carries across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def pair_scores(truth: dict[str, str], pred: dict[str, str]) -> dict:
    """Pairwise precision/recall of 'same family' and the adjusted Rand index."""
    from bench.quality import ari

    def pairs(labels):
        groups: dict[str, list[str]] = {}
        for d, f in labels.items():
            groups.setdefault(f, []).append(d)
        return {frozenset(p) for g in groups.values() if len(g) > 1 for p in combinations(g, 2)}

    ids = sorted(truth)
    t, p = pairs(truth), pairs({i: pred.get(i, i) for i in ids})
    tp = len(t & p)
    return {"ari": round(ari([truth[i] for i in ids], [pred.get(i, i) for i in ids]), 4),
            "precision": round(tp / len(p), 4) if p else 1.0,
            "recall": round(tp / len(t), 4) if t else 1.0}


def compare(n_docs: int, engines: list[str] = ENGINES, seed: int = 0) -> dict:
    from bench.corpus import independent_subset, load_news
    from bench.speed import make_corpus

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
            t = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "bench.peers", "--run", engine,
                                   str(corpus), str(res)], capture_output=True, text=True,
                                  check=False)
            wall = time.perf_counter() - t
            if proc.returncode or not res.exists():
                out["engines"][engine] = {"error": proc.stderr[-400:]}
                continue
            r = json.loads(res.read_text())
            out["engines"][engine] = {"seconds": round(r["seconds"], 2),
                                      "wall_seconds": round(wall, 2),
                                      "peak_rss_mib": round(r["peak_rss_kib"] / 1024),
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
    if args.out:
        args.out.write_text(json.dumps(res, indent=1) + "\n")
    return res


if __name__ == "__main__":
    main()
