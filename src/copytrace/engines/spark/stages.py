"""The Spark engine's driver: each stage as DataFrame operations around the executor tasks
(`tasks`). Spark decides where rows live and moves them; every decision about them is a task's,
made by the local engine's functions.

    read         files listed on the driver, read on the executors by copytrace's readers
    boilerplate  line keys -> document frequency (groupBy) -> each frequent line's sample of
                 documents (``min_by`` over `boilerplate.sample_priority`) judged by a task
    features     per document: matchable tokens, candidate keys, spun_score
    candidates   keys shuffled by key; each partition's runs of equal keys paired by a task
    verify       candidate pairs joined with both texts, aligned by a task
    sentences    shared names and numbers counted by key, the candidate rule and top-k by
                 tasks, each document embedded once, pairs judged by a task
    families     components of family-joining pairs (`components`); in rounds, per family, a
                 task chooses the source, members without a pair with it are aligned, and a
                 task splits off the members that showed nothing of it (new families, the
                 next round's); per family, a task names each member's relation
    stories      components of story-linking pairs; per story, a task names it
    write        documents/ and pairs/ in the output contract's fields and order
"""

from __future__ import annotations

import time

import numpy as np
from pyspark.sql import functions as F
from pyspark.sql.window import Window

from copytrace import cluster
from copytrace.candidates import several_languages, translation_shortlist
from copytrace.config import ScanConfig
from copytrace.document import Problem
from copytrace.engines.spark import tasks
from copytrace.engines.spark.components import components
from copytrace.engines.spark.session import SparkOptions, is_uri
from copytrace.outputs import DOCUMENT_FIELDS, PAIR_FIELDS
from copytrace.pipeline import Probes, story_candidates, translation_candidates
from copytrace.progress import Progress
from copytrace.relations import (FAMILY_RELATIONS, INDEPENDENT, PAIR_RELATIONS, PARTIAL,
                                 SAME_STORY, SETTLING_RELATIONS, SOURCE, STORY_RELATIONS,
                                 text_evidence)


class ScanProblem(Exception):
    """A scan that cannot go on: ``strict`` and an unreadable input (``problem``), no usable
    document (``skipped``: the inputs refused, each with its reason), or a bad input
    (neither set)."""

    def __init__(self, message: str, problem: Problem | None = None,
                 skipped: list[Problem] | None = None):
        super().__init__(message)
        self.problem = problem
        self.skipped = skipped


class Run:
    """One scan: the session, the work folder, the stage timer, the partition counts."""

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


# ----------------------------------------------------------------------------- read

def list_inputs(spark, inputs: list[str]
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


def read(run: Run, inputs: list[str], fields, strict: bool):
    """Documents (idx, id, text, path, url, title, date) numbered in reading order, and the
    inputs skipped; (None, problems) when no document could be read."""
    files, unlisted = list_inputs(run.spark, inputs)
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
                     .mapInArrow(tasks.read_fn(fields), tasks.READ_SCHEMA))
    if remote:
        blobs = run.spark.read.format("binaryFile").load(remote).select("path", "content")
        parts.append(fdf.join(blobs, "path").select("rank", "path", "shown", "content")
                     .repartition(min(len(remote), 4 * run.par))
                     .mapInArrow(tasks.read_fn(fields), tasks.READ_SCHEMA))
    run.batch(16)
    got_all = parts[0] if len(parts) == 1 else parts[0].unionByName(parts[1])
    return _numbered(run, run.save(got_all, "read"), unlisted, strict)


#: rows of a DataFrame numbered by one task (`read_frame`)
FRAME_BLOCK = 1 << 16


