"""The persistent index: add, query, delete, evict; atomic batches; same verdicts as a scan."""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import SEEDS, needs_shared, sibling_spins
from typer.testing import CliRunner

from copytrace.cli import app
from copytrace.document import Document
from copytrace.config import ScanConfig
from copytrace.engines.local import scan
from copytrace.ingest import read_inputs
from copytrace.store import Index, StoreError
from copytrace.store.sqlite import SCHEMA_VERSION

runner = CliRunner()
VOCAB = [f"w{i}" for i in range(3000)]


def text(n: int, r: random.Random) -> str:
    return " ".join(r.choice(VOCAB) for _ in range(n))


def seeds() -> list[Document]:
    return sorted((d for d in read_inputs([SEEDS]) if isinstance(d, Document)),
                  key=lambda d: d.id)


@pytest.fixture(scope="module")
def seed_scan():
    docs = seeds()
    return docs, scan(docs)


def _from(pair: dict, qid: str) -> tuple:
    """A pair as seen from document ``qid``: (other, relation, direction, similarity,
    passages), with a's and b's sides swapped when ``qid`` is b."""
    flip = pair["a"] != qid
    swap = {"a->b": "b->a", "b->a": "a->b"}
    return (pair["a"] if flip else pair["b"], pair["relation"],
            swap.get(pair["direction"], pair["direction"]) if flip else pair["direction"],
            pair["similarity"],
            [{"a": p["b"], "b": p["a"], **{k: v for k, v in p.items() if k not in "ab"}}
             if flip else p for p in pair["passages"]])


def _fixture_docs(*names: str) -> list[Document]:
    """Documents of tests/fixtures (written for the tests) by file stem."""
    from conftest import FIXTURES

    paths = {p.stem: p for p in FIXTURES.rglob("*.txt")}
    return [Document(n, paths[n].read_text(encoding="utf-8")) for n in names]


def test_probes_give_the_index_the_scans_stories_and_translations(tmp_path):
    # independent reports of one event (same story, no shared text) and a Russian translation
    # that shares no names with its English original, among unrelated pages
    from conftest import FIXTURES

    sites = [Document(p.stem, p.read_text(encoding="utf-8"))
             for p in sorted((FIXTURES / "sites").glob("*.txt"))]
    docs = sites + _fixture_docs("wildfire_report", "wildfire_second_outlet", "original_en",
                                 "translation_ru")
    mine = {"wildfire_report", "wildfire_second_outlet", "original_en", "translation_ru"}
    # (the scan also finds the shared site chrome of the inkstick pages, which the index,
    # without boilerplate detection, takes for copied text: only pairs of the four compared)
    want = {(p.a, p.b): p.relation for p in scan(docs).pairs if {p.a, p.b} & mine}
    assert want == {("original_en", "translation_ru"): "translation",
                    ("wildfire_report", "wildfire_second_outlet"): "same-story"}
    with Index(tmp_path / "ix.db", create=True) as ix:
        ix.add(docs)
        got = {(p["a"], p["b"]): p["relation"] for d in mine
               for p in ix.document(d)["pairs"]}
        assert got == want
        assert ix.document("translation_ru")["family"] == "original_en"
        assert ix.document("wildfire_second_outlet")["story"] == \
            ix.document("wildfire_report")["story"]
    # and a query finds them in an index of the rest
    with Index(tmp_path / "rest.db", create=True) as ix:
        ix.add([d for d in docs if d.id not in ("translation_ru", "wildfire_second_outlet")])
        for q, other, rel in (("translation_ru", "original_en", "translation"),
                              ("wildfire_second_outlet", "wildfire_report", "same-story")):
            found = {m.pair.b: m.pair.relation for m in ix.query(_fixture_docs(q)[0])}
            assert found == {other: rel}
            assert ix.query(_fixture_docs(q)[0], semantic=False) == []


