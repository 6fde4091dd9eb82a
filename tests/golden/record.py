"""Record the golden outputs (see corpus.py): ``python tests/golden/record.py [seeds|corpus|index]``.

Run it only when a change is MEANT to alter copytrace's output, and say so in the commit."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import GOLDEN, ROOT, corpus_missing, index_records, read_lines, write_corpus, \
    write_lines  # noqa: E402


def scan_cli(inputs: list[str], out: Path) -> tuple[list[str], list[str]]:
    """documents.jsonl and pairs.jsonl lines of ``copytrace scan`` (run from the repository
    root, so the recorded paths are relative to it)."""
    from typer.testing import CliRunner

    from copytrace.cli import app

    res = CliRunner().invoke(app, ["scan", *inputs, "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return read_lines(out / "documents.jsonl"), read_lines(out / "pairs.jsonl")


def main(parts: list[str]) -> None:
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if "seeds" in parts:
            docs, pairs = scan_cli(["examples/seeds"], tmp / "seeds")
            write_lines(GOLDEN / "seeds.documents.jsonl", docs)
            write_lines(GOLDEN / "seeds.pairs.jsonl", pairs)
            print(f"seeds: {len(docs)} documents, {len(pairs)} pairs")
        if "corpus" in parts or "index" in parts:
            why = corpus_missing()
            if why:
                sys.exit(f"cannot record the corpus: {why}")
            path = write_corpus(tmp / "in")
        if "corpus" in parts:
            docs, pairs = scan_cli([str(path)], tmp / "corpus")
            docs = [line.replace(str(path), "CORPUS") for line in docs]
            write_lines(GOLDEN / "corpus.documents.jsonl.gz", docs)
            write_lines(GOLDEN / "corpus.pairs.jsonl.gz", pairs)
            print(f"corpus: {len(docs)} documents, {len(pairs)} pairs")
        if "index" in parts:
            from copytrace.ingest import read_inputs

            docs = [d for d in read_inputs([path]) if hasattr(d, "text")]
            lines = index_records(docs)
            write_lines(GOLDEN / "corpus.index.jsonl.gz", lines)
            print(f"index: {len(lines)} lines")


if __name__ == "__main__":
    main(sys.argv[1:] or ["seeds", "corpus", "index"])
