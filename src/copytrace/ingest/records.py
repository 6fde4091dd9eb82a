"""Record files: jsonl (optionally gzipped), csv and parquet; one document per record."""

from __future__ import annotations

import csv
import gzip
import json
import sys
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from copytrace.document import Document, Problem
from copytrace.ingest.text import (BadInput, max_doc_bytes, over_limit, parse_date,
                                    stream_encoding, too_big)

if TYPE_CHECKING:
    from copytrace.ingest import FieldMap


def _opt_str(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def make_record(rec: Any, path: Path, n: int, fields: FieldMap) -> Document | Problem:
    """Validate one record (a mapping) into a Document; n is its 1-based record number."""
    if not isinstance(rec, dict):
        return Problem(str(path), f"record is a {type(rec).__name__}, not an object", n)
    if fields.text not in rec or rec[fields.text] is None:
        return Problem(str(path), f"missing text field {fields.text!r} "
                       f"(--text-field, or text_field= in Python, names another)", n)
    text = rec[fields.text]
    if not isinstance(text, str):
        return Problem(str(path), f"field {fields.text!r} is a {type(text).__name__}, not text", n)
    if not text.strip():
        return Problem(str(path), "empty text", n)
    if "\x00" in text:  # damage (a NUL inside a JSON string is escaped, never raw)
        return Problem(str(path), "binary data (NUL bytes) in the text", n)
    if (why := too_big(len(text))) is not None:  # characters: at least as many bytes
        return Problem(str(path), why, n)
    raw_id = rec.get(fields.id)
    doc_id = _opt_str(raw_id) if not isinstance(raw_id, (dict, list)) else None
    if doc_id is None:
        doc_id = f"{path.name.split('.')[0]}#{n}"
    known = {fields.id, fields.text, fields.url, fields.date, fields.title, fields.source}
    return Document(
        id=doc_id, text=text, path=str(path), url=_opt_str(rec.get(fields.url)),
        title=_opt_str(rec.get(fields.title)), date=parse_date(rec.get(fields.date)),
        source_name=_opt_str(rec.get(fields.source)),
        meta={"record": n, **{k: v for k, v in rec.items() if k not in known}},
    )


def read_jsonl(path: Path, fields: FieldMap) -> Iterator[Document | Problem]:
    """One record per line, read as a stream: a file of any size, compressed or not, costs at
    most one line of memory, and a line over the document limit (`text.max_doc_bytes`) is
    skipped without being held.

    The first 64 KiB say the encoding: UTF-8, else the encoding detected in them (legacy data),
    which then decodes every line."""
    gz = path.name.lower().endswith(".gz")
    try:
        fh = gzip.open(path, "rb") if gz else open(path, "rb")
    except OSError as e:
        yield Problem(str(path), f"cannot read file: {e.strerror or e}")
        return
    n = 0
    empty = True
    damage = None
    with fh:
        try:
            head = fh.read(65536)
            fh.seek(0)
        except (OSError, EOFError, zlib.error) as e:
            if not gz:
                yield Problem(str(path), f"cannot read file: {e}")
                return
            # damaged within its first 64 KiB: keep the complete lines before the damage
            damage, head = e, _gzip_prefix(path, 65536)
            if not head:
                yield Problem(str(path), f"not a valid gzip file ({e})")
                return
        try:
            encoding = stream_encoding(head)
        except BadInput as e:
            yield Problem(str(path), str(e))
            return
        if encoding.replace("-", "_").startswith(("utf_16", "utf_32")):
            # two- or four-byte units cannot be split at a newline byte: decoded whole, which
            # the document limit bounds (such files are rare and small)
            whole = fh.read(max_doc_bytes() + 1) if damage is None else head
            if (why := too_big(len(whole))) is not None:
                yield Problem(str(path), why)
                return
            lines = (x.encode("utf-8") for x in whole.decode(encoding, "replace").splitlines())
            encoding = "utf-8"
        elif damage is not None:
            lines = (x + b"\n" for x in head.split(b"\n")[:-1])
        else:
            lines = _capped_lines(fh, max_doc_bytes())
        try:
            for n, line in enumerate(lines, start=1):
                if line is None:
                    empty = False
                    yield Problem(str(path), over_limit(), n)
                    continue
                try:
                    line = line.decode("utf-8-sig" if n == 1 and encoding == "utf-8"
                                       else encoding)
                except UnicodeDecodeError:
                    empty = False
                    yield Problem(str(path), "not valid " + (
                        "UTF-8" if encoding == "utf-8" else encoding), n)
                    continue
                if not line.strip():
                    continue
                empty = False
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as e:
                    yield Problem(str(path), f"invalid JSON ({e.msg} at column {e.colno})", n)
                    continue
                yield make_record(rec, path, n, fields)
        except (OSError, EOFError, zlib.error) as e:
            yield Problem(str(path), f"truncated or corrupt gzip data after record {n} ({e})"
                          if gz else f"read error after record {n} ({e})")
            return
    if damage is not None:
        yield Problem(str(path), f"truncated or corrupt gzip data after record {n} ({damage})")
        return
    if empty:
        yield Problem(str(path), "no records")


def _capped_lines(fh, cap: int) -> Iterator[bytes | None]:
    """The lines of a binary stream; a line longer than ``cap`` bytes is read through without
    being kept and given as None."""
    while True:
        line = fh.readline(cap + 1)
        if not line:
            return
        if len(line) > cap and not line.endswith(b"\n"):
            while True:
                rest = fh.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
        else:
            yield line


def _gzip_prefix(path: Path, limit: int) -> bytes:
    """Up to ``limit`` bytes of what a damaged gzip file decompresses to before the damage
    (reading at most 1 MiB of it)."""
    with open(path, "rb") as fh:
        raw = fh.read(1 << 20)
    inflate = zlib.decompressobj(wbits=31)
    out = b""
    try:  # a piece at a time: a corrupt block loses only what follows it
        for k in range(0, len(raw), 512):
            out += inflate.decompress(raw[k:k + 512], limit - len(out))
            if len(out) >= limit or inflate.eof:
                break
    except zlib.error:
        pass
    return out


def read_csv(path: Path, fields: FieldMap) -> Iterator[Document | Problem]:
    """One record per row, read as a stream (UTF-8, else the encoding detected in the first
    64 KiB); a cell over the document limit stops the file with a reason."""
    gz = path.name.lower().endswith(".gz")
    try:
        raw = gzip.open(path, "rb") if gz else open(path, "rb")
    except OSError as e:
        yield Problem(str(path), f"cannot read file: {e.strerror or e}")
        return
    with raw:
        try:
            head = raw.read(65536)
            raw.seek(0)
            encoding = stream_encoding(head)
        except BadInput as e:
            yield Problem(str(path), str(e))
            return
        except (OSError, EOFError, zlib.error) as e:
            yield Problem(str(path), f"not a valid gzip file ({e})" if gz
                          else f"cannot read file: {e}")
            return
        csv.field_size_limit(min(sys.maxsize, max_doc_bytes()))

        class TooLong(Exception):
            pass

        def text_lines():  # physical lines, each at most the document limit: bounded memory
            for k, line in enumerate(_capped_lines(raw, max_doc_bytes())):
                if line is None:
                    raise TooLong
                yield line.decode(encoding if k or encoding != "utf-8" else "utf-8-sig",
                                  errors="replace")

        reader = csv.DictReader(text_lines())
        n = 0
        try:
            if not reader.fieldnames:
                yield Problem(str(path), "no header row")
                return
            if fields.text not in reader.fieldnames:
                yield Problem(str(path), f"no column {fields.text!r} in header "
                              f"{reader.fieldnames[:8]} (--text-field, or text_field= in "
                              "Python, names another)")
                return
            for n, row in enumerate(reader, start=1):
                if None in row:  # more cells than header columns
                    yield Problem(str(path), "row has more cells than the header", n)
                    continue
                yield make_record(row, path, n, fields)
            if n == 0:
                yield Problem(str(path), "no records")
        except (csv.Error, TooLong) as e:
            why = over_limit() if isinstance(e, TooLong) or "field larger" in str(e) \
                else f"malformed CSV ({e})"
            yield Problem(str(path), f"{why}; the rows after it are not read", n + 1)
        except (OSError, EOFError, zlib.error) as e:
            yield Problem(str(path), f"truncated or corrupt gzip data after record {n} ({e})"
                          if gz else f"read error after record {n} ({e})")


def _parquet_row(batch, k: int) -> dict | None:
    try:
        return batch.slice(k, 1).to_pylist()[0]
    except UnicodeDecodeError:
        return None


#: A parquet row group whose text column inflates more than this many times (after the
#: encoding, which already folds repeated values into a dictionary) is a decompression bomb:
#: real text compresses 3-5 times; a 17 KB file holding one 512 MiB cell of one repeated
#: letter took 2.6 GB to read before this check.
BOMB_RATIO = 100


def read_parquet(path: Path, fields: FieldMap) -> Iterator[Document | Problem]:
    """One record per row, a row group at a time. Memory: a batch of rows, and never a row
    group that is over the document limit *and* a decompression bomb (`BOMB_RATIO`): its rows
    are skipped with a reason. A text cell over the limit is skipped by its length before it
    is turned into a Python string."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        names = pf.schema_arrow.names
        meta = pf.metadata
        leaf = next((i for i in range(meta.num_columns)
                     if meta.schema.column(i).path == fields.text), None)
    except (pa.ArrowException, OSError, ValueError) as e:
        yield Problem(str(path), f"not a valid parquet file ({e})")
        return
    if fields.text not in names:
        yield Problem(str(path), f"no column {fields.text!r} in {names[:8]} "
                      f"(--text-field, or text_field= in Python, names another)")
        return
    n = 0
    try:
        for group in range(meta.num_row_groups):
            rows_in_group = meta.row_group(group).num_rows
            if leaf is not None:
                chunk = meta.row_group(group).column(leaf)
                inflated = chunk.total_uncompressed_size
                if inflated > max_doc_bytes() and \
                        inflated > BOMB_RATIO * max(1, chunk.total_compressed_size):
                    yield Problem(str(path), f"rows {n + 1}-{n + rows_in_group}: their text "
                                  f"inflates from {chunk.total_compressed_size:,} bytes to "
                                  f"{inflated / (1 << 20):,.0f} MB (a decompression bomb?); "
                                  "skipped", n + 1)
                    n += rows_in_group
                    continue
            for batch in pf.iter_batches(batch_size=1024, row_groups=[group]):
                text = batch.column(fields.text)
                sizes = pc.binary_length(text).to_pylist() \
                    if pa.types.is_string(text.type) or pa.types.is_large_string(text.type) \
                    or pa.types.is_binary(text.type) else [None] * batch.num_rows
                over = {k: why for k, size in enumerate(sizes)
                        if size is not None and (why := too_big(size)) is not None}
                kept = batch if not over else batch.take(
                    [k for k in range(batch.num_rows) if k not in over])
                try:
                    rows = iter(kept.to_pylist())
                except UnicodeDecodeError:  # a damaged string: only the rows holding one lost
                    rows = iter([_parquet_row(kept, k) for k in range(kept.num_rows)])
                for k in range(batch.num_rows):
                    n += 1
                    if k in over:
                        yield Problem(str(path), over[k], n)
                        continue
                    rec = next(rows)
                    yield make_record(rec, path, n, fields) if rec is not None else \
                        Problem(str(path), "damaged record (a string that is not UTF-8)", n)
    except (pa.ArrowInvalid, pa.ArrowException, OSError, ValueError) as e:
        yield Problem(str(path), f"corrupt parquet data after record {n} ({e})")
    if n == 0:
        yield Problem(str(path), "no records")
