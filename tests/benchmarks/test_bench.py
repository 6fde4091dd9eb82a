"""The benchmark harness's quick mode runs end to end (a smoke test; the full run is manual)."""

import json
import subprocess
import sys

import pytest
from conftest import ROOT, SHARED_DATA


@pytest.mark.slow
def test_quick_benchmark_run_writes_results_plots_and_report(tmp_path):
    pytest.importorskip("datasketch", reason="benchmark extras not installed")
    pytest.importorskip("matplotlib", reason="benchmark extras not installed")
    report = tmp_path / "BENCHMARKS.md"
    proc = subprocess.run([sys.executable, "-m", "bench", "--quick", "--results", str(tmp_path),
                           "--report", str(report)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks")
    # the signature benchmark needs no shared data: it always runs, against both peers
    speed = json.loads((tmp_path / "speed.json").read_text())
    assert {"copytrace", "datasketch", "rensa"} <= set(speed["signatures"]["results"])
    assert "## 1. MinHash signature throughput" in text
    if (SHARED_DATA / "news").exists():
        assert (tmp_path / "plots" / "scaling.png").stat().st_size > 1000
        fast = [s for s in speed["scan"] if s["mode"] == "fast"]
        assert fast and all(s["exit_code"] == 0 and s["ari"] > 0.9 for s in fast), fast
        peers = json.loads((tmp_path / "peers.json").read_text())["engines"]
        for engine in ("copytrace-words", "copytrace", "datasketch", "rensa"):
            assert "seconds" in peers[engine], peers
        assert all("seconds" in r or "skipped" in r for r in peers.values()), peers
        quality = json.loads((tmp_path / "quality.json").read_text())
        assert quality["injected"]["copytrace"]["ari"] >= quality["injected"]["datasketch"]["ari"]
        # the partial-overlap part: every engine ran on a corpus whose originals do overlap
        overlap = json.loads((tmp_path / "overlap.json").read_text())
        assert {"copytrace", "copytrace-1core", "datasketch"} == set(overlap["engines"])
        assert all("seconds" in r for r in overlap["engines"].values()), overlap["engines"]
        assert overlap["corpus"]["original_pairs_sharing_a_sentence"] > 0
        for section in ("## 3. Near-duplicate clustering", "## 4. Quality",
                        "## The full scan where documents overlap by chance"):
            assert section in text
