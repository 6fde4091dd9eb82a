"""The Spark engine against the local engine on one machine: the same corpus (the realistic
scaling corpus of `bench.speed`, default 100,000 documents), each engine's CLI in its own process
tree, timed, with the peak memory of the whole tree (driver JVM and Python workers included), the
outputs compared record for record, and Spark's per-stage seconds turned into an estimate of the
cluster a billion documents a day needs.

    python -m bench.spark [--docs 100000] [--master local[2]] [--out bench/results/spark.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.corpus import load_news, news_available, overlap_inputs, scaling_corpus, scaling_spin

RESULTS = Path(__file__).parent / "results"


def run_measured(cmd: list[str], env: dict) -> dict:
    """Run ``cmd``; wall seconds and the peak of the summed RSS of it and all its descendants
    (sampled every 0.2 s: Spark's memory is in a JVM and Python workers, not in one process)."""
    import psutil

    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    peak = 0
    done = threading.Event()

    def sample():
        nonlocal peak
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
                total = 0
                for p in procs:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                peak = max(peak, total)
            except psutil.Error:
                pass
            time.sleep(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    done.set()
    th.join()
    return {"seconds": round(time.perf_counter() - t, 1), "peak_rss_mib": round(peak / 2**20),
            "exit_code": proc.returncode, "stderr_tail": err[-800:] if proc.returncode else ""}


def _records(path: Path):
    files = sorted(path.glob("part-*")) if path.is_dir() else [path]
    for f in files:
        with f.open(encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)


def _key(rec: dict):
    return rec["id"] if "id" in rec else (rec.get("a"), rec.get("b"))


def same_records(a: Path, b: Path) -> dict:
    """Whether two outputs hold the same records in the same order, compared by key (a
    document's id, a pair's two ids): how many records each holds, the keys only one of them
    has, the records whose fields differ, and the first few differences (the fields that
    differ, both values; a record one side lacks shows as null there)."""
    x = {_key(r): r for r in _records(a)}
    y = {_key(r): r for r in _records(b)}
    only = [k for k in x if k not in y] + [k for k in y if k not in x]
    differ = [k for k in x if k in y and x[k] != y[k]]
    shown = []
    for k in (only + differ)[:10]:
        r, s = x.get(k, {}), y.get(k, {})
        shown.append({"id": k, **{f: [r.get(f), s.get(f)] for f in r.keys() | s.keys()
                                  if r.get(f) != s.get(f)}})
    in_order = list(x) == list(y)
    same = not only and not differ and in_order
    return {"same": same, "records": [len(x), len(y)], "only_one_side": len(only),
            "differing": len(differ), "same_order": in_order, "examples": shown}


def estimate(stats: dict, cores: int, target_docs: float = 1e9, seconds: float = 86_400) -> dict:
    """Cores (and 16-core machines) for ``target_docs`` in ``seconds``, from the measured
    per-stage wall seconds on ``cores`` cores: each stage's core-seconds per document, scaled
    linearly (every stage's work grows linearly with the corpus: buckets are capped, components
    take O(log^2 n) rounds of linear shuffles), times 2 for a cluster's network shuffles and
    stragglers that one machine does not see."""
    n = stats["documents"]
    per_doc = {k: v * cores / n for k, v in stats["seconds"].items() if k != "total"}
    core_seconds = sum(per_doc.values()) * target_docs * 2
    need = core_seconds / seconds
    return {"core_ms_per_document": {k: round(v * 1000, 3) for k, v in per_doc.items()},
            "core_ms_per_document_total": round(sum(per_doc.values()) * 1000, 3),
            "overhead_factor": 2, "cores": round(need), "machines_16_cores": round(need / 16 + 0.5)}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--out", type=Path, default=RESULTS / "spark.json")
    args = ap.parse_args(argv)
    if not news_available():
        print("../shared/data/news is not present: Spark benchmark skipped")
        return {"error": "no news data"}
    originals, donors, sentences = overlap_inputs(load_news(min_words=80), scaling=True)
    env = {**os.environ, "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1")}
    cores = int(args.master[6:-1]) if args.master.startswith("local[") and \
        args.master[6:-1].isdigit() else os.cpu_count()
    result: dict = {"documents": args.docs, "master": args.master, "cores": cores}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        with corpus.open("w", encoding="utf-8") as fh:
            for d in scaling_corpus(args.docs, originals, donors, spin=scaling_spin(),
                                    sentences_from=sentences):
                fh.write(json.dumps(d) + "\n")
        base = [sys.executable, "-m", "copytrace", "scan", str(corpus), "--quiet"]
        local_out, spark_out = Path(tmp) / "local", Path(tmp) / "spark"
        print(f"local engine, {args.docs:,} documents ...", flush=True)
        result["local"] = run_measured(base + ["--out", str(local_out), "--workers",
                                               str(cores)], env)
        print(f"  {result['local']}", flush=True)
        print(f"spark engine ({args.master}) ...", flush=True)
        result["spark"] = run_measured(base + ["--out", str(spark_out), "--engine", "spark",
                                               "--master", args.master], env)
        print(f"  {result['spark']}", flush=True)
        if result["local"]["exit_code"] == 0 and result["spark"]["exit_code"] == 0:
            stats = json.loads((spark_out / "stats.json").read_text())
            result["spark"]["stats"] = stats
            for name in ("documents", "pairs"):
                cmp = same_records(local_out / f"{name}.jsonl", spark_out / name)
                result[f"same_{name}"] = cmp["same"]
                result[f"{name}_differences"] = cmp["examples"]
                result[f"{name}_records"] = cmp["records"][0]
                result[f"{name}_only_one_engine"] = cmp["only_one_side"]
                result[f"{name}_differing"] = cmp["differing"]
            result["time_ratio_spark_over_local"] = round(
                result["spark"]["seconds"] / result["local"]["seconds"], 2)
            result["memory_ratio_spark_over_local"] = round(
                result["spark"]["peak_rss_mib"] / max(result["local"]["peak_rss_mib"], 1), 2)
            result["estimate_1b_per_day"] = estimate(stats, cores)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k not in ("local", "spark")}, indent=2))
    return result


if __name__ == "__main__":
    main()
