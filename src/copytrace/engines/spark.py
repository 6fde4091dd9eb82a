"""The Spark engine: the local engine's scan on a cluster, with the same output.

Spark decides where the data lives and how it moves; the work on it is done by the same functions
as `copytrace.engines.local`, called on Arrow record batches inside Spark (``mapInArrow``: one
numpy/numba call per batch of documents or pairs, as the local engine batches them). Stages:

    read         files are listed on the driver and read on the executors by copytrace's own
                 readers (the same Documents, ids and Problems as a local scan); a document's row
                 number is its place in reading order, as in the local engine
    boilerplate  line keys of every document -> document frequency (groupBy) -> for each frequent
                 line, its sample of documents (``min_by`` over `boilerplate.sample_priority`)
                 judged by `boilerplate.look_like_copies`
    features     per document: matchable tokens, MinHash band keys, word and skeleton anchors,
                 names and numbers, spun_score
    candidates   band keys and anchors shuffled by key; each partition's runs of equal keys become
                 pairs by the local kernels (`candidates._bucket_pairs`, `shared_key_counts`): a
                 bucket over ``max_bucket`` emits a star plus a chain (O(m) pairs), so templated
                 pages cannot make one task emit m^2 pairs
    verify       candidate pairs joined with both texts; `verify.Verifier` on the executors
    semantic     shared names and numbers counted by key, top-k per document (windows), each
                 document embedded once, pairs judged by `semantic.judge`
    families     connected components of the copy edges by large-star / small-star (Kiveris et
                 al., "Connected Components in MapReduce and Beyond", SoCC 2014) in DataFrame
                 operations; each family's source by `cluster.choose_source`, per family
    stories      the same components over copy edges and same-story links, named as the local
                 engine names them

Every stage writes its table as parquet into a work folder: lineage stays short, a failed task is
retried from the last table, and each stage is timed on its own (``stats.seconds``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from copytrace.document import Problem
from copytrace.engines.local import NullProgress, Progress, ScanConfig

_U64 = np.uint64
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class SparkOptions:
    """How the Spark engine gets its session and where it keeps its intermediate tables."""

    master: str | None = None  # None: the active session's (spark-submit), else local[*]
    conf: dict[str, str] = field(default_factory=dict)  # extra Spark settings (--conf)
    work_dir: str | None = None  # intermediate parquet; default OUT/_work
    keep_work: bool = False
    docs_per_partition: int = 10_000  # partitions of the per-document tables
    batch_docs: int = 512  # documents per Arrow batch in per-document stages
    batch_pairs: int = 256  # pairs per Arrow batch when aligning


def is_uri(path: str) -> bool:
    """A Hadoop-style URI (hdfs://, s3a://, gs://, abfss://, file://...) rather than a path."""
    return re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", str(path)) is not None


def spark_session(opts: SparkOptions | None = None):
    """The Spark session a scan runs in: the active one when there is one (``spark-submit``,
    a notebook) and no ``master`` is asked for, else a new one (``local[*]`` by default).
    Python workers run this interpreter (``PYSPARK_PYTHON``), so they import the same copytrace."""
    opts = opts or SparkOptions()
    try:
        from pyspark import SparkConf
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - depends on the install
        raise RuntimeError("the Spark engine needs pyspark: pip install 'copytrace[spark]'") \
            from None
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    active = SparkSession.getActiveSession()
    if active is not None and opts.master is None:
        for k, v in opts.conf.items():
            active.conf.set(k, v)
        return active
    builder = SparkSession.builder.appName("copytrace")
    master = opts.master or SparkConf().get("spark.master", None) or "local[*]"
    builder = builder.master(master)
    settings = {
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.python.worker.reuse": "true",
    }
    quiet = Path(__file__).with_name("log4j2.properties")
    if quiet.exists():  # driver-side logging: errors only (see the file)
        settings["spark.driver.extraJavaOptions"] = f"-Dlog4j2.configurationFile={quiet}"
    if master.startswith("local"):
        settings["spark.driver.memory"] = "4g"  # local mode: executors live in the driver JVM
        settings["spark.ui.enabled"] = "false"
    settings.update(opts.conf)
    for k, v in settings.items():
        builder = builder.config(k, v)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(os.environ.get("COPYTRACE_SPARK_LOG", "ERROR"))
    return spark


# --------------------------------------------------------------------------- arrow helpers

def _lists(col) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, values) of an Arrow list<int64> column (nulls read as empty lists)."""
    import pyarrow as pa

    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if col.null_count:
        import pyarrow.compute as pc

        col = pc.fill_null(col, pa.scalar([], type=col.type))
    offsets = col.offsets.to_numpy().astype(np.int64)
    values = col.values.to_numpy(zero_copy_only=False)
    return offsets - offsets[0], values[offsets[0]:offsets[-1]] if len(values) else values


def _list_col(parts: list[np.ndarray]):
    """An Arrow list<int64> column from per-row arrays (uint64 keys are stored as int64)."""
    import pyarrow as pa

    offsets = np.zeros(len(parts) + 1, dtype=np.int32)
    np.cumsum([len(p) for p in parts], out=offsets[1:])
    values = np.concatenate(parts).view(np.int64) if parts and offsets[-1] else \
        np.empty(0, np.int64)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, pa.int64()))


def _arrow_type(ddl: str):
    """The Arrow type of a Spark DDL type (the few this module uses)."""
    import pyarrow as pa

    ddl = ddl.strip()
    simple = {"long": pa.int64(), "int": pa.int32(), "string": pa.string(),
              "double": pa.float64(), "boolean": pa.bool_(), "binary": pa.binary()}
    if ddl in simple:
        return simple[ddl]
    if ddl.startswith("array<"):
        return pa.list_(_arrow_type(ddl[6:-1]))
    if ddl.startswith("struct<"):
        fields, depth, cur = [], 0, ""
        for ch in ddl[7:-1] + ",":
            if ch == "," and depth == 0:
                name, typ = cur.split(":", 1)
                fields.append(pa.field(name, _arrow_type(typ)))
                cur = ""
                continue
            depth += (ch == "<") - (ch == ">")
            cur += ch
        return pa.struct(fields)
    raise ValueError(f"no Arrow type for {ddl!r}")


def _arrow_schema(ddl: str):
    import pyarrow as pa

    return pa.schema([pa.field(c.split(" ", 1)[0], _arrow_type(c.split(" ", 1)[1]))
                      for c in ddl.split(", ")])


def _batch(cols: dict, ddl: str):
    """An Arrow batch of exactly the Spark schema ``ddl``."""
    import pyarrow as pa

    return pa.RecordBatch.from_pydict(cols, schema=_arrow_schema(ddl))


def _whole(batches):
    """All batches of a partition as one Arrow table (None when empty)."""
    import pyarrow as pa

    got = list(batches)
    return pa.Table.from_batches(got).combine_chunks() if got else None


def _groups(keys: np.ndarray):
    """(start, end) of each run of equal values in ``keys``."""
    if len(keys) == 0:
        return []
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return zip(starts.tolist(), np.r_[starts[1:], len(keys)].tolist())


def _prepared(texts: list[str], boiler: np.ndarray):
    """Tokens, matchable tokens and boilerplate char counts of a batch, given the boilerplate line
    keys its documents carry: the local engine's `prepare` for documents already judged."""
    from copytrace.boilerplate import apply_boilerplate
    from copytrace.engines.local import matchable_tokens
    from copytrace.normalize import tokenize_many

    toks = tokenize_many(texts)
    masks, bchars = apply_boilerplate(toks, np.unique(boiler.view(_U64)))
    return toks, matchable_tokens(toks, masks, bchars), bchars


