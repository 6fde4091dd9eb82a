"""The Spark engine: the local engine's scan on a cluster, with the same output.

Spark decides where the data lives and how it moves; the work on it is done by the same functions
as the local engine's (`copytrace.pipeline`, `copytrace.candidates`, `copytrace.semantic`,
`copytrace.cluster`), called on Arrow record batches inside Spark (``mapInArrow``: one
numpy/numba call per batch of documents or pairs, as the local engine batches them).

One file per job:

    session.py     the Spark session, URIs, the work folder
    arrow.py       Arrow batches in and out of tasks (Spark DDL types as Arrow types)
    tasks.py       what the executors run: one task factory per stage
    stages.py      the driver: each stage as DataFrame operations around its task
                   (read, boilerplate, features, candidates, verify, sentences, families,
                   stories, write)
    components.py  connected components by large-star / small-star (Kiveris et al.,
                   "Connected Components in MapReduce and Beyond", SoCC 2014)
    __init__.py    `scan`: the stages in order, the stats, the side files

How the stages move data: band keys and anchors are shuffled by key and each partition's runs
of equal keys become pairs by the local kernels (a bucket over ``max_bucket`` emits a star plus
a chain, O(m) pairs, so templated pages cannot make one task emit m^2 pairs); candidate pairs are
joined with both texts and aligned on the executors; name-and-number candidates are counted by
key and ranked per document by tasks partitioned by each side; each document is embedded once;
families and stories are connected components found in DataFrame operations, and each family
(its source, its members' relations) and each story (its name) is decided by a task that gets
all of its rows.

Every stage writes its table as parquet into a work folder: lineage stays short, a failed task is
retried from the last table, and each stage is timed on its own (``stats.seconds``).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from copytrace.config import ScanConfig
from copytrace.document import Problem
from copytrace.engines.spark.components import components
from copytrace.engines.spark.session import (SparkOptions, is_uri, local_path, remove,
                                             spark_session)
from copytrace.engines.spark.stages import Run, ScanProblem
from copytrace.outputs import FORMATS, write_side_files
from copytrace.progress import NullProgress, Progress
from copytrace.relations import INDEPENDENT, SAME_STORY

__all__ = ["scan", "scan_frame", "FrameScan", "SparkOptions", "ScanProblem", "spark_session",
           "is_uri", "components", "Run"]


def scan(inputs: list[str], out: str, cfg: ScanConfig | None = None,
         opts: SparkOptions | None = None, fields=None, fmt: str = "jsonl",
         progress: Progress | None = None, spark=None, strict: bool = False) -> dict:
    """Scan ``inputs`` (paths or URIs) on Spark and write the output contract under ``out``:
    ``documents/`` and ``pairs/`` (jsonl part files, or parquet with ``fmt="parquet"``, rows in
    the local engine's order), ``skipped.jsonl`` and ``stats.json``. Returns the stats, with
    the inputs skipped (`Problem`) under ``_problems``. ``strict``: raise `ScanProblem` at the
    first unreadable input instead."""
    from copytrace.engines.spark import stages

    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r} ({' or '.join(FORMATS)})")
    opts = opts or SparkOptions()
    spark = spark or spark_session(opts)
    out = str(out).rstrip("/")
    run, fields = _run(spark, cfg, opts, fields, progress, f"{out}/_work")
    t_start = time.perf_counter()

    run.stage("Reading")
    docs, problems = stages.read(run, inputs, fields, strict)
    if docs is None:
        run.end()
        _side_files(out, problems, {"documents": 0})
        return {"documents": 0, "problems": len(problems), "_problems": problems}
    result, all_pairs, counts = _stages(run, docs)
    run.stage("Writing")
    stages.write(result, all_pairs, out, fmt)
    run.end()
    stats = _stats(run, result, all_pairs, counts, problems, t_start)
    _side_files(out, problems, stats)
    if not opts.keep_work:
        remove(spark, run.work)
    return {**stats, "_problems": problems}


def _run(spark, cfg: ScanConfig | None, opts: SparkOptions, fields, progress: Progress | None,
         default_work: str):
    """One scan's `Run` (its work folder: ``opts.work_dir``, else ``default_work``; local
    paths made absolute, for the executors) and its field map, the defaults filled in."""
    from copytrace.ingest import FieldMap

    cfg = cfg or ScanConfig()
    cfg.banding()  # ValueError before any work when bands and rows do not fit
    work = opts.work_dir or default_work
    if not is_uri(work):
        work = str(Path(work).absolute())
    return Run(spark, work, opts, progress or NullProgress(), cfg), fields or FieldMap()


def _stages(run: Run, docs):
    """Every stage after reading: the documents' result rows (`stages.stories`), every related
    pair, and the candidate counts (all, LSH, skeleton)."""
    from pyspark.sql import functions as F

    from copytrace.engines.spark import stages

    run.stage("Boilerplate")
    run.batch(run.opts.batch_docs)
    docs = stages.boilerplate(run, docs)
    run.stage("Fingerprinting")
    feats = stages.features(run, docs)
    run.stage("Candidate search")
    cand, n_cand, n_lsh, n_skel = stages.candidates(run, feats)
    run.stage("Aligning")
    side = docs.select("idx", "id", "text", "boiler", "date").join(
        feats.select(F.col("doc").alias("idx"), "spun_score"), "idx")
    related = stages.verify(run, cand, side)
    semantic = None
    if run.cfg.semantic:
        run.stage("Sentences")
        semantic = stages.sentences(run, docs, feats, related)
    run.stage("Families")
    all_pairs, fam = stages.families(run, docs, feats, side, related, semantic)
    run.stage("Stories")
    result = stages.stories(run, docs, feats, fam, all_pairs)
    return result, all_pairs, (n_cand, n_lsh, n_skel)


def _stats(run: Run, result, all_pairs, counts, problems: list, t_start: float) -> dict:
    """stats.json's figures of a Spark scan."""
    from pyspark.sql import functions as F

    n_cand, n_lsh, n_skel = counts
    bands, rows_per_band = run.cfg.banding()
    stats_rows = result.agg(
        F.countDistinct(F.when(F.col("relation") != INDEPENDENT, F.col("family")))
        .alias("families"), F.countDistinct("story").alias("stories")).first()
    singles = result.groupBy("story").count().where(F.col("count") == 1).count()
    return {
        "engine": "spark", "master": run.spark.sparkContext.master, "documents": run.n,
        "candidate_pairs": int(n_cand), "lsh_pairs": int(n_lsh), "skeleton_pairs": int(n_skel),
        "related_pairs": int(all_pairs.count()), "families": int(stats_rows.families),
        "stories": int(stats_rows.stories), "singleton_stories": int(singles),
        "same_story_pairs": int(all_pairs.where(F.col("relation") == SAME_STORY).count()),
        "bands": bands, "rows": rows_per_band, "problems": len(problems),
        "seconds": {**run.seconds, "total": round(time.perf_counter() - t_start, 3)},
    }