def test_an_index_in_one_language_computes_no_encoder_probe_until_another_comes(tmp_path):
    """Encoder probes serve the translation rule only: in an index of English pages none is
    computed (topic vectors alone, for stories); a Russian page then gets one, and so do its
    nearest English pages (3 here), from their stored text, kept in the store."""
    from conftest import FIXTURES
    from copytrace.fingerprint.embed import DIM
    from dataclasses import replace

    from copytrace.semantic import SemanticParams


    def encoder_probes(ix):
        _, _, vecs = ix.store.probes()
        return [np.frombuffer(v, np.float32)[:DIM].any() for v in vecs]

    sites = [Document(p.stem, p.read_text(encoding="utf-8"))
             for p in sorted((FIXTURES / "sites").glob("*.txt"))]
    with Index(tmp_path / "ix.db", create=True) as ix:
        # (an index keeps its key settings only; the shortlist, 50 by default, is narrowed
        # here so that this corpus of 10 has pages outside it)
        ix.config = replace(ix.config, semantic_params=SemanticParams(translation_shortlist=3))
        ix.add(sites + _fixture_docs("original_en"))
        assert len(encoder_probes(ix)) == len(sites) + 1 and not any(encoder_probes(ix))
        found = {m.pair.b: m.pair.relation for m in ix.query(_fixture_docs("translation_ru")[0])}
        assert found == {"original_en": "translation"}
        assert not any(encoder_probes(ix))  # a query computes, it does not store
        ix.add(_fixture_docs("translation_ru"))
        assert ix.document("translation_ru")["family"] == "original_en"
        nums = ix.store.docnums(["original_en", "translation_ru"])
        stored, _, vecs = ix.store.probes()
        with_probe = {n for n, v in zip(stored, vecs) if np.frombuffer(v, np.float32)[:DIM].any()}
        assert set(nums.values()) <= with_probe and len(with_probe) == 1 + 3
    with Index(tmp_path / "ix.db") as ix:  # opened again: the probes were kept
        assert ix.document("translation_ru")["family"] == "original_en"
        assert sum(encoder_probes(ix)) == len(with_probe)


@pytest.mark.parametrize("k", range(5))
def test_query_returns_what_the_scan_reports_for_each_seed(tmp_path, seed_scan, k):
    docs, sc = seed_scan
    query = docs[k]
    with Index(tmp_path / "ix.db", create=True) as ix:
        ix.add([d for d in docs if d is not query])
        matches = [m.to_json() for m in ix.query(query)]
    want = sorted(_from(p.to_json(), query.id) for p in sc.pairs if query.id in (p.a, p.b))
    got = sorted(_from(m, query.id) for m in matches)
    assert want, "every seed is related to another"
    assert got == want


def test_batches_link_the_seeds_into_the_scans_families_and_stories(tmp_path, seed_scan):
    docs, sc = seed_scan
    order = random.Random(7).sample(docs, len(docs))
    with Index(tmp_path / "ix.db", create=True) as ix:
        ix.add(order[:2])
        ix.add(order[2:])
        for r in sc.results:
            rec = ix.document(r.id)
            assert (rec["family"], rec["relation"], rec["story"]) == \
                (r.family, r.relation, r.story), r.id
        stories = ix.stories()
        assert [s["id"] for s in stories] == [sc.results[0].story]
        story = ix.story(sc.results[0].id)
        assert story["size"] == len(docs)
        assert {p["relation"] for p in story["links"]} == {"same-story"}
        assert ix.stats()["embedded"] > 0
        # deleting the documents outside a family leaves a story of one family only
        alone = [r.id for r in sc.results if r.relation == "independent"]
        ix.delete(alone)
        assert ix.stories() == [] and ix.story(sc.results[0].id)["links"] == []
        assert ix.integrity() == "ok"


def test_adding_links_families_and_deleting_relinks_them(tmp_path):
    r = random.Random(1)
    base = text(300, r)
    w = base.split()
    # copies only: texts of random made-up words are all alike to the sentence encoder (their
    # probes meet at cosine ~0.98), so with the sentence stage they would be one story
    with Index(tmp_path / "ix.db", create=True, config=ScanConfig(semantic=False)) as ix:
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


