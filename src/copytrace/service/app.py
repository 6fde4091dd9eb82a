"""``copytrace serve``: the index over HTTP, and a web page to use it.

Reads run concurrently (a few `Index` objects per process, each with its own SQLite connection,
lent one request at a time: `IndexPool`; WAL mode); writes queue on the database lock. With an
API key set, writes (``POST /documents``, ``DELETE /documents/{id}``) need the ``X-API-Key``
header. Bodies over ``max_body`` bytes get 413; malformed input gets 422 naming
the field (FastAPI's validation), never a 500. The page at ``/`` is static HTML + JS that inserts
every document text as text (``textContent``), under a Content-Security-Policy that allows no
inline script.
"""

from __future__ import annotations

import hmac
import os
import queue
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from copytrace.document import Document
from copytrace.ingest import admit
from copytrace.ingest.text import valid_unicode
from copytrace.relations import INDEPENDENT, TABLE, badge_css, text_evidence
from copytrace.store import Index, StoreError
from copytrace.store.sqlite import sqlite_problem

MAX_OFFSET = 2**31  # a page offset beyond any index (SQLite integers stop at 2**63)
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


class DocIn(BaseModel):
    id: str = Field(min_length=1, max_length=1000)
    text: str = Field(min_length=1)
    url: str | None = None
    title: str | None = None
    date: str | None = None
    source: str | None = None


class AddIn(BaseModel):
    documents: list[DocIn] = Field(min_length=1, max_length=10_000)


class QueryIn(BaseModel):
    text: str = Field(min_length=1)
    id: str = Field(default="query", min_length=1, max_length=1000)
    date: str | None = None
    limit: int = Field(default=20, ge=1, le=1000)
    semantic: bool = Field(default=True, description="Also look for rewrites, translations and "
                           "same-story documents (sentence encoder); false: copies only, faster.")


class BodyLimit:
    """413 for request bodies over ``max_body`` bytes, declared or streamed (chunked): the body
    is read before the application sees it (at most ``max_body`` bytes held), so an oversized
    stream is refused as such rather than as a body the application failed to parse."""

    def __init__(self, app, max_body: int):
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            return await self._reject(send)
        held, seen = [], 0
        while True:
            msg = await receive()
            held.append(msg)
            if msg["type"] != "http.request":
                break
            seen += len(msg.get("body", b""))
            if seen > self.max_body:
                return await self._reject(send)
            if not msg.get("more_body", False):
                break

        async def replay():
            return held.pop(0) if held else await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send):
        body = (b'{"detail": "request body too large (limit %d bytes)"}' % self.max_body)
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


def is_loopback(bind: str) -> bool:
    return bind in LOOPBACK_HOSTS or bind.startswith("127.")


def allowed_hosts_for(bind: str, extra: list[str] | None = None) -> list[str] | None:
    """The Host headers a service bound to ``bind`` answers: on a loopback address only the
    loopback names (a web page elsewhere that rebinds its own domain name to 127.0.0.1 cannot
    reach the index from the user's browser) plus ``extra``; on any other address ``extra``,
    or every host when none is given (None)."""
    if is_loopback(bind):
        return list(LOOPBACK_HOSTS) + [bind] + list(extra or [])
    return list(extra) if extra else None


class IndexPool:
    """At most ``size`` `Index` objects of one index file in a process, each lent to one request
    at a time (a request finding none free waits). Each keeps the stored probes in memory (4
    KiB a document) and its own SQLite connection; one per request thread, as before
    2026-12-07, meant one per thread of the server's pool (up to 40): under 32 clients a
    100,000-document index grew each worker to ~11 GiB and the machine ran out of memory. The
    work is CPU-bound, so more than a few per process would only wait on each other."""

    def __init__(self, path: str | Path, size: int | None = None):
        self.path = path
        self.free: queue.LifoQueue[Index] = queue.LifoQueue()  # the warmest one first
        self.slots = threading.BoundedSemaphore(size or max(2, os.cpu_count() or 1))

    @contextmanager
    def lend(self) -> Iterator[Index]:
        with self.slots:
            try:
                ix = self.free.get_nowait()
            except queue.Empty:
                ix = Index(self.path)
            try:
                yield ix
            finally:
                self.free.put(ix)