@dataclass
class FrameScan:
    """`scan_frame`'s answer: the documents and the pairs as Spark DataFrames (the output
    contract's fields and order, as ``documents/`` and ``pairs/`` hold them), the rows
    skipped, the stats, and the work folder the DataFrames are read from: keep it while you
    use them, then `remove` it (or call ``cleanup()``)."""

    documents: Any
    pairs: Any
    skipped: list[Problem]
    stats: dict
    work_dir: str

    def cleanup(self) -> None:
        """Delete the work folder (the DataFrames cannot be read afterwards)."""
        remove(self.documents.sparkSession, self.work_dir)


def scan_frame(frame, fields=None, cfg: ScanConfig | None = None,
               opts: SparkOptions | None = None, progress: Progress | None = None,
               strict: bool = False) -> FrameScan:
    """Scan a Spark DataFrame of records (``fields``: a `copytrace.ingest.FieldMap` naming
    its id and text columns, and url, title, date when it has them) with the same stages as
    `scan`, and return the documents and pairs as DataFrames instead of writing files. Rows
    are documents in the DataFrame's order; a row that cannot be used (no text, a blank one,
    a duplicate id) is skipped and listed. Raises `ScanProblem` with ``strict`` at the first
    such row, or when no row is usable."""
    from copytrace.engines.spark import stages

    opts = opts or SparkOptions()
    made = opts.work_dir or tempfile.mkdtemp(prefix="copytrace-spark-")
    try:
        run, fields = _run(frame.sparkSession, cfg, opts, fields, progress, made)
        t_start = time.perf_counter()
        run.stage("Reading")
        docs, problems = stages.read_frame(run, frame, fields, strict)
        if docs is None:
            run.end()
            raise ScanProblem("no documents could be read from the DataFrame" + (
                f": {problems[0]}" if problems else ""), skipped=problems)
        result, all_pairs, counts = _stages(run, docs)
        run.stage("Writing")
        documents, pairs = stages.output_frames(result, all_pairs, order_columns=True)
        documents = run.save(documents, "out_documents").orderBy("idx").drop("idx")
        pairs = run.save(pairs, "out_pairs").orderBy("ia", "ib").drop("ia", "ib")
        run.end()
    except BaseException:
        if opts.work_dir is None:  # a work folder made here goes with a scan that failed
            remove(frame.sparkSession, made)
        raise
    stats = _stats(run, result, all_pairs, counts, problems, t_start)
    return FrameScan(documents, pairs, problems, stats, run.work)


def _side_files(out: str, problems: list[Problem], stats: dict) -> None:
    """skipped.jsonl and stats.json beside the tables (local output folders only)."""
    folder = local_path(out)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        write_side_files(folder, problems, stats)