def read_frame(run: Run, frame, fields, strict: bool):
    """Documents (idx, id, text, path, url, title, date) of a DataFrame of records, numbered
    in its row order and checked as a records file's are (`ingest.records.make_record`: no
    text, a blank one, a duplicate id... is a problem naming the row), and the rows skipped;
    (None, problems) when no document is left."""
    from pyspark.sql.types import IntegerType, LongType, StringType, StructField, StructType

    if fields.text not in frame.columns:  # (without an id column, ids are DataFrame#row)
        raise ScanProblem(f"the DataFrame has no column {fields.text!r} (its columns: "
                          f"{', '.join(frame.columns[:12])}); text_field= names another")
    cols = [c for c in dict.fromkeys((fields.id, fields.text, fields.url, fields.title,
                                      fields.date, fields.source)) if c in frame.columns]
    as_text = frame.select(*[F.col(c).cast("string").alias(c) for c in cols])
    schema = StructType([StructField("rank", IntegerType()), StructField("pos", LongType())] +
                        [StructField(c, StringType()) for c in cols])
    # rank: blocks of rows, so that numbering them (`_numbered`) spreads over tasks
    rows = as_text.rdd.zipWithIndex().map(lambda r: (r[1] // FRAME_BLOCK, r[1], *r[0]))
    numbered = run.spark.createDataFrame(rows, schema)
    run.batch(1000)
    got_all = run.save(numbered.mapInArrow(tasks.records_fn(fields), tasks.READ_SCHEMA), "read")
    return _numbered(run, got_all, [], strict)


def _numbered(run: Run, got_all, unlisted: list, strict: bool):
    """The read rows (``tasks.READ_SCHEMA``) as documents numbered in reading order, with
    unique ids, and the problems in reading order (see `read`)."""
    got = got_all.where(F.col("reason").isNull())
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
              for r in got_all.where(F.col("reason").isNotNull())
              .select("rank", "path", "record", "reason").collect()]
    found += [(rank, 0, p) for rank, p in unlisted]
    problems = [p for *_, p in sorted(found, key=lambda x: x[:2])]  # in reading order
    if strict and problems:
        raise ScanProblem(f"{problems[0]} (--strict: stopping)", problems[0])
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


# ----------------------------------------------------------------------------- boilerplate

def boilerplate(run: Run, docs):
    """``docs`` with ``boiler``: the boilerplate line keys each document carries (null: none)."""
    params = run.cfg.boilerplate
    if run.n >= params.min_docs:
        lines = run.save(docs.select("idx", "text").mapInArrow(tasks.lines_fn(),
                                                               tasks.LINES_SCHEMA), "lines")
        info = lines.where(F.col("key") == 0).select("doc", F.col("len").alias("total"), "sig")
        lines = lines.where(F.col("key") != 0).drop("sig")
        freq = lines.groupBy("key").count().where(F.col("count") >= params.min_docs) \
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
                F.min_by("doc", "prio", params.sample).alias("docs"))
            judged = (sample.select("key", F.explode("docs").alias("doc"))
                      .join(info, "doc").repartition("key").sortWithinPartitions("key")
                      .mapInArrow(tasks.judge_lines_fn(params), "key long"))
            boiler = run.save(judged, "boiler")
            per_doc = lines.join(boiler, "key", "left_semi").groupBy("doc") \
                .agg(F.collect_list("key").alias("boiler"))
            docs = docs.join(per_doc.withColumnRenamed("doc", "idx"), "idx", "left")
            return run.save(docs, "prepared", run.p_docs)
    return docs.withColumn("boiler", F.lit(None).cast("array<long>"))


# ----------------------------------------------------------------------------- candidates

def features(run: Run, docs):
    return run.save(docs.select("idx", "text", "boiler").mapInArrow(
        tasks.features_fn(run.cfg), tasks.FEATURES_SCHEMA), "features")


def _keyed(run: Run, feats, col: str, max_docs: int, counted: bool):
    """Pairs (a, b, c) from the keys in ``feats``' column ``col`` (see `tasks.bucket_fn`)."""
    rows = feats.select("doc", F.explode(col).alias("key"))
    return (rows.repartition(run.p_shuffle, "key").sortWithinPartitions("key", "doc")
            .mapInArrow(tasks.bucket_fn(run.n, max_docs, counted), tasks.PAIRS_SCHEMA))


def _shared(run: Run, feats, col: str, max_docs: int, at_least: int):
    """Pairs sharing at least ``at_least`` keys of ``col`` carried by at most ``max_docs``."""
    return _keyed(run, feats, col, max_docs, True).groupBy("a", "b") \
        .agg(F.sum("c").alias("c")).where(F.col("c") >= at_least)


def candidates(run: Run, feats):
    """Candidate pairs (a < b) of the three copy channels, and their counts."""
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


def with_sides(pairs, table, cols=("id", "text", "boiler", "date", "spun_score")):
    """``pairs`` (a, b) with columns ``cols`` of ``table`` (keyed by idx) for each side."""
    for s in "ab":
        t = table.select(F.col("idx").alias(s), *[F.col(c).alias(f"{s}_{c}") for c in cols])
        pairs = pairs.join(t, s)
    return pairs


