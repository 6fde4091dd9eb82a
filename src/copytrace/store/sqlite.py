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

Not stored (yet): rewrites, translations and same-story links (the sentence encoder's stage), and
corpus-level boilerplate detection; a stored family is a family of verbatim, edited and spun
copies.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from copytrace.candidates import shared_key_counts
from copytrace.cluster import Edge, choose_source, families
from copytrace.document import Document, Pair, Problem
from copytrace.engines.local import (KEY_ANCHOR, KEY_BAND, KEY_SKELETON, ScanConfig, index_keys,
                                     verify_pairs)

SCHEMA_VERSION = 1

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
    family INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_family ON documents(family);
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
"""

#: The ScanConfig fields an index is built with (fixed at creation: keys depend on them).
_CONFIG_FIELDS = ("threshold", "num_perm", "shingle", "anchor_rate", "min_anchors", "max_bucket",
                  "spin", "spun", "skeleton_shingle", "skeleton_rate")
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
            if create:
                self.db.executescript(_SCHEMA)
                cfg = config or ScanConfig(semantic=False)
                meta = {"schema": SCHEMA_VERSION,
                        "config": {f: getattr(cfg, f) for f in _CONFIG_FIELDS},
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
        stored = json.loads(rows["config"])
        self.config = ScanConfig(semantic=False, workers=1,
                                 **{k: v for k, v in stored.items() if k in _CONFIG_FIELDS})

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
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal"))
                   if p.exists())
        return {"documents": docs[0], "families": fams,
                "pairs": q("SELECT count(*) FROM pairs").fetchone()[0],
                "keys": q("SELECT count(*) FROM keys").fetchone()[0],
                "oldest_added": docs[1], "newest_added": docs[2], "bytes": size,
                "path": str(self.path), "config": {f: getattr(self.config, f)
                                                   for f in _CONFIG_FIELDS}}

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
                    f"added, family FROM documents WHERE doc IN ({','.join('?' * len(part))})",
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

    def _relations(self, members: list[int], src: int, pairs: list[tuple]) -> dict[int, str]:
        """Each member's relation to its family's source, as the scan names it."""
        if len(members) == 1:
            return {members[0]: "independent"}
        direct = {}
        best: dict[int, tuple[float, str]] = {}
        for a, b, rel, _w, sim, *_ in pairs:
            for m, other in ((a, b), (b, a)):
                if other == src:
                    direct[m] = rel
                if m not in best or sim > best[m][0]:
                    best[m] = (sim, rel)
        return {m: "source" if m == src else direct.get(m, best.get(m, (0, "edited"))[1])
                for m in members}

    def document(self, doc_id: str) -> dict[str, Any] | None:
        num = self._docnums([doc_id]).get(doc_id)
        if num is None:
            return None
        row = self._load([num])[num]
        fam = self.family(doc_id)
        rec = {"id": row[1], "text": row[2], "url": row[3], "title": row[4], "date": row[5],
               "source": row[6], "chars": row[8], "added": row[10],
               "family": fam["id"], "relation": fam["relations"][row[1]],
               "family_source": fam["id"] if fam["size"] > 1 else None,
               "pairs": [p for p in fam["pairs"] if doc_id in (p["a"], p["b"])]}
        if row[7]:
            rec["meta"] = json.loads(row[7])
        return rec

    def family(self, doc_or_family_id: str) -> dict[str, Any] | None:
        """The family of a document (or the family with this id): members, relations, pairs."""
        num = self._docnums([doc_or_family_id]).get(doc_or_family_id)
        if num is None:
            return None
        fam = self.db.execute("SELECT family FROM documents WHERE doc = ?", (num,)).fetchone()[0]
        rows = self.db.execute("SELECT doc, id, date, chars FROM documents WHERE family = ? "
                               "ORDER BY doc", (fam,)).fetchall()
        members = [r[0] for r in rows]
        ids = {r[0]: r[1] for r in rows}
        pairs = [p for p in self._pairs_of(members) if p[0] in ids and p[1] in ids]
        rel = self._relations(members, fam, pairs)
        return {"id": ids[fam], "size": len(members),
                "members": [{"id": r[1], "date": r[2], "chars": r[3], "relation": rel[r[0]]}
                            for r in rows],
                "relations": {ids[m]: rel[m] for m in members},
                "pairs": [self._pair_json(p, ids) for p in pairs]}

    def families(self, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """The largest families first."""
        rows = self.db.execute(
            "SELECT d.id, f.n FROM (SELECT family, count(*) AS n FROM documents GROUP BY family "
            "HAVING n > 1) f JOIN documents d ON d.doc = f.family ORDER BY f.n DESC, d.id "
            "LIMIT ? OFFSET ?", (limit, offset)).fetchall()
        return [{"id": r[0], "size": r[1]} for r in rows]

    # ---- candidates and verification ---------------------------------------------------

    def _stored_rows(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        found_k, found_d = [], []
        for part in _chunks(keys.tolist()):
            rows = self.db.execute(
                f"SELECT key, doc FROM keys WHERE key IN ({','.join('?' * len(part))})",
                part).fetchall()
            if rows:
                arr = np.array(rows, dtype=np.int64)
                found_k.append(arr[:, 0])
                found_d.append(arr[:, 1])
        if not found_k:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(found_k), np.concatenate(found_d)

    def _candidates(self, new_keys: list[np.ndarray], new_nums: list[int]) -> np.ndarray:
        """Pairs (lo, hi) of document numbers with at least one new document that the scan's
        rules make candidates."""
        cfg = self.config
        k_new = np.concatenate(new_keys) if new_keys else np.empty(0, np.int64)
        d_new = np.repeat(np.asarray(new_nums, np.int64), [len(k) for k in new_keys])
        k_old, d_old = self._stored_rows(np.unique(k_new))
        keys = np.concatenate([k_old, k_new])
        docs = np.concatenate([d_old, d_new])
        nums, local = np.unique(docs, return_inverse=True)
        order = np.argsort(local, kind="stable")  # rows document by document
        keys, local = keys[order], local[order]
        kind = keys >> 60
        is_new = np.isin(nums, new_nums)
        m = len(nums)
        out = []
        for k, need in ((KEY_BAND, 1), (KEY_ANCHOR, cfg.min_anchors),
                        (KEY_SKELETON, cfg.min_anchors)):
            sel = kind == k
            flat, counts = shared_key_counts(keys[sel], local[sel], m, cfg.max_bucket)
            flat = flat[counts >= need]
            lo, hi = flat // m, flat % m
            keep = is_new[lo] | is_new[hi]
            out.append(np.stack([nums[lo[keep]], nums[hi[keep]]], axis=1))
        pairs = np.unique(np.concatenate(out), axis=0)
        return pairs.astype(np.int64, copy=False)

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

    # ---- queries ---------------------------------------------------------------------------

    def query(self, doc: Document, limit: int = 100) -> list[dict[str, Any]]:
        """Stored documents related to ``doc`` (not stored), best first: pairs in the output
        contract's shape with ``a`` = the query and ``b`` = the stored document, plus the stored
        document's ``family``."""
        keys, _ = index_keys([doc.text], self.config)
        qnum = -1  # below every stored number: the query is always a pair's ``a`` side
        found = self._verify(self._candidates(keys, [qnum]), {qnum: doc})
        others = [b for _, b, _ in found]
        family = {}
        for part in _chunks(others):
            family.update(self.db.execute(
                "SELECT d.doc, f.id FROM documents d JOIN documents f ON f.doc = d.family "
                f"WHERE d.doc IN ({','.join('?' * len(part))})", part).fetchall())
        found.sort(key=lambda x: (-x[2].similarity, x[2].b))
        return [dict(p.to_json(), family=family[b]) for _, b, p in found[:limit]]

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
        keys, lengths = index_keys([d.text for d in batch], self.config) if batch else ([], [])
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
            now = time.time()
            nums = []
            for d, n_tokens in zip(batch, lengths):
                meta = {k: v for k, v in d.meta.items() if k not in ("record", "id_from_name")}
                c = cur.execute(
                    "INSERT INTO documents (id, text, url, title, date, source_name, meta, chars, "
                    "tokens, added, family) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                    (d.id, d.text, d.url, d.title, d.date, d.source_name,
                     json.dumps(meta, ensure_ascii=False, default=str) if meta else None,
                     len(d.text), n_tokens, now))
                nums.append(c.lastrowid)
            cur.executemany("UPDATE documents SET family = doc WHERE doc = ?",
                            [(n,) for n in nums])
            cands = self._candidates(keys, nums) if nums else np.empty((0, 2), np.int64)
            found = self._verify(cands, dict(zip(nums, batch)))
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
        """Recompute the families of ``touched`` documents from the stored pairs: connected
        components, each with the scan's choice of source (inside the open transaction)."""
        if not touched:
            return
        fams = set()
        for part in _chunks(sorted(touched)):
            fams.update(r[0] for r in self.db.execute(
                f"SELECT family FROM documents WHERE doc IN ({','.join('?' * len(part))})",
                part))
        members = []
        for part in _chunks(sorted(fams)):
            members += self.db.execute(
                "SELECT doc, id, date, tokens FROM documents WHERE family IN "
                f"({','.join('?' * len(part))})", part).fetchall()
        members.sort()  # every touched document is in one of these families
        nums = [m[0] for m in members]
        pos = {n: k for k, n in enumerate(nums)}
        pairs = [p for p in self._pairs_of(nums) if p[0] in pos and p[1] in pos]
        edges = [Edge(pos[p[0]], pos[p[1]], p[5], p[6]) for p in pairs]
        copies = {pos[p[1]] if p[3] == "a->b" else pos[p[0]] for p in pairs
                  if p[2] == "spun" and p[3] != "unknown"}
        dates = [m[2] for m in members]
        lengths = [m[3] for m in members]
        ids = [m[1] for m in members]
        groups = families(len(nums), edges)
        group_of = {k: g for g, group in enumerate(groups) for k in group}
        group_edges: list[list[Edge]] = [[] for _ in groups]
        for e in edges:
            group_edges[group_of[e.a]].append(e)
        updates = []
        for group, g_edges in zip(groups, group_edges):
            src = group[0] if len(group) == 1 else choose_source(
                group, g_edges, dates, lengths, ids, copies)
            updates += [(nums[src], nums[k]) for k in group]
        self.db.executemany("UPDATE documents SET family = ? WHERE doc = ?", updates)

    def delete(self, ids: list[str]) -> list[str]:
        """Delete documents (and their keys and pairs); returns the ids that were there."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            found = self._docnums(ids)
            nums = sorted(found.values())
            neighbours = {n for p in self._pairs_of(nums) for n in p[:2]} - set(nums)
            fams = set()
            for part in _chunks(nums):
                marks = ",".join("?" * len(part))
                fams.update(r[0] for r in self.db.execute(
                    f"SELECT family FROM documents WHERE doc IN ({marks})", part))
                self.db.execute(f"DELETE FROM keys WHERE doc IN ({marks})", part)
                self.db.execute(f"DELETE FROM pairs WHERE a IN ({marks})", part)
                self.db.execute(f"DELETE FROM pairs WHERE b IN ({marks})", part)
                self.db.execute(f"DELETE FROM documents WHERE doc IN ({marks})", part)
            rest = set(neighbours)
            for part in _chunks(sorted(fams)):
                rest.update(r[0] for r in self.db.execute(
                    f"SELECT doc FROM documents WHERE family IN ({','.join('?' * len(part))})",
                    part))
            if rest:
                self.db.executemany("UPDATE documents SET family = doc WHERE doc = ?",
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
