"""The persistent index: add, query, delete, evict; atomic batches; same verdicts as a scan."""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from conftest import SEEDS
from typer.testing import CliRunner

from copytrace.cli import app
from copytrace.document import Document
from copytrace.engines.local import ScanConfig, scan
from copytrace.ingest import read_inputs
from copytrace.store import Index, StoreError

runner = CliRunner()
VOCAB = [f"w{i}" for i in range(3000)]


def text(n: int, r: random.Random) -> str:
    return " ".join(r.choice(VOCAB) for _ in range(n))


def seeds() -> list[Document]:
    return sorted((d for d in read_inputs([SEEDS]) if isinstance(d, Document)),
                  key=lambda d: d.id)


def test_query_returns_what_the_scan_reports_for_the_seeds(tmp_path):
    docs = seeds()
    sc = scan(docs, ScanConfig(semantic=False))
    with Index(tmp_path / "ix.db", create=True) as ix:
        query = docs[1]  # 001, the near-verbatim copy
        ix.add([d for d in docs if d is not query])
        matches = ix.query(query)
    want = [p.to_json() for p in sc.pairs if query.id in (p.a, p.b)]
    assert len(matches) == len(want) == 1
    got, exp = matches[0], want[0]
    assert {got["a"], got["b"]} == {exp["a"], exp["b"]}
    assert got["relation"] == exp["relation"] == "edited"
    assert got["similarity"] == exp["similarity"]
    # same passages, seen from the query's side
    flip = got["a"] != exp["a"]
    passages = [{"a": p["b"], "b": p["a"]} if flip else p for p in got["passages"]]
    assert passages == exp["passages"]
    assert got["family"] == "000_dbaf505c44bd813c"


def test_adding_links_families_and_deleting_relinks_them(tmp_path):
    r = random.Random(1)
    base = text(300, r)
    w = base.split()
    with Index(tmp_path / "ix.db", create=True) as ix:
        res = ix.add([Document(id="a", text=base, date="2024-01-01"),
                      Document(id="x", text=text(300, r))])
        assert res.added == ["a", "x"] and res.pairs == []
        res = ix.add([Document(id="b", text=" ".join(w[:200]), date="2024-01-03"),
                      Document(id="c", text=" ".join(w[50:]) + " " + text(30, r),
                               date="2024-01-02")])
        fam = ix.family("b")
        assert fam["id"] == "a" and fam["size"] == 3
        # b is a's first 200 words (truncated: verbatim), c dropped 50 and added 30 (edited)
        assert fam["relations"] == {"a": "source", "b": "verbatim", "c": "edited"}
        assert ix.family("x")["size"] == 1 and ix.document("x")["relation"] == "independent"
        assert ix.stats()["families"] == 1
        # a duplicate id is skipped with a reason, the rest of the batch is added
        res = ix.add([Document(id="a", text="other"), Document(id="d", text=text(50, r))])
        assert res.added == ["d"] and "already in the index" in res.problems[0].reason
        assert ix.delete(["a", "nope"]) == ["a"]
        fam = ix.family("b")
        assert fam["size"] == 2 and fam["id"] == "c"  # earliest dated of the rest
        assert ix.integrity() == "ok"


def test_a_failing_batch_leaves_the_index_unchanged(tmp_path, monkeypatch):
    r = random.Random(2)
    with Index(tmp_path / "ix.db", create=True) as ix:
        ix.add([Document(id="a", text=text(200, r))])
        import copytrace.store.sqlite as store

        def boom(*a, **k):
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(store, "_pair_row", boom)
        t = ix.document("a")["text"]
        with pytest.raises(RuntimeError):
            ix.add([Document(id="b", text=t), Document(id="c", text=text(100, r))])
        assert ix.count() == 1 and ix.document("b") is None and ix.integrity() == "ok"


def test_evict_removes_old_documents(tmp_path):
    r = random.Random(3)
    with Index(tmp_path / "ix.db", create=True) as ix:
        ix.add([Document(id="old", text=text(100, r))])
        ix.db.execute("UPDATE documents SET added = added - 10 * 86400")
        ix.add([Document(id="new", text=text(100, r))])
        assert ix.evict(5) == ["old"] and ix.count() == 1


