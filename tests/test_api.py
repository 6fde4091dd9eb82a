"""The Python API (copytrace.api): every input kind gives the scan the command line gives, the
results write exactly what ``copytrace scan`` writes, and bad options and records are reported
the way the command line reports them."""

from __future__ import annotations

import doctest
import json
import os
import runpy

import pytest
from conftest import ROOT, SEEDS, sibling_spins
from typer.testing import CliRunner

import copytrace
from copytrace import api
from copytrace.cli import app

GOLDEN = ROOT / "tests" / "golden"
runner = CliRunner()


def _seed_records() -> list[dict]:
    """The seeds as the text reader reads them (id, text, date, title, url), as records."""
    return [{k: getattr(d, k) for k in ("id", "text", "date", "title", "url")}
            for d in api.documents_from(SEEDS)]


@pytest.fixture(scope="module")
def seed_result():
    here = os.getcwd()
    os.chdir(ROOT)  # the recorded outputs name the seeds by their path from the repository
    try:
        return copytrace.scan("examples/seeds")
    finally:
        os.chdir(here)


def test_the_docstring_examples_run():
    from copytrace.store import index

    for module, least in ((api, 10), (index, 1)):
        failed, attempted = doctest.testmod(module)
        assert attempted >= least and failed == 0, module.__name__


def test_a_scan_writes_exactly_what_the_command_line_writes(seed_result, tmp_path):
    seed_result.write(tmp_path)
    for name in ("documents", "pairs"):
        assert (tmp_path / f"{name}.jsonl").read_text(encoding="utf-8") == \
            (GOLDEN / f"seeds.{name}.jsonl").read_text(encoding="utf-8")
    assert (tmp_path / "stats.json").exists()
    assert seed_result.report(tmp_path / "alone.html").read_bytes() == \
        (tmp_path / "report.html").read_bytes()
    seed_result.write(tmp_path / "pq", format="parquet")
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "pq" / "documents.parquet").num_rows == 5


def test_tables_families_and_stories(seed_result):
    docs = seed_result.documents
    assert docs.column_names == list(api.schemas()[0].names)
    assert docs.num_rows == 5 and seed_result.pairs.num_rows == len(seed_result.pair_list)
    frame = docs.to_pandas()
    fams = seed_result.families
    assert len(fams) == seed_result.stats["families"]
    for fam, members in fams.items():
        assert set(frame.loc[frame.family == fam, "id"]) == set(members)
    # every member of a story of two or more is listed under it, once
    listed = [m for ms in seed_result.stories.values() for m in ms]
    assert len(listed) == len(set(listed))
    assert set(seed_result.timings) >= {"total"}
    assert "5 documents" in repr(seed_result)
    passages = seed_result.pairs.column("passages").to_pylist()
    assert all(set(p) == {"a", "b"} for ps in passages for p in ps)


def test_every_input_kind_gives_the_same_scan(seed_result):
    import pandas as pd
    import pyarrow as pa

    want = [r.to_json() | {"path": None} for r in seed_result.results]
    recs = _seed_records()
    frame = pd.DataFrame(recs).assign(url=[None, "https://example.org/x", None, None, None])
    kinds = {"records": recs,
             "documents": [copytrace.Document(**r) for r in recs],
             "dataframe": frame,
             "table": pa.Table.from_pylist(recs),
             "generator": (r for r in recs)}
    for kind, inputs in kinds.items():
        res = copytrace.scan(inputs)
        got = [r.to_json() | {"path": None} for r in res.results]
        for g in got:
            g.pop("url")
        assert got == [{k: v for k, v in w.items() if k != "url"} for w in want], kind
        assert res.skipped == []
    assert copytrace.scan(frame).results[1].url == "https://example.org/x"


def test_other_column_names():
    import pandas as pd

    frame = pd.DataFrame({"key": [r["id"] for r in _seed_records()],
                          "body": [r["text"] for r in _seed_records()]})
    res = copytrace.scan(frame, id_field="key", text_field="body", semantic=False)
    assert [r.id for r in res.results] == list(frame.key)


def test_a_datasets_dataset_is_read_like_records():
    datasets = pytest.importorskip("datasets", reason="Hugging Face datasets is not installed")
    ds = datasets.Dataset.from_list(_seed_records())
    assert len(copytrace.scan(ds, semantic=False).results) == 5


def test_unusable_records_are_skipped_with_reasons_and_the_rest_scanned():
    recs = _seed_records()
    bad = [{"id": "x"}, {"id": "y", "text": "  "}, {"id": recs[0]["id"], "text": "again"}]
    seen = []
    res = copytrace.scan(recs + bad, semantic=False, on_skip=seen.append)
    assert len(res.results) == 5
    reasons = [p.reason for p in res.skipped]
    assert seen == res.skipped and len(reasons) == 3
    assert "missing text field 'text'" in reasons[0] and reasons[1] == "empty text"
    assert "duplicate id" in reasons[2]
    with pytest.raises(api.StrictStop, match="missing text field"):
        copytrace.scan(recs + bad, strict=True)
    with pytest.raises(api.NoDocuments, match="no documents could be read"):
        copytrace.scan(bad[:2])
    empty = copytrace.scan([copytrace.Document("a", recs[0]["text"]), copytrace.Document("b", "")],
                           semantic=False)
    assert [p.reason for p in empty.skipped] == ["document 'b' has no text"]
    with pytest.raises(TypeError, match="cannot read documents from a dict"):
        copytrace.scan({"id": "a", "text": "b"})