def verify(run: Run, cand, side):
    run.batch(run.opts.batch_pairs)
    return run.save(with_sides(cand, side).mapInArrow(tasks.verify_fn(run.cfg),
                                                      tasks.PAIR_SCHEMA), "related")


# ----------------------------------------------------------------------------- sentences

def sentences(run: Run, docs, feats, related):
    """Pairs judged on their sentences: rewrites, translations and same-story pairs among the
    name-and-number candidates (`candidates.entity_pairs`' rule) that are not copies."""
    p = run.cfg.semantic_params
    counts = _shared(run, feats, "ents", p.max_entity_docs, 1)
    sizes = feats.select("doc", F.size("ents").alias("size"))
    counts = (counts.join(sizes.select(F.col("doc").alias("a"), F.col("size").alias("sa")),
                          "a")
              .join(sizes.select(F.col("doc").alias("b"), F.col("size").alias("sb")), "b"))
    top_a = (counts.repartition(run.p_shuffle, "a").sortWithinPartitions("a", "b")
             .mapInArrow(tasks.entity_top_fn(run.cfg, "a"), tasks.ENTITY_SCHEMA))
    top = (top_a.repartition(run.p_shuffle, "b").sortWithinPartitions("b", "a")
           .mapInArrow(tasks.entity_top_fn(run.cfg, "b"), tasks.ENTITY_SCHEMA))
    top = top.select("a", "b", "c")
    pr = _probes(run, docs)
    across = _translation_pairs(run, pr, feats)
    if across is not None:
        top = top.unionByName(across.join(top.select("a", "b"), ["a", "b"], "left_anti"))
    settled = related.where(F.col("relation").isin(list(SETTLING_RELATIONS))).select("a", "b")
    todo = top.join(settled, ["a", "b"], "left_anti")
    todo = run.save(todo, "entity_pairs")
    need = todo.select(F.col("a").alias("idx")).union(todo.select(F.col("b").alias("idx"))) \
        .distinct()
    run.batch(64)
    vectors = run.save(docs.join(need, "idx", "left_semi").select("idx", "text", "boiler")
                       .repartition(run.p_docs).mapInArrow(tasks.embed_fn(run.cfg),
                                                           tasks.EMBED_SCHEMA), "vectors")
    vside = vectors.withColumnRenamed("doc", "idx").join(
        docs.select("idx", "id", "date", "text"), "idx")
    run.batch(run.opts.batch_pairs)
    semantic = run.save(with_sides(todo, vside, ("id", "date", "text", "lang", "spans", "vecs",
                                                 "quoted", "k"))
                        .mapInArrow(tasks.semantic_fn(run.cfg), tasks.PAIR_SCHEMA), "semantic")
    story = _story_pairs(run, pr, docs, settled.unionByName(semantic.select("a", "b")))
    if story is None:
        return semantic
    return run.save(semantic.unionByName(story), "semantic_and_story")


def _probes(run: Run, docs):
    """Every document's language, topic vector and (when the corpus holds two languages or
    more) encoder probe (`pipeline.probe_stage`), computed in tasks and gathered on the driver
    (2-4 KiB a document) for the exact nearest-neighbour search, as a `pipeline.Probes` in the
    order of the documents' ``idx`` (which the returned array holds: the positions the rules
    give are mapped back through it); None when probes are off."""
    if not run.cfg.probes:
        return None
    run.batch(64)
    texts = docs.select("idx", "text").repartition(run.p_docs)
    rows = (texts.mapInArrow(tasks.topics_fn(run.cfg), tasks.TOPIC_SCHEMA).orderBy("doc")
            .collect())
    if not rows:
        return None
    langs = [r["lang"] for r in rows]
    idx = np.array([r["doc"] for r in rows], dtype=np.int64)
    topics = np.stack([np.frombuffer(r["topic"], np.float32) for r in rows])
    vectors = None
    if several_languages(langs):  # probes for the documents a translation could pair only
        wanted = translation_shortlist(topics, langs,
                                       run.cfg.semantic_params.translation_shortlist)
        chosen = run.spark.createDataFrame([(int(i),) for i in idx[wanted].tolist()],
                                           "idx long")
        probed = (texts.join(chosen, "idx", "left_semi")
                  .mapInArrow(tasks.probes_fn(run.cfg), tasks.PROBE_SCHEMA).collect())
        vectors = np.zeros_like(topics)
        at = {int(i): k for k, i in enumerate(idx.tolist())}
        for r in probed:
            vectors[at[r["doc"]]] = np.frombuffer(r["probe"], np.float32)
    return idx, Probes(langs, topics, vectors)


