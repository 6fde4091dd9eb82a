"""The index's storage: one SQLite file (WAL mode), its schema, migrations and every SQL
statement. It knows rows, not rules: which documents are candidates, how pairs are judged and how
families form are `copytrace.store.index`'s (through the stage library), as datasketch keeps an
index's algorithm apart from its storage backend.

What is stored: each document (text and metadata, its token count, when it was added, its family
and story), the keys the candidate channels match on (one row per key and document), every
related pair in the output contract's shape (figures rounded as written), and the sentence
vectors of documents compared on their sentences.

Safety: a write is one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``, `SQLiteStore.writing`)
with ``synchronous=FULL``: killing the process at any moment leaves the file as it was before
the transaction or after it, never in between. Readers never block (WAL); writers queue on the
database lock.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from copytrace.config import INDEX_FIELDS, ScanConfig
from copytrace.document import Document, Pair

SCHEMA_VERSION = 5

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
    exact_share REAL,
    PRIMARY KEY (a, b)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pairs_b ON pairs(b);
CREATE TABLE IF NOT EXISTS vectors (doc INTEGER PRIMARY KEY, lang TEXT NOT NULL,
                                    spans BLOB NOT NULL, vecs BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS probes (doc INTEGER PRIMARY KEY, lang TEXT NOT NULL,
                                   vec BLOB NOT NULL);
"""

#: Schema 1 -> 2: stories, name-and-number counts, sentence vectors (its indexes stay without
#: the semantic stage: they hold no entity keys).
_MIGRATE_1 = """
ALTER TABLE documents ADD COLUMN story INTEGER NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN entities INTEGER NOT NULL DEFAULT 0;
UPDATE documents SET story = family;
"""

#: Schema 2 -> 3: probes (`copytrace.semantic`), for the documents added from then on.
_MIGRATE_2 = ""

#: Schema 3 -> 4: each pair's exact_share (NULL, unknown, for the pairs stored before).
_MIGRATE_3 = """
ALTER TABLE pairs ADD COLUMN exact_share REAL;
"""

#: Schema 4 -> 5: a probe row holds the encoder probe and the topic vector
#: (`copytrace.fingerprint.topics`) side by side; rows stored before hold the probe alone and
#: get their topic vector from their text when read (`Index._stored_probes`).
_MIGRATE_4 = ""

_CHUNK = 500  # SQL variables per IN (...) list
_DOC_COLUMNS = ("doc, id, text, url, title, date, source_name, meta, chars, tokens, added, "
                "family, story")


class StoreError(Exception):
    """A user-facing problem with an index (missing, not an index, newer schema, locked, read
    only, out of space, damaged...). ``kind``: ``locked``, ``readonly``, ``full``, ``io`` (the
    file system refused a write), ``damaged`` or ``other`` (the service answers 507 for
    ``full`` and ``io``, else 503)."""

    def __init__(self, message: str, kind: str = "other"):
        super().__init__(message)
        self.kind = kind


#: How long a writer waits for another writer's lock before giving up (seconds).
LOCK_WAIT_S = 60

#: What SQLite's words mean for a user: (words in the message, kind, what to say).
_PROBLEMS = (
    (("locked", "busy"), "locked",
     "{path} is locked by another writer (waited {wait} s); nothing was written: try again "
     "later"),
    (("readonly", "read-only", "read only"), "readonly",
     "{path} is read-only (file or folder permissions, or a read-only mount): cannot {doing}; "
     "nothing stored was changed"),
    (("full", "no space"), "full",
     "no space left for {path} (the disk is full): could not {doing}; nothing stored before "
     "was lost"),
    (("disk i/o error", "ioerr"), "io",
     "{path}: the file system refused a write or read (disk I/O error: a full disk, a file-size "
     "limit, a failing device or a lost network mount): could not {doing}; nothing stored "
     "before was lost"),
    (("malformed", "not a database", "corrupt"), "damaged",
     "{path} is damaged ({error}): restore a copy, or build it again (copytrace index create, "
     "then add the documents)"),
)


