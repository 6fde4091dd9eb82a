"""Run every benchmark the inputs allow, then write BENCHMARKS.md and its plots.

    pip install -e ".[bench]"
    python -m bench                 # full run (about 30 minutes on 2 cores): bench/results/*.json,
                                    # bench/results/plots/*.png, BENCHMARKS.md
    python -m bench --quick         # smoke run (about 4 minutes) into a scratch folder
    python -m bench --only quality,spin

Parts (each also runs on its own: ``python -m bench.<part> --help``):
- ``speed``: MinHash signature throughput against datasketch and rensa (one core), and the
  scaling curve of ``copytrace scan`` and ``dedup --fast`` (time, peak memory and family ARI
  per corpus size and flag set; the streaming engine also at 1M documents);
- ``peers``: near-duplicate clustering end to end against datasketch and rensa on one corpus,
  and text-dedup when ``TEXT_DEDUP_PYTHON`` names a Python that has it (``python3 -m venv
  /tmp/tdv && /tmp/tdv/bin/pip install text-dedup==0.4.0``: its dependencies are too heavy to
  share copytrace's environment);
- ``quality``: PAN-13, Clough & Stevenson, MRPC and an injected-family corpus, with MinHash-only
  baselines;
- ``real``: real web pages labelled by hand (../shared/data/webreuse_dev, xling_dev): families,
  stories, relations, spin evidence and sources, beside MinHash-only and difflib baselines;
- ``spin``: spun-copy recall and precision per substitution rate;
- ``overlap``: the full ``scan`` on a partial-overlap corpus (originals recombined from real
  sentences, so documents share a sentence or two by chance) beside datasketch's MinHash LSH,
  same corpus, one run: time, memory, families, and where copytrace's time goes;
- ``load``: the index service (``copytrace serve``) under 32 concurrent clients, 10,000
  queries against a 100,000-document index: errors and latency percentiles.
A part whose data (../shared/data) or peer library is missing is skipped with a reason.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bench import report

PARTS = ("speed", "peers", "quality", "real", "spin", "overlap", "load")


def _run(part: str, quick: bool, results: Path) -> None:
    out = results / f"{part}.json"
    try:  # a path relative to the working folder reads better in the recorded commands
        out = out.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        pass
    if part == "speed":
        from bench import speed

        args = (["--docs", "300", "--repeat", "2", "--sizes", "1000", "3000", "--modes",
                 "no-semantic", "words-only", "fast"] if quick else
                ["--docs", "2000", "--repeat", "9", "--sizes", "10000", "100000", "--modes",
                 "default", "no-semantic", "words-only", "fast", "--fast-sizes", "1000000"])
        speed.main([*args, "--json", str(out)])
    elif part == "peers":
        from bench import peers

        args = ["--docs", "1500", "--thresholds", "0.3,0.5"] if quick else ["--docs", "20000"]
        peers.main([*args, "--out", str(out)])
    elif part == "quality":
        from bench import quality

        quality.main([*(["--quick"] if quick else []), "--out", str(out)])
    elif part == "real":
        from bench import real

        real.main(["--out", str(out)])
    elif part == "overlap":
        from bench import overlap

        overlap.main(["--docs", "1500" if quick else "10000", "--out", str(out)])
    elif part == "load":
        from bench import load

        args = (["--docs", "1500", "--queries", "300", "--queries-pool", "100", "--clients", "8",
                 "--batch", "500"] if quick else
                ["--docs", "100000", "--queries", "10000", "--clients", "32"])
        try:
            load.main([*args, "--out", str(out)])
        except SystemExit as e:  # no news data: skipped with the reason
            print(f"load skipped: {e}")
    else:
        from bench import spin

        args = (["--background", "300", "--pairs", "30", "--rates", "0.3", "--real", "0",
                 "--thesaurus", "aiksaurus"] if quick else [])
        spin.main([*args, "--out", str(out)])
    if out.exists():  # every results file says where it was measured
        from bench.speed import machine

        data = json.loads(out.read_text())
        data.setdefault("machine", machine())
        out.write_text(json.dumps(data, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small inputs: a smoke test")
    ap.add_argument("--only", default=",".join(PARTS), help="comma-separated parts to run")
    ap.add_argument("--results", type=Path, default=None,
                    help="results folder [default: bench/results; --quick: bench/results/quick]")
    ap.add_argument("--report", type=Path, default=None,
                    help="markdown to write [default: BENCHMARKS.md; --quick: RESULTS/BENCHMARKS.md]")
    args = ap.parse_args(argv)
    results = args.results or (report.RESULTS / "quick" if args.quick else report.RESULTS)
    results.mkdir(parents=True, exist_ok=True)
    failed = []
    for part in args.only.split(","):
        if part not in PARTS:
            ap.error(f"unknown part {part!r}; choose from {', '.join(PARTS)}")
        t = time.perf_counter()
        print(f"== {part}", flush=True)
        try:
            _run(part, args.quick, results)
        except SystemExit as e:  # a part that cannot run here says why and exits
            if e.code not in (0, None):
                print(f"   {part} skipped: {e.code}", flush=True)
                (results / f"{part}.skipped.json").write_text(json.dumps({"reason": str(e.code)}))
        except Exception as e:  # report and go on with the other parts
            failed.append(part)
            print(f"   {part} FAILED: {type(e).__name__}: {e}", flush=True)
        print(f"   {part}: {time.perf_counter() - t:.0f} s", flush=True)
    target = args.report or (results / "BENCHMARKS.md" if args.quick else report.ROOT /
                             "BENCHMARKS.md")
    report.main(results, target)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
