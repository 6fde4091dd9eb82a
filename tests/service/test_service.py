"""The HTTP service: endpoints, API key, size limit, validation errors, escaping."""

import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from conftest import SEEDS

pytest.importorskip("httpx", reason="the service tests need httpx (pip install -e '.[test]')")
from fastapi.testclient import TestClient  # noqa: E402

from copytrace.document import Document  # noqa: E402
from copytrace.ingest import read_inputs  # noqa: E402
from copytrace.service.app import create_app  # noqa: E402
from copytrace.store import Index  # noqa: E402


@pytest.fixture()
def client(tmp_path):
    path = tmp_path / "ix.db"
    with Index(path, create=True) as ix:
        ix.add([d for d in read_inputs([SEEDS]) if isinstance(d, Document)
                and not d.id.startswith("001")])
    return TestClient(create_app(path, api_key="s3cret", max_body=200_000))


def seed_text(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def test_health_query_document_family_story(client):
    assert client.get("/health").json() == {"status": "ok", "documents": 4}
    res = client.post("/query", json={"text": seed_text("001"), "id": "mine"})
    assert res.status_code == 200
    m = res.json()["matches"]
    assert m[0]["b"] == "000_dbaf505c44bd813c" and m[0]["a"] == "mine"  # the best match
    assert m[0]["relation"] == "edited" and m[0]["passages"]
    assert {x["relation"] for x in m[1:]} == {"same-story"} and len(m) == 4
    doc = client.get("/documents/000_dbaf505c44bd813c").json()
    assert doc["text"].startswith("US quietly") and doc["relation"] == "independent"
    spun = client.post("/query", json={"text": seed_text("002")}).json()
    assert len(spun["suspicious"]) >= 5  # the spun seed's improbable phrases, located
    assert client.get("/families/000_dbaf505c44bd813c").json()["size"] == 1
    story = client.get("/stories/000_dbaf505c44bd813c").json()
    assert story["size"] == 4 and len(story["families"]) == 4 and story["links_total"] == 6
    assert client.get("/stories").json()["stories"] == [
        {"id": story["id"], "families": 4, "size": 4}]
    assert client.get("/stories/nope").status_code == 404
    assert client.get("/documents/nope").status_code == 404
    assert client.get("/families/nope").status_code == 404


def test_writes_need_the_api_key(client):
    body = {"documents": [{"id": "001", "text": seed_text("001")}]}
    assert client.post("/documents", json=body).status_code == 401
    assert client.post("/documents", json=body, headers={"X-API-Key": "wrong"}).status_code == 401
    res = client.post("/documents", json=body, headers={"X-API-Key": "s3cret"})
    assert res.status_code == 200 and res.json()["added"] == ["001"]
    assert res.json()["pairs"][0]["relation"] == "edited"
    fam = client.get("/families/001").json()
    assert fam["size"] == 2 and fam["id"] == "000_dbaf505c44bd813c"
    assert client.get("/families").json()["families"] == [{"id": fam["id"], "size": 2}]
    assert client.delete("/documents/001").status_code == 401
    assert client.delete("/documents/001", headers={"X-API-Key": "s3cret"}).json() == \
        {"deleted": "001"}
    assert client.delete("/documents/001", headers={"X-API-Key": "s3cret"}).status_code == 404


def test_bad_input_gets_422_naming_the_field_and_big_bodies_413(client):
    res = client.post("/query", json={"txt": "typo"})
    assert res.status_code == 422 and "text" in str(res.json()["detail"][0]["loc"])
    res = client.post("/query", json={"text": ""})
    assert res.status_code == 422
    res = client.post("/query", content=b"{not json", headers={"Content-Type":
                                                                "application/json"})
    assert res.status_code == 422
    res = client.post("/query", json={"text": "x", "limit": 0})
    assert res.status_code == 422 and "limit" in str(res.json()["detail"][0]["loc"])
    res = client.post("/documents", json={"documents": [{"id": "x"}]},
                      headers={"X-API-Key": "s3cret"})
    assert res.status_code == 422 and "text" in str(res.json()["detail"][0]["loc"])
    res = client.post("/query", json={"text": "word " * 100_000})
    assert res.status_code == 413 and "too large" in res.json()["detail"]


def test_page_is_served_with_a_strict_policy_and_schema_is_published(client):
    page = client.get("/")
    assert page.status_code == 200 and "copytrace" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    js = client.get("/static/app.js").text
    assert "innerHTML" not in js  # document text only ever goes in as text
    schema = client.get("/openapi.json").json()
    assert {"/documents", "/query", "/health"} <= set(schema["paths"])


def test_serve_with_two_worker_processes(tmp_path):
    import json
    import urllib.request

    from bench.load import serve

    path = tmp_path / "ix.db"
    Index(path, create=True).close()
    proc, url = serve(path, workers=2)
    try:
        def ask(_):
            with urllib.request.urlopen(url + "/health", timeout=10) as r:
                assert json.loads(r.read()) == {"status": "ok", "documents": 0}
                return r.headers["X-Copytrace-Worker"]

        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(8) as pool:  # concurrent connections reach both processes
            workers = set(pool.map(ask, range(200)))
        assert len(workers) == 2 and str(proc.pid) not in workers  # two forked workers served
    finally:
        proc.terminate()
    assert proc.wait(20) is not None  # the workers stop with it


def test_serve_says_where_it_listens_and_what_writes_need(tmp_path):
    import subprocess
    import sys
    import urllib.request

    path = tmp_path / "ix.db"
    Index(path, create=True).close()
    proc = subprocess.Popen([sys.executable, "-m", "copytrace", "serve", str(path), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()  # printed once the port is bound: the real port
        assert first.startswith(f"Serving {path} (0 documents) at http://127.0.0.1:"), first
        url = first.split(" at ", 1)[1].strip()
        with urllib.request.urlopen(url + "health", timeout=10) as r:
            assert r.status == 200
        assert "writes: open to anyone who can reach this address" in proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(20)
    # on a network address without a key, writes are off (reads still answer)
    app = create_app(path, writes=False)
    remote = TestClient(app)
    res = remote.post("/documents", json={"documents": [{"id": "d", "text": "word " * 50}]})
    assert res.status_code == 403 and "--api-key" in res.json()["detail"]
    assert remote.get("/health").status_code == 200


def test_hostile_requests_get_4xx_never_500(tmp_path, client):
    # a lone surrogate in any string field, NaN, a huge offset, a non-ASCII key
    res = client.post("/query", content=b'{"text": "caf\\ud800 ' + b"word " * 50 + b'", '
                      b'"id": "q\\udfff"}', headers={"Content-Type": "application/json"})
    assert res.status_code == 422  # not text: refused, naming the fields (it was a 500)
    assert {tuple(e["loc"]) for e in res.json()["detail"]} == {("body", "text"), ("body", "id")}
    res = client.post("/documents", content=b'{"documents": [{"id": "s", "text": "'
                      + b"word " * 50 + b'", "title": "\\udc80"}]}',
                      headers={"Content-Type": "application/json", "X-API-Key": "s3cret"})
    assert res.status_code == 200 and res.json()["added"] == ["s"]  # repaired, stored
    assert client.get("/documents/s").json()["title"] == "\\x80"
    res = client.post("/query", content=b'{"text": "x", "limit": NaN}',
                      headers={"Content-Type": "application/json"})
    assert res.status_code == 422
    res = client.post("/query", json={"text": "x", "limit": "y" * 100_000})
    assert res.status_code == 422 and len(res.content) < 2_000  # the input is not echoed
    for what in ("families", "stories"):
        assert client.get(f"/{what}?offset={2**63}").status_code == 422
    res = client.post("/documents", json={"documents": [{"id": "z", "text": "word " * 50}]},
                      headers={"X-API-Key": "clé".encode()})
    assert res.status_code == 401
    # a chunked body over the limit is 413, as a declared one is
    res = client.post("/query", content=iter([b'{"text": "', b"word " * 50_000, b'"}']),
                      headers={"Content-Type": "application/json"})
    assert res.status_code == 413


def test_a_non_ascii_api_key_works_and_the_host_is_checked_on_loopback(tmp_path):
    from copytrace.service.app import allowed_hosts_for

    path = tmp_path / "ix.db"
    Index(path, create=True).close()
    app = create_app(path, api_key="clé-ü", allowed_hosts=allowed_hosts_for("127.0.0.1"))
    local = TestClient(app, base_url="http://127.0.0.1:8000")
    body = {"documents": [{"id": "d", "text": "word " * 50}]}
    res = local.post("/documents", json=body, headers={"X-API-Key": "clé-ü".encode()})
    assert res.status_code == 200, res.text
    assert local.get("/health").status_code == 200
    rebound = TestClient(app, base_url="http://evil.example:8000")  # DNS rebinding
    assert rebound.get("/health").status_code == 400
    assert allowed_hosts_for("0.0.0.0") is None
    assert allowed_hosts_for("0.0.0.0", ["index.example"]) == ["index.example"]


def test_the_api_docs_page_needs_no_network(client):
    page = client.get("/docs")
    assert page.status_code == 200 and "POST /query" in page.text and "/openapi.json" in page.text
    assert "http" not in page.text.replace("/openapi.json", "")  # no CDN, no outside request
    assert "<script" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_a_full_disk_is_507_and_a_locked_index_503(client, monkeypatch):
    from copytrace.store import StoreError

    def full(self, docs):
        raise StoreError("no space left for ix.db (the disk is full)", "full")

    monkeypatch.setattr(Index, "add", full)
    body = {"documents": [{"id": "n", "text": "word " * 50}]}
    res = client.post("/documents", json=body, headers={"X-API-Key": "s3cret"})
    assert res.status_code == 507 and "disk is full" in res.json()["detail"]

    def locked(self, *a, **k):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(Index, "query", locked)
    res = client.post("/query", json={"text": "word " * 50})
    assert res.status_code == 503 and "locked" in res.json()["detail"]


def test_a_damaged_index_is_503_with_the_reason_never_500(client, tmp_path):
    # real damage: pages of the file overwritten (not a simulated error)
    path = tmp_path / "ix.db"
    client.close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[4096 * 3:4096 * 3 + 4000] = b"Z" * 4000
    path.write_bytes(bytes(data))
    damaged = TestClient(create_app(path, api_key="s3cret"), raise_server_exceptions=False)
    answers = [damaged.get(u) for u in ("/families", "/stories", "/documents/000_dbaf505c44bd813c")]
    answers.append(damaged.post("/query", json={"text": seed_text("000")}))
    answers.append(damaged.post("/documents", json={"documents": [{"id": "n", "text": "w " * 60}]},
                                headers={"X-API-Key": "s3cret"}))
    assert all(r.status_code in (200, 503) for r in answers), [r.status_code for r in answers]
    assert any(r.status_code == 503 and "is damaged" in r.json()["detail"] for r in answers)


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                     lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
_fields = st.fixed_dictionaries({}, optional={
    "text": _json | st.text(), "id": _json | st.text(max_size=20), "date": _json,
    "limit": _json | st.integers(), "semantic": _json, "documents": st.lists(
        st.fixed_dictionaries({}, optional={"id": _json, "text": _json | st.text(),
                                            "url": _json, "title": _json, "date": _json,
                                            "source": _json}), max_size=3) | _json})


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=_fields | _json, raw=st.binary(max_size=64), where=st.sampled_from(
    ["/query", "/documents"]), params=st.dictionaries(st.sampled_from(["limit", "offset"]),
                                                     st.text(max_size=12), max_size=2))
def test_no_request_gets_a_500(client, body, raw, where, params):
    # generated JSON (wrong types, NaN, nesting, odd strings) and raw bytes at the write and
    # query endpoints, generated paging at the list endpoints: 4xx or 2xx, never 5xx
    key = {"X-API-Key": "s3cret"}
    res = client.post(where, content=json.dumps(body).encode(), headers={
        "Content-Type": "application/json", **key})
    assert res.status_code < 500, (res.status_code, res.text[:200])
    res = client.post(where, content=raw, headers={"Content-Type": "application/json", **key})
    assert res.status_code < 500, (res.status_code, res.text[:200])
    for path in ("/families", "/stories"):
        res = client.get(path, params=params)
        assert res.status_code < 500, (path, params, res.status_code)


def test_concurrent_requests_share_a_few_index_objects(tmp_path):
    """Each `Index` keeps the stored probes in memory; requests borrow one of at most ``size``
    (one per server thread grew a 100,000-document index's worker to ~11 GiB under 32
    clients). Eight concurrent borrowers of a pool of two: never more than two at once, two
    objects made in all, each used by one borrower at a time."""
    import threading
    import time

    from copytrace.service.app import IndexPool

    Index(tmp_path / "ix.db", create=True).close()
    pool = IndexPool(tmp_path / "ix.db", size=2)
    lock = threading.Lock()
    busy: set[int] = set()
    seen: set[int] = set()
    most = 0
    clash = []

    def borrow():
        nonlocal most
        with pool.lend() as ix:
            with lock:
                clash.append(id(ix) in busy)
                busy.add(id(ix))
                seen.add(id(ix))
                most = max(most, len(busy))
            assert ix.count() == 0
            time.sleep(0.05)
            with lock:
                busy.discard(id(ix))

    threads = [threading.Thread(target=borrow) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 2 and len(seen) == 2 and not any(clash) and len(clash) == 8
