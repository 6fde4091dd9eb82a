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

import time
from pathlib import Path

from copytrace.config import ScanConfig
from copytrace.document import Problem
from copytrace.engines.spark.components import components
from copytrace.engines.spark.session import (SparkOptions, is_uri, local_path, remove,
                                             spark_session)
from copytrace.engines.spark.stages import Run, ScanProblem
from copytrace.outputs import FORMATS, write_side_files
from copytrace.progress import NullProgress, Progress
from copytrace.relations import INDEPENDENT, SAME_STORY

__all__ = ["scan", "SparkOptions", "ScanProblem", "spark_session", "is_uri", "components",
           "Run"]


def scan(inputs: list[str], out: str, cfg: ScanConfig | None = None,
         opts: SparkOptions | None = None, fields=None, fmt: str = "jsonl",
         progress: Progress | None = None, spark=None, strict: bool = False) -> dict:
    """Scan ``inputs`` (paths or URIs) on Spark and write the output contract under ``out``:
    ``documents/`` and ``pairs/`` (jsonl part files, or parquet with ``fmt="parquet"``, rows in
    the local engine's order), ``skipped.jsonl`` and ``stats.json``. Returns the stats, with
    the inputs skipped (`Problem`) under ``_problems``. ``strict``: raise `ScanProblem` at the
    first unreadable input instead."""
    from pyspark.sql import functions as F

    from copytrace.engines.spark import stages
    from copytrace.ingest import FieldMap

    cfg = cfg or ScanConfig()
    opts = opts or SparkOptions()
    fields = fields or FieldMap()
    progress = progress or NullProgress()
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r} ({' or '.join(FORMATS)})")
    bands, rows_per_band = cfg.banding()
    spark = spark or spark_session(opts)
    out = str(out).rstrip("/")
    work = opts.work_dir or f"{out}/_work"
    if not is_uri(work):
        work = str(Path(work).absolute())
    run = Run(spark, work, opts, progress, cfg)
    t_start = time.perf_counter()

    run.stage("Reading")
    docs, problems = stages.read(run, inputs, fields, strict)
    if docs is None:
        run.end()
        _side_files(out, problems, {"documents": 0})
        return {"documents": 0, "problems": len(problems), "_problems": problems}
    n = run.n
    run.stage("Boilerplate")
    run.batch(opts.batch_docs)
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
    if cfg.semantic:
        run.stage("Sentences")
        semantic = stages.sentences(run, docs, feats, related)
    run.stage("Families")
    all_pairs, fam = stages.families(run, docs, feats, side, related, semantic)
    run.stage("Stories")
    result = stages.stories(run, docs, feats, fam, all_pairs)
    run.stage("Writing")
    stages.write(result, all_pairs, out, fmt)
    run.end()

    stats_rows = result.agg(
        F.countDistinct(F.when(F.col("relation") != INDEPENDENT, F.col("family")))
        .alias("families"), F.countDistinct("story").alias("stories")).first()
    singles = result.groupBy("story").count().where(F.col("count") == 1).count()
    stats = {
        "engine": "spark", "master": spark.sparkContext.master, "documents": n,
        "candidate_pairs": int(n_cand), "lsh_pairs": int(n_lsh), "skeleton_pairs": int(n_skel),
        "related_pairs": int(all_pairs.count()), "families": int(stats_rows.families),
        "stories": int(stats_rows.stories), "singleton_stories": int(singles),
        "same_story_pairs": int(all_pairs.where(F.col("relation") == SAME_STORY).count()),
        "bands": bands, "rows": rows_per_band, "problems": len(problems),
        "seconds": {**run.seconds, "total": round(time.perf_counter() - t_start, 3)},
    }
    _side_files(out, problems, stats)
    if not opts.keep_work:
        remove(spark, work)
    return {**stats, "_problems": problems}


def _side_files(out: str, problems: list[Problem], stats: dict) -> None:
    """skipped.jsonl and stats.json beside the tables (local output folders only)."""
    folder = local_path(out)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        write_side_files(folder, problems, stats)
