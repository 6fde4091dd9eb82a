"""Every reader, fed damaged files: truncated, bit-flipped, with random bytes inserted or a run
of bytes zeroed. Whatever the damage, a reader returns (no exception, no hang), every document
it returns is text, every skipped part is named with a reason of the reader's own (not the
catch-all "could not be read (SomeError: ...)" that `ingest.read_file` puts on a reader bug),
and in a record file every record that lies wholly before the first damaged byte is read
intact: damage loses the records it touches, never the file.

Found by this suite and fixed: a run of NULs or a few random bytes inside one jsonl or csv
record refused the whole file as binary (or as an undetectable encoding); a flipped byte in a
parquet string lost a batch of 4096 rows to one UnicodeDecodeError; a WARC response without a
target URI raised AttributeError inside warcio; warcio wrote raw record bytes to stderr.
"""

from __future__ import annotations

import functools
import gzip
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copytrace.document import Document, Problem
from copytrace.ingest import FieldMap
from copytrace.ingest.registry import BY_SUFFIX

TEXTS = [f"Item {i}: the county council voted on {d} to keep the old bridge open to cyclists "
         f"while a survey of its {i + 3} arches is finished, the clerk said."
         for i, d in enumerate(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"])]
RECORDS = [{"id": f"r{i}", "text": t, "date": f"2023-01-0{i + 1}"} for i, t in enumerate(TEXTS)]


def _html(texts) -> bytes:
    return ("<html><head><title>Council</title></head><body><article>"
            + "".join(f"<p>{t}</p>" for t in texts) + "</article></body></html>").encode()


def _warc(compressed: bool) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=compressed)
    for i in range(3):
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                   protocol="HTTP/1.0")
        writer.write_record(writer.create_warc_record(
            f"http://example.org/{i}", "response", payload=io.BytesIO(_html(TEXTS[2 * i:2 * i + 2])),
            http_headers=headers))
    return out.getvalue()


def _parquet() -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(RECORDS), out, compression="none")
    return out.getvalue()


@functools.cache
def sound_file(suffix: str) -> bytes:
    """A small valid file of each format, holding TEXTS (made once: a WARC holds dates and
    record ids of its own, and hypothesis replays an example on the same bytes)."""
    if suffix.endswith(".gz") and not suffix.startswith(".warc"):
        return gzip.compress(sound_file(suffix[:-3]), mtime=0)
    if suffix in (".txt", ".md"):
        return ("date 2023-03-19\n" + "\n\n".join(TEXTS)).encode()
    if suffix in (".html", ".htm"):
        return _html(TEXTS)
    if suffix in (".jsonl", ".ndjson"):
        return "".join(json.dumps(r) + "\n" for r in RECORDS).encode()
    if suffix == ".csv":
        return ("id,text,date\n" + "".join(f'{r["id"]},"{r["text"]}",{r["date"]}\n'
                                          for r in RECORDS)).encode()
    if suffix == ".parquet":
        return _parquet()
    if suffix in (".warc", ".warc.gz"):
        return _warc(suffix.endswith(".gz"))
    raise AssertionError(f"no sound file for {suffix}")


@st.composite
def damaged(draw, data: bytes) -> bytes:
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "zero"]))
    b = bytearray(data)
    if kind == "truncate":
        return bytes(b[:draw(st.integers(0, len(b)))])
    if kind == "flip":
        for _ in range(draw(st.integers(1, 8))):
            b[draw(st.integers(0, len(b) - 1))] ^= 1 << draw(st.integers(0, 7))
        return bytes(b)
    at = draw(st.integers(0, len(b)))
    if kind == "insert":
        return bytes(b[:at]) + draw(st.binary(min_size=1, max_size=64)) + bytes(b[at:])
    n = draw(st.integers(1, 200))
    return bytes(b[:at]) + bytes(len(b[at:at + n])) + bytes(b[at + n:])


def _first_difference(a: bytes, b: bytes) -> int:
    n = min(len(a), len(b))
    return next((i for i in range(n) if a[i] != b[i]), n)


#: record formats read as a stream of lines: what lies before the damage must survive
STREAMED = (".jsonl", ".ndjson", ".csv")


@pytest.mark.parametrize("suffix", sorted(BY_SUFFIX))
@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_a_damaged_file_is_read_as_far_as_it_is_sound(tmp_path, capfd, suffix, data):
    sound = sound_file(suffix)
    bad = data.draw(damaged(sound))
    path = tmp_path / f"input{suffix}"
    path.write_bytes(bad)
    reader = BY_SUFFIX[suffix]
    read = reader.load()
    items = list(read(path, FieldMap()) if reader.record_fields else read(path))

    docs = [x for x in items if isinstance(x, Document)]
    for x in items:
        assert isinstance(x, (Document, Problem)), x
        if isinstance(x, Problem):
            assert x.path == str(path) and x.reason and "could not be read" not in x.reason
        else:
            assert x.text.strip() and "\x00" not in x.text
            x.text.encode("utf-8")  # text every output can hold
    if suffix in STREAMED:
        damage = _first_difference(sound, bad)
        read_texts = {d.text for d in docs}
        for text in TEXTS:
            end = sound.find(text.encode()) + len(text) + 40  # the record and its line end
            if end < damage:
                assert text in read_texts, (damage, [getattr(x, "reason", "") for x in items])
    if bad == sound:
        assert docs
    assert "Remainder:" not in capfd.readouterr().err  # warcio's raw dump of record bytes


def test_a_damaged_record_does_not_change_how_the_others_are_decoded(tmp_path):
    # UTF-8 records with accents and one record holding a stray byte: UTF-8 with one bad record,
    # not a legacy encoding that would garble every accented record
    lines = [json.dumps({"id": f"r{i}", "text": f"Le café numéro {i} a fermé."},
                        ensure_ascii=False).encode() for i in range(20)]
    lines[7] = lines[7].replace(b"num", b"n\xffm")
    path = tmp_path / "cafes.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    items = list(BY_SUFFIX[".jsonl"].load()(path, FieldMap()))
    docs = {x.id: x.text for x in items if isinstance(x, Document)}
    assert len(docs) == 19 and docs["r8"] == "Le café numéro 8 a fermé."
    assert [(x.record, x.reason) for x in items if isinstance(x, Problem)] == \
        [(8, "not valid UTF-8")]
    # the same file in Windows-1252 is read as Windows-1252, every record intact
    path.write_bytes(b"\n".join(json.dumps({"id": f"r{i}", "text": f"Le café numéro {i}"},
                                           ensure_ascii=False).encode("cp1252")
                                for i in range(20)) + b"\n")
    docs = [x for x in BY_SUFFIX[".jsonl"].load()(path, FieldMap())]
    assert all(isinstance(x, Document) and "café" in x.text for x in docs) and len(docs) == 20