def test_spins_of_an_absent_original_have_no_source_until_it_is_added(tmp_path):
    original, one, two = sibling_spins()
    with Index(tmp_path / "ix.db", create=True, config=ScanConfig(semantic=False)) as ix:
        ix.add([Document(id="one", text=one), Document(id="two", text=two)])
        fam = ix.family("one")
        assert fam["size"] == 2 and fam["source"] is None
        assert fam["relations"] == {"one": "spun", "two": "spun"}
        assert ix.document("two")["family_source"] is None
        ix.add([Document(id="original", text=original)])
        fam = ix.family("one")
        assert fam["size"] == 3 and fam["source"] == "original" == fam["id"]
        assert ix.document("two")["family_source"] == "original"


def test_deleting_the_link_between_two_halves_splits_the_family(tmp_path):
    # a chain: m shares a's second half and z's first half; a and z share nothing
    r = random.Random(7)
    p1, p2, p3, p4 = (text(150, r) for _ in range(4))
    with Index(tmp_path / "ix.db", create=True, config=ScanConfig(semantic=False)) as ix:
        ix.add([Document(id="a", text=p1 + " " + p2, date="2024-01-01"),
                Document(id="m", text=p2 + " " + p3, date="2024-01-02"),
                Document(id="z", text=p3 + " " + p4, date="2024-01-03")])
        assert ix.family("z")["size"] == 3 and ix.stats()["families"] == 1
        assert ix.delete(["m"]) == ["m"]
        # nothing left joins a and z: two documents without copies, each its own family and
        # story, and no stored pair between them
        for doc in ("a", "z"):
            fam = ix.family(doc)
            assert fam["id"] == doc and fam["size"] == 1
            assert ix.document(doc)["relation"] == "independent" and ix.document(doc)["pairs"] == []
            assert ix.story(doc)["size"] == 1
        assert ix.stats()["families"] == 0 and ix.integrity() == "ok"


def test_a_failing_batch_leaves_the_index_unchanged(tmp_path, monkeypatch):
    r = random.Random(2)
    with Index(tmp_path / "ix.db", create=True) as ix:
        ix.add([Document(id="a", text=text(200, r))])
        import copytrace.store.sqlite as store

        def boom(*a, **k):
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(store, "pair_row", boom)
        t = ix.document("a")["text"]
        with pytest.raises(RuntimeError):
            ix.add([Document(id="b", text=t), Document(id="c", text=text(100, r))])
        assert ix.count() == 1 and ix.document("b") is None and ix.integrity() == "ok"
        # the batch's probes went with it, and the index's in-memory copy of them follows
        assert ix.store.probe_count() == 1
        monkeypatch.undo()
        ix.add([Document(id="b", text=t)])
        assert ix.family("b")["id"] == "a" and ix.store.probe_count() == 2
        assert ix.query(Document(id="q", text=t))[0].pair.b in ("a", "b")


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
    # 001 itself is stored: a file query finds it verbatim, its copy 000, and the same story
    rel = {m["b"][:3]: m["relation"] for m in lines}
    assert rel == {"000": "edited", "001": "verbatim", "002": "same-story",
                   "003": "same-story", "004": "same-story"}
    res = runner.invoke(app, ["index", "query", str(ix), "001_f4215d2a7ede82ba", "--json"])
    stored = [json.loads(x) for x in res.stdout.splitlines()]
    assert {m["b"][:3]: m["relation"] for m in stored} == {k: v for k, v in rel.items()
                                                           if k != "001"}
    assert all(m["a"].startswith("001") for m in stored)
    # a stored document's matches carry their family and story, as a file query's do
    by_file = {m["b"]: (m["family"], m["story"]) for m in lines}
    assert all((m["family"], m["story"]) == by_file[m["b"]] for m in stored)
    assert all(m["family"] and m["story"] for m in stored)
    # the human answer: nothing cut at 80 columns, the stored copy of the query named as such
    res = runner.invoke(app, ["index", "query", str(ix), str(q)], terminal_width=80)
    assert "…" not in res.stdout and "001_f4215d2a7ede82ba  the same text: the query is " \
        "already stored" in res.stdout and "000_dbaf505c44bd813c  edited" in res.stdout
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
    # without probes: loading the sentence encoder takes the writer ~4 s before its first batch,
    # longer than the kill window (probes are written in the batch's one transaction, like
    # everything else; the failing-batch test covers them)
    Index(path, create=True, config=ScanConfig(probes=False)).close()
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