def test_bad_options_give_the_command_lines_message(tmp_path):
    for flag, value, option in (("--threshold", "1.5", {"threshold": 1.5}),
                                ("--min-passage-words", "3", {"min_passage_words": 3}),
                                ("--bands", "4", {"bands": 4})):
        with pytest.raises(api.OptionError) as e:
            copytrace.scan(_seed_records(), **option)
        res = runner.invoke(app, ["scan", str(SEEDS), "--out", str(tmp_path), flag, value])
        assert res.exit_code == 2 and e.value.reason in " ".join(res.output.split()), flag
    with pytest.raises(TypeError, match="unknown option"):
        copytrace.scan(_seed_records(), treshold=0.5)


def test_progress_reaches_a_callback():
    calls = []
    copytrace.scan(SEEDS, semantic=False, progress=lambda *a: calls.append(a))
    stages = [c[0] for c in calls]
    assert stages[0] == "Reading" and len(set(stages)) >= 3
    assert all(done <= total for _, done, total in calls if total)


def test_compare_two_texts_paths_or_records():
    original, one, two = sibling_spins()
    c = copytrace.compare(one, two)
    assert (c.pair.relation, c.pair.direction) == ("spun", "neither")
    assert c.pair.passages and len(c.suspicious) == 2
    rec = c.to_json()
    assert rec["relation"] == "spun" and set(rec["suspicious"]) == {"a", "b"}
    seeds = sorted(SEEDS.glob("*.txt"))
    by_path = copytrace.compare(seeds[0], str(seeds[1]))
    assert by_path.a.id == seeds[0].stem and by_path.pair.a == seeds[0].stem
    assert copytrace.compare({"id": "o", "text": original}, {"id": "t", "text": original}
                             ).pair.relation == "verbatim"
    # a mistyped path is not compared as a one-word text; an empty text is refused
    with pytest.raises(FileNotFoundError, match="no such file"):
        copytrace.compare(str(seeds[0]) + "x", original)
    with pytest.raises(ValueError, match="empty text"):
        copytrace.compare("", original)
    with pytest.raises(ValueError, match="missing.txt: no such file or folder"):
        copytrace.compare(seeds[0].parent / "missing.txt", original)


def test_dedup_keeps_one_per_family_like_the_command_line(tmp_path):
    d = copytrace.dedup(SEEDS)
    kept = list(d)
    res = runner.invoke(app, ["dedup", str(SEEDS), "--out", str(tmp_path / "d.jsonl"), "-q"])
    assert res.exit_code == 0
    cli = [json.loads(x) for x in (tmp_path / "d.jsonl").read_text().splitlines()]
    assert kept == cli and d.removed == 5 - len(kept) >= 1
    marked = list(copytrace.dedup(SEEDS, keep="all", mark=True))
    assert len(marked) == 5 and all({"family", "relation", "family_source"} <= set(r)
                                    for r in marked)
    fast = copytrace.dedup(SEEDS, fast=True)
    assert [r["id"] for r in fast] == [r["id"] for r in kept]
    assert len(list(fast.family_rows())) == 5
    with pytest.raises(TypeError, match="give paths"):
        copytrace.dedup(_seed_records(), fast=True)
    with pytest.raises(api.OptionError, match="prefer"):
        copytrace.dedup(SEEDS, prefer="newest")


def test_the_index_is_the_one_the_service_uses(tmp_path):
    original, one, _ = sibling_spins()
    with copytrace.Index(tmp_path / "ix.db", create=True,
                         config=copytrace.ScanOptions(semantic=False).config()) as ix:
        res = ix.add(api.documents_from([{"id": "original", "text": original}, {"id": "x"}]))
        assert res.added == ["original"] and "missing text" in res.problems[0].reason
        matches = ix.query(copytrace.Document("q", one))
        assert [m.to_json()["b"] for m in matches] == ["original"]
        assert ix.document("original")["family"] == "original"


def test_the_notebook_example_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # it finds the seeds beside itself, not in the working folder
    ns = runpy.run_path(str(ROOT / "examples" / "notebook.py"))
    recorded = [json.loads(x) for x in
                (GOLDEN / "seeds.documents.jsonl").read_text(encoding="utf-8").splitlines()]
    want = sorted((r for r in recorded if r["relation"] == "spun" or r["spun_score"] >= 0.5),
                  key=lambda r: -r["spun_score"])
    suspects = ns["suspects"]
    assert want and list(suspects.id) == [r["id"] for r in want]
    assert all("White Home" in p or "?)" in p for p in suspects.phrases)
    assert "1 copy family:" in capsys.readouterr().out
