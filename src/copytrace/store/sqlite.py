"""The persistent index: one SQLite file (WAL mode) that answers "is this a copy of anything we
have, and of what?" without rescanning the archive.

What is stored: each document (text and metadata, its token count, when it was added, its
family), the keys the scan's candidate channels match on (`engines.local.index_keys`: LSH band
keys, word anchors, skeleton anchors; one row per key and document), and every related pair in
the output contract's shape. Adding a batch runs the scan's stages for the new documents only:
keys, candidates among the stored documents and the batch (a shared band key, or
``min_anchors`` shared anchors of one kind carried by at most ``max_bucket`` documents -- the
scan's rules), the same word and skeleton alignment (`engines.local.verify_pairs`), then links
the new documents into existing families and re-chooses each touched family's source with the
scan's rule (`cluster.choose_source`).

Safety: a batch is one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``) with ``synchronous=FULL``:
killing the process at any moment leaves the index as it was before the batch or after it, never
in between. Readers never block (WAL); writers queue on the database lock.

With the semantic stage (the default, as for ``scan``; ``index create --no-semantic`` turns it
off) the index also stores each document's rare names and numbers (`semantic.entity_keys`) and,
once a document has been compared on its sentences, its sentence vectors: a new document that
shares enough names and numbers with a stored one, and no text, is aligned sentence by sentence
as the scan does (`copytrace.semantic`). Rewrites and translations join the family of their
source; same-story pairs join a story (connected components of copy and same-story links, named
as the scan names them), never a family.

Not done here: corpus-level boilerplate detection (a scan learns it from the whole pile), and
the scan's per-document ``top_k`` limit on name-and-number candidates is applied to each new
document's candidates only.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from copytrace import cluster
from copytrace.candidates import (KEY_ENTITY, enough_entities, key_kind, keyed_pairs,
                                  shared_key_counts, top_k_pairs)
from copytrace.config import INDEX_FIELDS, ScanConfig
from copytrace.document import Document, Pair, Problem
from copytrace.pipeline import index_keys, semantic_pair, verify_pairs
from copytrace.relations import SAME_STORY, joins_family
from copytrace.semantic import SemanticVerifier

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    url TEXT, title TEXT, date TEXT, source_name TEXT, meta TEXT,
    chars INTEGER NOT NULL,
    tokens INTEGER NOT NULL,
    added REAL NOT NULL,
    family INTEGER NOT NULL,
    story INTEGER NOT NULL DEFAULT 0,
    entities INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS documents_family ON documents(family);
CREATE INDEX IF NOT EXISTS documents_story ON documents(story);
CREATE INDEX IF NOT EXISTS documents_added ON documents(added);
CREATE TABLE IF NOT EXISTS keys (key INTEGER NOT NULL, doc INTEGER NOT NULL,
                                 PRIMARY KEY (key, doc)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS keys_doc ON keys(doc);
CREATE TABLE IF NOT EXISTS pairs (
    a INTEGER NOT NULL, b INTEGER NOT NULL,
    relation TEXT NOT NULL, direction TEXT NOT NULL,
    similarity REAL NOT NULL, containment_ab REAL NOT NULL, containment_ba REAL NOT NULL,
    passages TEXT NOT NULL,
    PRIMARY KEY (a, b)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pairs_b ON pairs(b);
CREATE TABLE IF NOT EXISTS vectors (doc INTEGER PRIMARY KEY, lang TEXT NOT NULL,
                                    spans BLOB NOT NULL, vecs BLOB NOT NULL);
"""

#: Schema 1 -> 2: stories, name-and-number counts, sentence vectors (its indexes stay without
#: the semantic stage: they hold no entity keys).
_MIGRATE_1 = """
ALTER TABLE documents ADD COLUMN story INTEGER NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN entities INTEGER NOT NULL DEFAULT 0;
UPDATE documents SET story = family;
"""

_CHUNK = 500  # SQL variables per IN (...) list


class StoreError(Exception):
    """A user-facing problem with an index (missing, not an index, newer schema...)."""


@dataclass
class AddResult:
    added: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)


def _chunks(seq: list, n: int = _CHUNK):
    for k in range(0, len(seq), n):
        yield seq[k:k + n]


