"""Build ``src/copytrace/data/topic_basis.npz``: the mean and leading principal directions of
the sentence encoder's piece vectors (`copytrace.fingerprint.topics`).

    python tools/build_topic_basis.py [--components 16]

Runs every piece of the encoder's vocabulary through the encoder alone (~24 s on one core),
then an SVD of the mean-centred table. Deterministic for a given encoder package and CPU
kind; the file is rebuilt only when the encoder changes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "src" / "copytrace" / "data" / "topic_basis.npz"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--components", type=int, default=16)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    from copytrace.fingerprint.topics import PieceVectors

    t = time.perf_counter()
    table = PieceVectors().all().astype(np.float64)
    mean = table.mean(axis=0)
    _, sv, vt = np.linalg.svd(table - mean, full_matrices=False)
    np.savez_compressed(args.out, mean=mean.astype(np.float32),
                        components=vt[:args.components].astype(np.float32),
                        singular_values=sv[:args.components].astype(np.float32))
    print(f"{args.out}: {len(table):,} pieces, {args.components} directions "
          f"({time.perf_counter() - t:.0f} s); leading singular values "
          + " ".join(f"{s:.0f}" for s in sv[:args.components]))


if __name__ == "__main__":
    main()
