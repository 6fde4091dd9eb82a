"""Speed benchmark: MinHash signature throughput against peers, and end-to-end scan at scale.

    python -m bench.speed                 # signatures (2,000 docs) + scan at 10k and 100k docs
    python -m bench.speed --sizes 10000   # a quicker run
    python -m bench.speed --json out.json

Part 1, signatures: raw text in, 128-value MinHash signatures of 5-word shingles out, tokenizing
and shingling included, on ONE core, for the same news-size documents:
- copytrace: ``MinHasher.text_signatures`` (tokenizer kernel writing hashes only + MinHash
  kernel), in batches of 500;
- datasketch: ``MinHash(num_perm=128, hashfunc=xxhash.xxh32_intdigest)`` and ``update_batch``
  over the encoded shingles (words from ``re.findall(r"\\w+", text.lower())``);
- rensa: ``RMinHash(num_perm=128).update(shingles)`` over the same shingle strings.
Peers get the cheapest reasonable tokenization (one regex per document). Engines run in
interleaved rounds (``--repeat``) and each keeps its best time. Ratios are copytrace's docs/s over
the peer's.

Part 2, scan: ``copytrace scan`` as a subprocess (all cores) on generated corpora of N documents:
real articles from ../shared/data/news plus injected copies (edited, truncated, boilerplate-
wrapped) in families of known structure; wall time and the child's peak RSS. Each size is timed
in each ``--modes`` flag set: ``default`` (every stage), ``no-semantic`` (no sentence encoder:
what a de-duplication job runs), ``words-only`` (also no spin and no spun-copy channel).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.corpus import (donor_sentences, edited_copy, load_news, news_available, truncated_copy,
                          wrapped_copy)

WORD = re.compile(r"\w+")


def peer_shingles(text: str, k: int = 5) -> list[str]:
    words = WORD.findall(text.lower())
    return [" ".join(words[i:i + k]) for i in range(max(len(words) - k + 1, 1))]


def run_copytrace(texts: list[str]) -> np.ndarray:
    from copytrace.fingerprint import MinHasher

    hasher = MinHasher(num_perm=128, shingle=5)
    return np.concatenate([hasher.text_signatures(texts[i:i + 500])
                           for i in range(0, len(texts), 500)])


def run_datasketch(texts: list[str]) -> list:
    import xxhash
    from datasketch import MinHash

    out = []
    for t in texts:
        m = MinHash(num_perm=128, hashfunc=xxhash.xxh32_intdigest)
        m.update_batch([s.encode("utf-8") for s in peer_shingles(t)])
        out.append(m.hashvalues)
    return out


def run_rensa(texts: list[str]) -> list:
    from rensa import RMinHash

    out = []
    for t in texts:
        m = RMinHash(num_perm=128, seed=42)
        m.update(peer_shingles(t))
        out.append(m.digest())
    return out


def signature_bench(texts: list[str], repeat: int) -> dict:
    """Best time per engine over ``repeat`` rounds; the rounds interleave the engines so that
    load from other processes on a shared machine hits them all alike."""
    engines = {"copytrace": run_copytrace, "datasketch": run_datasketch, "rensa": run_rensa}
    res: dict[str, dict] = {}
    for name, fn in list(engines.items()):
        try:
            fn(texts[:20])  # warm-up: imports, JIT cache load
        except ImportError as e:
            res[name] = {"error": f"not installed ({e.name})"}
            del engines[name]
    best = {name: float("inf") for name in engines}
    for _ in range(repeat):
        for name, fn in engines.items():
            t = time.perf_counter()
            fn(texts)
            best[name] = min(best[name], time.perf_counter() - t)
    for name, secs in best.items():
        res[name] = {"seconds": round(secs, 4), "docs_per_s": round(len(texts) / secs, 1)}
    ct = res["copytrace"]["docs_per_s"]
    for name in ("datasketch", "rensa"):
        if "docs_per_s" in res.get(name, {}):
            res[name]["copytrace_speedup"] = round(ct / res[name]["docs_per_s"], 2)
    return res


HEADER = ["Skip to content", "Home | World | Business | Sport | Opinion"]
FOOTER = ["Join our channel and get the latest breaking news delivered to you.",
          "Copyright 2026 Example Media. All rights reserved."]


def make_corpus(n: int, articles: list[dict], seed: int = 0) -> list[dict]:
    """n documents: originals plus injected copies (at least 30% of documents are copies);
    ``family`` is the truth: the id of the original a document was made from.

    Sentences inserted into edited copies come from 500 held-out articles that are never in the
    corpus, so a copy is derived from its source only."""
    rng = random.Random(seed)
    if len(articles) < 600:
        raise ValueError("need at least 600 articles (500 are held out as donors)")
    donors = donor_sentences([a["text"] for a in articles[-500:]])
    n_orig = min(len(articles) - 500, max(1, int(n * 0.7)))
    docs = [{"id": a["id"], "text": a["text"], "family": a["id"]} for a in articles[:n_orig]]
    k = 0
    while len(docs) < n:
        origin = articles[rng.randrange(n_orig)]
        src = origin["text"]
        kind = k % 3
        if kind == 0:
            text = edited_copy(src, rng, donors, delete=0.1, insert=0.1, replace=0.1)
        elif kind == 1:
            text = truncated_copy(src, rng.uniform(0.4, 0.9))
        else:
            text = wrapped_copy(src, HEADER, FOOTER)
        docs.append({"id": f"copy-{k}", "text": text, "family": origin["id"]})
        k += 1
    return docs


# Runs the copytrace CLI and writes the process's own peak RSS (KiB) to argv[1] at exit, so that
# each scan's memory is its own (RUSAGE_CHILDREN would report the largest child so far, and
# ru_maxrss would include the parent's memory at fork time).
_MEASURED = """
import atexit, sys
out = sys.argv.pop(1)

