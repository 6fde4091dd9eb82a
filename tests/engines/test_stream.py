"""The streaming families engine (`copytrace dedup --fast`): families without holding texts."""

import gzip
import json
import random

import numpy as np
from conftest import SEEDS
from typer.testing import CliRunner

from copytrace.cli import app
from copytrace.document import Document, Problem
from copytrace.config import ScanConfig
from copytrace.engines.local import scan
from copytrace.engines.stream import StreamConfig, stream_families
from copytrace.ingest import FieldMap
from copytrace.ingest.records import read_jsonl

runner = CliRunner()
rng = random.Random(7)
VOCAB = [f"w{i}" for i in range(5000)]


def text(n_words: int, r: random.Random) -> str:
    words = [r.choice(VOCAB) for _ in range(n_words)]
    return " ".join(w + ("." if k % 15 == 14 else "") for k, w in enumerate(words))


def families_of(res) -> dict[str, str]:
    return {res.ids[i]: res.ids[res.family[i]] for i in range(len(res.ids))}


def test_copies_of_every_kind_join_their_original_and_unrelated_documents_stay_alone():
    r = random.Random(1)
    orig = text(400, r)
    words = orig.split()
    header = "Skip to content. Home World Business Sport Opinion. " * 3
    docs = [
        Document(id="orig", text=orig),
        Document(id="verbatim", text=orig),
        Document(id="truncated", text=" ".join(words[:180])),
        Document(id="wrapped", text=header + orig + " Copyright Example Media."),
        Document(id="edited", text=" ".join(words[:100] + text(40, r).split() + words[130:])),
    ] + [Document(id=f"other{k}", text=text(300, r)) for k in range(30)]
    res = stream_families(iter(docs), StreamConfig(workers=2, batch_chars=5000))
    fam = families_of(res)
    copies = ["verbatim", "truncated", "wrapped", "edited"]
    assert len({fam[d] for d in ["orig", *copies]}) == 1
    assert all(fam[f"other{k}"] == f"other{k}" for k in range(30))
    assert res.families == 1 and res.copies == 4
    # undated: the longest member (the wrapped page holds all of the article) is the source
    assert fam["orig"] == "wrapped"
    rel = {res.ids[i]: res.relation(i) for i in range(len(res.ids))}
    assert rel["wrapped"] == "source" and rel["orig"] == "copy" and rel["other0"] == "independent"
    assert 0.9 <= res.containment[res.ids.index("truncated")] <= 1.0


def test_earliest_date_is_the_source_when_every_member_is_dated():
    r = random.Random(2)
    t = text(300, r)
    docs = [Document(id="late", text=t + " " + text(50, r), date="2024-05-02"),
            Document(id="early", text=t, date="2024-05-01")]
    res = stream_families(iter(docs), StreamConfig(workers=1))
    assert families_of(res) == {"late": "early", "early": "early"}


def test_a_shared_sentence_or_common_boilerplate_does_not_make_a_family():
    r = random.Random(3)
    footer = text(60, r)
    quote = text(20, r)
    docs = [Document(id=f"d{k}", text=text(300, r) + " " + quote * (k < 2) + " " + footer)
            for k in range(80)]
    res = stream_families(iter(docs), StreamConfig(max_anchor_docs=20))
    assert res.families == 0, "footer on 80 pages is boilerplate, one quote is not a copy"


def test_short_documents_are_matched_with_their_denser_anchors():
    r = random.Random(4)
    found = 0
    for k in range(20):
        a = text(70, r)
        w = a.split()
        b = " ".join(w[:30] + text(8, r).split() + w[38:])  # one 8-word edit in a 70-word text
        res = stream_families(iter([Document(id="a", text=a), Document(id="b", text=b)]))
        found += res.copies
    assert found >= 19
    coarse = sum(stream_families(iter([Document(id="a", text=text(70, r))]), StreamConfig())
                 .copies for _ in range(2))
    assert coarse == 0


def test_problems_are_collected_and_the_rest_processed():
    r = random.Random(5)
    t = text(200, r)
    items = [Document(id="a", text=t), Problem("x.jsonl", "invalid JSON", 2),
             Document(id="b", text=t)]
    res = stream_families(iter(items))
    assert res.copies == 1 and [p.record for p in res.problems] == [2]


