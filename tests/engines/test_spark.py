"""The Spark engine (local[2]) gives what the local engine gives: families, relations, stories,
pairs and passages, record for record and in the same order. (On a corpus of 3,352 generated and
real documents: tests/engines/test_golden.py.)"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SEEDS, sibling_spins

pytest.importorskip("pyspark", reason="the Spark extra is not installed (copytrace[spark])")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("no Java runtime for Spark (.ci/run installs openjdk-17-jre-headless)",
                allow_module_level=True)

from copytrace.document import Problem  # noqa: E402
from copytrace.engines import spark as sp  # noqa: E402
from copytrace.config import ScanConfig  # noqa: E402
from copytrace.engines.local import scan  # noqa: E402
from copytrace.ingest import read_inputs  # noqa: E402
from copytrace.progress import NullProgress  # noqa: E402
from copytrace.relations import EDITED, SAME_STORY  # noqa: E402


@pytest.fixture(scope="module")
def session():
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    s = sp.spark_session(sp.SparkOptions(master="local[2]"))
    yield s
    s.stop()


def _local(inputs, cfg=None):
    """The local engine's records (documents, pairs, skipped) for ``inputs``."""
    items = list(read_inputs(inputs))
    docs = [d for d in items if not isinstance(d, Problem)]
    problems = [p for p in items if isinstance(p, Problem)]
    res = scan(docs, cfg or ScanConfig())
    return ([r.to_json() for r in res.results], [p.to_json() for p in res.pairs],
            [{"path": p.path, "record": p.record, "reason": p.reason} for p in problems])


def _read_parts(folder):
    out = []
    for name in sorted(os.listdir(folder)):
        if name.startswith("part-"):
            with open(folder / name) as fh:
                out += [json.loads(line) for line in fh]
    return out


def _spark(session, inputs, out, cfg=None, **kw):
    stats = sp.scan([str(p) for p in inputs], str(out), cfg or ScanConfig(), spark=session, **kw)
    with open(out / "skipped.jsonl") as fh:
        skipped = [json.loads(line) for line in fh]
    return _read_parts(out / "documents"), _read_parts(out / "pairs"), skipped, stats


def test_components_are_those_of_union_find(session, tmp_path):
    """Large-star / small-star on graphs with long chains (the slow case), stars, and cycles."""
    from copytrace.cluster import UnionFind

    rng = random.Random(7)
    nodes = list(range(400))
    rng.shuffle(nodes)
    edges = [(nodes[i], nodes[i + 1]) for i in range(0, 150)]  # one chain of 151 nodes
    edges += [(nodes[200], nodes[k]) for k in range(201, 260)]  # a star
    edges += [(nodes[k], nodes[k + 1]) for k in range(300, 320)] + [(nodes[320], nodes[300])]
    edges += [(rng.choice(nodes[330:]), rng.choice(nodes[330:])) for _ in range(40)]
    edges = [(min(a, b), max(a, b)) for a, b in edges if a != b]
    df = session.createDataFrame(edges, "a long, b long")
    run = sp.Run(session, str(tmp_path / "work"), sp.SparkOptions(), NullProgress())
    got = {r.node: r.comp for r in sp.components(run, df, "cc").collect()}
    uf = UnionFind(400)
    for a, b in edges:
        uf.union(a, b)
    linked = {x for e in edges for x in e}
    want = {}
    for x in linked:
        want.setdefault(uf.find(x), []).append(x)
    assert got == {x: min(members) for members in want.values() for x in members}


def test_a_huge_bucket_costs_linear_pairs_and_gives_the_local_result(session, tmp_path):
    """200 copies of one page: every LSH band is one bucket of 200 documents, over max_bucket
    (64) when the band misses the pages' last line; such a bucket emits a star and a chain, not
    19,900 pairs, and the family is whole."""
    base = (open(next(SEEDS.glob("000_*.txt")), encoding="utf-8").read())
    words = base.split()
    (tmp_path / "in").mkdir()
    with open(tmp_path / "in" / "pages.jsonl", "w") as fh:
        for i in range(200):
            text = " ".join(words[:300]) + f"\n\nPage {i} of the archive, item {i * 7919}."
            fh.write(json.dumps({"id": f"p{i:03d}", "text": text}) + "\n")
    cfg = ScanConfig(semantic=False)
    docs, pairs, _, stats = _spark(session, [tmp_path / "in"], tmp_path / "out", cfg)
    want_docs, want_pairs, _ = _local([tmp_path / "in"], cfg)
    assert stats["candidate_pairs"] < 19_900 / 10  # stars and chains, not all pairs
    assert docs == want_docs and pairs == want_pairs
    assert len({d["family"] for d in docs}) == 1


