"""The command line as a user runs it: exit codes, the output contract, the report."""

import json
import subprocess
import sys

import pytest
from conftest import SEEDS, seed_path
from typer.testing import CliRunner

from copytrace.cli import app

runner = CliRunner()
DOC_KEYS = {"id", "path", "url", "title", "date", "family", "story", "relation", "source",
            "spun_score", "boilerplate_chars", "chars"}
PAIR_KEYS = {"a", "b", "relation", "direction", "similarity", "containment_ab", "containment_ba",
             "exact_share",
             "passages"}


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_scan_writes_the_output_contract(tmp_path):
    res = runner.invoke(app, ["scan", str(SEEDS), "--out", str(tmp_path), "-q"])
    assert res.exit_code == 0, res.output
    docs = read_jsonl(tmp_path / "documents.jsonl")
    pairs = read_jsonl(tmp_path / "pairs.jsonl")
    assert len(docs) == 5 and all(set(d) == DOC_KEYS for d in docs)
    assert all(set(p) == PAIR_KEYS for p in pairs)
    copies = [p for p in pairs if p["relation"] != "same-story"]
    assert len(copies) == 1
    texts = {p.stem: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    for psg in copies[0]["passages"]:
        a = texts[copies[0]["a"]][psg["a"][0]:psg["a"][1]]
        b = texts[copies[0]["b"]][psg["b"][0]:psg["b"][1]]
        assert a[:40] == b[:40]  # both slices start at the same reused sentence
    fam = {d["id"][:3]: d for d in docs}
    assert fam["001"]["date"] == "2023-03-19"
    # the family's source by its rule, not by name: 001 is dated and 000 is not, so the source
    # is the member that contains more of the other (README, Cluster)
    pair = copies[0]
    of_001_in_000 = pair["containment_ba"] if pair["a"].startswith("000") else pair["containment_ab"]
    of_000_in_001 = pair["containment_ab"] if pair["a"].startswith("000") else pair["containment_ba"]
    assert of_001_in_000 > of_000_in_001
    assert fam["000"]["family"] == fam["001"]["family"] == fam["000"]["source"]
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<mark>" in html and "http://" not in html and "https://" not in html
    # the spun seed's suspicious phrases are marked with their likely originals
    assert ("<mark class='spin' title='likely original: White House'>White Home</mark>"
            in html)


def test_bad_inputs_are_reported_and_the_rest_is_scanned(tmp_path):
    bad = tmp_path / "in"
    bad.mkdir()
    (bad / "broken.jsonl").write_text('{"id": "x", "text": "fine text"}\n{oops\n', encoding="utf-8")
    (bad / "bin.txt").write_bytes(b"\x00\xff\x00")
    out = tmp_path / "out"
    res = runner.invoke(app, ["scan", str(SEEDS), str(bad), "--out", str(out)])
    assert res.exit_code == 2
    assert "broken.jsonl, record 2: invalid JSON" in res.output
    assert "bin.txt: binary data" in res.output
    assert "Traceback" not in res.output
    assert len(read_jsonl(out / "documents.jsonl")) == 6
    assert len(read_jsonl(out / "skipped.jsonl")) == 2
    res = runner.invoke(app, ["scan", str(bad), "--out", str(out), "--strict", "-q"])
    assert res.exit_code == 1 and "--strict" in res.output


def test_nothing_readable_is_fatal_and_keeps_previous_output(tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["scan", str(SEEDS), "--out", str(out), "-q"]).exit_code == 0
    before = (out / "documents.jsonl").read_bytes()
    res = runner.invoke(app, ["scan", str(tmp_path / "missing"), "--out", str(out), "-q"])
    assert res.exit_code == 1 and "no documents" in res.output
    assert (out / "documents.jsonl").read_bytes() == before


def test_report_escapes_document_text(tmp_path):
    text = seed_path("001").read_text(encoding="utf-8")
    mid = text.index("Her clients")
    evil = text[:mid] + "<script>alert('x')</script> " + text[mid:]
    src = tmp_path / "in"
    src.mkdir()
    (src / "evil<b>.txt").write_text(evil, encoding="utf-8")
    (src / "orig.txt").write_text(seed_path("001").read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    res = runner.invoke(app, ["scan", str(src), "--out", str(out), "-q"])
    assert res.exit_code == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "evil&lt;b&gt;" in html


def test_compare_json_and_terminal():
    a, b = str(seed_path("000")), str(seed_path("001"))
    res = runner.invoke(app, ["compare", a, b, "--json"])
    assert res.exit_code == 0
    pair = json.loads(res.output)
    assert pair["relation"] in ("edited", "verbatim") and pair["passages"]
    assert pair["containment_ba"] > 0.7
    # the op-ed shares only quotes with the report: no copy, but the same story
    res = runner.invoke(app, ["compare", a, str(seed_path("004"))])
    assert res.exit_code == 0 and res.output.startswith("same-story")
    res = runner.invoke(app, ["compare", a, str(seed_path("004")), "--no-semantic"])
    assert res.exit_code == 0 and "no reuse" in res.output


def test_dedup_keeps_one_per_family_and_marks(tmp_path):
    out = tmp_path / "d.jsonl"
    res = runner.invoke(app, ["dedup", str(SEEDS), "--out", str(out), "-q"])
    assert res.exit_code == 0
    kept = read_jsonl(out)
    assert len(kept) == 4 and sum(r["id"][:3] in ("000", "001") for r in kept) == 1
    res = runner.invoke(app, ["dedup", str(SEEDS), "--out", str(out), "--keep", "all", "--mark", "-q"])
    marked = read_jsonl(out)
    assert len(marked) == 5 and all("family" in r and "text" in r for r in marked)


def test_bad_option_is_a_usage_error_not_a_traceback(tmp_path):
    res = runner.invoke(app, ["scan", str(SEEDS), "--out", str(tmp_path), "--bands", "100",
                              "--rows", "9"])
    assert res.exit_code == 2 and "Traceback" not in res.output


@pytest.mark.slow
def test_installed_command_runs_as_a_subprocess(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "copytrace", "scan", str(SEEDS), "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "5 documents, 1 copy family, 1 story of 2+ documents" in proc.stdout  # plurals
    assert "Aligning" in proc.stderr


@pytest.mark.parametrize("command", [[], ["scan"], ["compare"], ["dedup"], ["serve"], ["index"],
                                     ["index", "create"], ["index", "add"], ["index", "query"],
                                     ["index", "delete"], ["index", "stats"], ["index", "evict"]])
def test_help_reads_at_80_columns(command):
    res = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "80"},
                             prog_name="copytrace")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert all(len(x) <= 80 for x in lines), max(lines, key=len)
    assert "…" not in res.stdout and "<int" not in res.stdout and "<bool>" not in res.stdout
    assert "{" not in lines[0] and "Usage:" in lines[0]
    if command == ["scan"]:
        groups = [x for x in lines if x.endswith(":") and not x.startswith(" ")]
        assert groups == ["Arguments:", "Output:", "Input:", "Detection:", "Run:", "Spark:",
                          "Options:"]
        assert len(lines) < 110
