"""The index service under load: query latency with concurrent clients on loopback.

    python -m bench.load --docs 100000 --queries 10000 --clients 32 --out bench/results/load.json

1. Builds an index (``copytrace.store.Index``) of ``--docs`` documents of the realistic scaling
   corpus of `bench.speed` (`corpus.scaling_corpus` with `corpus.overlap_inputs(scaling=True)`:
   real articles as they come, then generated ones sharing runs of sentences by chance, and
   their verbatim, edited, spun, truncated and wrapped copies) in batches, and times it.
   ``--queries-pool`` further documents of the same stream are held out: they are the queries
   (copies of indexed originals, and new originals).
2. Starts ``copytrace serve`` on 127.0.0.1 (``--workers`` processes) and warms it up.
3. ``--clients`` threads, each with its own HTTP connection, send ``--queries`` POST /query
   requests in total, as fast as answers come back (a closed loop), for each query mode:
   ``full`` (the scan's stages, sentence encoder included) and ``copies`` (``semantic: false``).
   Then one client alone (500 queries), for the latency of a query without queueing.
Reports per run: errors (any non-200 answer or failed request: must be 0), latency p50 / p95 /
p99 / max, throughput, and the share of queries that found a match. Bounded: ``--time-limit``
seconds per run (a run that hits it says so).

With N clients in a closed loop, each request waits for the ones ahead of it: latency is about
N / throughput (Little's law). The one-client run is the service time.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

def build_index(path: Path, n: int, pool: int, batch: int, semantic: bool
                ) -> tuple[dict, list[dict]]:
    """An index of ``n`` scaling-corpus documents; returns its build record and ``pool``
    held-out documents of the same stream (the queries)."""
    from bench.corpus import load_news, news_available, overlap_inputs, scaling_corpus, scaling_spin
    from copytrace.document import Document
    from copytrace.config import ScanConfig
    from copytrace.store import Index

    if not news_available():
        raise SystemExit("bench.load needs ../shared/data/news (the scaling corpus's articles)")
    originals, donors, sentences = overlap_inputs(load_news(min_words=80), scaling=True)
    stream = scaling_corpus(n + pool, originals, donors, seed=3, spin=scaling_spin(),
                            sentences_from=sentences)
    rng = np.random.default_rng(3)
    held = set(rng.choice(n + pool, size=pool, replace=False).tolist())
    queries: list[dict] = []
    t0 = time.perf_counter()
    added = 0
    batch_times = []
    with Index(path, create=True, config=ScanConfig(semantic=semantic)) as ix:
        docs: list[Document] = []

        def flush():
            nonlocal added
            t = time.perf_counter()
            added += len(ix.add(docs).added)
            batch_times.append((added, time.perf_counter() - t))
            docs.clear()

        for k, d in enumerate(stream):
            if k in held:
                queries.append(d)
                continue
            docs.append(Document(id=d["id"], text=d["text"]))
            if len(docs) == batch:
                flush()
                if len(batch_times) % 10 == 0:
                    print(f"  {added:,} documents indexed, {time.perf_counter() - t0:.0f} s",
                          flush=True)
        if docs:
            flush()
        stats = ix.stats()
    seconds = time.perf_counter() - t0
    last = [s for a, s in batch_times[-5:]]
    return {"documents": added, "seconds": round(seconds, 1),
            "docs_per_s": round(added / seconds, 1), "batch": batch, "semantic": semantic,
            "last_batches_docs_per_s": round(batch * len(last) / sum(last), 1),
            "first_batches_docs_per_s": round(batch * min(5, len(batch_times)) / sum(
                s for _, s in batch_times[:5]), 1),
            "bytes": stats["bytes"], "families": stats["families"],
            "stories": stats["stories"], "embedded": stats["embedded"],
            "keys": stats["keys"], "pairs": stats["pairs"]}, queries


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(path: Path, workers: int = 1) -> tuple[subprocess.Popen, str]:
    """``copytrace serve PATH`` on a free loopback port, once /health answers: (process, URL).
    RuntimeError with the server's last words when it does not start."""
    import urllib.request

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "copytrace", "serve", str(path), "--port",
                             str(port), "--workers", str(workers)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(url + "/health", timeout=2):
                return proc, url
        except OSError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start: " + proc.stderr.read().decode()[-2000:])