def test_a_schema_1_index_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.db"
    with Index(path, create=True) as ix:
        ix.add([d for d in seeds() if d.id[:3] in ("000", "004")])
    db = sqlite3.connect(path)  # turn it into what copytrace 0.1's first index wrote
    db.executescript("DROP INDEX documents_story; ALTER TABLE documents DROP COLUMN story; "
                     "ALTER TABLE documents DROP COLUMN entities; DROP TABLE vectors; "
                     "DROP TABLE probes; ALTER TABLE pairs DROP COLUMN exact_share;")
    cfg = json.loads(db.execute("SELECT value FROM meta WHERE key = 'config'").fetchone()[0])
    del cfg["semantic"]
    db.execute("UPDATE meta SET value = ? WHERE key = 'config'", (json.dumps(cfg),))
    db.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
    db.commit()
    db.close()
    with Index(path) as ix:
        assert ix.config.semantic is False  # its documents have no name-and-number keys
        assert ix.count() == 2 and ix.integrity() == "ok"
        ix.add([d for d in seeds() if d.id.startswith("001")])
        assert ix.family("001_f4215d2a7ede82ba")["size"] == 2
        assert ix.document("004_22ed28cde7db5cf9")["story"] == "004_22ed28cde7db5cf9"
    assert json.loads(sqlite3.connect(path).execute(
        "SELECT value FROM meta WHERE key = 'schema'").fetchone()[0]) == SCHEMA_VERSION


def test_a_schema_2_index_gains_probes_for_the_documents_added_after(tmp_path):
    path = tmp_path / "v2.db"
    with Index(path, create=True) as ix:
        ix.add(_fixture_docs("wildfire_report"))
    db = sqlite3.connect(path)  # what copytrace wrote before probes
    db.executescript("DROP TABLE probes; ALTER TABLE pairs DROP COLUMN exact_share; "
                     "UPDATE meta SET value = '2' WHERE key = 'schema';")
    db.close()
    with Index(path) as ix:
        assert ix.integrity() == "ok"
        ix.add(_fixture_docs("wildfire_second_outlet"))
        # the document added before has no probe, so no probe links to it; nothing is lost
        assert ix.count() == 2
        assert ix.store.probe_count() == 1


def test_a_schema_4_index_gets_topic_vectors_for_its_stored_probes(tmp_path):
    """Before schema 5 a probe row held the encoder probe alone; its topic vector (the story
    rule's) is computed from the stored text when read, so stories still form with those
    documents."""
    from copytrace.fingerprint.embed import DIM

    docs = _fixture_docs("wildfire_report", "original_en", "translation_ru")
    query = _fixture_docs("wildfire_second_outlet")[0]
    path = tmp_path / "v4.db"
    with Index(path, create=True) as ix:
        ix.add(docs)
        want = [m.to_json() for m in ix.query(query)]
    assert [m["relation"] for m in want] == ["same-story"]
    db = sqlite3.connect(path)  # what copytrace wrote before topic vectors
    rows = db.execute("SELECT doc, vec FROM probes").fetchall()
    assert rows and all(len(v) == 2 * 4 * DIM for _, v in rows)
    db.executemany("UPDATE probes SET vec = ? WHERE doc = ?", [(v[:4 * DIM], d) for d, v in rows])
    db.execute("UPDATE meta SET value = '4' WHERE key = 'schema'")
    db.commit()
    db.close()
    with Index(path) as ix:
        assert ix.integrity() == "ok"
        assert [m.to_json() for m in ix.query(query)] == want