def _translation_pairs(run: Run, pr, feats):
    """Candidates across languages (`pipeline.translation_candidates`), each with its shared
    names and numbers (``c``); None when there are none."""
    if pr is None:
        return None
    idx, probes = pr
    found = translation_candidates(probes, run.cfg)
    if not len(found):
        return None
    pairs = run.spark.createDataFrame([(int(a), int(b)) for a, b in idx[found].tolist()],
                                      "a long, b long")
    ents = feats.select("doc", "ents")
    return (pairs.join(ents.select(F.col("doc").alias("a"), F.col("ents").alias("ea")), "a")
            .join(ents.select(F.col("doc").alias("b"), F.col("ents").alias("eb")), "b")
            .select("a", "b", F.size(F.array_intersect("ea", "eb")).cast("long").alias("c")))


def _story_pairs(run: Run, pr, docs, known):
    """Same-story pairs of mutual nearest probes (`pipeline.story_candidates`,
    `pipeline.story_pair`) that no pair of ``known`` relates; None when there are none."""
    if pr is None:
        return None
    idx, probes = pr
    found, cos = story_candidates(probes, run.cfg)
    if not len(found):
        return None
    near = run.spark.createDataFrame(
        [(int(a), int(b), float(c)) for (a, b), c in zip(idx[found].tolist(), cos.tolist())],
        "a long, b long, cos double").join(known.select("a", "b"), ["a", "b"], "left_anti")
    return with_sides(near, docs, ("id", "date")).mapInArrow(tasks.story_fn(run.cfg),
                                                             tasks.PAIR_SCHEMA)


# ----------------------------------------------------------------------------- families

def _evidence_kind():
    """0 for pairs aligned on text, 1 for pairs aligned on sentences: the local engine lists a
    document's text links before its sentence links."""
    text = [r for r in PAIR_RELATIONS if text_evidence(r)]
    return F.when(F.col("relation").isin(text), 0).otherwise(1)


def _family_rows(run: Run, comp, docs, feats, pairs, edges, src=None):
    """`tasks.FAMILY_ROWS` for each family: its members, and every pair inside it (flagged when
    it is one of the family-forming ``edges``, (a, b) rows)."""
    comp_x = comp.select(F.col("node").alias("x"), "comp")
    members = (comp_x.join(docs.select(F.col("idx").alias("x"), "id", "date"), "x")
               .join(feats.select(F.col("doc").alias("x"), "length"), "x"))
    members = members.join(src, "x") if src is not None else \
        members.withColumn("src", F.lit(None).cast("long"))
    members = members.select(
        "comp", F.lit(0).alias("t"), "x", F.lit(None).cast("long").alias("y"), "id", "date",
        "length", "src", F.lit(None).cast("string").alias("relation"),
        F.lit(None).cast("string").alias("direction"), F.lit(None).cast("double").alias("sim"),
        F.lit(None).cast("double").alias("cab"), F.lit(None).cast("double").alias("cba"),
        F.lit(0).alias("kind"), F.lit(None).cast("boolean").alias("edge"))
    inside = (pairs.join(comp_x.withColumnRenamed("x", "a"), "a")
              .join(comp.select(F.col("node").alias("b"), F.col("comp").alias("comp_b")), "b")
              .where(F.col("comp") == F.col("comp_b"))
              .join(edges.select("a", "b", F.lit(True).alias("edge")), ["a", "b"], "left"))
    links = inside.select(
        "comp", F.lit(1).alias("t"), F.col("a").alias("x"), F.col("b").alias("y"),
        F.lit(None).cast("string").alias("id"), F.lit(None).cast("string").alias("date"),
        F.lit(None).cast("long").alias("length"), F.lit(None).cast("long").alias("src"),
        "relation", "direction", F.col("raw_similarity").alias("sim"),
        F.col("raw_containment_ab").alias("cab"), F.col("raw_containment_ba").alias("cba"),
        _evidence_kind().alias("kind"), F.coalesce("edge", F.lit(False)).alias("edge"))
    return (members.unionByName(links).repartition(run.p_shuffle, "comp")
            .sortWithinPartitions("comp", "t", "x", "kind", "y"))