def test_opening_errors_are_clear(tmp_path):
    with pytest.raises(StoreError, match="no index at"):
        Index(tmp_path / "missing.db")
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="not a copytrace index"):
        Index(tmp_path / "junk.db")
    Index(tmp_path / "ok.db", create=True).close()
    with pytest.raises(StoreError, match="already exists"):
        Index(tmp_path / "ok.db", create=True)


def test_cli_index_commands(tmp_path):
    ix = tmp_path / "ix.db"
    assert runner.invoke(app, ["index", "create", str(ix)]).exit_code == 0
    res = runner.invoke(app, ["index", "add", str(ix), str(SEEDS), "-q"])
    assert res.exit_code == 0, res.output
    q = next(SEEDS.glob("001_*.txt"))
    res = runner.invoke(app, ["index", "query", str(ix), str(q), "--json"])
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    # 001 itself is stored: a file query finds it verbatim and its copy 000
    assert {m["b"][:3] for m in lines} == {"000", "001"}
    res = runner.invoke(app, ["index", "query", str(ix), "001_f4215d2a7ede82ba", "--json"])
    stored = [json.loads(x) for x in res.stdout.splitlines()]
    assert [m["b"][:3] for m in stored] == ["000"] and stored[0]["a"].startswith("001")
    res = runner.invoke(app, ["index", "query", str(ix), "just a few unrelated words"])
    assert res.exit_code == 0 and "no stored document" in res.stdout
    stats = json.loads(runner.invoke(app, ["index", "stats", str(ix)]).stdout)
    assert stats["documents"] == 5 and stats["families"] == 1 and stats["integrity"] == "ok"
    res = runner.invoke(app, ["index", "delete", str(ix), "000_dbaf505c44bd813c", "nope"])
    assert res.exit_code == 2 and "1 deleted" in res.stdout
    res = runner.invoke(app, ["index", "evict", str(ix), "--older-than", "1"])
    assert "0 evicted" in res.stdout
    res = runner.invoke(app, ["index", "add", str(tmp_path / "nothere.db"), str(SEEDS)])
    assert res.exit_code == 1 and "no index at" in res.output and "Traceback" not in res.output


_WRITER = r"""
import random, sys
from copytrace.document import Document
from copytrace.store import Index
path, start = sys.argv[1], int(sys.argv[2])
r = random.Random(start)
vocab = [f"w{i}" for i in range(3000)]
ix = Index(path)
base = " ".join(r.choice(vocab) for _ in range(400)).split()
for b in range(start, start + 1000):
    docs = [Document(id=f"b{b}-{k}", text=" ".join(base[k:k + 300]) if k % 2 else
                     " ".join(r.choice(vocab) for _ in range(200))) for k in range(10)]
    ix.add(docs)
    print(b, flush=True)  # acknowledged: the batch is committed
"""


@pytest.mark.slow
def test_sigkill_during_adds_never_corrupts_or_loses_acknowledged_batches(tmp_path):
    path = tmp_path / "ix.db"
    Index(path, create=True).close()
    r = random.Random(0)
    acked = 0
    start = 0
    for _ in range(12):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(start)],
                                stdout=subprocess.PIPE, text=True)
        time.sleep(r.uniform(1.5, 4.0))  # imports take ~1 s; then batches are being written
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        done = out.split()
        acked += len(done)
        start = int(done[-1]) + 1 if done else start
        with Index(path) as ix:
            assert ix.integrity() == "ok"
            n = ix.count()
            # every acknowledged batch is there; at most one more (committed, killed before
            # its acknowledgement was printed); never part of a batch
            assert n % 10 == 0 and acked * 10 <= n <= (acked + 1) * 10, (n, acked)
            if n > acked * 10:
                acked += 1
                start += 1
        con = sqlite3.connect(path)
        assert con.execute("SELECT count(*) FROM documents d LEFT JOIN keys k ON k.doc = d.doc "
                           "WHERE k.doc IS NULL").fetchone()[0] == 0
        con.close()
    assert acked > 0