def test_a_schema_3_index_keeps_its_pairs_and_gains_exact_shares(tmp_path):
    path = tmp_path / "v3.db"
    with Index(path, create=True) as ix:
        ix.add([d for d in seeds() if d.id[:3] in ("000", "001")])
    db = sqlite3.connect(path)  # what copytrace wrote before exact shares
    db.executescript("ALTER TABLE pairs DROP COLUMN exact_share; "
                     "UPDATE meta SET value = '3' WHERE key = 'schema';")
    db.close()
    with Index(path) as ix:
        assert ix.integrity() == "ok"
        old, = ix.document("001_f4215d2a7ede82ba")["pairs"]
        assert old["relation"] == "edited" and old["exact_share"] is None  # not known then
        src = next(d for d in seeds() if d.id.startswith("000"))
        ix.add([Document("repost", "  ".join(src.text.split()))])
        new = [p for p in ix.document("repost")["pairs"] if p["relation"] == "verbatim"]
        assert new and all(0.99 <= p["exact_share"] <= 1.0 for p in new)


def test_a_lifted_paragraph_is_a_partial_match_and_stored_pair_that_links_nothing(tmp_path):
    from test_passages import INKSTICK, LIFTED, STRAITS

    essay = Document("essay", INKSTICK.replace("\n\n", f"\n\n{LIFTED}\n\n", 1))
    with Index(tmp_path / "ix.db", create=True) as ix:
        ix.add([Document("news", STRAITS)])
        match, = ix.query(essay)
        assert match.pair.relation == "partial" and match.pair.exact_share == 1.0
        assert len(match.pair.passages) == 1 and match.family == "news"
        ix.add([essay])
        rec = ix.document("essay")
        assert [p["relation"] for p in rec["pairs"]] == ["partial"]
        assert rec["family"] == "essay" and rec["story"] == "essay"
        assert ix.document("news")["family"] == "news"


@pytest.mark.slow
def test_query_equals_the_scan_on_a_generated_news_corpus(tmp_path):
    """Held-out documents of a corpus of real articles and their copies (the benchmark's
    generator): each one's matches in an index of the rest are the pairs a scan of the rest and
    it reports between it and the rest -- relation, direction, similarity, passages. (A scan of
    the whole corpus may differ in same-story pairs: whether two documents are each other's
    nearest depends on which documents are there. The scan learns boilerplate lines from the
    whole corpus, the index does not: that detection is off in the scans compared with.)"""
    needs_shared("news")
    from copytrace.boilerplate import BoilerplateParams
    from bench.corpus import load_news, scaling_corpus, scaling_inputs

    originals, donors = scaling_inputs(load_news(min_words=80, limit=1500))
    corpus = list(scaling_corpus(240, originals[:400], donors, seed=5))
    docs = [Document(id=d["id"], text=d["text"]) for d in corpus]
    held = docs[::12]  # 20 queries: originals and copies
    rest = [d for d in docs if d not in held]
    cfg = ScanConfig(boilerplate=BoilerplateParams(min_docs=10**9))
    with Index(tmp_path / "ix.db", create=True) as ix:
        ix.add(rest)
        compared = related = 0
        for q in held:
            sc = scan(rest + [q], cfg)  # the query comes last, as it does in the index
            want = sorted(_from(p.to_json(), q.id) for p in sc.pairs if q.id in (p.a, p.b))
            got = sorted(_from(m.to_json(), q.id) for m in ix.query(q, limit=1000))
            assert got == want, q.id
            compared += 1
            related += bool(want)
    assert compared == 20 and related >= 5  # the comparison covered related documents