def _sentences(rng, n, words=20):
    """``n`` made-up sentences of ``words`` words each, none sharing a phrase with another."""
    syl = ["ka", "ve", "lo", "mir", "tan", "sel", "por", "du", "ri", "nex", "bo", "qua", "zen"]

    def word():
        return "".join(rng.choice(syl) for _ in range(rng.randint(2, 4)))

    return [" ".join([word().capitalize()] + [word() for _ in range(words - 1)]) + "."
            for _ in range(n)]


def test_a_page_quoting_two_families_joins_one_in_both_engines(session, tmp_path):
    """A page holding 4 sentences of one text (36% of the page) and 3 of another (27%) joins
    the family of the first; its passage of the second stays a pair and does not merge the two
    families (`cluster.family_links`, mirrored by `stages._family_edges`). Two spins of an
    absent text form a family with no source (`cluster.original_absent`, the Spark engine's
    ``headed`` column)."""
    rng = random.Random(11)
    t1, t2, own = _sentences(rng, 12), _sentences(rng, 12), _sentences(rng, 4)
    _, spin_one, spin_two = sibling_spins()  # two spins of a text not in the corpus
    texts = {"t1": t1, "t1-copy": t1[:11], "t2": t2, "t2-copy": t2[1:],
             "page": t1[2:6] + own + t2[6:9], "spin-one": [spin_one], "spin-two": [spin_two]}
    (tmp_path / "in").mkdir()
    with open(tmp_path / "in" / "pages.jsonl", "w") as fh:
        for i, sents in texts.items():
            fh.write(json.dumps({"id": i, "text": " ".join(sents)}) + "\n")
    cfg = ScanConfig(semantic=False)
    docs, pairs, _, _ = _spark(session, [tmp_path / "in"], tmp_path / "out", cfg)
    want_docs, want_pairs, _ = _local([tmp_path / "in"], cfg)
    assert docs == want_docs and pairs == want_pairs
    family = {d["id"]: d["family"] for d in docs}
    assert family["page"] == family["t1"] == family["t1-copy"] != family["t2"]
    assert family["t2"] == family["t2-copy"]
    # the page's passage of t2 is still reported, as a copy link that joins no family
    assert any({p["a"], p["b"]} == {"page", "t2"} and p["relation"] == EDITED for p in pairs)
    # a family of spins whose original is absent has no source, in both engines
    spins = [d for d in docs if d["id"].startswith("spin-")]
    assert [(d["relation"], d["source"]) for d in spins] == [("spun", None)] * 2
    assert spins[0]["family"] == spins[1]["family"]


def test_bad_inputs_are_skipped_and_reported_like_the_local_engine(session, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(next(SEEDS.glob("001_*.txt")), folder)
    (folder / "records.jsonl").write_text(
        '{"id": "r1", "text": "A record that reads fine, about a port strike."}\n'
        '{broken json\n'
        '{"id": "r1", "text": "the same id again"}\n'
        '{"id": "r4", "text": ""}\n', encoding="utf-8")
    (folder / "notes.xyz").write_text("not a supported type")
    missing = tmp_path / "missing.jsonl"
    docs, pairs, skipped, _ = _spark(session, [folder, missing], tmp_path / "out")
    want_docs, want_pairs, want_skipped = _local([folder, missing])
    assert skipped == want_skipped and len(skipped) == 5
    assert docs == want_docs and [d["id"] for d in docs] == ["001_f4215d2a7ede82ba", "r1"]


def test_the_document_limit_reaches_the_executors(session, tmp_path):
    # --max-doc-mb is set on the driver; the readers run in executor processes
    from copytrace.ingest.text import max_doc_bytes, set_max_doc_mb

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "records.jsonl").write_text(
        '{"id": "small", "text": "A short record about a port strike."}\n'
        '{"id": "large", "text": "' + "word " * 400 + '"}\n', encoding="utf-8")
    before = max_doc_bytes()
    set_max_doc_mb(1 / 1024)  # 1 KiB
    try:
        docs, _, skipped, _ = _spark(session, [folder], tmp_path / "out")
    finally:
        set_max_doc_mb(before / (1 << 20))
    assert [d["id"] for d in docs] == ["small"]
    assert len(skipped) == 1 and "limit (--max-doc-mb)" in skipped[0]["reason"]