# --------------------------------------------------------------------------- executor code

READ_SCHEMA = ("rank int, pos long, id string, text string, path string, url string, "
               "title string, date string, from_name boolean, record long, reason string")


def _read_fn(fields):
    """Read files (rank, path[, content]) with the local readers: documents and problems."""

    def run(batches):
        import tempfile

        from copytrace.document import Document
        from copytrace.ingest import read_file

        cols = [c.split()[0] for c in READ_SCHEMA.split(", ")]
        rows = {c: [] for c in cols}

        def flush():
            out = _batch(dict(rows), READ_SCHEMA)
            for v in rows.values():
                v.clear()
            return out

        for batch in batches:
            d = batch.to_pydict()
            contents = d.get("content") or [None] * len(d["rank"])
            for rank, path, shown, content in zip(d["rank"], d["path"], d["shown"], contents):
                tmp = None
                local = Path(path)
                if content is not None:  # a remote file: read a local copy, report its URI
                    tmp = tempfile.mkdtemp(prefix="copytrace-")
                    local = Path(tmp) / path.rstrip("/").rsplit("/", 1)[-1]
                    local.write_bytes(content)
                pos = 0
                try:
                    for got in read_file(local, fields):
                        where = shown if got.path == str(local) else got.path
                        if isinstance(got, Document):
                            text = _SURROGATE.sub("\ufffd", got.text)
                            vals = (rank, pos, got.id, text, where, got.url, got.title, got.date,
                                    bool(got.meta.get("id_from_name")), got.meta.get("record"),
                                    None)
                            pos += 1
                        else:
                            vals = (rank, -1, None, None, where, None, None, None, False,
                                    got.record, got.reason)
                        for c, v in zip(cols, vals):
                            rows[c].append(v)
                        if len(rows["rank"]) >= 256:
                            yield flush()
                finally:
                    if tmp:
                        shutil.rmtree(tmp, ignore_errors=True)
        if rows["rank"]:
            yield flush()

    return run


LINES_SCHEMA = "doc long, key long, len long, prio long, sig binary"


def _lines_fn():
    """Per document: one row per distinct line key (its token count), plus one row (key 0) with
    the document's total line tokens and its 32-function signature (`boilerplate`)."""

    def run(batches):
        from copytrace.boilerplate import line_records, sample_priority, small_signatures
        from copytrace.normalize import tokenize_many

        for batch in batches:
            idx = batch.column("idx").to_numpy()
            toks = tokenize_many(batch.column("text").to_pylist())
            key, doc, first, last = line_records(toks)
            ln = last - first
            total = np.bincount(doc, weights=ln, minlength=len(toks)).astype(np.int64)
            order = np.lexsort((key, doc))
            key, doc, ln = key[order], doc[order], ln[order]
            new = np.r_[True, (key[1:] != key[:-1]) | (doc[1:] != doc[:-1])] if len(key) else \
                np.zeros(0, bool)
            starts = np.flatnonzero(new)
            sums = np.add.reduceat(ln, starts) if len(starts) else ln[:0]
            key, doc = key[starts], idx[doc[starts]]
            sigs = small_signatures(toks)
            yield _batch({
                "doc": np.r_[doc, idx].astype(np.int64),
                "key": np.r_[key.view(np.int64), np.zeros(len(idx), np.int64)],
                "len": np.r_[sums, total].astype(np.int64),
                "prio": np.r_[sample_priority(key, doc), np.zeros(len(idx), np.int64)],
                "sig": [None] * len(key) + [s.tobytes() for s in sigs],
            }, LINES_SCHEMA)

    return run


def _judge_fn(params):
    """Frequent lines (rows key, doc, repeated, sig sorted by key) that are boilerplate."""

    def run(batches):
        from copytrace.boilerplate import look_like_copies

        t = _whole(batches)
        if t is None:
            return
        keys = t.column("key").to_numpy()
        rep = t.column("repeated").to_numpy()
        sigs = t.column("sig").to_pylist()
        out = []
        for s, e in _groups(keys):
            sig = np.stack([np.frombuffer(x, np.uint32) for x in sigs[s:e]])
            if not look_like_copies(rep[s:e], sig, params):
                out.append(keys[s])
        yield _batch({"key": np.array(out, dtype=np.int64)}, "key long")

    return run


FEATURES_SCHEMA = ("doc long, bands array<long>, anchors array<long>, skel array<long>, "
                   "ents array<long>, spun double, length long, bchars long, chars long")


