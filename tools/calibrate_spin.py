"""Calibrate spun_score on varied real text: ``python tools/calibrate_spin.py``.

Writes src/copytrace/data/spin_calibration.json: the rate of suspicious phrases per word in real
text (``rate``) and the tail probability below which a real page scores 0.5 or more (``alpha``),
from three kinds of real text, each as 2,000-character page beginnings and as whole texts:
- PAN-13 source documents (../shared/data/pan13_noobf/src: web pages on many topics, with OCR-like
  noise),
- Clough & Stevenson's texts (../shared/data/clough_stevenson: Wikipedia articles and students'
  answers on computer science),
- one half of the news articles held out of the phrase statistics (tools/build_phrases.py
  ``held_out``; the half whose hash is odd: the other half stays for evaluation in bench/spin.py
  and the tests).
The phrase statistics come from news only, so real text of other kinds shows more unseen
phrases (measured: news 0.24, PAN 0.53, Clough 0.85 suspicious phrases per 100 words); the
calibration takes the pooled rate and, per kind, the 1st percentile of the tail probability, and
keeps the smallest: no kind of real text scores 0.5 or more more often than 1 time in 100.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import xxhash

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tools"))


def calibration_half(doc_id: str) -> bool:
    """Held-out news articles used for calibration (the rest stays for evaluation)."""
    return xxhash.xxh64_intdigest(doc_id.encode()) % 20 == 10


def texts() -> dict[str, list[str]]:
    from build_phrases import held_out

    out: dict[str, list[str]] = {"news": [], "pan": [], "clough": []}
    for path in sorted((DATA / "news").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                if held_out(r["id"]) and calibration_half(r["id"]):
                    out["news"].append(r["text"])
    for path in sorted((DATA / "pan13_noobf" / "src").glob("*.txt")):
        out["pan"].append(path.read_text(encoding="utf-8", errors="replace"))
    for path in sorted((DATA / "clough_stevenson" / "texts").glob("*.txt")):
        raw = path.read_bytes()
        try:
            out["clough"].append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            out["clough"].append(raw.decode("latin-1"))
    return out


def main() -> None:
    from copytrace.normalize import tokenize
    from copytrace.spin import phrase_joins, suspects, tail_probability

    counts: dict[str, list[tuple[int, int]]] = {}
    for kind, items in texts().items():
        if not items:
            raise SystemExit(f"no {kind} texts under {DATA}")
        rows = []
        for t in items:
            for part in (t[:2000], t):
                tok = tokenize(part)
                if len(tok) >= 20:
                    rows.append((len(suspects(tok.hash, phrase_joins(part, tok))), len(tok)))
        counts[kind] = rows
    k = sum(r[0] for rows in counts.values() for r in rows)
    n = sum(r[1] for rows in counts.values() for r in rows)
    rate = k / n
    alphas = {}
    for kind, rows in counts.items():
        p = np.array([tail_probability(a, b, rate) for a, b in rows])
        alphas[kind] = float(np.quantile(p, 0.01))
        print(f"{kind}: {len(rows)} texts, {100 * sum(r[0] for r in rows) / sum(r[1] for r in rows):.3f}"
              f" per 100 words; 1% tail probability {alphas[kind]:.3g}")
    out = {"rate": rate, "alpha": min(alphas.values()), "alphas": alphas,
           "texts": {kind: len(rows) for kind, rows in counts.items()}}
    path = ROOT / "src" / "copytrace" / "data" / "spin_calibration.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"rate {rate * 100:.3f} per 100 words, alpha {out['alpha']:.3g} -> {path}")


if __name__ == "__main__":
    main()