def peak():  # VmHWM: peak RSS since exec (ru_maxrss would include the parent's at fork time)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return line.split()[1]
    return "0"

atexit.register(lambda: open(out, "w").write(peak()))
sys.argv[0] = "copytrace"
from copytrace.cli import main
main()
"""

SCAN_MODES = {"default": [], "no-semantic": ["--no-semantic"],
              "words-only": ["--no-semantic", "--no-spun", "--no-spin"]}


def scan_bench(sizes: list[int], workers: int | None, modes: list[str] = ("default",)
               ) -> list[dict]:
    articles = load_news(min_words=80) if news_available() else []
    if not articles:
        return [{"error": "../shared/data/news is not present; scan benchmark skipped"}]
    out = []
    for n, mode in ((n, m) for n in sizes for m in modes):
        docs = make_corpus(n, articles)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "corpus.jsonl.gz"
            with gzip.open(path, "wt", encoding="utf-8") as fh:
                for d in docs:
                    fh.write(json.dumps(d) + "\n")
            rss_file = Path(tmp) / "rss"
            cmd = [sys.executable, "-c", _MEASURED, str(rss_file), "scan", str(path), "--out",
                   str(Path(tmp) / "out"), "--quiet", *SCAN_MODES[mode]]
            if workers:
                cmd += ["--workers", str(workers)]
            t = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            secs = time.perf_counter() - t
            peak = int(rss_file.read_text()) if rss_file.exists() else 0
            fams = sum(1 for line in (Path(tmp) / "out" / "documents.jsonl").open()
                       if '"relation": "source"' in line) if proc.returncode == 0 else None
        out.append({"documents": n, "mode": mode, "flags": " ".join(SCAN_MODES[mode]),
                    "seconds": round(secs, 2), "docs_per_s": round(n / secs),
                    "peak_rss_mib": round(peak / 1024), "exit_code": proc.returncode,
                    "families": fams, "stderr_tail": proc.stderr[-500:] if proc.returncode else ""})
        print(f"  scan {n:>7} docs ({mode}): {secs:7.1f} s, {n / secs:8.0f} docs/s, "
              f"peak RSS {peak / 1024:6.0f} MiB", flush=True)
    return out


def machine() -> dict:
    import numba

    try:
        import psutil
        ram = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        ram = None
    versions = {"python": platform.python_version(), "numpy": np.__version__,
                "numba": numba.__version__}
    for mod in ("datasketch", "rensa", "xxhash"):
        try:
            from importlib.metadata import version
            versions[mod] = version(mod)
        except Exception:
            pass
    return {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
            "ram_gib": ram, "versions": versions}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000, help="documents for the signature test")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--modes", nargs="*", default=["default", "no-semantic"],
                    choices=sorted(SCAN_MODES), help="scan flag sets to time at each size")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)

    if news_available():
        texts = [a["text"] for a in load_news(min_words=200, limit=args.docs * 3)]
        texts = random.Random(1).sample(texts, min(args.docs, len(texts)))
    else:
        texts = [p.read_text(encoding="utf-8") for p in Path("examples/seeds").glob("*.txt")]
        texts = (texts * (args.docs // len(texts) + 1))[: args.docs]
    words = np.mean([len(t.split()) for t in texts])
    print(f"signatures: {len(texts)} documents, mean {words:.0f} words, 128 functions, "
          f"5-word shingles, one core")
    sig = signature_bench(texts, args.repeat)
    for name, r in sig.items():
        extra = f"  (copytrace is {r['copytrace_speedup']}x)" if "copytrace_speedup" in r else ""
        print(f"  {name:<11} {r.get('docs_per_s', r.get('error'))} docs/s{extra}")
    print("scan (all cores):")
    scans = scan_bench(args.sizes, args.workers, args.modes) if args.sizes else []
    result = {"machine": machine(), "command": "python -m bench.speed " + " ".join(argv or
              sys.argv[1:]), "signatures": {"documents": len(texts), "mean_words": round(words),
                                            "results": sig}, "scan": scans}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
