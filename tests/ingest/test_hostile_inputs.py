"""Hostile entries in an input folder and hostile strings in records: nothing hangs, nothing
crashes at the end of a scan, and every entry that is skipped is named in skipped.jsonl."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from copytrace.cli import app
from copytrace.document import Document, Problem
from copytrace.ingest import iter_files, read_inputs

TEXT = ("The harbour authority said on Tuesday that the new ferry terminal would open in the "
        "spring, two years later than planned, after a dispute over the cost of dredging.")
OTHER = ("A council report found that the town's libraries lent more books last year than in "
         "any year since 2010, helped by longer opening hours and a children's reading scheme.")


def _cli(*args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    """The command line in a child process, so that a hang fails the test instead of the run."""
    return subprocess.run([sys.executable, "-m", "copytrace", *args], capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def _skipped(out: Path) -> dict[str, str]:
    rows = [json.loads(x) for x in (out / "skipped.jsonl").read_text().splitlines()]
    return {Path(r["path"]).name: r["reason"] for r in rows}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")
def test_fifos_devices_and_bad_links_in_a_folder_are_skipped_not_read(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_text(TEXT, encoding="utf-8")
    os.mkfifo(src / "pipe.txt")  # opening it would block forever
    (src / "zero.txt").symlink_to("/dev/zero")  # reading it never ends
    (src / "loop_a.txt").symlink_to(src / "loop_b.txt")
    (src / "loop_b.txt").symlink_to(src / "loop_a.txt")
    (src / "gone.txt").symlink_to(src / "missing.txt")
    res = _cli("scan", str(src), str(src / "loop_a.txt"), "--out", str(tmp_path / "out"), "-q",
               "--no-semantic")
    assert res.returncode == 2, res.stderr  # done, some inputs skipped
    assert "Traceback" not in res.stderr
    docs = [json.loads(x) for x in (tmp_path / "out" / "documents.jsonl").read_text()
            .splitlines()]
    assert [d["id"] for d in docs] == ["good"]
    skipped = _skipped(tmp_path / "out")
    assert "FIFO" in skipped["pipe.txt"] and "device" in skipped["zero.txt"]
    assert "loop" in skipped["loop_a.txt"] and "loop" in skipped["loop_b.txt"]
    assert "broken" in skipped["gone.txt"]
    # named on the command line, a FIFO is refused as well
    res = _cli("compare", str(src / "pipe.txt"), str(src / "good.txt"), timeout=120)
    assert res.returncode == 1 and "FIFO" in res.stderr and "Traceback" not in res.stderr


def test_a_folder_that_cannot_be_listed_is_reported(tmp_path, monkeypatch):
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "b.txt").write_text(OTHER, encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path="."):  # what a folder without read permission does (root reads anyway)
        if Path(path).name == "secret":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    got = list(iter_files([tmp_path]))
    assert [p.name for p in got if isinstance(p, Path)] == ["a.txt"]
    problems = [p for p in got if isinstance(p, Problem)]
    assert len(problems) == 1 and problems[0].path.endswith("secret")
    assert "cannot be read" in problems[0].reason and "Permission denied" in problems[0].reason


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses file names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_is_kept_apart_and_written(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / os.fsdecode(b"caf\xe9.txt")).write_text(TEXT, encoding="utf-8")  # Latin-1 name
    (src / "other.txt").write_text(OTHER, encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["scan", str(src), "--out", str(out), "-q", "--no-semantic"])
    assert res.exit_code == 0, res.output
    docs = [json.loads(x) for x in (out / "documents.jsonl").read_text(encoding="utf-8")
            .splitlines()]
    assert sorted(d["id"] for d in docs) == ["caf\\xe9", "other"]
    assert any(d["path"].endswith("caf\\xe9.txt") for d in docs)
    res = CliRunner().invoke(app, ["index", "create", str(tmp_path / "ix.db"), "--no-semantic"])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["index", "add", str(tmp_path / "ix.db"), str(src)])
    assert res.exit_code == 0, res.output


def test_a_lone_surrogate_in_a_record_is_repaired_everywhere(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "bad\ud800id", "text": TEXT + " \ud800 end"}) + "\n"
                   + json.dumps({"id": "fine", "text": OTHER}) + "\n", encoding="utf-8")
    docs = [d for d in read_inputs([src]) if isinstance(d, Document)]
    assert [d.id for d in docs] == ["bad\ufffdid", "fine"] and "\ufffd end" in docs[0].text
    runner = CliRunner()
    res = runner.invoke(app, ["scan", str(src), "--out", str(tmp_path / "out"), "-q",
                              "--no-semantic"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "report.html").exists()
    res = runner.invoke(app, ["dedup", str(src), "--out", str(tmp_path / "d.jsonl"), "-q"])
    assert res.exit_code == 0, res.output
    assert len((tmp_path / "d.jsonl").read_text(encoding="utf-8").splitlines()) == 2
    res = runner.invoke(app, ["dedup", str(src), "--fast", "--out", str(tmp_path / "f.jsonl"),
                              "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["compare", str(src), str(src)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["index", "create", str(tmp_path / "ix.db"), "--no-semantic"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["index", "add", str(tmp_path / "ix.db"), str(src)])
    assert res.exit_code == 0, res.output  # both documents of the batch are added
    from copytrace.store import Index

    with Index(tmp_path / "ix.db") as ix:
        assert ix.count() == 2 and ix.document("bad\ufffdid") is not None


def test_a_lone_surrogate_written_from_python_reads_back(tmp_path):
    from copytrace.outputs import write_jsonl

    write_jsonl(tmp_path / "x.jsonl", [{"id": "a\udc80b"}])
    line = (tmp_path / "x.jsonl").read_bytes()
    line.decode("utf-8")  # valid UTF-8
    assert json.loads(line)["id"] == "a\udc80b"


@pytest.mark.parametrize("text,encoding", [
    ("Le café est très bon. El niño juega en la calle con su señora madre.", "latin-1"),
    ("Ça coûte cher à Genève, où il fait très froid en hiver.", "cp1252"),
    ("très", "latin-1"),
    ("Příliš žluťoučký kůň úpěl ďábelské ódy a další věci.", "cp1250"),
    ("Привет, как дела? Это длинный русский текст для проверки.", "cp1251"),
])
def test_legacy_single_byte_text_is_read_as_written(tmp_path, text, encoding):
    # Western text in Latin-1 was read as Windows-1250 ("trčs", "ń") and dedup wrote it back so
    path = tmp_path / "legacy.txt"
    path.write_bytes(text.encode(encoding))
    doc, = read_inputs([path])
    assert doc.text == text


@pytest.mark.parametrize("records", [20, 3000])  # under and over the first 64 KiB
def test_a_truncated_jsonl_gz_keeps_every_complete_record_before_the_damage(tmp_path, records):
    import gzip

    lines = "".join(json.dumps({"id": f"r{k}", "text": f"{TEXT} Record {k}."}) + "\n"
                    for k in range(records)).encode()
    packed = gzip.compress(lines)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(packed[:len(packed) * 3 // 4])  # the download stopped a quarter short
    got = list(read_inputs([path]))
    docs = [d for d in got if isinstance(d, Document)]
    problems = [p for p in got if isinstance(p, Problem)]
    assert len(problems) == 1 and "truncated" in problems[0].reason
    # every record that decompresses whole before the damage, and no other
    import zlib

    whole = zlib.decompressobj(wbits=31).decompress(path.read_bytes()).count(b"\n")
    assert whole > 0 and [d.id for d in docs] == [f"r{k}" for k in range(whole)]


def test_index_query_says_what_its_argument_is(tmp_path):
    from conftest import SEEDS

    runner = CliRunner()
    db = str(tmp_path / "ix.db")
    assert runner.invoke(app, ["index", "create", db, "--no-semantic"]).exit_code == 0
    assert runner.invoke(app, ["index", "add", db, str(SEEDS)]).exit_code == 0
    pasted = (SEEDS / "001_f4215d2a7ede82ba.txt").read_text(encoding="utf-8")[:3000]
    res = runner.invoke(app, ["index", "query", db, pasted, "--json"])  # longer than a file name
    assert res.exit_code == 0, res.output
    assert "000_dbaf505c44bd813c" in {json.loads(x)["b"] for x in res.output.splitlines()}
    res = runner.invoke(app, ["index", "query", db, str(tmp_path)])  # never walks a folder
    assert res.exit_code == 1 and "is a folder" in res.output
    res = runner.invoke(app, ["index", "query", db, "no-such-id", "--kind", "id"])
    assert res.exit_code == 1 and "no stored document" in res.output
    res = runner.invoke(app, ["index", "query", db, "000_dbaf505c44bd813c", "--kind", "text",
                              "--json"])  # the words themselves, not the stored document
    assert res.exit_code == 0 and res.output.strip() == ""


def _peak_rss_mb_of(code: str) -> tuple[float, str]:
    """Run ``code`` in a child Python; its peak resident memory in MB (VmHWM: getrusage's
    maxrss keeps the forking parent's high-water mark across exec) and its stdout."""
    wrapped = code + "\nimport re; print('PEAK', int(re.search(r'VmHWM:\\s+(\\d+)', " \
        "open('/proc/self/status').read()).group(1)) / 1024)"
    res = subprocess.run([sys.executable, "-c", wrapped], capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, res.stderr
    peak = float(res.stdout.rsplit("PEAK", 1)[1])
    return peak, res.stdout


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="reads the peak from Linux's /proc")
@pytest.mark.parametrize("name", ["bomb.jsonl.gz", "bomb.csv.gz", "bomb.jsonl", "bomb.parquet",
                                  "bomb.warc.gz"])
def test_a_compressed_bomb_is_read_in_bounded_memory(tmp_path, name):
    # a few MB on disk, one record of 128-512 MiB (before: memory grew with the record, 6-10 GB
    # for 2 GiB, 2.6 GB for a 17 KB parquet file); the record is skipped with a reason, the
    # record after it is read (in parquet: the rest of its row group is skipped with it)
    import gzip

    path = tmp_path / name
    filler = b"a" * (1 << 20)
    if name.endswith(".parquet"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"id": ["big"], "text": ["a" * (128 << 20)]}), path,
                       compression="zstd")
        with pq.ParquetWriter(path.with_suffix(".tmp"), pq.read_schema(path),
                              compression="zstd") as w:
            w.write_table(pq.read_table(path))  # the bomb's row group, then one sound row
            w.write_table(pa.table({"id": ["after"], "text": [TEXT]}))
        path.with_suffix(".tmp").replace(path)
        assert path.stat().st_size < 1 << 20
    elif name.endswith(".warc.gz"):
        import io

        from warcio.statusandheaders import StatusAndHeaders
        from warcio.warcwriter import WARCWriter

        class Filler(io.RawIOBase):
            left = 128 << 20

            def readable(self):
                return True

            def readinto(self, b):
                k = min(len(b), self.left)
                b[:k] = b"a" * k
                self.left -= k
                return k

        with open(path, "wb") as fh:
            w = WARCWriter(fh, gzip=True)
            html = [("Content-Type", "text/html")]
            w.write_record(w.create_warc_record(
                "http://example.org/big", "response", payload=io.BufferedReader(Filler()),
                length=128 << 20, http_headers=StatusAndHeaders("200 OK", html, "HTTP/1.0")))
            w.write_record(w.create_warc_record(
                "http://example.org/after", "response",
                payload=io.BytesIO(f"<html><body><article><p>{TEXT}</p></article></body>"
                                   "</html>".encode()),
                http_headers=StatusAndHeaders("200 OK", html, "HTTP/1.0")))
    else:
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "wb") as fh:
            if ".csv" in name:
                fh.write(b"id,text\nbig,\"")
                for _ in range(512):
                    fh.write(filler)
                fh.write(b"\"\n")
            else:
                fh.write(b'{"id": "big", "text": "')
                for _ in range(512):
                    fh.write(filler)
                fh.write(b'"}\n{"id": "after", "text": "' + TEXT.encode() + b'"}\n')
    peak, out = _peak_rss_mb_of(
        "from copytrace.ingest import read_inputs\n"
        "from copytrace.ingest.text import set_max_doc_mb\n"
        "set_max_doc_mb(16)\n"
        f"for x in read_inputs([{str(path)!r}]):\n"
        "    print(type(x).__name__, getattr(x, 'id', None) or x.reason)\n")
    assert "larger than the 16 MB limit" in out or "decompression bomb" in out, out
    if ".csv" not in name:
        assert "Document after" in out or "Document http://example.org/after" in out, out
    assert peak < 150, f"peak {peak:.0f} MB"  # measured 46 MB: the interpreter and a 16 MB line


def test_a_scan_that_fails_while_writing_leaves_the_previous_output_set(tmp_path, monkeypatch):
    import errno

    import copytrace.report.html as html

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["scan", str(src), "--out", str(out), "-q",
                               "--no-semantic"]).exit_code == 0
    before = {f.name: f.read_bytes() for f in out.iterdir()}
    (src / "b.txt").write_text(OTHER, encoding="utf-8")

    def disk_full(*args, **kwargs):  # the report is written after documents.jsonl and pairs
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(html, "atomic_write", disk_full)
    res = runner.invoke(app, ["scan", str(src), "--out", str(out), "-q", "--no-semantic"])
    assert res.exit_code == 1 and "No space left on device" in res.output
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before  # nothing new, no debris


def test_a_utf16_jsonl_with_its_bom_is_read(tmp_path):
    path = tmp_path / "u16.jsonl"
    path.write_bytes("".join(json.dumps({"id": f"r{k}", "text": "Grüße aus Köln, très bien."},
                                        ensure_ascii=False) + "\n" for k in range(3))
                     .encode("utf-16"))
    docs = list(read_inputs([path]))
    assert [d.id for d in docs] == ["r0", "r1", "r2"] and docs[0].text.startswith("Grüße")