def sqlite_problem(e: BaseException, path: Path, doing: str) -> StoreError:
    """An SQLite error as one line a user can act on, read from the error and the errors it
    chains (a full disk's cause, not the rollback that failed after it)."""
    causes = [e] + [c for c in (e.__cause__, e.__context__) if c is not None]
    text = " / ".join(str(c) for c in causes).lower()
    for words, kind, say in _PROBLEMS:
        if any(w in text for w in words):
            return StoreError(say.format(path=path, doing=doing, error=e, wait=LOCK_WAIT_S),
                              kind)
    return StoreError(f"{path}: could not {doing} ({e})")


def _chunks(seq: list, n: int = _CHUNK):
    for k in range(0, len(seq), n):
        yield seq[k:k + n]


def _marks(part: list) -> str:
    return ",".join("?" * len(part))


def pair_row(a: int, b: int, p: Pair) -> tuple:
    """A pair as a ``pairs`` row (figures rounded as the output contract writes them)."""
    return (a, b, p.relation, p.direction, round(p.similarity, 4), round(p.containment_ab, 4),
            round(p.containment_ba, 4), json.dumps([x.to_json() for x in p.passages]),
            None if p.exact_share is None else round(p.exact_share, 4))


def as_document(row: tuple) -> Document:
    """A ``documents`` row (`SQLiteStore.load`) as a Document."""
    return Document(id=row[1], text=row[2], url=row[3], title=row[4], date=row[5],
                    source_name=row[6], meta=json.loads(row[7]) if row[7] else {})