class Index:
    """An open index. Thread-safe for one writer and many readers per process when each thread
    uses its own `Index` (or the service's per-thread connections)."""

    def __init__(self, path: str | Path, *, create: bool = False,
                 config: ScanConfig | None = None):
        self.path = Path(path)
        if create:
            if self.path.exists():
                raise StoreError(f"{self.path} already exists (delete it or choose another path)")
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif not self.path.is_file():
            raise StoreError(f"no index at {self.path} (create one with: copytrace index create "
                             f"{self.path})")
        try:
            self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None,
                                      check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA busy_timeout=60000")
            self.db.execute("PRAGMA cache_size=-131072")  # 128 MiB of pages per connection
            if create:
                self.db.executescript(_SCHEMA)
                cfg = config or ScanConfig()
                meta = {"schema": SCHEMA_VERSION,
                        "config": {f: getattr(cfg, f) for f in INDEX_FIELDS},
                        "created": time.time()}
                self.db.executemany("INSERT INTO meta VALUES (?, ?)",
                                    [(k, json.dumps(v)) for k, v in meta.items()])
            rows = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path} is not a copytrace index ({e})") from None
        if "schema" not in rows:
            raise StoreError(f"{self.path} is not a copytrace index (no schema record)")
        if json.loads(rows["schema"]) > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer copytrace (schema "
                             f"{rows['schema']}); upgrade copytrace to open it")
        if json.loads(rows["schema"]) < SCHEMA_VERSION:
            self._migrate()
        stored = json.loads(rows["config"])
        stored.setdefault("semantic", False)  # schema 1 had no semantic stage
        self.config = ScanConfig(workers=1,
                                 **{k: v for k, v in stored.items() if k in INDEX_FIELDS})

    def _migrate(self) -> None:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path} needs an upgrade to schema {SCHEMA_VERSION} and "
                             f"cannot be written ({e})") from None
        try:
            if json.loads(self.db.execute("SELECT value FROM meta WHERE key = 'schema'")
                          .fetchone()[0]) == 1:  # not done meanwhile by another process
                for stmt in (_MIGRATE_1 + _SCHEMA).split(";"):
                    if stmt.strip():
                        self.db.execute(stmt)
                self.db.execute("UPDATE meta SET value = ? WHERE key = 'schema'",
                                (json.dumps(SCHEMA_VERSION),))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- reading -------------------------------------------------------------------------

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM documents").fetchone()[0]

    def stats(self) -> dict[str, Any]:
        q = self.db.execute
        docs = q("SELECT count(*), min(added), max(added) FROM documents").fetchone()
        fams = q("SELECT count(*) FROM (SELECT family FROM documents GROUP BY family "
                 "HAVING count(*) > 1)").fetchone()[0]
        stories = q("SELECT count(*) FROM (SELECT story FROM documents GROUP BY story "
                    "HAVING count(DISTINCT family) > 1)").fetchone()[0]
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal"))
                   if p.exists())
        return {"documents": docs[0], "families": fams, "stories": stories,
                "embedded": q("SELECT count(*) FROM vectors").fetchone()[0],
                "pairs": q("SELECT count(*) FROM pairs").fetchone()[0],
                "keys": q("SELECT count(*) FROM keys").fetchone()[0],
                "oldest_added": docs[1], "newest_added": docs[2], "bytes": size,
                "path": str(self.path), "config": {f: getattr(self.config, f)
                                                   for f in INDEX_FIELDS}}

    def integrity(self) -> str:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0]

    def _docnums(self, ids: list[str]) -> dict[str, int]:
        out = {}
        for part in _chunks(ids):
            out.update(self.db.execute(
                f"SELECT id, doc FROM documents WHERE id IN ({','.join('?' * len(part))})",
                part).fetchall())
        return out

    def _load(self, nums: list[int]) -> dict[int, tuple]:
        out = {}
        for part in _chunks(nums):
            for row in self.db.execute(
                    "SELECT doc, id, text, url, title, date, source_name, meta, chars, tokens, "
                    f"added, family, story FROM documents WHERE doc IN "
                    f"({','.join('?' * len(part))})",
                    part):
                out[row[0]] = row
        return out

    @staticmethod
    def _as_document(row: tuple) -> Document:
        return Document(id=row[1], text=row[2], url=row[3], title=row[4], date=row[5],
                        source_name=row[6], meta=json.loads(row[7]) if row[7] else {})

    def _pairs_of(self, nums: list[int]) -> list[tuple]:
        out = []
        for part in _chunks(nums):
            marks = ",".join("?" * len(part))
            out += self.db.execute(f"SELECT * FROM pairs WHERE a IN ({marks}) UNION "
                                   f"SELECT * FROM pairs WHERE b IN ({marks})",
                                   part + part).fetchall()
        return out

    def _pair_json(self, row: tuple, ids: dict[int, str]) -> dict[str, Any]:
        a, b, rel, way, sim, cab, cba, passages = row
        return {"a": ids[a], "b": ids[b], "relation": rel, "direction": way,
                "similarity": sim, "containment_ab": cab, "containment_ba": cba,
                "passages": json.loads(passages)}

    @staticmethod
    def _links(rows: list[tuple], pos: dict[int, int]) -> list[cluster.Link]:
        """Stored pair rows as links between positions ``pos`` (rows in (a, b) order)."""
        return [cluster.Link(pos[r[0]], pos[r[1]], r[2], r[3], r[4], r[5], r[6])
                for r in sorted(rows, key=lambda r: (r[0], r[1]))]

    def _ids(self, nums: list[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        for part in _chunks(nums):
            out.update(self.db.execute(
                f"SELECT doc, id FROM documents WHERE doc IN ({','.join('?' * len(part))})",
                part).fetchall())
        return out

    def _members(self, num: int, column: str) -> tuple[int, list[tuple]]:
        """The family or story (``column``) of document ``num``: its number, and its members'
        rows (doc, id, date, chars, family) in document order."""
        group = self.db.execute(f"SELECT {column} FROM documents WHERE doc = ?",
                                (num,)).fetchone()[0]
        return group, self.db.execute(
            f"SELECT doc, id, date, chars, family FROM documents WHERE {column} = ? "
            "ORDER BY doc", (group,)).fetchall()

    def document(self, doc_id: str) -> dict[str, Any] | None:
        num = self._docnums([doc_id]).get(doc_id)
        if num is None:
            return None
        row = self._load([num])[num]
        fam = self._family(num)
        pairs = self._pairs_of([num])
        ids = self._ids([p[1] if p[0] == num else p[0] for p in pairs] + [row[12]])
        ids[num] = doc_id
        rec = {"id": row[1], "text": row[2], "url": row[3], "title": row[4], "date": row[5],
               "source": row[6], "chars": row[8], "added": row[10],
               "family": fam["id"], "relation": fam["relations"][row[1]],
               "family_source": fam["id"] if fam["size"] > 1 else None,
               "story": ids[row[12]],
               "pairs": [self._pair_json(p, ids) for p in pairs]}
        if row[7]:
            rec["meta"] = json.loads(row[7])
        return rec

    def family(self, doc_or_family_id: str) -> dict[str, Any] | None:
        """The family of a document (or the family with this id): members, relations, pairs."""
        num = self._docnums([doc_or_family_id]).get(doc_or_family_id)
        return None if num is None else self._family(num)

    def _family(self, num: int) -> dict[str, Any]:
        fam, rows = self._members(num, "family")
        members = [r[0] for r in rows]
        ids = {r[0]: r[1] for r in rows}
        pairs = [p for p in self._pairs_of(members) if p[0] in ids and p[1] in ids
                 and joins_family(p[2])]
        pos = {m: k for k, m in enumerate(members)}
        rel = {members[k]: r for k, r in cluster.member_relations(
            list(range(len(members))), pos[fam], self._links(pairs, pos)).items()}
        return {"id": ids[fam], "size": len(members),
                "members": [{"id": r[1], "date": r[2], "chars": r[3], "relation": rel[r[0]]}
                            for r in rows],
                "relations": {ids[m]: rel[m] for m in members},
                "pairs": [self._pair_json(p, ids) for p in pairs]}

    def story(self, doc_or_story_id: str, max_pairs: int = 1000) -> dict[str, Any] | None:
        """The story of a document (or the story with this id): its families (copies and
        rewrites of one text) and the same-story links between them (independent coverage)."""
        num = self._docnums([doc_or_story_id]).get(doc_or_story_id)
        if num is None:
            return None
        story, rows = self._members(num, "story")
        ids = {r[0]: r[1] for r in rows}
        by_family: dict[int, list[tuple]] = {}
        for r in rows:
            by_family.setdefault(r[4], []).append(r)
        links = [p for p in self._pairs_of(list(ids)) if p[2] == SAME_STORY
                 and p[0] in ids and p[1] in ids]
        links.sort(key=lambda p: -p[4])
        fams = sorted(by_family.items(), key=lambda f: (-len(f[1]), ids[f[0]]))
        return {"id": ids[story], "size": len(rows), "families": [
                    {"id": ids[f], "size": len(members),
                     "members": [{"id": r[1], "date": r[2], "chars": r[3]} for r in members]}
                    for f, members in fams],
                "links": [self._pair_json(p, ids) for p in links[:max_pairs]],
                "links_total": len(links)}

    def stories(self, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Stories of more than one family, the most families first."""
        rows = self.db.execute(
            "SELECT d.id, s.f, s.n FROM (SELECT story, count(DISTINCT family) AS f, count(*) AS n "
            "FROM documents GROUP BY story HAVING f > 1) s JOIN documents d ON d.doc = s.story "
            "ORDER BY s.f DESC, s.n DESC, d.id LIMIT ? OFFSET ?", (limit, offset)).fetchall()
        return [{"id": r[0], "families": r[1], "size": r[2]} for r in rows]

    def families(self, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """The largest families first."""
        rows = self.db.execute(
            "SELECT d.id, f.n FROM (SELECT family, count(*) AS n FROM documents GROUP BY family "
            "HAVING n > 1) f JOIN documents d ON d.doc = f.family ORDER BY f.n DESC, d.id "
            "LIMIT ? OFFSET ?", (limit, offset)).fetchall()
        return [{"id": r[0], "size": r[1]} for r in rows]

    # ---- candidates and verification ---------------------------------------------------

    def _stored_rows(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The stored (key, document) rows of ``keys``, except keys already carried by more
        documents than their kind's bucket limit (they cannot make a candidate): at most
        ``limit + 1`` rows are read per key."""
        cfg = self.config
        big = cfg.max_bucket + 1
        small = cfg.semantic_params.max_entity_docs + 1
        found_k, found_d = [], []
        get = self.db.execute
        for key in keys.tolist():
            limit = small if key_kind(key) == KEY_ENTITY else big
            docs = get("SELECT doc FROM keys WHERE key = ? LIMIT ?", (key, limit)).fetchall()
            if docs and len(docs) < limit:
                found_k.append(key)
                found_d.append(docs)
        if not found_k:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        lens = [len(d) for d in found_d]
        return (np.repeat(np.array(found_k, np.int64), lens),
                np.array([r[0] for d in found_d for r in d], np.int64))

    def _candidates(self, new_keys: list[np.ndarray], new_nums: list[int],
                    new_entities: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pairs (lo, hi) of document numbers, each with at least one new document, that the
        scan's rules make candidates: copy candidates, then name-and-number candidates with
        their shared counts."""
        cfg = self.config
        k_new = np.concatenate(new_keys) if new_keys else np.empty(0, np.int64)
        d_new = np.repeat(np.asarray(new_nums, np.int64), [len(k) for k in new_keys])
        k_old, d_old = self._stored_rows(np.unique(k_new))
        keys = np.concatenate([k_old, k_new])
        docs = np.concatenate([d_old, d_new])
        nums, local = np.unique(docs, return_inverse=True)
        order = np.argsort(local, kind="stable")  # rows document by document
        keys, local = keys[order], local[order]
        kind = key_kind(keys)
        is_new = np.isin(nums, new_nums)
        pairs = keyed_pairs(keys, local, len(nums), cfg.min_anchors, cfg.max_bucket)
        pairs = pairs[is_new[pairs[:, 0]] | is_new[pairs[:, 1]]]
        copy = np.unique(np.concatenate([np.empty((0, 2), np.int64), nums[pairs]]),
                         axis=0).astype(np.int64, copy=False)
        ent = np.empty((0, 2), np.int64), np.empty(0, np.int64)
        if cfg.semantic and (kind == KEY_ENTITY).any():
            ent = self._entity_candidates(keys[kind == KEY_ENTITY], local[kind == KEY_ENTITY],
                                          nums, is_new, dict(zip(new_nums, new_entities)))
        return copy, ent[0], ent[1]

    def _entity_candidates(self, keys: np.ndarray, local: np.ndarray, nums: np.ndarray,
                           is_new: np.ndarray, new_sizes: dict[int, int]
                           ) -> tuple[np.ndarray, np.ndarray]:
        """`semantic.entity_pairs`' rule over the stored and new documents' entity keys: pairs
        with a new document, ranked per new document (its ``top_k`` kept)."""
        p = self.config.semantic_params
        m = len(nums)
        flat, counts = shared_key_counts(keys, local, m, p.max_entity_docs)
        lo, hi = flat // m, flat % m
        keep = (is_new[lo] | is_new[hi]) & (counts >= min(p.min_entities, p.min_entities_short))
        lo, hi, counts = lo[keep], hi[keep], counts[keep]
        if not len(lo):
            return np.empty((0, 2), np.int64), np.empty(0, np.int64)
        sizes = np.zeros(m, np.int64)
        involved = np.unique(np.concatenate([lo, hi]))
        sizes[involved] = self._entity_sizes(nums[involved], new_sizes)
        ok = enough_entities(counts, sizes[lo], sizes[hi], p.min_entities, p.min_entities_short)
        lo, hi, counts = lo[ok], hi[ok], counts[ok]
        keep = top_k_pairs(lo, hi, counts, p.top_k, is_new[lo], is_new[hi])
        return np.stack([nums[lo[keep]], nums[hi[keep]]], axis=1), counts[keep]

    def _entity_sizes(self, nums: np.ndarray, new_sizes: dict[int, int]) -> np.ndarray:
        sizes = dict(new_sizes)
        stored = [int(n) for n in nums if int(n) not in sizes]
        for part in _chunks(stored):
            sizes.update(self.db.execute(
                f"SELECT doc, entities FROM documents WHERE doc IN ({','.join('?' * len(part))})",
                part).fetchall())
        return np.array([sizes.get(int(n), 0) for n in nums], dtype=np.int64)

    def _verify(self, pairs: np.ndarray, extra: dict[int, Document]) -> list[tuple[int, int,
                                                                                   Pair]]:
        """Align candidate pairs of document numbers; ``extra`` holds documents not stored."""
        if len(pairs) == 0:
            return []
        nums = sorted(set(pairs.ravel().tolist()))
        stored = self._load([n for n in nums if n not in extra])
        docs = [extra[n] if n in extra else self._as_document(stored[n]) for n in nums]
        pos = {n: k for k, n in enumerate(nums)}
        local = np.array([[pos[a], pos[b]] for a, b in pairs.tolist()], dtype=np.int64)
        return [(nums[i], nums[j], p) for i, j, p in verify_pairs(docs, local, self.config)]

    def _semantic(self, pairs: np.ndarray, shared: np.ndarray, copies: set[tuple[int, int]],
                  extra: dict[int, Document], threads: int = 1
                  ) -> tuple[list[tuple[int, int, Pair]], dict[int, Any], dict[int, str]]:
        """Align name-and-number candidates that are not copies on their sentences (the scan's
        semantic stage), embedding on ``threads`` threads. Returns the related pairs, and the
        sentence vectors and languages computed here for stored or new documents (stored
        vectors are reused)."""
        from copytrace.fingerprint.embed import DIM, SentenceVectors, single_blas

        todo = [(a, b, c) for (a, b), c in zip(pairs.tolist(), shared.tolist())
                if (a, b) not in copies]
        if not todo:
            return [], {}, {}
        nums = sorted({n for a, b, _ in todo for n in (a, b)})
        stored = self._load([n for n in nums if n not in extra])
        docs = [extra[n] if n in extra else self._as_document(stored[n]) for n in nums]
        pos = {n: k for k, n in enumerate(nums)}
        sem = SemanticVerifier([d.text for d in docs], self.config.semantic_params)
        have = [n for n in nums if n not in extra]
        for part in _chunks(have):
            for n, lang, spans, vecs in self.db.execute(
                    "SELECT doc, lang, spans, vecs FROM vectors WHERE doc IN "
                    f"({','.join('?' * len(part))})", part):
                sem.vectors[pos[n]] = SentenceVectors(
                    np.frombuffer(spans, np.int64).reshape(-1, 2),
                    np.frombuffer(vecs, np.float16).reshape(-1, DIM))
                sem.langs[pos[n]] = lang
        known = set(sem.vectors)
        with single_blas(), ThreadPoolExecutor(threads) as pool:
            sem.embed(range(len(nums)), pool.map if threads > 1 else map)
        found = []
        for a, b, c in todo:
            i, j = pos[a], pos[b]
            al, rel = sem.verify(i, j, c, docs[i].date, docs[j].date)
            if rel is not None:
                found.append((a, b, semantic_pair(i, j, al, rel, docs, self.config)))
        fresh = {nums[k]: sem.vectors[k] for k in sem.vectors.keys() - known}
        return found, fresh, {n: sem.langs[pos[n]] for n in fresh}

    def _store_vectors(self, vectors: dict[int, Any], langs: dict[int, str]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)",
            [(n, langs[n], np.ascontiguousarray(v.spans, np.int64).tobytes(),
              np.ascontiguousarray(v.vectors, np.float16).tobytes())
             for n, v in vectors.items()])

    # ---- queries ---------------------------------------------------------------------------

    def query(self, doc: Document, limit: int = 100, semantic: bool = True
              ) -> list[dict[str, Any]]:
        """Stored documents related to ``doc`` (not stored), best first: pairs in the output
        contract's shape with ``a`` = the query and ``b`` = the stored document, plus the stored
        document's ``family`` and ``story``. ``semantic=False`` skips the sentence stage (copies
        only: verbatim, edited, spun), a faster answer when rewrites and stories do not
        matter."""
        keys, _, entities = index_keys([doc.text], self.config)
        qnum = -1  # below every stored number: the query is always a pair's ``a`` side
        copy, ent, shared = self._candidates(keys, [qnum], entities)
        found = self._verify(copy, {qnum: doc})
        if len(ent) and semantic:
            found += self._semantic(ent, shared, {(a, b) for a, b, _ in found},
                                    {qnum: doc})[0]
        others = [b for _, b, _ in found]
        names = {}
        for part in _chunks(others):
            names.update((r[0], r[1:]) for r in self.db.execute(
                "SELECT d.doc, f.id, s.id FROM documents d JOIN documents f ON f.doc = d.family "
                "JOIN documents s ON s.doc = d.story "
                f"WHERE d.doc IN ({','.join('?' * len(part))})", part).fetchall())
        found.sort(key=lambda x: (-x[2].similarity, x[2].b))
        return [dict(p.to_json(), family=names[b][0], story=names[b][1])
                for _, b, p in found[:limit]]

    # ---- writing ---------------------------------------------------------------------------

    def add(self, docs: list[Document]) -> AddResult:
        """Add a batch atomically: every document of it, or (on any error) none."""
        res = AddResult()
        seen: set[str] = set()
        batch = []
        for d in docs:
            if d.id in seen:
                res.problems.append(Problem(d.path or "batch", f"duplicate id {d.id!r} in the "
                                            "batch; record skipped"))
                continue
            seen.add(d.id)
            batch.append(d)
        keys, lengths, entities = index_keys([d.text for d in batch], self.config) if batch \
            else ([], [], [])
        cur = self.db
        cur.execute("BEGIN IMMEDIATE")
        try:
            taken = self._docnums([d.id for d in batch])
            keep = [k for k, d in enumerate(batch) if d.id not in taken]
            for k, d in enumerate(batch):
                if d.id in taken:
                    res.problems.append(Problem(d.path or "batch", f"id {d.id!r} is already in "
                                                "the index; record skipped (delete it first "
                                                "to replace it)"))
            batch = [batch[k] for k in keep]
            keys = [keys[k] for k in keep]
            lengths = [lengths[k] for k in keep]
            entities = [entities[k] for k in keep]
            now = time.time()
            nums = []
            for d, n_tokens, n_entities in zip(batch, lengths, entities):
                meta = {k: v for k, v in d.meta.items() if k not in ("record", "id_from_name")}
                c = cur.execute(
                    "INSERT INTO documents (id, text, url, title, date, source_name, meta, chars, "
                    "tokens, added, family, entities) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
                    (d.id, d.text, d.url, d.title, d.date, d.source_name,
                     json.dumps(meta, ensure_ascii=False, default=str) if meta else None,
                     len(d.text), n_tokens, now, n_entities))
                nums.append(c.lastrowid)
            cur.executemany("UPDATE documents SET family = doc, story = doc WHERE doc = ?",
                            [(n,) for n in nums])
            found = []
            if nums:
                copy, ent, shared = self._candidates(keys, nums, entities)
                found = self._verify(copy, dict(zip(nums, batch)))
                if len(ent):
                    more, vectors, langs = self._semantic(
                        ent, shared, {(a, b) for a, b, _ in found}, dict(zip(nums, batch)),
                        threads=os.cpu_count() or 1)
                    found += more
                    self._store_vectors(vectors, langs)
            cur.executemany("INSERT INTO keys VALUES (?, ?)",
                            [(int(k), n) for ks, n in zip(keys, nums) for k in ks.tolist()])
            cur.executemany("INSERT OR REPLACE INTO pairs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [_pair_row(a, b, p) for a, b, p in found])
            self._relink({n for a, b, _ in found for n in (a, b)})
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        res.added = [d.id for d in batch]
        res.pairs = [p for _, _, p in found]
        return res

    def _relink(self, touched: set[int]) -> None:
        """Recompute the families and stories of ``touched`` documents from the stored pairs
        (inside the open transaction): families are connected components of copy, rewrite and
        translation pairs, each with the scan's choice of source; stories are components of
        those and same-story pairs, named as the scan names them."""
        if not touched:
            return
        stories = set()
        for part in _chunks(sorted(touched)):
            stories.update(r[0] for r in self.db.execute(
                f"SELECT story FROM documents WHERE doc IN ({','.join('?' * len(part))})",
                part))
        members = []
        for part in _chunks(sorted(stories)):  # a story holds whole families
            members += self.db.execute(
                "SELECT doc, id, date, tokens FROM documents WHERE story IN "
                f"({','.join('?' * len(part))})", part).fetchall()
        members.sort()
        nums = [m[0] for m in members]
        pos = {n: k for k, n in enumerate(nums)}
        links = self._links([p for p in self._pairs_of(nums) if p[0] in pos and p[1] in pos],
                            pos)
        ids = [m[1] for m in members]
        dates = [m[2] for m in members]
        fam = cluster.assign_families(len(nums), links, dates, [m[3] for m in members], ids)
        family = fam.source
        story = cluster.assign_stories(len(nums), links, family, dates, ids)
        self.db.executemany("UPDATE documents SET family = ?, story = ? WHERE doc = ?",
                            [(nums[family[k]], nums[story[k]], nums[k])
                             for k in range(len(nums))])

    def delete(self, ids: list[str]) -> list[str]:
        """Delete documents (and their keys and pairs); returns the ids that were there."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            found = self._docnums(ids)
            nums = sorted(found.values())
            stories = set()  # every pair lies inside a story: the rest to re-link
            for part in _chunks(nums):
                marks = ",".join("?" * len(part))
                stories.update(r[0] for r in self.db.execute(
                    f"SELECT story FROM documents WHERE doc IN ({marks})", part))
                self.db.execute(f"DELETE FROM keys WHERE doc IN ({marks})", part)
                self.db.execute(f"DELETE FROM vectors WHERE doc IN ({marks})", part)
                self.db.execute(f"DELETE FROM pairs WHERE a IN ({marks})", part)
                self.db.execute(f"DELETE FROM pairs WHERE b IN ({marks})", part)
                self.db.execute(f"DELETE FROM documents WHERE doc IN ({marks})", part)
            rest = set()
            for part in _chunks(sorted(stories)):
                rest.update(r[0] for r in self.db.execute(
                    f"SELECT doc FROM documents WHERE story IN ({','.join('?' * len(part))})",
                    part))
            if rest:
                self.db.executemany("UPDATE documents SET story = doc WHERE doc = ?",
                                    [(n,) for n in rest])
                self._relink(rest)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return [i for i in ids if i in found]

    def evict(self, older_than_days: float) -> list[str]:
        cutoff = time.time() - older_than_days * 86400
        ids = [r[0] for r in self.db.execute("SELECT id FROM documents WHERE added < ?",
                                             (cutoff,))]
        return self.delete(ids) if ids else []


def _pair_row(a: int, b: int, p: Pair) -> tuple:
    return (a, b, p.relation, p.direction, round(p.similarity, 4), round(p.containment_ab, 4),
            round(p.containment_ba, 4), json.dumps([x.to_json() for x in p.passages]))
