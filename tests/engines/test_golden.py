"""Every engine gives the outputs recorded in tests/golden/ (see tests/golden/corpus.py): the
local scan byte for byte (documents.jsonl, pairs.jsonl) on the seeds and on a corpus of 3,352
generated and real documents, the Spark engine record for record on the same corpus, and the
index the same matches for held-out queries and the same families, relations and stories.

A change meant to keep behaviour must keep these; a change meant to alter it re-records them
(``python tests/golden/record.py``) and says so in its commit."""

from __future__ import annotations

import json
import os
import shutil
import sys

import pytest

from conftest import ROOT

from copytrace.relations import SPUN

sys.path.insert(0, str(ROOT / "tests" / "golden"))
from corpus import (GOLDEN, corpus_missing, generated, index_records, read_lines,  # noqa: E402
                    write_corpus)


def _first_difference(got: list[str], want: list[str]) -> str:
    for k, (g, w) in enumerate(zip(got, want)):
        if g != w:
            return f"line {k + 1}:\n got {g[:600]}\nwant {w[:600]}"
    return f"{len(got)} lines, {len(want)} recorded"


def _same(got: list[str], name: str) -> None:
    want = read_lines(GOLDEN / name)
    assert got == want, f"{name} differs from the recorded output: " + \
        _first_difference(got, want)


def _scan(inputs: list[str], out) -> tuple[list[str], list[str]]:
    from typer.testing import CliRunner

    from copytrace.cli import app

    res = CliRunner().invoke(app, ["scan", *inputs, "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return read_lines(out / "documents.jsonl"), read_lines(out / "pairs.jsonl")


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    why = corpus_missing()
    if why:
        pytest.skip(why)
    return write_corpus(tmp_path_factory.mktemp("golden"))


def test_local_scan_of_the_seeds_is_byte_identical(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # paths in documents.jsonl are as given: relative to the root
    docs, pairs = _scan(["examples/seeds"], tmp_path)
    _same(docs, "seeds.documents.jsonl")
    _same(pairs, "seeds.pairs.jsonl")


@pytest.mark.slow
def test_local_scan_of_the_corpus_is_byte_identical(corpus_file, tmp_path):
    docs, pairs = _scan([str(corpus_file)], tmp_path)
    _same([line.replace(str(corpus_file), "CORPUS") for line in docs],
          "corpus.documents.jsonl.gz")
    _same(pairs, "corpus.pairs.jsonl.gz")


def test_the_recorded_families_are_the_generators():
    """What the recording holds is right, not only stable: the generated documents (real
    articles and their verbatim, edited, spun, truncated and site-wrapped copies) lie in the
    family of the original they were made from, and a found family holds one original."""
    if corpus_missing():
        pytest.skip(corpus_missing())
    truth = {d["id"]: d["family"] for d in generated()}
    found = {d["id"]: d for d in map(json.loads, read_lines(GOLDEN / "corpus.documents.jsonl.gz"))
             if d["id"] in truth}
    with_original = sum(found[i]["family"] == found[truth[i]]["family"] for i in truth)
    assert with_original / len(truth) > 0.95
    originals = [i for i in truth if truth[i] == i]
    assert len({found[i]["family"] for i in originals}) / len(originals) > 0.98
    assert any(d["relation"] == SPUN for d in found.values())


@pytest.mark.slow
def test_index_gives_the_recorded_matches_families_and_stories(corpus_file):
    from copytrace.ingest import read_inputs

    docs = [d for d in read_inputs([corpus_file]) if hasattr(d, "text")]
    _same(index_records(docs), "corpus.index.jsonl.gz")


@pytest.mark.slow
def test_spark_gives_the_recorded_records(corpus_file, tmp_path):
    pytest.importorskip("pyspark", reason="the Spark extra is not installed (copytrace[spark])")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime for Spark (.ci/run installs openjdk-17-jre-headless)")
    from copytrace.engines import spark as sp

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = sp.spark_session(sp.SparkOptions(master="local[2]"))
    try:
            stats = sp.scan([str(corpus_file)], str(tmp_path / "out"), spark=session)
    finally:
        session.stop()
    assert stats["documents"] == 3352 and not (tmp_path / "out" / "_work").exists()

    def parts(name: str) -> list[dict]:
        folder = tmp_path / "out" / name
        return [json.loads(line) for f in sorted(folder.glob("part-*"))
                for line in f.read_text(encoding="utf-8").splitlines()]

    want_docs = [json.loads(x) for x in read_lines(GOLDEN / "corpus.documents.jsonl.gz")]
    got_docs = [{**d, "path": "CORPUS"} for d in parts("documents")]
    assert got_docs == want_docs
    want_pairs = [json.loads(x) for x in read_lines(GOLDEN / "corpus.pairs.jsonl.gz")]
    assert parts("pairs") == want_pairs