def _features_fn(cfg: ScanConfig):
    """Per document what candidate search needs (as `local.scan` computes it)."""

    def run(batches):
        from copytrace.engines.local import candidate_keys
        from copytrace.spin import spun_scores

        for batch in batches:
            texts = batch.column("text").to_pylist()
            _, boiler = _lists(batch.column("boiler"))
            _, matchable, bchars = _prepared(texts, boiler)
            bands, anchors, skel, ents = candidate_keys(texts, matchable, cfg)
            spun = [round(x, 3) for x in spun_scores(texts, matchable)] if cfg.spin \
                else [None] * len(texts)
            yield _batch({
                "doc": batch.column("idx"), "bands": _list_col(bands),
                "anchors": _list_col(anchors), "skel": _list_col(skel), "ents": _list_col(ents),
                "spun": spun, "length": [len(t) for t in matchable], "bchars": bchars,
                "chars": [len(x) for x in texts],
            }, FEATURES_SCHEMA)

    return run


def _bucket_fn(n: int, max_docs: int, counted: bool):
    """Pairs from one partition of (key, doc) rows sorted by key then doc: every pair within a
    key's run (`candidates._bucket_pairs`), or with ``counted`` the pairs sharing keys carried by
    at most ``max_docs`` documents and how many (`candidates.shared_key_counts`)."""

    def run(batches):
        from copytrace.candidates import _bucket_pairs, shared_key_counts

        t = _whole(batches)
        if t is None:
            return
        keys = t.column("key").to_numpy().view(_U64)
        docs = t.column("doc").to_numpy().astype(np.int64)
        if counted:
            flat, counts = shared_key_counts(keys, docs, n, max_docs)
        else:
            flat = np.unique(_bucket_pairs(keys, docs, max_docs, False, n))
            flat = flat[flat // n != flat % n]
            counts = np.ones(len(flat), dtype=np.int64)
        yield _batch({"a": flat // n, "b": flat % n, "c": counts.astype(np.int64)},
                     "a long, b long, c long")

    return run


PAIR_FIELDS = ("a long, b long, relation string, direction string, similarity double, "
               "containment_ab double, containment_ba double, "
               "passages array<struct<a:array<long>,b:array<long>>>, raw_similarity double, "
               "raw_containment_ab double, raw_containment_ba double")
PAIR_SCHEMA = PAIR_FIELDS + ", copy long"


def _pair_row(rows: dict, a: int, b: int, pair, copy=None) -> None:
    """One pair's output fields (rounded as the local engine writes them) and its unrounded
    similarity and containments (which rank links and choose sources, as locally)."""
    j = pair.to_json()
    for k, v in (("a", a), ("b", b), ("relation", j["relation"]), ("direction", j["direction"]),
                 ("similarity", j["similarity"]), ("containment_ab", j["containment_ab"]),
                 ("containment_ba", j["containment_ba"]), ("passages", j["passages"]),
                 ("raw_similarity", float(pair.similarity)),
                 ("raw_containment_ab", float(pair.containment_ab)),
                 ("raw_containment_ba", float(pair.containment_ba)), ("copy", copy)):
        rows[k].append(v)


def _pair_columns() -> dict:
    return {c.split()[0]: [] for c in PAIR_SCHEMA.split(", ")}


def _verify_fn(cfg: ScanConfig, semantic_fallback: bool = False):
    """Align candidate pairs (rows a, b and each side's id, text, boiler, date, spun) as
    `local.scan` aligns them; with ``semantic_fallback`` (a family member and its source), a pair
    without copy evidence is compared on its sentences as well (`local._assign_families`)."""

    def run(batches):
        from copytrace.document import Document
        from copytrace.engines.local import semantic_pair, verify_pairs
        from copytrace.semantic import SemanticVerifier

        for batch in batches:
            d = batch.to_pydict()
            local: dict[int, int] = {}
            docs, spun, boiler_parts = [], [], []
            offs = {s: _lists(batch.column(f"{s}_boiler")) for s in "ab"}
            for r in range(batch.num_rows):
                for s in "ab":
                    g = d[s][r]
                    if g not in local:
                        local[g] = len(docs)
                        docs.append(Document(id=d[f"{s}_id"][r], text=d[f"{s}_text"][r],
                                             date=d[f"{s}_date"][r]))
                        spun.append(d[f"{s}_spun"][r])
                        o, v = offs[s]
                        boiler_parts.append(v[o[r]:o[r + 1]])
            _, matchable, _ = _prepared([x.text for x in docs], np.concatenate(boiler_parts))
            pairs = np.array([[local[a], local[b]] for a, b in zip(d["a"], d["b"])],
                             dtype=np.int64).reshape(-1, 2)
            found = {(i, j): pair for i, j, pair in verify_pairs(docs, pairs, cfg, matchable,
                                                                 spun)}
            rows = _pair_columns()
            for (a, b), (i, j) in zip(zip(d["a"], d["b"]), pairs.tolist()):
                pair = found.get((i, j))
                if pair is not None:
                    copy = None
                    if pair.relation == "spun" and pair.direction != "unknown":
                        copy = b if pair.direction == "a->b" else a
                    _pair_row(rows, a, b, pair, copy)
                elif semantic_fallback and cfg.semantic:
                    sem = SemanticVerifier([docs[i].text, docs[j].text], cfg.semantic_params)
                    al, rel = sem.verify(0, 1)
                    if rel in ("rewrite", "translation"):
                        _pair_row(rows, a, b, semantic_pair(0, 1, al, rel, [docs[i], docs[j]],
                                                            cfg))
            yield _batch(rows, PAIR_SCHEMA)

    return run


EMBED_SCHEMA = "doc long, lang string, spans binary, vecs binary, k int"


def _embed_fn(cfg: ScanConfig):
    """Each document's sentence vectors and language (`semantic.SemanticVerifier.embed`)."""

    def run(batches):
        from copytrace.fingerprint.embed import single_blas
        from copytrace.semantic import SemanticVerifier

        for batch in batches:
            texts = batch.column("text").to_pylist()
            sem = SemanticVerifier(texts, cfg.semantic_params)
            with single_blas():
                sem.embed(range(len(texts)))
            vecs = [sem.vectors[k] for k in range(len(texts))]
            yield _batch({
                "doc": batch.column("idx"), "lang": [sem.langs[k] for k in range(len(texts))],
                "spans": [v.spans.astype(np.int64).tobytes() for v in vecs],
                "vecs": [v.vectors.astype(np.float16).tobytes() for v in vecs],
                "k": [len(v) for v in vecs],
            }, EMBED_SCHEMA)

    return run


def _semantic_fn(cfg: ScanConfig):
    """Judge name-and-number candidates on their sentences (rows a, b, c and each side's id,
    date, lang, spans, vecs, k)."""

    def run(batches):
        from copytrace.document import Document
        from copytrace.engines.local import semantic_pair
        from copytrace.fingerprint.embed import SentenceVectors
        from copytrace.semantic import judge

        def vectors(d, s, r):
            k = d[f"{s}_k"][r]
            return SentenceVectors(np.frombuffer(d[f"{s}_spans"][r], np.int64).reshape(-1, 2),
                                   np.frombuffer(d[f"{s}_vecs"][r], np.float16).reshape(k, -1))

        for batch in batches:
            d = batch.to_pydict()
            rows = _pair_columns()
            for r in range(batch.num_rows):
                al, rel = judge(vectors(d, "a", r), vectors(d, "b", r), d["a_lang"][r],
                                d["b_lang"][r], cfg.semantic_params, d["c"][r], d["a_date"][r],
                                d["b_date"][r])
                if rel is None:
                    continue
                docs = [Document(id=d[f"{s}_id"][r], text="", date=d[f"{s}_date"][r])
                        for s in "ab"]
                _pair_row(rows, d["a"][r], d["b"][r], semantic_pair(0, 1, al, rel, docs, cfg))
            yield _batch(rows, PAIR_SCHEMA)

    return run


SOURCES_SCHEMA = "t int, x long, y long, family string"


def _sources_fn():
    """Per family (rows sorted by comp; t=0 member: x doc, id, date, length, copy; t=1 edge:
    x, y, cab, cba; t=2 related pair x, y): its source by `cluster.choose_source`. Emits t=0
    (member x, source y, family id) and t=1 (pair x, y of a member and its source that no
    candidate pair aligned)."""

    def run(batches):
        from copytrace.cluster import Edge, choose_source

        t = _whole(batches)
        if t is None:
            return
        d = t.to_pydict()
        comp = np.asarray(d["comp"])
        out = {"t": [], "x": [], "y": [], "family": []}
        for s, e in _groups(comp):
            members, edges, known = [], [], set()
            ids, dates, lengths, copies = {}, {}, {}, set()
            for r in range(s, e):
                kind, x, y = d["t"][r], d["x"][r], d["y"][r]
                if kind == 0:
                    members.append(x)
                    ids[x], dates[x], lengths[x] = d["id"][r], d["date"][r], d["length"][r]
                    if d["copy"][r]:
                        copies.add(x)
                elif kind == 1:
                    edges.append(Edge(x, y, d["cab"][r], d["cba"][r]))
                    known.add((x, y))
                else:
                    known.add((x, y))
            members.sort()
            src = choose_source(members, edges, dates, lengths, ids, copies)
            for m in members:
                out["t"].append(0), out["x"].append(m), out["y"].append(src)
                out["family"].append(ids[src])
                key = (min(m, src), max(m, src))
                if m != src and key not in known:
                    out["t"].append(1), out["x"].append(key[0]), out["y"].append(key[1])
                    out["family"].append(None)
        yield _batch(out, SOURCES_SCHEMA)

    return run


# --------------------------------------------------------------------------- driver

class _Run:
    """One scan: the session, the work folder, the stage timer."""

    def __init__(self, spark, work: str, opts: SparkOptions, progress: Progress,
                 cfg: ScanConfig | None = None):
        self.spark, self.work, self.opts, self.progress = spark, work.rstrip("/"), opts, progress
        self.cfg = cfg or ScanConfig()
        self.par = spark.sparkContext.defaultParallelism
        self.n = self.p_docs = self.p_shuffle = 0
        self.seconds: dict[str, float] = {}
        self._stage: str | None = None
        self._t0 = 0.0

    def stage(self, name: str) -> None:
        self.end()
        self._stage, self._t0 = name, time.perf_counter()
        self.progress.start(name, 1)

    def end(self) -> None:
        if self._stage:
            self.seconds[self._stage] = round(time.perf_counter() - self._t0, 3)
            self.progress.advance()
            self.progress.done()
            self._stage = None

    def save(self, df, name: str, partitions: int | None = None):
        """Write a stage's table as parquet and read it back (the lineage ends here)."""
        path = f"{self.work}/{name}"
        if partitions:
            df = df.repartition(partitions)
        df.write.mode("overwrite").parquet(path)
        return self.spark.read.parquet(path)

    def sized(self, n: int) -> None:
        """Partition counts for a corpus of ``n`` documents."""
        self.n = n
        self.p_docs = max(2 * self.par, -(-n // self.opts.docs_per_partition))
        self.p_shuffle = max(self.par, -(-n // (4 * self.opts.docs_per_partition)))
        self.spark.conf.set("spark.sql.shuffle.partitions", str(self.p_shuffle))

    def batch(self, rows: int) -> None:
        self.spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(rows))


def _list_inputs(spark, inputs: list[str]
                 ) -> tuple[list[tuple[int, str, str, bool]], list[tuple[float, Problem]]]:
    """Input files in reading order: local paths as the local engine walks them, then files
    under URIs (``file://`` included; listed by Spark, sorted by path): (rank, path to read,
    path to report, read through Spark), and the inputs that cannot be listed."""
    from copytrace.ingest import iter_files

    files: list[tuple[int, str, str, bool]] = []
    problems: list[tuple[float, Problem]] = []  # (just after this file rank, problem)
    for item in iter_files([p for p in inputs if not is_uri(p)]):
        if isinstance(item, Problem):
            problems.append((len(files) - 0.5, item))  # sorted with the files' problems
        else:
            files.append((len(files), str(item.absolute()), str(item), False))
    remote = [p for p in inputs if is_uri(p)]
    if remote:
        from pyspark.sql.utils import AnalysisException

        for uri in remote:
            try:
                found = (spark.read.format("binaryFile").option("recursiveFileLookup", "true")
                         .load(uri).select("path").collect())
            except AnalysisException as e:
                problems.append((len(files) - 0.5,
                                 Problem(uri, f"cannot list: {str(e).splitlines()[0]}")))
                continue
            for row in sorted(found, key=lambda r: r.path):
                name = row.path.rsplit("/", 1)[-1]
                if not name.startswith("."):
                    files.append((len(files), row.path, row.path, True))
    return files, problems


class ScanProblem(Exception):
    """A scan that cannot go on (``strict`` and an unreadable input)."""


def scan(inputs: list[str], out: str, cfg: ScanConfig | None = None,
         opts: SparkOptions | None = None, fields=None, fmt: str = "jsonl",
         progress: Progress | None = None, spark=None, strict: bool = False) -> dict:
    """Scan ``inputs`` (paths or URIs) on Spark and write the output contract under ``out``:
    ``documents/`` and ``pairs/`` (jsonl part files, or parquet with ``fmt="parquet"``, rows in
    the local engine's order), ``skipped.jsonl`` and ``stats.json``. Returns the stats, with
    the inputs skipped (`Problem`) under ``_problems``. ``strict``: raise `ScanProblem` at the
    first unreadable input instead."""
    from pyspark.sql import functions as F

    from copytrace.ingest import FieldMap

    cfg = cfg or ScanConfig()
    opts = opts or SparkOptions()
    fields = fields or FieldMap()
    progress = progress or NullProgress()
    if fmt not in ("jsonl", "parquet"):
        raise ValueError(f"unknown output format {fmt!r} (jsonl or parquet)")
    bands, rows_per_band = cfg.banding()
    spark = spark or spark_session(opts)
    out = str(out).rstrip("/")
    work = opts.work_dir or f"{out}/_work"
    if not is_uri(work):
        work = str(Path(work).absolute())
    run = _Run(spark, work, opts, progress, cfg)
    t_start = time.perf_counter()

    run.stage("Reading")
    docs, problems = _read(run, inputs, fields, strict)
    if docs is None:
        run.end()
        _write_small(out, problems, {"documents": 0})
        return {"documents": 0, "problems": len(problems), "_problems": problems}
    n = run.n
    run.stage("Boilerplate")
    run.batch(opts.batch_docs)
    docs = _boilerplate(run, docs)
    run.stage("Fingerprinting")
    feats = run.save(docs.select("idx", "text", "boiler").mapInArrow(_features_fn(cfg),
                                                                     FEATURES_SCHEMA), "features")
    run.stage("Candidate search")
    cand, n_cand, n_lsh, n_skel = _candidates(run, feats)
    run.stage("Aligning")
    side = docs.select("idx", "id", "text", "boiler", "date").join(
        feats.select(F.col("doc").alias("idx"), "spun"), "idx")
    run.batch(opts.batch_pairs)
    related = run.save(_with_sides(cand, side).mapInArrow(_verify_fn(cfg), PAIR_SCHEMA),
                       "related")
    semantic = None
    if cfg.semantic:
        run.stage("Sentences")
        semantic = _sentences(run, docs, feats, related)
    run.stage("Families")
    edges, links, all_pairs, fam = _families(run, docs, feats, side, related, semantic)
    run.stage("Stories")
    result = _stories(run, docs, feats, fam, edges, links)
    run.stage("Writing")
    _write(result, all_pairs, out, fmt)
    run.end()

    stats_rows = result.agg(
        F.countDistinct(F.when(F.col("relation") != "independent", F.col("family")))
        .alias("families"), F.countDistinct("story").alias("stories")).first()
    singles = result.groupBy("story").count().where(F.col("count") == 1).count()
    stats = {
        "engine": "spark", "master": spark.sparkContext.master, "documents": n,
        "candidate_pairs": int(n_cand), "lsh_pairs": int(n_lsh), "skeleton_pairs": int(n_skel),
        "related_pairs": int(all_pairs.count()), "families": int(stats_rows.families),
        "stories": int(stats_rows.stories), "singleton_stories": int(singles),
        "same_story_pairs": int(links.count()) if links is not None else 0,
        "bands": bands, "rows": rows_per_band, "problems": len(problems),
        "seconds": {**run.seconds, "total": round(time.perf_counter() - t_start, 3)},
    }
    _write_small(out, problems, stats)
    if not opts.keep_work:
        _remove(spark, work)
    return {**stats, "_problems": problems}


def _read(run: _Run, inputs: list[str], fields, strict: bool):
    """Documents (idx, id, text, path, url, title, date) numbered in reading order, and the
    inputs skipped; (None, problems) when no document could be read."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    files, unlisted = _list_inputs(run.spark, inputs)
    problems = [p for _, p in unlisted]
    if not files:
        return None, problems
    fdf = run.spark.createDataFrame([f[:3] for f in files], "rank int, path string, shown string")
    remote = [p for _, p, _, rem in files if rem]
    parts = []
    local_files = fdf.where(~F.col("path").isin(remote)) if remote else fdf
    n_local = len(files) - len(remote)
    if n_local:
        parts.append(local_files.repartition(min(n_local, 4 * run.par))
                     .mapInArrow(_read_fn(fields), READ_SCHEMA))
    if remote:
        blobs = run.spark.read.format("binaryFile").load(remote).select("path", "content")
        parts.append(fdf.join(blobs, "path").select("rank", "path", "shown", "content")
                     .repartition(min(len(remote), 4 * run.par))
                     .mapInArrow(_read_fn(fields), READ_SCHEMA))
    run.batch(16)
    read = parts[0] if len(parts) == 1 else parts[0].unionByName(parts[1])
    read = run.save(read, "read")
    got = read.where(F.col("reason").isNull())
    # ids unique as the local reader makes them: the first in reading order keeps its id; a
    # file-named duplicate takes its path as id; a record with a seen id is skipped
    first = Window.partitionBy("id").orderBy("rank", "pos")
    got = got.withColumn("nth", F.row_number().over(first))
    renamed = got.where((F.col("nth") > 1) & F.col("from_name")).withColumn(
        "id", F.regexp_replace(F.col("path"), r"\.[^./]*$", ""))
    keep = got.where(F.col("nth") == 1).unionByName(renamed)
    keep = keep.withColumn("nth", F.row_number().over(first))
    dropped = got.where((F.col("nth") > 1) & ~F.col("from_name")).unionByName(
        keep.where(F.col("nth") > 1))
    keep = keep.where(F.col("nth") == 1)
    firsts = keep.select("id", F.col("path").alias("first_path"))
    found = [(r["rank"], r.record or 0, Problem(
        r.path, f"duplicate id {r.id!r} (first seen in {r.first_path}); record skipped",
        r.record)) for r in dropped.join(firsts, "id", "left")
        .select("rank", "id", "path", "record", "first_path").collect()]
    found += [(r["rank"], r.record or 0, Problem(r.path, r.reason, r.record))
              for r in read.where(F.col("reason").isNotNull())
              .select("rank", "path", "record", "reason").collect()]
    found += [(rank, 0, p) for rank, p in unlisted]
    problems = [p for *_, p in sorted(found, key=lambda x: x[:2])]  # in reading order
    if strict and problems:
        raise ScanProblem(f"{problems[0]} (--strict: stopping)")
    per_file = Window.partitionBy("rank").orderBy("pos")
    keep = keep.withColumn("k", F.row_number().over(per_file) - 1)
    counts = sorted((r["rank"], r["count"]) for r in keep.groupBy("rank").count().collect())
    offsets, acc = [], 0
    for rank, c in counts:
        offsets.append((rank, acc))
        acc += c
    if acc == 0:
        return None, problems
    run.sized(acc)
    off = run.spark.createDataFrame(offsets, "rank int, offset long")
    docs = keep.join(F.broadcast(off), "rank").select(
        (F.col("offset") + F.col("k")).alias("idx"), "id", "text", "path", "url", "title",
        "date")
    return run.save(docs, "docs", run.p_docs), problems


def _boilerplate(run: _Run, docs):
    """``docs`` with ``boiler``: the boilerplate line keys each document carries (null: none)."""
    from pyspark.sql import functions as F

    has_boiler = False
    if run.n >= run.cfg.boilerplate.min_docs:
        lines = run.save(docs.select("idx", "text").mapInArrow(_lines_fn(), LINES_SCHEMA),
                         "lines")
        info = lines.where(F.col("key") == 0).select("doc", F.col("len").alias("total"), "sig")
        lines = lines.where(F.col("key") != 0).drop("sig")
        freq = lines.groupBy("key").count().where(F.col("count") >= run.cfg.boilerplate.min_docs) \
            .select("key")
        freq = run.save(freq, "frequent")
        if freq.limit(1).count():
            in_freq = lines.join(freq, "key", "left_semi")
            repeated = in_freq.groupBy("doc").agg(F.sum("len").alias("rep"))
            info = info.join(repeated, "doc").select(
                "doc", "sig", (F.col("rep").cast("double") /
                               F.greatest(F.col("total").cast("double"), F.lit(1.0)))
                .alias("repeated"))
            sample = in_freq.groupBy("key").agg(
                F.min_by("doc", "prio", run.cfg.boilerplate.sample).alias("docs"))
            judged = (sample.select("key", F.explode("docs").alias("doc"))
                      .join(info, "doc").repartition("key").sortWithinPartitions("key")
                      .mapInArrow(_judge_fn(run.cfg.boilerplate), "key long"))
            boiler = run.save(judged, "boiler")
            per_doc = lines.join(boiler, "key", "left_semi").groupBy("doc") \
                .agg(F.collect_list("key").alias("boiler"))
            docs = docs.join(per_doc.withColumnRenamed("doc", "idx"), "idx", "left")
            docs = run.save(docs, "prepared", run.p_docs)
            has_boiler = True
    if not has_boiler:
        docs = docs.withColumn("boiler", F.lit(None).cast("array<long>"))

    return docs


def _keyed(run: _Run, feats, col: str, max_docs: int, counted: bool):
    """Pairs (a, b, c) from the keys in ``feats``' column ``col`` (see `_bucket_fn`)."""
    from pyspark.sql import functions as F

    rows = feats.select("doc", F.explode(col).alias("key"))
    return (rows.repartition(run.p_shuffle, "key").sortWithinPartitions("key", "doc")
            .mapInArrow(_bucket_fn(run.n, max_docs, counted), "a long, b long, c long"))


def _shared(run: _Run, feats, col: str, max_docs: int, at_least: int):
    """Pairs sharing at least ``at_least`` keys of ``col`` carried by at most ``max_docs``."""
    from pyspark.sql import functions as F

    return _keyed(run, feats, col, max_docs, True).groupBy("a", "b") \
        .agg(F.sum("c").alias("c")).where(F.col("c") >= at_least)


def _candidates(run: _Run, feats):
    """Candidate pairs (a < b) of the three channels, and their counts."""
    cfg = run.cfg
    lsh = run.save(_keyed(run, feats, "bands", cfg.max_bucket, False).select("a", "b")
                   .distinct(), "lsh")
    cand = lsh
    if cfg.anchor_rate:
        cand = cand.unionByName(_shared(run, feats, "anchors", cfg.max_bucket,
                                        cfg.min_anchors).select("a", "b"))
    n_skel = 0
    if cfg.spun:
        skel = run.save(_shared(run, feats, "skel", cfg.max_bucket, cfg.min_anchors)
                        .select("a", "b"), "skeleton_pairs")
        n_skel = skel.count()
        cand = cand.unionByName(skel)
    cand = run.save(cand.distinct(), "candidates")
    return cand, cand.count(), lsh.count(), n_skel


def _with_sides(pairs, table, cols=("id", "text", "boiler", "date", "spun")):
    """``pairs`` (a, b) with columns ``cols`` of ``table`` (keyed by idx) for each side."""
    from pyspark.sql import functions as F

    for s in "ab":
        t = table.select(F.col("idx").alias(s), *[F.col(c).alias(f"{s}_{c}") for c in cols])
        pairs = pairs.join(t, s)
    return pairs


def _sentences(run: _Run, docs, feats, related):
    """Pairs judged on their sentences: rewrites, translations and same-story pairs among the
    name-and-number candidates that are not copies."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    p = run.cfg.semantic_params
    counts = _shared(run, feats, "ents", p.max_entity_docs, 1)
    sizes = feats.select("doc", F.size("ents").alias("size"))
    counts = (counts.join(sizes.select(F.col("doc").alias("a"), F.col("size").alias("sa")),
                          "a")
              .join(sizes.select(F.col("doc").alias("b"), F.col("size").alias("sb")), "b"))
    ok = F.col("c") >= p.min_entities
    if p.min_entities_short is not None:
        ok = ok | ((F.col("c") >= p.min_entities_short) &
                   (2 * F.col("c") >= F.least("sa", "sb")))
    counts = counts.where(ok)
    by_a = Window.partitionBy("a").orderBy(F.desc("c"), "b")
    by_b = Window.partitionBy("b").orderBy(F.desc("c"), "a")
    todo = (counts.withColumn("ra", F.row_number().over(by_a))
            .withColumn("rb", F.row_number().over(by_b))
            .where((F.col("ra") <= p.top_k) | (F.col("rb") <= p.top_k))
            .select("a", "b", "c")
            .join(related.select("a", "b"), ["a", "b"], "left_anti"))
    todo = run.save(todo, "entity_pairs")
    need = todo.select(F.col("a").alias("idx")).union(todo.select(F.col("b").alias("idx"))) \
        .distinct()
    run.batch(64)
    vectors = run.save(docs.join(need, "idx", "left_semi").select("idx", "text")
                       .repartition(run.p_docs).mapInArrow(_embed_fn(run.cfg), EMBED_SCHEMA),
                       "vectors")
    vside = vectors.withColumnRenamed("doc", "idx").join(docs.select("idx", "id", "date"),
                                                          "idx")
    run.batch(run.opts.batch_pairs)
    return run.save(_with_sides(todo, vside, ("id", "date", "lang", "spans", "vecs", "k"))
                    .mapInArrow(_semantic_fn(run.cfg), PAIR_SCHEMA), "semantic")


def _families(run: _Run, docs, feats, side, related, semantic):
    """Copy edges, same-story links, every related pair, and each family member's family,
    source (``src``) and relation to it."""
    from pyspark.sql import functions as F

    pair_cols = [c.split()[0] for c in PAIR_FIELDS.split(", ")]
    edges = related.select(*pair_cols, F.lit(0).alias("kind"))
    links = None
    all_pairs = related.select(*pair_cols)
    if semantic is not None:
        sem_edges = semantic.where(F.col("relation") != "same-story")
        edges = edges.unionByName(sem_edges.select(*pair_cols, F.lit(1).alias("kind")))
        links = semantic.where(F.col("relation") == "same-story").select("a", "b")
        all_pairs = all_pairs.unionByName(semantic.select(*pair_cols))
    edges = run.save(edges, "edges")
    comp = components(run, edges.select("a", "b"), "families")
    lengths = feats.select(F.col("doc").alias("x"), "length")
    copies = related.where(F.col("copy").isNotNull()).select(F.col("copy").alias("x")) \
        .distinct().withColumn("copy", F.lit(True))
    members = (comp.select(F.col("node").alias("x"), "comp")
               .join(docs.select(F.col("idx").alias("x"), "id", "date"), "x")
               .join(lengths, "x").join(copies, "x", "left")
               .select("comp", F.lit(0).alias("t"), "x", F.lit(None).cast("long").alias("y"),
                       "id", "date", "length", F.lit(None).cast("double").alias("cab"),
                       F.lit(None).cast("double").alias("cba"),
                       F.coalesce("copy", F.lit(False)).alias("copy"), F.lit(0).alias("o")))
    comp_a = comp.select(F.col("node").alias("a"), "comp")
    fam_edges = edges.join(comp_a, "a").select(
        "comp", F.lit(1).alias("t"), F.col("a").alias("x"), F.col("b").alias("y"),
        F.lit(None).cast("string").alias("id"), F.lit(None).cast("string").alias("date"),
        F.lit(None).cast("long").alias("length"), F.col("raw_containment_ab").alias("cab"),
        F.col("raw_containment_ba").alias("cba"), F.lit(False).alias("copy"),
        "kind")
    in_fam = all_pairs.join(comp_a, "a").join(
        comp.select(F.col("node").alias("b"), F.col("comp").alias("comp_b")), "b") \
        .where(F.col("comp") == F.col("comp_b")).select(
        "comp", F.lit(2).alias("t"), F.col("a").alias("x"), F.col("b").alias("y"),
        F.lit(None).cast("string").alias("id"), F.lit(None).cast("string").alias("date"),
        F.lit(None).cast("long").alias("length"), F.lit(None).cast("double").alias("cab"),
        F.lit(None).cast("double").alias("cba"), F.lit(False).alias("copy"),
        F.lit(0).alias("o"))
    grouped = (members.unionByName(fam_edges.withColumnRenamed("kind", "o"))
               .unionByName(in_fam).repartition(run.p_shuffle, "comp")
               .sortWithinPartitions("comp", "t", "x", "o", "y"))
    sources = run.save(grouped.mapInArrow(_sources_fn(), SOURCES_SCHEMA), "sources")
    fam = sources.where(F.col("t") == 0).select(F.col("x").alias("idx"), F.col("y").alias("src"),
                                                "family")
    missing = sources.where(F.col("t") == 1).select(F.col("x").alias("a"), F.col("y").alias("b"))
    extra = run.save(_with_sides(missing, side).mapInArrow(_verify_fn(run.cfg, True),
                                                           PAIR_SCHEMA), "source_pairs")
    all_pairs = all_pairs.unionByName(extra.select(*pair_cols))
    all_pairs = run.save(all_pairs, "pairs")

    # relation to the source: the direct pair's, else that of the member's strongest link
    direct = all_pairs.where(F.col("relation") != "same-story").select(
        "a", "b", F.col("relation").alias("direct"))
    ends = edges.select(F.col("a").alias("idx"), "relation", "raw_similarity", "kind", "a", "b") \
        .unionByName(edges.select(F.col("b").alias("idx"), "relation", "raw_similarity", "kind",
                                  "a", "b"))
    linked = ends.groupBy("idx").agg(F.max_by("relation", F.struct(
        F.col("raw_similarity"), -F.col("kind"), -F.col("a"), -F.col("b"))).alias("linked"))
    fam = (fam.withColumn("a", F.least("idx", "src")).withColumn("b", F.greatest("idx", "src"))
           .join(direct, ["a", "b"], "left").join(linked, "idx", "left")
           .select("idx", "family", F.when(F.col("idx") == F.col("src"), "source")
                   .otherwise(F.coalesce("direct", "linked", F.lit("edited"))).alias("relation"),
                   "src"))
    fam = run.save(fam, "family_members")
    return edges, links, all_pairs, fam


def _stories(run: _Run, docs, feats, fam, edges, links):
    """The documents' output rows (idx first), each with its family and story."""
    from pyspark.sql import functions as F

    result = (docs.select("idx", "id", "path", "url", "title", "date")
              .join(feats.select(F.col("doc").alias("idx"), "spun", "bchars", "chars"), "idx")
              .join(fam, "idx", "left")
              .select("idx", "id", "path", "url", "title", "date",
                      F.coalesce("family", "id").alias("family"),
                      F.coalesce("relation", F.lit("independent")).alias("relation"),
                      F.when(F.col("src").isNotNull(), F.col("family")).alias("source"),
                      F.col("spun").alias("spun_score"), F.col("bchars").alias("boilerplate_chars"),
                      "chars"))
    result = run.save(result, "results")
    story_edges = edges.select("a", "b")
    if links is not None:
        story_edges = story_edges.unionByName(links)
    scomp = components(run, story_edges, "stories")
    sm = scomp.select(F.col("node").alias("idx"), "comp").join(
        result.select("idx", "id", "family", "date"), "idx")
    size = sm.groupBy("comp", "family").count()
    heads = sm.where(F.col("id") == F.col("family")).join(size, ["comp", "family"])
    named = heads.groupBy("comp").agg(F.min_by("family", F.struct(
        F.coalesce("date", F.lit("9999")), -F.col("count"), F.col("family"))).alias("story"))
    fallback = sm.groupBy("comp").agg(F.min_by("family", "idx").alias("fallback"))
    story = sm.select("idx", "comp").join(named, "comp", "left").join(fallback, "comp") \
        .select("idx", F.coalesce("story", "fallback").alias("story"))
    result = result.join(story, "idx", "left").withColumn(
        "story", F.coalesce("story", "family"))
    return run.save(result, "results_with_stories")


def _write(result, all_pairs, out: str, fmt: str) -> None:
    """documents/ and pairs/ in the local engine's order and fields."""
    from pyspark.sql import functions as F

    id_of = result.select("idx", "id")
    pairs_out = (all_pairs.join(id_of.select(F.col("idx").alias("a"), F.col("id").alias("a_id")),
                                "a")
                 .join(id_of.select(F.col("idx").alias("b"), F.col("id").alias("b_id")), "b")
                 .orderBy("a", "b")
                 .select(F.col("a_id").alias("a"), F.col("b_id").alias("b"), "relation",
                         "direction", "similarity", "containment_ab", "containment_ba",
                         "passages"))
    docs_out = result.orderBy("idx").select(
        "id", "path", "url", "title", "date", "family", "story", "relation", "source",
        "spun_score", "boilerplate_chars", "chars")
    for name, df in (("documents", docs_out), ("pairs", pairs_out)):
        w = df.write.mode("overwrite")
        if fmt == "parquet":
            w.parquet(f"{out}/{name}")
        else:
            w.option("ignoreNullFields", "false").json(f"{out}/{name}")


def components(run: _Run, edges, name: str):
    """Connected components of an undirected graph given as a DataFrame of edges (a, b), as
    (node, comp) rows where comp is the component's smallest node; nodes without edges are not
    listed. Large-star and small-star alternate until the edge set stops changing (Kiveris et
    al. 2014: O(log^2 n) rounds); every round is a few shuffles, and no step gathers a component
    or the edge list in one place."""
    from pyspark.sql import functions as F

    def star(df):
        return df.where(F.col("u") != F.col("v")).distinct()

    e = run.save(star(edges.select(F.col("a").alias("u"), F.col("b").alias("v"))), f"{name}_0")
    rounds = 0
    while True:
        rounds += 1
        both = e.unionByName(e.select(F.col("v").alias("u"), F.col("u").alias("v")))
        m = both.groupBy("u").agg(F.min("v").alias("m")).select(
            "u", F.least("u", "m").alias("m"))
        large = star(both.join(m, "u").where(F.col("v") > F.col("u"))
                     .select(F.col("v").alias("u"), F.col("m").alias("v")))
        m2 = large.groupBy("u").agg(F.min("v").alias("m"))
        small = large.join(m2, "u").select(F.explode(F.array(
            F.struct(F.col("v").alias("u"), F.col("m").alias("v")),
            F.struct(F.col("u").alias("u"), F.col("m").alias("v")))).alias("e")) \
            .select("e.u", "e.v")
        new = run.save(star(small), f"{name}_{rounds}")
        changed = new.join(e, ["u", "v"], "left_anti").limit(1).count() or \
            e.join(new, ["u", "v"], "left_anti").limit(1).count()
        e = new
        if not changed:
            break
    return e.select(F.col("u").alias("node"), F.col("v").alias("comp")).unionByName(
        e.select(F.col("v").alias("node"), F.col("v").alias("comp")).distinct())


def _write_small(out: str, problems: list[Problem], stats: dict) -> None:
    """skipped.jsonl and stats.json beside the tables (local output folders only)."""
    if is_uri(out) and not out.startswith("file://"):
        return
    base = Path(out[7:] if out.startswith("file://") else out)
    base.mkdir(parents=True, exist_ok=True)
    from copytrace.report.jsonl import write_jsonl

    write_jsonl(base / "skipped.jsonl", ({"path": p.path, "record": p.record,
                                          "reason": p.reason} for p in problems))
    (base / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")


def _remove(spark, path: str) -> None:
    if not is_uri(path) or path.startswith("file://"):
        shutil.rmtree(path[7:] if path.startswith("file://") else path, ignore_errors=True)
        return
    jvm = spark.sparkContext._jvm  # remote work folders: through Hadoop's FileSystem
    p = jvm.org.apache.hadoop.fs.Path(path)
    p.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).delete(p, True)