class SQLiteStore:
    """An open index file. One connection; use one store per thread."""

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
        #: Opened read-only because its folder cannot be written (`_open_read_only`).
        self.read_only = False
        try:
            try:
                self.db = self._connect()
            except sqlite3.OperationalError as e:
                if create or not self._open_read_only(e):
                    raise
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
            if "not a database" in str(e) or "malformed" in str(e):
                raise StoreError(f"{self.path} is not a copytrace index ({e})") from None
            raise sqlite_problem(e, self.path, "open it") from None  # read-only, locked...
        if "schema" not in rows:
            raise StoreError(f"{self.path} is not a copytrace index (no schema record)")
        if json.loads(rows["schema"]) > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer copytrace (schema "
                             f"{rows['schema']}); upgrade copytrace to open it")
        if json.loads(rows["schema"]) < SCHEMA_VERSION:
            self._migrate()
        stored = json.loads(rows["config"])
        stored.setdefault("semantic", False)  # schema 1 had no semantic stage
        stored.setdefault("dense_below", 0)  # indexes made before short documents' anchors
        stored.setdefault("probes", True)  # schema 2: its new documents get probes
        #: The settings the index was created with (its keys depend on them).
        self.config = ScanConfig(workers=1,
                                 **{k: v for k, v in stored.items() if k in INDEX_FIELDS})

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=LOCK_WAIT_S, isolation_level=None,
                             check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute(f"PRAGMA busy_timeout={int(LOCK_WAIT_S * 1000)}")
            db.execute("PRAGMA cache_size=-131072")  # 128 MiB of pages per connection
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _open_read_only(self, error: sqlite3.OperationalError) -> bool:
        """Open an index that lies in a folder this process cannot write (a read-only mount,
        an archive shared read-only): SQLite's write-ahead log needs its ``-shm`` file beside
        the database even to read, and there it cannot be made. With no log left behind (a
        closed index has none) the file alone is the whole index, so it is opened as an
        immutable, read-only file: queries and stats work; a write is refused as read-only."""
        wal = self.path.with_name(self.path.name + "-wal")
        if os.access(self.path.parent, os.W_OK) or (wal.exists() and wal.stat().st_size) \
                or not os.access(self.path, os.R_OK):
            return False
        uri = "file:" + urllib.parse.quote(str(self.path.resolve())) + "?mode=ro&immutable=1"
        self.db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA cache_size=-131072")
        self.read_only = True
        return True

    def _migrate(self) -> None:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path} needs an upgrade to schema {SCHEMA_VERSION} and "
                             f"cannot be written ({e})") from None
        try:
            version = json.loads(self.db.execute("SELECT value FROM meta WHERE key = 'schema'")
                                 .fetchone()[0])
            if version < SCHEMA_VERSION:  # not done meanwhile by another process
                steps = (_MIGRATE_1 if version < 2 else "") + _MIGRATE_2 + \
                    (_MIGRATE_3 if version < 4 else "") + (_MIGRATE_4 if version < 5 else "") \
                    + _SCHEMA
                for stmt in steps.split(";"):
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

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One write transaction: all of the block's changes, or (on any error) none. SQLite
        errors come out as `StoreError` in words (`sqlite_problem`)."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise sqlite_problem(e, self.path, "start writing") from None
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException as e:
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # SQLite rolled back already (a full disk ends the transaction itself)
            if isinstance(e, sqlite3.Error):
                raise sqlite_problem(e, self.path, "write this batch") from None
            raise

    # ---- counts ------------------------------------------------------------------------------

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
                "path": str(self.path), "read_only": self.read_only,
                "config": {f: getattr(self.config, f) for f in INDEX_FIELDS}}

    def integrity(self) -> str:
        try:
            rows = self.db.execute("PRAGMA integrity_check").fetchall()
        except sqlite3.DatabaseError as e:
            return f"damaged ({e})"
        return "; ".join(str(r[0]) for r in rows[:5])

    # ---- documents -------------------------------------------------------------------------

    def _lookup(self, key: str, value: str, keys: list) -> dict:
        """{key: value} of the documents whose column ``key`` is in ``keys``."""
        out = {}
        for part in _chunks(keys):
            out.update(self.db.execute(f"SELECT {key}, {value} FROM documents WHERE {key} IN "
                                       f"({_marks(part)})", part).fetchall())
        return out

    def docnums(self, ids: list[str]) -> dict[str, int]:
        """Document numbers of the stored ``ids``."""
        return self._lookup("id", "doc", ids)

    def load(self, nums: list[int]) -> dict[int, tuple]:
        """``documents`` rows (`_DOC_COLUMNS`) by number."""
        out = {}
        for part in _chunks(nums):
            for row in self.db.execute(f"SELECT {_DOC_COLUMNS} FROM documents WHERE doc IN "
                                       f"({_marks(part)})", part):
                out[row[0]] = row
        return out

    def ids(self, nums: list[int]) -> dict[int, str]:
        return self._lookup("doc", "id", nums)

    def group_ids(self, nums: list[int]) -> dict[int, tuple[str, str]]:
        """Each document's family id and story id."""
        out = {}
        for part in _chunks(nums):
            out.update((r[0], r[1:]) for r in self.db.execute(
                "SELECT d.doc, f.id, s.id FROM documents d JOIN documents f ON f.doc = d.family "
                f"JOIN documents s ON s.doc = d.story WHERE d.doc IN ({_marks(part)})",
                part).fetchall())
        return out

    def members(self, num: int, column: str) -> tuple[int, list[tuple]]:
        """The family or story (``column``) of document ``num``: its number, and its members'
        rows (doc, id, date, chars, family) in document order."""
        group = self.db.execute(f"SELECT {column} FROM documents WHERE doc = ?",
                                (num,)).fetchone()[0]
        return group, self.db.execute(
            f"SELECT doc, id, date, chars, family FROM documents WHERE {column} = ? "
            "ORDER BY doc", (group,)).fetchall()

    def stories_of(self, nums: list[int]) -> set[int]:
        out = set()
        for part in _chunks(nums):
            out.update(r[0] for r in self.db.execute(
                f"SELECT story FROM documents WHERE doc IN ({_marks(part)})", part))
        return out

    def story_members(self, stories: list[int]) -> list[tuple]:
        """Rows (doc, id, date, tokens) of every document of ``stories``, in document order."""
        rows = []
        for part in _chunks(stories):
            rows += self.db.execute(f"SELECT doc, id, date, tokens FROM documents WHERE story IN "
                                    f"({_marks(part)})", part).fetchall()
        return sorted(rows)

    def entity_sizes(self, nums: list[int]) -> dict[int, int]:
        """Each stored document's count of names and numbers."""
        return self._lookup("doc", "entities", nums)

    def insert_documents(self, docs: list[Document], tokens: list[int], entities: list[int]
                         ) -> list[int]:
        """Store new documents, each its own family and story; returns their numbers."""
        now = time.time()
        nums = []
        for d, n_tokens, n_entities in zip(docs, tokens, entities):
            meta = {k: v for k, v in d.meta.items() if k not in ("record", "id_from_name")}
            c = self.db.execute(
                "INSERT INTO documents (id, text, url, title, date, source_name, meta, chars, "
                "tokens, added, family, entities) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
                (d.id, d.text, d.url, d.title, d.date, d.source_name,
                 json.dumps(meta, ensure_ascii=False, default=str) if meta else None,
                 len(d.text), n_tokens, now, n_entities))
            nums.append(c.lastrowid)
        self.db.executemany("UPDATE documents SET family = doc, story = doc WHERE doc = ?",
                            [(n,) for n in nums])
        return nums

    def set_groups(self, rows: list[tuple[int, int, int]]) -> None:
        """(family, story, doc) for each document."""
        self.db.executemany("UPDATE documents SET family = ?, story = ? WHERE doc = ?", rows)

    def delete_documents(self, nums: list[int]) -> set[int]:
        """Delete documents with their keys, vectors and pairs; returns the stories they were
        in."""
        stories = set()
        for part in _chunks(nums):
            marks = _marks(part)
            stories.update(r[0] for r in self.db.execute(
                f"SELECT story FROM documents WHERE doc IN ({marks})", part))
            self.db.execute(f"DELETE FROM keys WHERE doc IN ({marks})", part)
            self.db.execute(f"DELETE FROM vectors WHERE doc IN ({marks})", part)
            self.db.execute(f"DELETE FROM probes WHERE doc IN ({marks})", part)
            self._probes_changed()
            self.db.execute(f"DELETE FROM pairs WHERE a IN ({marks})", part)
            self.db.execute(f"DELETE FROM pairs WHERE b IN ({marks})", part)
            self.db.execute(f"DELETE FROM documents WHERE doc IN ({marks})", part)
        return stories

    def unlink_stories(self, stories: list[int]) -> set[int]:
        """Make every document of ``stories`` its own story; returns those documents."""
        rest = set()
        for part in _chunks(stories):
            rest.update(r[0] for r in self.db.execute(
                f"SELECT doc FROM documents WHERE story IN ({_marks(part)})", part))
        self.db.executemany("UPDATE documents SET story = doc WHERE doc = ?",
                            [(n,) for n in rest])
        return rest

    def ids_added_before(self, cutoff: float) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM documents WHERE added < ?",
                                              (cutoff,))]

    def families_page(self, limit: int, offset: int) -> list[tuple[str, int]]:
        """(family id, size) of families of 2+ documents, the largest first."""
        return self.db.execute(
            "SELECT d.id, f.n FROM (SELECT family, count(*) AS n FROM documents GROUP BY family "
            "HAVING n > 1) f JOIN documents d ON d.doc = f.family ORDER BY f.n DESC, d.id "
            "LIMIT ? OFFSET ?", (limit, offset)).fetchall()

    def stories_page(self, limit: int, offset: int) -> list[tuple[str, int, int]]:
        """(story id, families, size) of stories of 2+ families, the most families first."""
        return self.db.execute(
            "SELECT d.id, s.f, s.n FROM (SELECT story, count(DISTINCT family) AS f, count(*) AS n "
            "FROM documents GROUP BY story HAVING f > 1) s JOIN documents d ON d.doc = s.story "
            "ORDER BY s.f DESC, s.n DESC, d.id LIMIT ? OFFSET ?", (limit, offset)).fetchall()

    # ---- keys --------------------------------------------------------------------------------

    def insert_keys(self, keys: list[np.ndarray], nums: list[int]) -> None:
        self.db.executemany("INSERT INTO keys VALUES (?, ?)",
                            [(int(k), n) for ks, n in zip(keys, nums) for k in ks.tolist()])

    def key_rows(self, keys: np.ndarray, limit_of) -> tuple[np.ndarray, np.ndarray]:
        """The stored (key, document) rows of ``keys``, except keys carried by ``limit_of(key)``
        documents or more (they cannot make a candidate): at most that many rows are read per
        key."""
        found_k, found_d = [], []
        get = self.db.execute
        for key in keys.tolist():
            limit = limit_of(key)
            docs = get("SELECT doc FROM keys WHERE key = ? LIMIT ?", (key, limit)).fetchall()
            if docs and len(docs) < limit:
                found_k.append(key)
                found_d.append(docs)
        if not found_k:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        lens = [len(d) for d in found_d]
        return (np.repeat(np.array(found_k, np.int64), lens),
                np.array([r[0] for d in found_d for r in d], np.int64))

    def keys_of(self, nums: list[int]) -> dict[int, np.ndarray]:
        """Every stored key of each document of ``nums``, sorted."""
        out: dict[int, list[int]] = {n: [] for n in nums}
        for part in _chunks(nums):
            for key, doc in self.db.execute(
                    f"SELECT key, doc FROM keys WHERE doc IN ({_marks(part)})", part):
                out[doc].append(key)
        return {n: np.unique(np.array(k, dtype=np.int64)) for n, k in out.items()}

    # ---- pairs -------------------------------------------------------------------------------

    def insert_pairs(self, pairs: list[tuple[int, int, Pair]]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO pairs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [pair_row(a, b, p) for a, b, p in pairs])

    def pairs_of(self, nums: list[int]) -> list[tuple]:
        """Every stored pair row with a document of ``nums`` on either side."""
        out = []
        for part in _chunks(nums):
            marks = _marks(part)
            out += self.db.execute(f"SELECT * FROM pairs WHERE a IN ({marks}) UNION "
                                   f"SELECT * FROM pairs WHERE b IN ({marks})",
                                   part + part).fetchall()
        return out

    # ---- sentence vectors --------------------------------------------------------------------

    def vectors(self, nums: list[int]) -> dict[int, tuple[str, bytes, bytes]]:
        """(language, spans, vectors) of the documents of ``nums`` that have them."""
        out = {}
        for part in _chunks(nums):
            for n, lang, spans, vecs in self.db.execute(
                    f"SELECT doc, lang, spans, vecs FROM vectors WHERE doc IN ({_marks(part)})",
                    part):
                out[n] = (lang, spans, vecs)
        return out

    def insert_vectors(self, rows: list[tuple[int, str, bytes, bytes]]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)

    # ---- probes ------------------------------------------------------------------------------

    def probe_state(self) -> int:
        """The probes' generation: a number every change to the stored probes raises (in the
        changing transaction), so a cached copy knows whether it is current."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'probes_generation'").fetchone()
        return int(row[0]) if row else 0

    def _probes_changed(self) -> None:
        self.db.execute("INSERT INTO meta VALUES ('probes_generation', '1') ON CONFLICT(key) "
                        "DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def probe_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM probes").fetchone()[0])

    def probes(self) -> tuple[list[int], list[str], list[bytes]]:
        """Every stored probe, in document order: numbers, languages, float32 vectors."""
        rows = self.db.execute("SELECT doc, lang, vec FROM probes ORDER BY doc").fetchall()
        return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]

    def insert_probes(self, rows: list[tuple[int, str, bytes]]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO probes VALUES (?, ?, ?)", rows)
        self._probes_changed()