def test_stream_families_agree_with_the_scan_on_plain_copies():
    r = random.Random(6)
    docs = []
    for f in range(40):
        orig = text(r.randint(150, 500), r)
        docs.append(Document(id=f"f{f}", text=orig))
        w = orig.split()
        for c in range(r.randint(0, 3)):
            cut = r.randint(len(w) // 2, len(w))
            docs.append(Document(id=f"f{f}c{c}", text=" ".join(w[:cut])))
    r.shuffle(docs)
    res = stream_families(iter(docs), StreamConfig(batch_chars=20_000))
    sc = scan(docs, ScanConfig(semantic=False, spin=False, spun=False, workers=1))
    stream_groups = {frozenset(i for i in range(len(docs)) if res.family[i] == f)
                     for f in set(res.family.tolist())}
    by_family: dict[str, set[int]] = {}
    for i, d in enumerate(sc.results):
        by_family.setdefault(d.family, set()).add(i)
    assert stream_groups == {frozenset(v) for v in by_family.values()}


def _jsonl(path, recs):
    path.write_text("".join(json.dumps(x) + "\n" for x in recs), encoding="utf-8")


def test_cli_fast_dedup_writes_one_per_family_and_the_families_file(tmp_path):
    r = random.Random(8)
    t = text(300, r)
    recs = [{"id": "a", "text": t, "extra": 1}, {"id": "b", "text": t[: len(t) // 2]},
            {"id": "c", "text": text(300, r)}]
    src = tmp_path / "in.jsonl"
    _jsonl(src, recs)
    with open(src, "a", encoding="utf-8") as fh:
        fh.write("{broken\n")
    out, fams = tmp_path / "out.jsonl", tmp_path / "fam.jsonl"
    res = runner.invoke(app, ["dedup", str(src), "--fast", "--out", str(out), "--families",
                              str(fams)])
    assert res.exit_code == 2, res.output  # one bad record: reported, the rest processed
    assert "record 4: invalid JSON" in res.output and "Traceback" not in res.output
    kept = [json.loads(x) for x in out.read_text().splitlines()]
    assert [k["id"] for k in kept] == ["a", "c"] and kept[0]["extra"] == 1
    rows = {x["id"]: x for x in map(json.loads, fams.read_text().splitlines())}
    assert rows["b"]["family"] == "a" and rows["b"]["relation"] == "copy"
    assert rows["c"]["relation"] == "independent" and rows["c"]["family_source"] is None
    res = runner.invoke(app, ["dedup", str(src), "--fast", "--out", str(out), "--keep", "all",
                              "--mark", "-q"])
    marked = [json.loads(x) for x in out.read_text().splitlines()]
    assert [m["family"] for m in marked] == ["a", "a", "c"]
    res = runner.invoke(app, ["dedup", str(src), "--fast", "--out", str(out), "--prefer",
                              "longest", "-q"])
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == ["a", "c"]


def test_cli_fast_dedup_on_the_seeds_pairs_the_near_verbatim_copy(tmp_path):
    fams = tmp_path / "fam.jsonl"
    res = runner.invoke(app, ["dedup", str(SEEDS), "--fast", "--families", str(fams), "-q"])
    assert res.exit_code == 0, res.output
    rows = {x["id"][:3]: x for x in map(json.loads, fams.read_text().splitlines())}
    assert rows["000"]["family"] == rows["001"]["family"] == "000_dbaf505c44bd813c"
    assert all(rows[k]["relation"] == "independent" for k in ("003", "004"))


def test_cli_fast_needs_an_output_and_families_needs_fast(tmp_path):
    res = runner.invoke(app, ["dedup", str(SEEDS), "--fast"])
    assert res.exit_code == 2 and "--out" in res.output
    res = runner.invoke(app, ["dedup", str(SEEDS), "--families", str(tmp_path / "f.jsonl")])
    assert res.exit_code == 2 and "--fast" in res.output


def test_jsonl_is_read_as_a_stream_with_bad_lines_reported(tmp_path):
    p = tmp_path / "big.jsonl.gz"
    lines = [json.dumps({"id": f"r{k}", "text": f"text {k}"}).encode() for k in range(6000)]
    lines[4500] = b'{"id": "bad", "text": "\xff\xfe broken"}'
    data = gzip.compress(b"\n".join(lines) + b"\n")
    p.write_bytes(data)
    items = list(read_jsonl(p, FieldMap()))
    probs = [i for i in items if isinstance(i, Problem)]
    assert len(items) == 6000 and [x.record for x in probs] == [4501]  # past the 64 KiB head
    assert "UTF-8" in probs[0].reason
    p.write_bytes(data[: len(data) * 2 // 3])  # cut mid-stream: the records before it survive
    items = list(read_jsonl(p, FieldMap()))
    assert sum(isinstance(i, Document) for i in items) > 100
    assert isinstance(items[-1], Problem) and "gzip" in items[-1].reason


def test_config_is_validated():
    for bad in (dict(anchor_rate=6), dict(dense_rate=3), dict(threshold=0.0)):
        try:
            StreamConfig(**bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad} accepted")
    assert np.all(stream_families(iter([])).family == np.empty(0))
