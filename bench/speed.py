"""Speed benchmark: MinHash signature throughput against peers, and end-to-end scan at scale.

    python -m bench.speed                 # signatures (2,000 docs) + scan at 10k and 100k docs
    python -m bench.speed --sizes 10000   # a quicker run
    python -m bench.speed --json out.json
    python -m bench.speed --sizes 10000 --modes fast --fast-sizes 1000000

Part 1, signatures: raw text in, 128-value MinHash signatures of 5-word shingles out, tokenizing
and shingling included, on ONE core, for the same news-size documents:
- copytrace: ``MinHasher.text_signatures`` (tokenizer kernel writing hashes only + MinHash
  kernel), in batches of 500;
- datasketch: ``MinHash(num_perm=128, hashfunc=xxhash.xxh32_intdigest)`` and ``update_batch``
  over the encoded shingles (words from ``re.findall(r"\\w+", text.lower())``);
- rensa: ``RMinHash(num_perm=128).update(shingles)`` over the same shingle strings, and
  ``rensa-bulk``: its bulk path ``RMinHash.digest_matrix_from_token_sets`` (one call for all
  documents, the fastest it documents for strings).
A second view times the MinHash kernels alone, fed the same ready 64-bit shingle hashes
(`kernel_bench`): copytrace's ``MinHasher.item_signatures`` against rensa's
``digest_matrix_from_flat_token_hashes``. Raw text to signatures measures tokenizing and
shingling as much as MinHash (rensa's shingles are built in Python); the kernel view does not.
Peers get the cheapest reasonable tokenization (one regex per document). Engines run in
interleaved rounds (``--repeat``) and each keeps its best time. Ratios are copytrace's docs/s over
the peer's.

Part 2, scan: ``copytrace scan`` as a subprocess (all cores) on generated corpora of N documents
with the same make-up at every size (`scaling_corpus`: ~56% originals, ~44% verbatim, edited,
spun, truncated and boilerplate-wrapped copies in families of known structure, written once per
size as jsonl); wall time, the child's peak RSS and the ARI of its families against the truth.
Originals are the real news articles as they come (same-story reports and shared quotes
included, as unrelated), then new articles written by a bigram model of their sentences, each
holding 0-3 runs of sentences borrowed from earlier originals (real ones while they last):
documents overlap by chance as web pages do, and as much at a million documents as at 30,000
(`corpus.overlap_inputs`, `corpus.SentencePool`).
Each size is timed in each ``--modes`` flag set: ``default`` (every stage), ``no-semantic`` (no
sentence encoder: what a de-duplication job runs), ``words-only`` (also no spin and no spun-copy
channel), ``fast`` (``copytrace dedup --fast``: the streaming engine, families only).
``--fast-sizes 1000000`` adds sizes at which only the streaming engine runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.baselines import peer_shingles
from bench.corpus import load_news, news_available, overlap_inputs, scaling_corpus, scaling_spin

# every engine on ONE core in part 1: rensa's bulk paths run on a rayon thread pool, sized by
# this variable when the pool starts (rensa is imported only inside the runs below; copytrace's
# kernels are single-threaded)
os.environ.setdefault("RAYON_NUM_THREADS", "1")


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


def run_rensa_bulk(texts: list[str]):
    from rensa import RMinHash

    return RMinHash.digest_matrix_from_token_sets([peer_shingles(t) for t in texts], 128, 42)


def kernel_bench(texts: list[str], repeat: int) -> dict:
    """MinHash kernels alone, fed the same ready 64-bit shingle hashes (xxh64 of each 5-word
    shingle string, hashed once outside the timing) as one flat array with row offsets:
    copytrace's `MinHasher.item_signatures` against rensa's bulk
    ``RMinHash.digest_matrix_from_flat_token_hashes``, one core each."""
    import xxhash

    from copytrace.fingerprint import MinHasher

    rows = [np.array([xxhash.xxh64_intdigest(s.encode()) for s in peer_shingles(t)],
                     dtype=np.uint64)
            for t in texts]
    offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=offsets[1:])
    flat = np.concatenate(rows)
    hasher = MinHasher(num_perm=128)
    engines = {"copytrace": lambda: hasher.item_signatures(flat, offsets)}
    try:
        from rensa import RMinHash

        engines["rensa"] = lambda: RMinHash.digest_matrix_from_flat_token_hashes(
            flat, offsets, 128, 42)
    except ImportError:
        pass
    for fn in engines.values():
        fn()  # warm-up
    best = _best_times(engines, (), repeat)
    res = {name: {"seconds": round(secs, 4), "docs_per_s": round(len(texts) / secs, 1),
                  "shingles_per_s": round(len(flat) / secs)} for name, secs in best.items()}
    if "rensa" in res:
        res["rensa"]["copytrace_speedup"] = round(res["copytrace"]["docs_per_s"]
                                                  / res["rensa"]["docs_per_s"], 2)
    return res


def _best_times(engines: dict, args: tuple, repeat: int) -> dict[str, float]:
    """Each engine's best time over ``repeat`` rounds of ``fn(*args)``; the rounds interleave
    the engines so that load from other processes on a shared machine hits them all alike."""
    best = {name: float("inf") for name in engines}
    for _ in range(repeat):
        for name, fn in engines.items():
            t = time.perf_counter()
            fn(*args)
            best[name] = min(best[name], time.perf_counter() - t)
    return best


def signature_bench(texts: list[str], repeat: int) -> dict:
    """Best time per engine over ``repeat`` interleaved rounds (`_best_times`)."""
    engines = {"copytrace": run_copytrace, "datasketch": run_datasketch, "rensa": run_rensa,
               "rensa-bulk": run_rensa_bulk}
    res: dict[str, dict] = {}
    for name, fn in list(engines.items()):
        try:
            fn(texts[:20])  # warm-up: imports, JIT cache load
        except ImportError as e:
            res[name] = {"error": f"not installed ({e.name})"}
            del engines[name]
    best = _best_times(engines, (texts,), repeat)
    for name, secs in best.items():
        res[name] = {"seconds": round(secs, 4), "docs_per_s": round(len(texts) / secs, 1)}
    ct = res["copytrace"]["docs_per_s"]
    for name in ("datasketch", "rensa", "rensa-bulk"):
        if "docs_per_s" in res.get(name, {}):
            res[name]["copytrace_speedup"] = round(ct / res[name]["docs_per_s"], 2)
    return res


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

SCAN_MODES = {"default": ["scan"], "no-semantic": ["scan", "--no-semantic"],
              "words-only": ["scan", "--no-semantic", "--no-spun", "--no-spin"],
              "fast": ["dedup", "--fast"]}
SCAN_ORDER = list(SCAN_MODES)


def _vm_hwm_kib(pid: int) -> int:
    """A live process's peak RSS so far (KiB), or 0 where /proc cannot tell."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _families(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8") as fh:
        return {r["id"]: r["family"] for r in map(json.loads, fh)}