def run_load(url: str, texts: list[str], total: int, clients: int, semantic: bool,
             time_limit: float) -> dict:
    """``clients`` threads send ``total`` queries (texts in turn) in a closed loop."""
    import httpx

    lat = np.zeros(total)
    ok = np.zeros(total, dtype=bool)
    matched = np.zeros(total, dtype=bool)
    errors: list[str] = []
    counter = iter(range(total))
    lock = threading.Lock()
    deadline = time.perf_counter() + time_limit

    def client():
        with httpx.Client(base_url=url, timeout=60) as http:
            while time.perf_counter() < deadline:
                with lock:
                    k = next(counter, None)
                if k is None:
                    return
                body = {"text": texts[k % len(texts)], "id": f"q{k}", "limit": 20,
                        "semantic": semantic}
                t = time.perf_counter()
                try:
                    r = http.post("/query", json=body)
                    lat[k] = time.perf_counter() - t
                    ok[k] = r.status_code == 200
                    if ok[k]:
                        matched[k] = bool(r.json()["matches"])
                    else:
                        errors.append(f"HTTP {r.status_code}: {r.text[:200]}")
                except httpx.HTTPError as e:
                    lat[k] = time.perf_counter() - t
                    errors.append(f"{type(e).__name__}: {e}")

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    done = lat > 0
    ms = lat[done] * 1000
    return {"clients": clients, "queries": int(done.sum()), "asked": total,
            "mode": "full" if semantic else "copies",
            "errors": len(errors),
            "error_examples": errors[:5], "timed_out": bool(done.sum() < total),
            "seconds": round(wall, 1), "queries_per_s": round(done.sum() / wall, 1),
            "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p95_ms": round(float(np.percentile(ms, 95)), 1),
            "p99_ms": round(float(np.percentile(ms, 99)), 1),
            "max_ms": round(float(ms.max()), 1),
            "matched_share": round(float(matched[done].mean()), 3)}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000, help="documents in the index")
    ap.add_argument("--queries", type=int, default=10_000, help="queries per loaded run")
    ap.add_argument("--queries-pool", type=int, default=2000,
                    help="held-out documents the queries cycle through")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="server processes [default: one per core]")
    ap.add_argument("--batch", type=int, default=2000, help="documents per add batch")
    ap.add_argument("--no-semantic", action="store_true",
                    help="build the index without the sentence stage")
    ap.add_argument("--time-limit", type=float, default=900, help="seconds per run at most")
    ap.add_argument("--index", type=Path, default=None,
                    help="keep the index here (default: a temporary folder)")
    ap.add_argument("--out", type=Path, default=None, help="results JSON")
    args = ap.parse_args(argv)
    from bench.speed import machine

    with tempfile.TemporaryDirectory() as tmp:
        path = args.index or Path(tmp) / "index.db"
        print(f"load: building an index of {args.docs:,} documents", flush=True)
        build, queries = build_index(path, args.docs, args.queries_pool, args.batch,
                                     not args.no_semantic)
        print(f"  built in {build['seconds']} s ({build['docs_per_s']} docs/s; "
              f"{build['bytes'] / 2**20:,.0f} MiB)", flush=True)
        texts = [q["text"] for q in queries]
        proc, url = serve(path, args.workers)
        try:
            runs = []
            modes = [False] if args.no_semantic else [True, False]
            for semantic in modes:  # warm every worker (the encoder loads on first use)
                run_load(url, texts[:200], 200, args.clients, semantic, args.time_limit)
            for semantic in modes:
                for clients, total in ((args.clients, args.queries),
                                       (1, min(500, args.queries))):
                    r = run_load(url, texts, total, clients, semantic, args.time_limit)
                    runs.append(r)
                    print(f"  {r['mode']:<6} {clients:>2} client(s): {r['queries']:,} queries, "
                          f"{r['errors']} errors, p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, "
                          f"p99 {r['p99_ms']} ms, {r['queries_per_s']} queries/s, "
                          f"{r['matched_share']:.0%} matched", flush=True)
        finally:
            proc.terminate()
            proc.wait(30)
    result = {"machine": machine(), "command": "python -m bench.load " + " ".join(
        argv if argv is not None else sys.argv[1:]), "index": build,
        "workers": args.workers, "runs": runs}
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n")
    return result


if __name__ == "__main__":
    main()
