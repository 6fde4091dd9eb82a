"""The output contract: the files a scan writes, their fields and their order, for every engine.

    documents.jsonl  one record per document, in reading order (`DOCUMENT_FIELDS`)
    pairs.jsonl      one record per related pair, ordered by (a, b) in reading order
                     (`PAIR_FIELDS`)
    skipped.jsonl    one record per input that could not be used (`SKIPPED_FIELDS`)
    stats.json       counts and each stage's seconds
    report.html      the local engine's report (`copytrace.report.html`)

``--format parquet`` writes ``documents.parquet`` and ``pairs.parquet`` (the same fields) instead
of the two jsonl files. The Spark engine writes ``documents/`` and ``pairs/`` as folders of part
files with the same fields in the same order (`copytrace.engines.spark.stages.write`), and
``skipped.jsonl`` and ``stats.json`` through `write_side_files`.

Every file is written atomically (a temporary file beside it, then a rename): a reader sees the
old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any

from copytrace.document import DocResult, Pair, Problem

#: documents.jsonl fields, in order (`copytrace.document.DocResult.to_json`).
DOCUMENT_FIELDS = tuple(f.name for f in fields(DocResult))
#: pairs.jsonl fields, in order (`copytrace.document.Pair.to_json`).
PAIR_FIELDS = tuple(f.name for f in fields(Pair))
#: skipped.jsonl fields, in order.
SKIPPED_FIELDS = ("path", "record", "reason")
FORMATS = ("jsonl", "parquet")


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the number it takes: "1 copy family", "3 copy families",
    "0 stories" (every count a user reads goes through here)."""
    if n == 1:
        return f"{n:,} {noun}"
    if plural is None:
        head, _, last = noun.rpartition(" ")
        word = last + ("es" if last.endswith(("s", "sh", "ch", "x")) else "s")
        if last.endswith("y") and last[-2:-1] not in "aeiou":
            word = last[:-1] + "ies"
        plural = f"{head} {word}" if head else word
    return f"{n:,} {plural}"


def problem_record(p: Problem) -> dict[str, Any]:
    """A skipped input as a skipped.jsonl record."""
    return {f: getattr(p, f) for f in SKIPPED_FIELDS}


@contextmanager
def replacing(path: Path) -> Iterator[str]:
    """A temporary file beside ``path`` to write; it replaces ``path`` when the block ends
    without an error (a reader sees the old file or the new one, never half), and is removed
    when it raises."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


@contextmanager
def output_set(folder: Path) -> Iterator[Path]:
    """A staging folder inside ``folder`` to write a whole set of output files into; when the
    block ends without an error they are moved into ``folder`` (renames within one file
    system: nothing left to fail for want of space), and when it raises ``folder`` is left as
    it was. So a failure part-way through (a full disk, an error in the report) never leaves
    new ``documents.jsonl`` beside an old ``report.html``."""
    folder.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".copytrace-writing-", dir=folder))
    try:
        yield stage
        for f in sorted(stage.iterdir()):
            os.replace(f, folder / f.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def atomic_write(path: Path, lines: Iterable[str]) -> None:
    """Write ``lines`` to ``path`` atomically (`replacing`), as UTF-8. A lone surrogate (a
    string that did not come through a reader, `copytrace.ingest.admit`) is written as its
    ``\\udXXX`` escape, which inside a JSON string reads back as the same character, rather
    than failing the whole write at the end of a scan."""
    with replacing(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n",
                                      errors="backslashreplace") as fh:
        for line in lines:
            fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def write_jsonl(path: Path, objects: Iterable[dict[str, Any]]) -> None:
    """One JSON object per line, UTF-8, written atomically."""
    atomic_write(path, (json.dumps(o, ensure_ascii=False) + "\n" for o in objects))


def write_parquet(path: Path, records: list[dict[str, Any]], columns: Iterable[str] = ()) -> None:
    """Records as one parquet file (columns in the records' field order), written atomically;
    with no records, ``columns`` (as empty text columns) keep the file's schema readable."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(records) if records else \
        pa.table({c: pa.array([], pa.string()) for c in columns})
    with replacing(path) as tmp:
        pq.write_table(table, tmp)


def write_side_files(folder: Path, problems: list[Problem], stats: dict) -> None:
    """skipped.jsonl and stats.json."""
    write_jsonl(folder / "skipped.jsonl", (problem_record(p) for p in problems))
    atomic_write(folder / "stats.json", [json.dumps(stats, indent=2) + "\n"])


def write_scan(folder: Path, results: list[DocResult], pairs: list[Pair],
               problems: list[Problem], stats: dict, fmt: str = "jsonl") -> None:
    """The documents and pairs of a scan (jsonl or parquet), skipped.jsonl and stats.json."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r} ({' or '.join(FORMATS)})")
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        write_parquet(folder / "documents.parquet", [r.to_json() for r in results],
                      DOCUMENT_FIELDS)
        write_parquet(folder / "pairs.parquet", [p.to_json() for p in pairs], PAIR_FIELDS)
    else:
        write_jsonl(folder / "documents.jsonl", (r.to_json() for r in results))
        write_jsonl(folder / "pairs.jsonl", (p.to_json() for p in pairs))
    write_side_files(folder, problems, stats)