def test_uris_are_listed_and_read_through_spark(session, tmp_path):
    """A URI (here file://) is listed by Spark and its files' bytes reach the readers through
    Spark: the same documents, with the URI as their path."""
    docs, pairs, skipped, _ = _spark(session, [SEEDS.absolute().as_uri()], tmp_path / "out")
    want_docs, want_pairs, _ = _local([SEEDS])
    assert [d["path"].rsplit("/", 1)[-1] for d in docs] == \
        [d["path"].rsplit("/", 1)[-1] for d in want_docs]
    assert all(d["path"].startswith("file:") for d in docs)
    assert [{**d, "path": None} for d in docs] == [{**d, "path": None} for d in want_docs]
    assert pairs == want_pairs and skipped == []


def test_a_uri_of_another_file_system_is_read_through_hadoop(session, tmp_path):
    """A URI whose scheme is not file:// -- here Hadoop's view file system (``viewfs://``),
    whose mount table maps ``viewfs://corpus/seeds`` onto the seeds folder, as a cluster maps
    names onto HDFS or object stores -- is listed and read through Hadoop's FileSystem API, never
    as a local path: the same documents and pairs as the local engine, paths in that scheme."""
    session._jsc.hadoopConfiguration().set("fs.viewfs.mounttable.corpus.link./seeds",
                                           SEEDS.absolute().as_uri())
    docs, pairs, skipped, _ = _spark(session, ["viewfs://corpus/seeds"], tmp_path / "out")
    want_docs, want_pairs, _ = _local([SEEDS])
    assert [d["path"] for d in docs] == \
        ["viewfs://corpus/seeds/" + d["path"].rsplit("/", 1)[-1] for d in want_docs]
    assert [{**d, "path": None} for d in docs] == [{**d, "path": None} for d in want_docs]
    assert pairs == want_pairs and skipped == []


@pytest.mark.slow
def test_the_command_line_writes_parquet_and_gives_the_local_output_for_the_seeds(tmp_path):
    """`copytrace scan --engine spark --format parquet` in a fresh process, on the seeds."""
    import pyarrow.parquet as pq

    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "copytrace", "scan", str(SEEDS), "--out", str(out),
                        "--engine", "spark", "--master", "local[2]", "--format", "parquet",
                        "-q"], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    docs = pq.read_table(out / "documents").to_pylist()
    pairs = pq.read_table(out / "pairs").to_pylist()
    want_docs, want_pairs, _ = _local([SEEDS])
    assert docs == want_docs
    assert pairs == want_pairs
    # the comparison covered a copy family, same-story links and one story of all five
    assert {p["relation"] for p in pairs} == {EDITED, SAME_STORY}
    assert len({d["story"] for d in docs}) == 1
    assert (out / "skipped.jsonl").read_text() == "" and not (out / "_work").exists()
    stats = json.loads((out / "stats.json").read_text())
    assert stats["engine"] == "spark" and set(stats["seconds"]) >= {"Aligning", "Families"}
    assert stats["documents"] == 5