def scan_bench(sizes: list[int], workers: int | None, modes: list[str] = ("default",),
               fast_sizes: list[int] = (), timeout: float | None = None) -> list[dict]:
    """Each size's corpus (`scaling_corpus`, written once as jsonl) through each mode, timed as
    a subprocess; ARI of the families found against the corpus's truth. ``fast_sizes``: sizes
    at which only ``dedup --fast`` runs (a full scan would not fit in memory). A run past
    ``timeout`` seconds is stopped and reported as such (exit code ``"timeout"``).

    The corpus is the realistic one: the real articles as they come (same-story reports,
    shared quotes and wire templates count as unrelated), then originals written by a bigram
    model of their sentences, each holding a few runs of sentences borrowed from earlier
    originals, real sentences while they last (`corpus.overlap_inputs` with ``scaling``,
    `corpus.SentencePool`), so documents overlap by chance as web pages do, as much at a
    million documents as at 30,000."""
    from bench.metrics import ari

    articles = load_news(min_words=80) if news_available() else []
    if not articles:
        return [{"error": "../shared/data/news is not present; scan benchmark skipped"}]
    originals, donors, pool = overlap_inputs(articles, scaling=True)
    spin = scaling_spin()
    plan = [(n, m) for n in sizes for m in modes] + [(n, "fast") for n in fast_sizes
                                                      if n not in sizes or "fast" not in modes]
    out = []
    for n in sorted({n for n, _ in plan}):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "corpus.jsonl"
            truth: dict[str, str] = {}
            t = time.perf_counter()
            with path.open("w", encoding="utf-8") as fh:
                for d in scaling_corpus(n, originals, donors, spin=spin, sentences_from=pool):
                    truth[d["id"]] = d["family"]
                    fh.write(json.dumps(d) + "\n")
            print(f"  corpus of {n:,} documents written in {time.perf_counter() - t:.0f} s "
                  f"({path.stat().st_size / 2**20:,.0f} MiB)", flush=True)
            for mode in [m for k, m in plan if k == n]:
                res_dir = Path(tmp) / "out"
                rss_file = Path(tmp) / "rss"
                rss_file.unlink(missing_ok=True)
                if mode == "fast":
                    result = res_dir / "families.jsonl"
                    tail = ["--families", str(result)]
                else:
                    result = res_dir / "documents.jsonl"
                    tail = ["--out", str(res_dir)]
                cmd = [sys.executable, "-c", _MEASURED, str(rss_file), *SCAN_MODES[mode],
                       str(path), *tail, "--quiet"]
                if workers:
                    cmd += ["--workers", str(workers)]
                t = time.perf_counter()
                child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         text=True)
                try:
                    _, err = child.communicate(timeout=timeout)
                    code: int | str = child.returncode
                    stopped_at = 0
                except subprocess.TimeoutExpired:
                    stopped_at = _vm_hwm_kib(child.pid)  # its peak so far, before it goes
                    child.kill()
                    _, err = child.communicate()
                    code = "timeout"
                secs = time.perf_counter() - t
                peak = int(rss_file.read_text()) if rss_file.exists() else stopped_at
                score = fams = None
                if code == 0:
                    found = _families(result)
                    ids = list(truth)
                    score = round(ari([truth[i] for i in ids], [found[i] for i in ids]), 4)
                    fams = len(set(found.values()))
                out.append({"documents": n, "mode": mode, "flags": " ".join(SCAN_MODES[mode]),
                            "seconds": round(secs, 2), "docs_per_s": round(n / secs),
                            "peak_rss_mib": round(peak / 1024), "exit_code": code,
                            "families": fams, "ari": score,
                            "stderr_tail": err[-500:] if code else ""})
                print(f"  {n:>9,} docs ({mode}): {secs:7.1f} s, {n / secs:8.0f} docs/s, "
                      f"peak RSS {peak / 1024:6.0f} MiB, ARI {score}", flush=True)
                shutil.rmtree(res_dir, ignore_errors=True)
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
    ap.add_argument("--modes", nargs="*", default=["default", "no-semantic", "fast"],
                    choices=sorted(SCAN_MODES), help="scan flag sets to time at each size "
                    "(fast: dedup --fast, the streaming engine)")
    ap.add_argument("--fast-sizes", type=int, nargs="*", default=[],
                    help="sizes at which only dedup --fast runs (e.g. 1000000)")
    ap.add_argument("--timeout", type=float, default=None,
                    help="seconds after which a scan run is stopped and reported as timed out")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--update", action="store_true",
                    help="replace only the scan rows this run measured (same size and mode) "
                         "in the --json file; keep its other rows and its signature results")
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
    kernels = kernel_bench(texts, args.repeat)
    print("kernels alone, the same 64-bit shingle hashes in:")
    for name, r in kernels.items():
        extra = f"  (copytrace is {r['copytrace_speedup']}x)" if "copytrace_speedup" in r else ""
        print(f"  {name:<11} {r['docs_per_s']} docs/s{extra}")
    print("scan (all cores):")
    scans = (scan_bench(args.sizes, args.workers, args.modes, args.fast_sizes, args.timeout)
             if args.sizes or args.fast_sizes else [])
    result = {"machine": machine(), "command": "python -m bench.speed " + " ".join(argv or
              sys.argv[1:]), "signatures": {"documents": len(texts), "mean_words": round(words),
                                            "results": sig, "kernels": kernels}, "scan": scans}
    if args.json and args.update and args.json.exists():
        result = _updated(json.loads(args.json.read_text()), result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))
    return result


def _updated(stored: dict, new: dict) -> dict:
    """``stored`` with the scan rows of ``new`` in place of its rows of the same size and mode;
    each row says which command measured it (``command``, ``machine``), and ``updates`` lists
    the commands that replaced rows."""
    fresh = {(r["documents"], r["mode"]): {**r, "command": new["command"]} for r in new["scan"]
             if "documents" in r}
    rows = [fresh.pop((r["documents"], r["mode"]), r) if "documents" in r else r
            for r in stored.get("scan", [])]
    rows += list(fresh.values())
    rows.sort(key=lambda r: (r.get("documents", 0), SCAN_ORDER.index(r["mode"])
                             if r.get("mode") in SCAN_ORDER else 99))
    return {**stored, "scan": rows,
            "updates": stored.get("updates", []) + [{"command": new["command"],
                                                     "machine": new["machine"]}]}


if __name__ == "__main__":
    main()