def _family_edges(all_pairs):
    """The pairs that join families (`copytrace.cluster.family_links`, in DataFrame
    operations): every copy pair holding ``cluster.STRONG_DRAW`` of one of its documents, and
    any other family-joining pair only when it is, for one of its documents, the pair that
    document draws most from (the largest share of it found in the other; ties: the more similar
    pair, then the smaller other row)."""
    fam = all_pairs.where(F.col("relation").isin(list(FAMILY_RELATIONS)))
    draws = fam.select(F.col("a").alias("x"), F.col("b").alias("y"),
                       F.col("raw_containment_ab").alias("draw"),
                       F.col("raw_similarity").alias("sim")).unionByName(
        fam.select(F.col("b").alias("x"), F.col("a").alias("y"),
                   F.col("raw_containment_ba").alias("draw"),
                   F.col("raw_similarity").alias("sim")))
    order = Window.partitionBy("x").orderBy(F.desc("draw"), F.desc("sim"), F.asc("y"))
    top = (draws.withColumn("r", F.row_number().over(order)).where(F.col("r") == 1)
           .select("x", F.col("y").alias("top")))
    text = [r for r in FAMILY_RELATIONS if text_evidence(r)]
    return (fam.join(top.select(F.col("x").alias("a"), F.col("top").alias("top_a")), "a")
            .join(top.select(F.col("x").alias("b"), F.col("top").alias("top_b")), "b")
            .where((F.col("relation").isin(text)
                    & (F.greatest("raw_containment_ab", "raw_containment_ba")
                       >= cluster.STRONG_DRAW))
                   | (F.col("top_a") == F.col("b")) | (F.col("top_b") == F.col("a")))
            .select("a", "b"))


def _replace(pairs, later):
    """``pairs`` with ``later`` added: `pipeline.settle` on tables. A later pair of the same
    (a, b) as one of ``pairs`` (which can only be a ``partial`` pair) replaces it, except that a
    ``same-story`` one keeps the partial pair's word passages, containments and exact share
    (`pipeline.settled_pair`)."""
    keys = pairs.select("a", "b", F.col("relation").alias("was"))
    kept = ["containment_ab", "containment_ba", "exact_share", "passages",
            "raw_containment_ab", "raw_containment_ba"]
    merge = (F.col("relation") == SAME_STORY) & (F.col("was") == PARTIAL)
    on_found = later.join(keys, ["a", "b"])
    merged = (on_found.where(merge).drop("was", *kept)
              .join(pairs.select("a", "b", *kept), ["a", "b"]))
    later = (later.join(keys, ["a", "b"], "left_anti")
             .unionByName(on_found.where(~merge).drop("was")).unionByName(merged))
    return pairs.join(later.select("a", "b"), ["a", "b"], "left_anti").unionByName(later)


def families(run: Run, docs, feats, side, related, semantic):
    """Every related pair, and each family member's family, source (``src``) and relation to
    it (`copytrace.cluster`, per family)."""
    all_pairs = related if semantic is None else _replace(related, semantic)
    all_pairs = run.save(all_pairs, "pairs_found")
    edges = run.save(_family_edges(all_pairs), "family_edges")
    pending = components(run, edges, "families")
    final = None  # (x, src) of the members whose family is settled
    round_ = 0
    while True:  # ends: every round splits families into smaller ones, or none
        # a round: each pending family's source, its members aligned with it, then the
        # members that leave it (`cluster.assign_families`, the local engine's loop)
        sources = run.save(_family_rows(run, pending, docs, feats, all_pairs, edges)
                           .mapInArrow(tasks.sources_fn(), tasks.SOURCES_SCHEMA),
                           f"sources_{round_}")
        src = sources.where(F.col("t") == 0).select("x", F.col("y").alias("src"))
        unpaired = sources.where(F.col("t") == 1).select(F.col("x").alias("a"),
                                                         F.col("y").alias("b"))
        run.batch(run.opts.batch_pairs)
        extra = run.save(with_sides(unpaired, side).mapInArrow(
            tasks.verify_fn(run.cfg, with_source=True), tasks.PAIR_SCHEMA),
            f"source_pairs_{round_}")
        all_pairs = run.save(_replace(all_pairs, extra), f"pairs_{round_}")
        split = run.save(_family_rows(run, pending, docs, feats, all_pairs, edges, src)
                         .mapInArrow(tasks.split_fn(round_), tasks.SPLIT_SCHEMA),
                         f"split_{round_}")
        settled = split.where(F.col("t") == 0).select("x", F.col("y").alias("src"))
        final = settled if final is None else final.unionByName(settled)
        pending = split.where(F.col("t") == 1).select(F.col("x").alias("node"),
                                                      F.col("y").alias("comp"))
        if pending.isEmpty():
            break
        round_ += 1
    final = run.save(final, "family_sources")
    comp = final.select(F.col("x").alias("node"), F.col("src").alias("comp"))
    fam = (_family_rows(run, comp, docs, feats, all_pairs, edges, final)
           .mapInArrow(tasks.relations_fn(), tasks.SOURCES_SCHEMA)
           .select(F.col("x").alias("idx"), "family", "relation", F.col("y").alias("src")))
    # a family whose original is absent has no member called source, and reports none
    # (`cluster.Families.reported_source`)
    fam = fam.withColumn("headed", F.max((F.col("relation") == SOURCE).cast("int"))
                         .over(Window.partitionBy("family")) == 1)
    return all_pairs, run.save(fam, "family_members")