def test_a_dataframe_of_records_scans_as_the_local_engine_scans_them(session, monkeypatch):
    """`copytrace.scan_spark` (`engines.spark.scan_frame`): rows of a Spark DataFrame in,
    documents and pairs DataFrames out, equal to the local scan of the same records; rows
    without text or with a seen id are skipped as the local API skips them."""
    import copytrace

    recs = [{"key": p.stem, "body": p.read_text(encoding="utf-8")}
            for p in sorted(SEEDS.glob("*.txt"))]
    rows = recs + [{"key": "blank", "body": "   "}, {"key": recs[0]["key"], "body": "again"}]
    frame = session.createDataFrame(rows, "key string, body string")
    cfg = dict(id_field="key", text_field="body", semantic=False)
    got = copytrace.scan_spark(frame, **cfg)
    try:
        import pandas as pd

        want = copytrace.scan(pd.DataFrame(rows), **cfg)  # the same rows, in pandas
        assert [r.asDict(recursive=True) for r in got.documents.collect()] == \
            [r.to_json() for r in want.results]
        assert [r.asDict(recursive=True) for r in got.pairs.collect()] == \
            [_pair_row(p.to_json()) for p in want.pair_list]
        assert [p.reason for p in got.skipped] == [p.reason for p in want.skipped]
        assert got.stats["documents"] == 5 and got.stats["families"] == want.stats["families"]
    finally:
        got.cleanup()
    import tempfile

    made = []
    mkdtemp = tempfile.mkdtemp
    monkeypatch.setattr(tempfile, "mkdtemp", lambda **kw: made.append(mkdtemp(**kw)) or made[-1])
    with pytest.raises(copytrace.StrictStop, match="empty text"):
        copytrace.scan_spark(frame, strict=True, **cfg)
    with pytest.raises(copytrace.NoDocuments) as none:  # every row refused: each one listed
        copytrace.scan_spark(session.createDataFrame(rows[5:6], "key string, body string"),
                             **cfg)
    assert [p.reason for p in none.value.skipped] == ["empty text"]
    # a failed scan leaves no work folder of its own behind
    assert len(made) == 2 and not any(Path(m).exists() for m in made)


def _pair_row(rec: dict) -> dict:
    """A pairs.jsonl record as Spark gives it back (passages as rows of lists)."""
    return rec | {"passages": [{"a": list(p["a"]), "b": list(p["b"])} for p in rec["passages"]]}


def test_a_member_and_its_source_are_compared_without_their_boilerplate_sentences():
    """The family stage aligns a member with its source when no candidate paired them
    (`tasks.verify_fn(with_source=True)`, the local engine's `_pairs_with_source`). Both
    engines leave the corpus's boilerplate out of the sentence stage too: sentences a site
    prints under every page (a template, a disclaimer) are no rewrite. (Found when Spark and
    local disagreed on 9 pairs of 30,000 documents: wire templates aligned in Spark only.)"""
    import numpy as np
    import pyarrow as pa

    from copytrace.boilerplate import line_records
    from copytrace.engines.spark import tasks
    from copytrace.normalize import tokenize_many

    chrome = ["The debentures are convertible into the company's common stock at any time.",
              "The issue was priced at par and is rated single-A by the main rating agencies.",
              "Copies of the prospectus may be obtained from the underwriters named below."]
    a = "\n".join(["The harbour bridge will close to lorries after cracks were found.",
                   "Engineers said repairs could take most of the coming winter.",
                   "Local traders fear a long detour will cost them customers.", *chrome])
    b = "\n".join(["A new opera opened in the city to warm reviews on Saturday night.",
                   "The composer, aged 31, wrote the score in just under a year.",
                   "Tickets for the remaining eight performances sold out in hours.", *chrome])
    keys, doc, _, _ = line_records(tokenize_many([a]))
    boiler = keys[doc == 0][-3:].astype(np.int64).tolist()  # the three chrome lines

    def judged(boiler_keys):
        rows = {"a": [0], "b": [1]}
        for side, text in (("a", a), ("b", b)):
            rows.update({f"{side}_id": [side], f"{side}_text": [text],
                         f"{side}_boiler": [boiler_keys], f"{side}_date": [None],
                         f"{side}_spun_score": [0.0]})
        types = {"a": pa.int64(), "b": pa.int64(), "a_boiler": pa.list_(pa.int64()),
                 "b_boiler": pa.list_(pa.int64()), "a_date": pa.string(),
                 "b_date": pa.string()}
        got = list(tasks.verify_fn(ScanConfig(), with_source=True)([pa.RecordBatch.from_pydict(
            {k: pa.array(v, type=types.get(k)) for k, v in rows.items()})]))
        return [r for g in got for r in g.to_pylist()]

    assert [r["relation"] for r in judged([])] == ["rewrite"]  # chrome not known: it aligns
    assert judged(boiler) == []  # known as boilerplate: nothing left to call a rewrite