def test_index_failures_are_one_clear_line_and_lose_nothing(tmp_path, monkeypatch):
    from copytrace.store.sqlite import sqlite_problem

    db = tmp_path / "ix.db"
    runner = CliRunner()
    assert runner.invoke(app, ["index", "create", str(db), "--no-semantic"]).exit_code == 0
    first = tmp_path / "first.jsonl"
    first.write_text(json.dumps({"id": "kept", "text": "word " * 60}) + "\n", encoding="utf-8")
    assert runner.invoke(app, ["index", "add", str(db), str(first)]).exit_code == 0
    # the disk fills up while a batch commits: SQLite ends the transaction itself and the
    # rollback that follows fails ("cannot rollback - no transaction is active")
    real = sqlite3.Connection.execute

    class Full(sqlite3.Connection):
        def execute(self, sql, *args):
            if sql == "COMMIT":
                raise sqlite3.OperationalError("database or disk is full")
            return real(self, sql, *args)

    import copytrace.store.sqlite as store_sqlite

    connect = sqlite3.connect
    monkeypatch.setattr(store_sqlite.sqlite3, "connect",
                        lambda *a, **k: connect(*a, factory=Full, **k))
    second = tmp_path / "second.jsonl"
    second.write_text(json.dumps({"id": "lost", "text": "other " * 60}) + "\n",
                      encoding="utf-8")
    res = runner.invoke(app, ["index", "add", str(db), str(second)])
    assert res.exit_code == 1 and "disk is full" in res.output and "Traceback" not in res.output
    monkeypatch.undo()
    with Index(db) as ix:
        assert ix.count() == 1 and ix.document("kept") is not None and ix.integrity() == "ok"
    # the other kinds, as SQLite words them
    for message, kind in (("database is locked", "locked"),
                          ("attempt to write a readonly database", "readonly"),
                          ("database disk image is malformed", "damaged")):
        err = sqlite_problem(sqlite3.OperationalError(message), db, "add documents")
        assert err.kind == kind and str(db) in str(err)


def test_stats_reports_a_damaged_index_as_its_integrity_result(tmp_path):
    db = tmp_path / "ix.db"
    with Index(db, create=True) as ix:
        ix.add([Document(f"d{k}", f"document number {k} " + "filler words " * 400)
                for k in range(40)])
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = bytearray(db.read_bytes())
    page = 4096
    for k in range(3 * page, min(len(raw), 12 * page)):  # scribble over pages past the header
        raw[k] = 0xA5
    db.write_bytes(bytes(raw))
    res = CliRunner().invoke(app, ["index", "stats", str(db)])
    assert res.exit_code == 1 and "Traceback" not in res.output
    out = json.loads(res.output)
    assert out["integrity"] != "ok"


def test_members_unrelated_to_their_source_leave_the_family_in_the_index_as_in_a_scan(tmp_path):
    """A chain: A holds passages p1 p2, B p2 p3, C and D (a copy of C) p3 p4, A the earliest. C
    and D share nothing with A: aligned with it (the index does it as the scan does, inside
    `_relink`), they show nothing, and leave to form their own family (`cluster`)."""
    r = random.Random(11)
    p1, p2, p3, p4 = (text(60, r) + "." for _ in range(4))
    docs = [Document("A", f"{p1}\n\n{p2}", date="2024-01-01"),
            Document("B", f"{p2}\n\n{p3}", date="2024-01-02"),
            Document("C", f"{p3}\n\n{p4}", date="2024-01-03"),
            Document("D", f"{p3}\n\n{p4}", date="2024-01-04")]
    cfg = ScanConfig(semantic=False)
    want = {r.id: (r.family, r.relation) for r in scan(docs, cfg).results}
    assert want == {"A": ("A", "source"), "B": ("A", "edited"), "C": ("C", "source"),
                    "D": ("C", "verbatim")}
    with Index(tmp_path / "ix.db", create=True, config=cfg) as ix:
        ix.add(docs)
        got = {d.id: (ix.document(d.id)["family"], ix.document(d.id)["relation"])
               for d in docs}
        assert got == want