def create_app(path: str | Path, api_key: str | None = None, max_body: int = 10 * 2**20,
               allowed_hosts: list[str] | None = None, writes: bool = True) -> FastAPI:
    """The service's application. ``api_key``: writes need it (header X-API-Key); ``writes``
    False: writes are refused (403) whatever the key (`server.serve` turns them off on a
    non-loopback address without a key)."""
    Index(path).close()  # fail now, with the store's message, if it is not an index
    indexes = IndexPool(path)
    write_lock = threading.Lock()  # one writer per process; other processes queue in SQLite

    wanted = api_key.encode("utf-8") if api_key else b""

    def need_key(x_api_key: Annotated[str | None, Header()] = None) -> None:
        # header values arrive as Latin-1 text: their raw bytes are what the client sent (a
        # key with non-ASCII characters is sent as UTF-8)
        given = x_api_key.encode("latin-1", "replace") if x_api_key else b""
        if not writes:
            raise HTTPException(403, "writes are off: this service listens beyond this machine "
                                "and was started without --api-key")
        if api_key and not (given and hmac.compare_digest(given, wanted)):
            raise HTTPException(401, "this index needs an API key for writes "
                                "(header X-API-Key)")

    # no Swagger UI or ReDoc: they load their scripts from a CDN (a blank page offline, and a
    # request to a third party); /docs is a self-contained page made from the schema instead
    app = FastAPI(title="copytrace", version=_version(), docs_url=None, redoc_url=None,
                  description="Is this document a copy of anything in the index, and of what? "
                              "Pairs follow copytrace's output contract (pairs.jsonl).")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, exc):
        # where and why, never the input itself: a 9 MB body must not come back as a 9 MB
        # error, and an input JSON cannot encode (NaN, a lone surrogate) must not become a 500
        detail = [{"loc": [valid_unicode(str(x)) if isinstance(x, str) else x
                           for x in e.get("loc", ())],
                   "msg": valid_unicode(str(e.get("msg", ""))), "type": e.get("type", "")}
                  for e in exc.errors()[:20]]
        return JSONResponse({"detail": detail}, 422)

    @app.exception_handler(StoreError)
    async def _store(request, exc):  # a full disk is 507; locked, read-only, damaged 503
        return JSONResponse({"detail": str(exc)}, 507 if exc.kind in ("full", "io") else 503)

    @app.exception_handler(sqlite3.Error)
    async def _sqlite(request, exc):
        return await _store(request, sqlite_problem(exc, Path(path), "answer"))

    @app.exception_handler(Exception)
    async def _unexpected(request, exc):  # pragma: no cover - a bug, not a user mistake
        return JSONResponse({"detail": f"internal error ({type(exc).__name__})"}, 500)

    @app.get("/health")
    def health(response: Response) -> dict:
        response.headers["X-Copytrace-Worker"] = str(os.getpid())  # which process answered
        with indexes.lend() as ix:
            return {"status": "ok", "documents": ix.count()}

    @app.post("/documents", dependencies=[Depends(need_key)])
    def add_documents(body: AddIn) -> dict:
        docs = [admit(Document(id=d.id, text=d.text, url=d.url, title=d.title,
                                    date=d.date, source_name=d.source)) for d in body.documents]
        with write_lock, indexes.lend() as ix:
            res = ix.add(docs)
        return {"added": res.added,
                "skipped": [{"reason": p.reason} for p in res.problems],
                "pairs": [p.to_json() for p in res.pairs]}

    @app.post("/query")
    def query(body: QueryIn) -> dict:
        doc = admit(Document(id=body.id, text=body.text, date=body.date))
        with indexes.lend() as ix:
            matches = [m.to_json() for m in ix.query(doc, body.limit, semantic=body.semantic)]
        return {"id": doc.id, "matches": matches, "suspicious": _suspicious(doc.text)}

    @app.get("/documents/{doc_id:path}")
    def get_document(doc_id: str) -> dict:
        with indexes.lend() as ix:
            rec = ix.document(doc_id)
        if rec is None:
            raise HTTPException(404, f"no document {doc_id!r}")
        rec["suspicious"] = _suspicious(rec["text"])
        return rec

    @app.delete("/documents/{doc_id:path}", dependencies=[Depends(need_key)])
    def delete_document(doc_id: str) -> dict:
        with write_lock, indexes.lend() as ix:
            gone = ix.delete([doc_id])
        if not gone:
            raise HTTPException(404, f"no document {doc_id!r}")
        return {"deleted": doc_id}

    @app.get("/families")
    def list_families(limit: Annotated[int, Query(ge=1, le=1000)] = 50,
                      offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> dict:
        with indexes.lend() as ix:
            return {"families": ix.families(limit, offset)}

    @app.get("/families/{doc_id:path}")
    def get_family(doc_id: str) -> dict:
        with indexes.lend() as ix:
            fam = ix.family(doc_id)
        if fam is None:
            raise HTTPException(404, f"no document or family {doc_id!r}")
        return fam

    @app.get("/stories")
    def list_stories(limit: Annotated[int, Query(ge=1, le=1000)] = 50,
                     offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> dict:
        with indexes.lend() as ix:
            return {"stories": ix.stories(limit, offset)}

    @app.get("/stories/{doc_id:path}")
    def get_story(doc_id: str) -> dict:
        with indexes.lend() as ix:
            story = ix.story(doc_id)
        if story is None:
            raise HTTPException(404, f"no document or story {doc_id!r}")
        return story

    @app.post("/read")
    async def read_upload(request: Request,
                          name: Annotated[str, Query(min_length=1, max_length=1000)]) -> dict:
        """A file's documents, read by the same readers as the command line (HTML through
        trafilatura, jsonl, csv, WARC...), chosen by the ending of ``name``; the body is the
        file's bytes. Nothing is stored: the page puts the text in its box."""
        from copytrace.ingest import read_file
        from copytrace.ingest.registry import BY_SUFFIX, SUPPORTED

        name = valid_unicode(name)
        endings = [s for s in BY_SUFFIX if name.lower().endswith(s)]
        if not endings:
            raise HTTPException(422, f"{name}: unsupported file type (supported: {SUPPORTED})")
        suffix = max(endings, key=len)
        data = await request.body()
        with tempfile.TemporaryDirectory(prefix="copytrace-upload-") as tmp:
            local = Path(tmp) / ("upload" + suffix)
            local.write_bytes(data)
            items = [admit(x) for x in read_file(local)]
        docs = [{"id": name if x.meta.get("id_from_name") else x.id, "text": x.text,
                 "title": x.title, "url": x.url, "date": x.date}
                for x in items if isinstance(x, Document)][:100]
        skipped = [{"record": x.record, "reason": x.reason} for x in items
                   if not isinstance(x, Document)][:100]
        return {"documents": docs, "skipped": skipped}

    @app.get("/story-picture/{doc_id:path}", include_in_schema=False)
    def story_picture(doc_id: str) -> Response:
        """The story's picture, as report.html draws it (`copytrace.report.story_svg`)."""
        with indexes.lend() as ix:
            svg = _story_picture(ix, doc_id)
        if svg is None:
            raise HTTPException(404, f"no document or story {doc_id!r}")
        return _guarded(svg, "image/svg+xml")

    page = resources.files("copytrace.service") / "static"

    def static(name: str, media: str) -> Response:
        return _guarded(page.joinpath(name).read_bytes(), media)

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        return _guarded(_docs_page(app.openapi()), "text/html; charset=utf-8")

    @app.get("/", include_in_schema=False)
    def home() -> Response:
        return static("index.html", "text/html; charset=utf-8")

    @app.get("/static/app.js", include_in_schema=False)
    def app_js() -> Response:
        return static("app.js", "text/javascript; charset=utf-8")

    @app.get("/static/app.css", include_in_schema=False)
    def app_css() -> Response:
        return static("app.css", "text/css; charset=utf-8")

    @app.get("/static/relations.css", include_in_schema=False)
    def relations_css() -> Response:  # the badges' colours, from the relations table
        return _guarded(badge_css(".rel.rel-"), "text/css; charset=utf-8")

    @app.get("/relations")
    def relations() -> dict:
        """What each relation name means (copytrace.relations): the page reads its words from
        here rather than spelling relation names itself."""
        return {"relations": [{"name": r.name, "description": r.description,
                               "copies_text": text_evidence(r.name),
                               "joins_family": r.joins_family, "links_story": r.links_story}
                              for r in TABLE]}

    if allowed_hosts:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)
    return BodyLimit(app, max_body)  # type: ignore[return-value]


def _guarded(body: str | bytes, media: str) -> Response:
    """A page, script, style sheet or picture, sent with the page's Content-Security-Policy
    and without content sniffing."""
    return Response(body, media_type=media,
                    headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"})


def _docs_page(schema: dict) -> bytes:
    """The API described from its OpenAPI schema as one HTML page (no scripts, no network)."""
    from html import escape

    def ref(obj: dict) -> str:
        name = (obj.get("$ref") or "").rsplit("/", 1)[-1]
        return escape(name or obj.get("type", ""))

    rows = []
    for route, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            params = ", ".join(f"{escape(p['name'])} ({escape(p['in'])})"
                               for p in op.get("parameters", []))
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            body_s = ref(body.get("schema", {})) if body else ""
            rows.append(f"<tr><td><code>{escape(method.upper())} {escape(route)}</code></td>"
                        f"<td>{escape(op.get('summary', ''))}</td><td>{params}</td>"
                        f"<td>{body_s}</td></tr>")
    models = []
    for name, model in schema.get("components", {}).get("schemas", {}).items():
        fields = ", ".join(f"{escape(k)}{'' if k in model.get('required', []) else '?'}"
                           for k in model.get("properties", {}))
        models.append(f"<tr><td><code>{escape(name)}</code></td><td>{fields}</td></tr>")
    info = schema.get("info", {})
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{escape(info.get('title', ''))} API</title>"
            "<link rel='stylesheet' href='/static/app.css'></head><body><main>"
            f"<h1>{escape(info.get('title', ''))} API {escape(info.get('version', ''))}</h1>"
            f"<p>{escape(info.get('description', ''))} The machine-readable schema is "
            "<a href='/openapi.json'>/openapi.json</a>.</p>"
            "<table><thead><tr><th>endpoint</th><th>what</th><th>parameters</th>"
            "<th>JSON body</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
            "<h2>Bodies</h2><table><thead><tr><th>schema</th><th>fields (? optional)</th></tr>"
            "</thead><tbody>" + "".join(models) + "</tbody></table></main></body></html>"
            ).encode("utf-8")


def _story_picture(ix: Index, doc_id: str) -> str | None:
    """The SVG of the story of ``doc_id`` (a document or story id) from what the index stores:
    each member's family and relation, the family pairs and the same-story links."""
    from copytrace.document import DocResult, Pair
    from copytrace.report.story_svg import story_svg

    story = ix.story(doc_id, max_pairs=300)
    if story is None:
        return None
    def pair(p: dict) -> Pair:  # a stored pair's JSON (`Index` answers) as a Pair
        return Pair(p["a"], p["b"], p["relation"], p["direction"], p["similarity"],
                    p["containment_ab"], p["containment_ba"])

    members, pairs = [], []
    for fam in story["families"]:
        rel = ix.family(fam["id"]) if fam["size"] > 1 else None
        for m in fam["members"]:
            members.append(DocResult(
                id=m["id"], path=None, url=None, title=None, date=m["date"], family=fam["id"],
                story=story["id"], source=fam["id"], spun_score=None, boilerplate_chars=0,
                chars=m["chars"], relation=(rel["relations"][m["id"]] if rel else INDEPENDENT)))
        pairs += [pair(p) for p in (rel["pairs"] if rel else [])]
    pairs += [pair(p) for p in story["links"]]
    return story_svg(members, pairs, standalone=True)


def _suspicious(text: str) -> list[dict]:
    """Spun-looking phrases of a text with their likely originals (character offsets)."""
    from copytrace.normalize import tokenize
    from copytrace.spin import suspicious_phrases

    return [{"start": p.start, "end": p.end, "phrase": p.phrase, "original": p.original}
            for p in suspicious_phrases(text, tokenize(text))]


def _version() -> str:
    from copytrace import __version__

    return __version__


__all__ = ["create_app"]
