"""The corpus whose outputs `tests/golden/` records, and the runs that produce them.

The golden outputs pin copytrace's behaviour: a change that is meant to leave behaviour as it is
(a refactor, a speed-up) must leave ``documents.jsonl`` and ``pairs.jsonl`` byte-identical for
every engine. A change that is meant to alter behaviour re-records them
(``python tests/golden/record.py``) and says so in its commit message.

Two corpora:
- ``seeds``: the five documents in ``examples/seeds`` (always available);
- ``corpus``: 3,000 generated documents (real articles from ``../shared/data/news`` and their
  verbatim, edited, spun, truncated and site-wrapped copies: the benchmark's generator with a
  fixed seed), the 289 real pages of ``../shared/data/webreuse_dev`` and the 58 real translations
  of ``../shared/data/xling_dev`` (rewrites, translations, same-story pairs, spin on real text),
  and the seeds. Only ids and texts are fed in, so the recorded outputs hold ids, numbers and
  offsets, never a text. Needs the shared data and Debian's Aiksaurus thesaurus (the spinner).

For the index, the recorded runs are: every 12th document of ``corpus`` held out, the rest
added in batches of 1,000, each held-out document queried (its matches recorded), then the
held-out documents added and every document's family, relation and story recorded.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent
SHARED = ROOT.parent / "shared" / "data"
SEEDS = ROOT / "examples" / "seeds"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def corpus_missing() -> str | None:
    """Why the ``corpus`` cannot be built here, or None."""
    for sub in ("news/bbc.jsonl.gz", "webreuse_dev/docs.jsonl", "xling_dev/docs.jsonl"):
        if not (SHARED / sub).exists():
            return f"../shared/data/{sub} is not present on this machine"
    if not Path("/usr/share/aiksaurus/words.dat").exists():
        return "the Aiksaurus thesaurus (Debian libaiksaurus-1.2-data) is not installed"
    return None


def generated() -> list[dict]:
    """The generated part of ``corpus``: {"id", "text", "family"} records, ``family`` being the
    generator's truth (the original a document was made from)."""
    from bench.corpus import load_news, scaling_corpus, scaling_inputs, scaling_spin

    originals, donors = scaling_inputs(load_news(min_words=80, limit=1500))
    return list(scaling_corpus(3000, originals[:600], donors, seed=3, spin=scaling_spin()))


def corpus_records() -> list[dict]:
    """The ``corpus`` documents as {"id", "text"} records, in reading order."""
    out = [{"id": d["id"], "text": d["text"]} for d in generated()]
    for sub in ("webreuse_dev", "xling_dev"):
        with open(SHARED / sub / "docs.jsonl", encoding="utf-8") as fh:
            out += [{"id": f"{sub}/{r['doc_id']}", "text": r["text"]}
                    for r in map(json.loads, fh)]
    for path in sorted(SEEDS.glob("*.txt")):
        out.append({"id": path.stem, "text": path.read_text(encoding="utf-8")})
    return out


def write_corpus(folder: Path) -> Path:
    """The ``corpus`` as one jsonl file in ``folder``; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "corpus.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for rec in corpus_records():
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


def read_lines(path: Path) -> list[str]:
    """The lines of a recorded (optionally gzipped) jsonl file."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return fh.read().splitlines()


def write_lines(path: Path, lines: list[str]) -> None:
    if path.suffix == ".gz":
        with gzip.GzipFile(path, "wb", mtime=0) as fh:
            fh.write("".join(line + "\n" for line in lines).encode("utf-8"))
    else:
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def index_records(docs, held_every: int = 12, batch: int = 1000) -> list[str]:
    """The recorded index run over ``docs`` (Documents, in reading order): one line per held-out
    query with its matches, then one line per document with its family, relation and story."""
    from copytrace.store import Index
    import tempfile

    held = docs[::held_every]
    held_ids = {d.id for d in held}
    rest = [d for d in docs if d.id not in held_ids]
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        with Index(Path(tmp) / "ix.db", create=True) as ix:
            for k in range(0, len(rest), batch):
                ix.add(rest[k:k + batch])
            for q in held:
                matches = [m if isinstance(m, dict) else m.to_json()
                           for m in ix.query(q, limit=1000)]
                lines.append(json.dumps({"query": q.id, "matches": matches},
                                        ensure_ascii=False))
            ix.add(held)
            for d in docs:
                rec = ix.document(d.id)
                lines.append(json.dumps({"id": d.id, "family": rec["family"],
                                         "relation": rec["relation"], "story": rec["story"]},
                                        ensure_ascii=False))
    return lines