# ----------------------------------------------------------------------------- stories

def stories(run: Run, docs, feats, fam, all_pairs):
    """The documents' output rows (idx first), each with its family and story."""
    computed = {  # a document in no family is its own, independent
        "family": F.coalesce("family", "id"),
        "relation": F.coalesce("relation", F.lit(INDEPENDENT)),
        "source": F.when(F.col("src").isNotNull() & F.col("headed"), F.col("family")),
        "boilerplate_chars": F.col("bchars"),
        "src": F.coalesce("src", "idx"),
    }
    result = (docs.select("idx", "id", "path", "url", "title", "date")
              .join(feats.select(F.col("doc").alias("idx"), "spun_score", "bchars", "chars"), "idx")
              .join(fam, "idx", "left")
              .select("idx", "id", "path", "url", "title", "date", "spun_score", "chars",
                      *[col.alias(name) for name, col in computed.items()]))
    result = run.save(result, "results")
    scomp = components(run, all_pairs.where(F.col("relation").isin(list(STORY_RELATIONS)))
                       .select("a", "b"), "stories")
    rows = (scomp.select(F.col("node").alias("idx"), "comp")
            .join(result.select("idx", "id", "date", "src"), "idx")
            .repartition(run.p_shuffle, "comp").sortWithinPartitions("comp", "idx")
            .select("comp", "idx", "id", "date", "src"))
    story = rows.mapInArrow(tasks.story_names_fn(), "idx long, story string")
    result = result.join(story, "idx", "left").withColumn(
        "story", F.coalesce("story", "family"))
    return run.save(result, "results_with_stories")


# ----------------------------------------------------------------------------- write

def write(result, all_pairs, out: str, fmt: str) -> None:
    """documents/ and pairs/ in the output contract's fields (`copytrace.outputs`) and order."""
    docs_out, pairs_out = output_frames(result, all_pairs)
    for name, df in (("documents", docs_out), ("pairs", pairs_out)):
        w = df.write.mode("overwrite")
        if fmt == "parquet":
            w.parquet(f"{out}/{name}")
        else:
            w.option("ignoreNullFields", "false").json(f"{out}/{name}")


def output_frames(result, all_pairs, order_columns: bool = False):
    """The documents and the pairs as DataFrames in the output contract's fields
    (`copytrace.outputs`), sorted as the files are (documents in reading order, pairs by
    their documents' reading order). ``order_columns``: unsorted, with the columns to sort
    them by in front (``idx``; ``ia``, ``ib``), for a caller that saves them first."""
    id_of = result.select("idx", "id")
    pairs_out = (all_pairs.join(id_of.select(F.col("idx").alias("a"), F.col("id").alias("a_id")),
                                "a")
                 .join(id_of.select(F.col("idx").alias("b"), F.col("id").alias("b_id")), "b")
                 .withColumn("ia", F.col("a")).withColumn("ib", F.col("b"))
                 .withColumn("a", F.col("a_id")).withColumn("b", F.col("b_id")))
    if order_columns:
        return (result.select("idx", *DOCUMENT_FIELDS),
                pairs_out.select("ia", "ib", *PAIR_FIELDS))
    return (result.orderBy("idx").select(*DOCUMENT_FIELDS),
            pairs_out.orderBy("ia", "ib").select(*PAIR_FIELDS))
