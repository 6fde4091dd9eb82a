"""documents.jsonl and pairs.jsonl, written atomically (temp file, then rename)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


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


def atomic_write(path: Path, lines: Iterable[str]) -> None:
    """Write ``lines`` to ``path`` atomically (`replacing`)."""
    with replacing(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for line in lines:
            fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def write_jsonl(path: Path, objects: Iterable[dict[str, Any]]) -> None:
    atomic_write(path, (json.dumps(o, ensure_ascii=False) + "\n" for o in objects))


def write_parquet(path: Path, records: list[dict[str, Any]], columns: list[str] = ()) -> None:
    """Records as one parquet file (columns in the records' field order), written atomically;
    with no records, ``columns`` (as empty text columns) keep the file's schema readable."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(records) if records else \
        pa.table({c: pa.array([], pa.string()) for c in columns})
    with replacing(path) as tmp:
        pq.write_table(table, tmp)
