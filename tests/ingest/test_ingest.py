import gzip
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copytrace.document import Document, Problem
from copytrace.ingest import FieldMap, read_file, read_inputs

HTML = """<!doctype html><html><head><title>Harbour ferry opens</title>
<meta property="article:published_time" content="2024-05-02"></head><body>
<nav>Home | World | Sport</nav><article><h1>Harbour ferry opens</h1>
<p>Commuters in the northern harbour towns can now take a direct ferry to the city centre, the
transport ministry said on Tuesday, cutting the journey to forty minutes.</p>
<p>The service runs every thirty minutes at peak hours and is expected to carry six thousand
passengers a day in its first year, according to the operator.</p></article>
<footer>Copyright 2024</footer></body></html>"""


def docs_and_problems(items):
    items = list(items)
    return ([x for x in items if isinstance(x, Document)],
            [x for x in items if isinstance(x, Problem)])


def test_text_markdown_and_date_header(tmp_path):
    (tmp_path / "a.txt").write_text(" date 2023-03-19 Body of the text.", encoding="utf-8")
    (tmp_path / "b.md").write_text("# Title\n\nSome *markdown*.", encoding="utf-8")
    docs, probs = docs_and_problems(read_inputs([tmp_path]))
    assert [d.id for d in docs] == ["a", "b"] and not probs
    assert docs[0].date == "2023-03-19" and docs[1].date is None


def test_latin1_is_repaired_and_binary_is_refused(tmp_path):
    (tmp_path / "latin.txt").write_bytes("Café au lait, s'il vous plaît, très chaud.".encode("latin-1"))
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary\x00")
    (tmp_path / "empty.txt").write_bytes(b"  \n ")
    docs, probs = docs_and_problems(read_inputs([tmp_path]))
    assert [d.id for d in docs] == ["latin"] and "Café" in docs[0].text
    reasons = {p.path.split("/")[-1]: p.reason for p in probs}
    assert "binary" in reasons["bin.txt"] and "empty" in reasons["empty.txt"]


def test_jsonl_records_fields_and_bad_records(tmp_path):
    lines = [
        json.dumps({"id": "x1", "text": "first text", "url": "http://e/1", "date": "2024-01-02",
                    "title": "T", "source": "S", "extra": 5}),
        "{not json",
        json.dumps({"id": "x2"}),
        json.dumps({"id": "x3", "text": ""}),
        json.dumps({"id": "x1", "text": "duplicate id"}),
        json.dumps(["a", "list"]),
        json.dumps({"text": "no id here"}),
    ]
    p = tmp_path / "c.jsonl.gz"
    p.write_bytes(gzip.compress("\n".join(lines).encode()))
    docs, probs = docs_and_problems(read_inputs([p]))
    assert [d.id for d in docs] == ["x1", "c#7"]
    d = docs[0]
    assert (d.url, d.date, d.title, d.source_name, d.meta["extra"]) == (
        "http://e/1", "2024-01-02", "T", "S", 5)
    assert [p.record for p in probs] == [2, 3, 4, 5, 6]
    assert "invalid JSON" in probs[0].reason and "missing text field 'text'" in probs[1].reason
    assert "duplicate id" in probs[3].reason


def test_field_mapping_csv_and_parquet(tmp_path):
    (tmp_path / "d.csv").write_text("doc,body\nr1,hello world\nr2,\n", encoding="utf-8")
    table = pa.table({"doc": ["p1", "p2"], "body": ["some text", None]})
    pq.write_table(table, tmp_path / "e.parquet")
    fields = FieldMap(id="doc", text="body")
    docs, probs = docs_and_problems(read_inputs([tmp_path], fields))
    assert sorted(d.id for d in docs) == ["p1", "r1"]
    assert len(probs) == 2 and all(p.record == 2 for p in probs)
    docs, probs = docs_and_problems(read_inputs([tmp_path / "d.csv"]))
    assert not docs and "no column 'text'" in probs[0].reason


def test_html_main_text_and_metadata(tmp_path):
    (tmp_path / "page.html").write_text(HTML, encoding="utf-8")
    docs, probs = docs_and_problems(read_inputs([tmp_path]))
    assert not probs
    d = docs[0]
    assert "direct ferry" in d.text and "Home | World" not in d.text
    assert d.title == "Harbour ferry opens"


def test_warc_html_responses(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "crawl.warc.gz"
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        for n, body in enumerate([HTML, "<html><body></body></html>"]):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                       protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(f"http://example.org/{n}", "response",
                                                payload=io.BytesIO(body.encode()),
                                                http_headers=headers))
    docs, probs = docs_and_problems(read_inputs([path]))
    assert [d.id for d in docs] == ["http://example.org/0"]
    assert "direct ferry" in docs[0].text
    assert len(probs) == 1 and probs[0].record == 2


def test_missing_and_unsupported_inputs(tmp_path):
    (tmp_path / "x.bin").write_bytes(b"123")
    docs, probs = docs_and_problems(read_inputs([tmp_path / "nope", tmp_path / "x.bin"]))
    assert not docs
    assert "no such file" in probs[0].reason and "unsupported file type" in probs[1].reason


def test_same_file_name_in_two_folders_gets_path_ids(tmp_path):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "story.txt").write_text(f"text from {sub}", encoding="utf-8")
    docs, probs = docs_and_problems(read_inputs([tmp_path]))
    assert not probs and len({d.id for d in docs}) == 2


EXTS = ["x.txt", "x.md", "x.html", "x.jsonl", "x.jsonl.gz", "x.csv", "x.parquet", "x.warc",
        "x.warc.gz"]


@pytest.mark.parametrize("name", EXTS)
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000))
def test_every_reader_survives_arbitrary_bytes(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    for item in read_file(path):
        assert isinstance(item, (Document, Problem))
        if isinstance(item, Problem):
            assert item.reason and name in item.path


@pytest.mark.parametrize("name", ["x.jsonl.gz", "x.warc.gz", "x.parquet"])
def test_truncated_compressed_files_get_a_clear_error(tmp_path, name):
    src = tmp_path / ("ok_" + name)
    if name == "x.parquet":
        pq.write_table(pa.table({"id": ["a"] * 50, "text": ["some text here"] * 50}), src)
    elif name == "x.jsonl.gz":
        src.write_bytes(gzip.compress(b'{"id":"a","text":"t"}\n' * 200))
    else:
        test_warc_html_responses(tmp_path)
        src = tmp_path / "crawl.warc.gz"
    data = src.read_bytes()
    bad = tmp_path / name
    bad.write_bytes(data[: len(data) // 2])
    items = list(read_file(bad))
    assert any(isinstance(i, Problem) for i in items)
