"""The Spark session a scan runs in, and the file-system odds and ends around it (URIs, the work
folder)."""

from __future__ import annotations

import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path


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


def local_path(path: str) -> Path | None:
    """The local folder of a plain path or a ``file://`` URI; None for other URIs."""
    if not is_uri(path):
        return Path(path)
    return Path(path[7:]) if path.startswith("file://") else None


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


def remove(spark, path: str) -> None:
    """Delete a folder: locally, or through Hadoop's FileSystem for other URIs."""
    folder = local_path(path)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        return
    jvm = spark.sparkContext._jvm
    p = jvm.org.apache.hadoop.fs.Path(path)
    p.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).delete(p, True)
