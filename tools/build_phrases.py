"""Build the phrase statistics behind ``spun_score`` (src/copytrace/data/phrases.npz).

    python tools/build_phrases.py [--news ../shared/data/news] [--min-count 2]

Counts every word, and every two-word phrase that contains a lexicon word, of real news text
(../shared/data/news: BBC, Reuters, BuzzFeed), keyed by copytrace's token hashes; only the counts
are shipped, not the text. One article in ten (by a hash of its id, see ``held_out``) is left out, so that tests
and benchmarks can judge spun_score on real articles the statistics have never seen (half of them
calibrate spun_score: tools/calibrate_spin.py).
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import numpy as np
import xxhash

ROOT = Path(__file__).resolve().parents[1]


def held_out(doc_id: str) -> bool:
    """The articles kept out of the statistics (about one in ten)."""
    return xxhash.xxh64_intdigest(doc_id.encode()) % 10 == 0


def read_articles(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def main() -> None:
    import sys

    sys.path.insert(0, str(ROOT / "src"))
    from copytrace.lexicon import lexicon
    from copytrace.normalize import tokenize_many
    from copytrace.spin import bigram_keys

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--news", type=Path, default=ROOT.parent / "shared" / "data" / "news")
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "copytrace" / "data" / "phrases.npz")
    args = ap.parse_args()
    files = sorted(args.news.glob("*.jsonl.gz"))
    if not files:
        raise SystemExit(f"no *.jsonl.gz in {args.news}")
    lex = lexicon()
    keys, words, n_docs, n_tokens = [], [], 0, 0
    for path in files:
        records = read_articles(path)
        texts = [r["text"] for r in records if not held_out(r["id"])]
        for i in range(0, len(texts), 2000):
            for t in tokenize_many(texts[i:i + 2000]):
                words.append(t.hash)
                if len(t) < 2:
                    continue
                is_form = lex.forms(t.hash) >= 0
                keep = is_form[:-1] | is_form[1:]
                keys.append(bigram_keys(t.hash[:-1][keep], t.hash[1:][keep]))
                n_tokens += len(t)
        n_docs += len(texts)
        print(f"{path.name}: {len(texts)} articles")
    allk = np.concatenate(keys)
    uniq, counts = np.unique(allk, return_counts=True)
    keep = counts >= args.min_count
    wk, wc = np.unique(np.concatenate(words), return_counts=True)
    wkeep = wc >= args.min_count
    np.savez_compressed(args.out, key=uniq[keep],
                        count=np.minimum(counts[keep], 65535).astype(np.uint16),
                        word_key=wk[wkeep], word_count=np.minimum(wc[wkeep], 2**31 - 1).astype(np.int32),
                        n_docs=np.array(n_docs), n_tokens=np.array(n_tokens))
    print(f"{n_docs} articles, {n_tokens} tokens, {len(uniq)} phrases, {keep.sum()} kept "
          f"-> {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
