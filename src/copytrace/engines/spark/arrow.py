"""Arrow batches in and out of Spark tasks: Spark DDL types as Arrow types, list columns as
numpy arrays, runs of equal keys. ``mapInArrow`` hands a task Arrow record batches and takes
batches of exactly the declared schema back."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def lists(col) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, values) of an Arrow list<int64> column (nulls read as empty lists)."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if col.null_count:
        col = pc.fill_null(col, pa.scalar([], type=col.type))
    offsets = col.offsets.to_numpy().astype(np.int64)
    values = col.values.to_numpy(zero_copy_only=False)
    return offsets - offsets[0], values[offsets[0]:offsets[-1]] if len(values) else values


def list_col(parts: list[np.ndarray]) -> pa.ListArray:
    """An Arrow list<int64> column from per-row arrays (uint64 keys are stored as int64)."""
    offsets = np.zeros(len(parts) + 1, dtype=np.int32)
    np.cumsum([len(p) for p in parts], out=offsets[1:])
    values = np.concatenate(parts).view(np.int64) if parts and offsets[-1] else \
        np.empty(0, np.int64)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, pa.int64()))


def arrow_type(ddl: str) -> pa.DataType:
    """The Arrow type of a Spark DDL type (the few the engine uses)."""
    ddl = ddl.strip()
    simple = {"long": pa.int64(), "int": pa.int32(), "string": pa.string(),
              "double": pa.float64(), "boolean": pa.bool_(), "binary": pa.binary()}
    if ddl in simple:
        return simple[ddl]
    if ddl.startswith("array<"):
        return pa.list_(arrow_type(ddl[6:-1]))
    if ddl.startswith("struct<"):
        fields, depth, cur = [], 0, ""
        for ch in ddl[7:-1] + ",":
            if ch == "," and depth == 0:
                name, typ = cur.split(":", 1)
                fields.append(pa.field(name, arrow_type(typ)))
                cur = ""
                continue
            depth += (ch == "<") - (ch == ">")
            cur += ch
        return pa.struct(fields)
    raise ValueError(f"no Arrow type for {ddl!r}")


def arrow_schema(ddl: str) -> pa.Schema:
    """The Arrow schema of a Spark DDL schema ("a long, b string, ...")."""
    return pa.schema([pa.field(c.split(" ", 1)[0], arrow_type(c.split(" ", 1)[1]))
                      for c in ddl.split(", ")])


def columns(ddl: str) -> list[str]:
    """The column names of a Spark DDL schema."""
    return [c.split(" ", 1)[0] for c in ddl.split(", ")]


def batch(cols: dict, ddl: str) -> pa.RecordBatch:
    """An Arrow batch of exactly the Spark schema ``ddl``."""
    return pa.RecordBatch.from_pydict(cols, schema=arrow_schema(ddl))


def whole(batches) -> pa.Table | None:
    """All batches of a partition as one Arrow table (None when empty)."""
    got = list(batches)
    return pa.Table.from_batches(got).combine_chunks() if got else None


def runs(keys: np.ndarray):
    """(start, end) of each run of equal values in ``keys``."""
    if len(keys) == 0:
        return []
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return zip(starts.tolist(), np.r_[starts[1:], len(keys)].tolist())
