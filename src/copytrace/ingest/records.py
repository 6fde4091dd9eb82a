"""Record files: jsonl (optionally gzipped), csv and parquet; one document per record."""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from copytrace.document import Document, Problem
from copytrace.ingest.text import BadInput, decode, parse_date

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
                       f"(use --text-field to name another)", n)
    text = rec[fields.text]
    if not isinstance(text, str):
        return Problem(str(path), f"field {fields.text!r} is a {type(text).__name__}, not text", n)
    if not text.strip():
        return Problem(str(path), "empty text", n)
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


def _open_maybe_gz(path: Path) -> bytes:
    data = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, gzip.BadGzipFile) as e:
            raise BadInput(f"not a valid gzip file ({e})") from None
    return data


def read_jsonl(path: Path, fields: FieldMap) -> Iterator[Document | Problem]:
    """One record per line, read as a stream (a file of any size costs one line of memory).

    UTF-8 files stream line by line; a file whose first 64 KiB are not UTF-8 is small legacy
    data by experience and is decoded whole with encoding detection, as a text file is."""
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
        if damage is not None:
            lines = head.split(b"\n")[:-1]  # the last line is cut by the damage
        elif not _utf8_head(head):
            try:
                lines = decode(_open_maybe_gz(path)).splitlines()
            except BadInput as e:
                yield Problem(str(path), str(e))
                return
        else:
            lines = fh
        try:
            for n, line in enumerate(lines, start=1):
                if isinstance(line, bytes):
                    try:
                        line = line.decode("utf-8-sig" if n == 1 else "utf-8")
                    except UnicodeDecodeError:
                        empty = False
                        yield Problem(str(path), "not valid UTF-8", n)
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


def _utf8_head(head: bytes) -> bool:
    """The first bytes of a file are UTF-8 text (a character cut at the end is allowed)."""
    if b"\x00" in head:
        return False
    for cut in range(4):
        try:
            head[: len(head) - cut].decode("utf-8")
            return True
        except UnicodeDecodeError:
            continue
    return False


def read_csv(path: Path, fields: FieldMap) -> Iterator[Document | Problem]:
    try:
        text = decode(_open_maybe_gz(path))
    except BadInput as e:
        yield Problem(str(path), str(e))
        return
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        if not reader.fieldnames:
            yield Problem(str(path), "no header row")
            return
        if fields.text not in reader.fieldnames:
            yield Problem(str(path), f"no column {fields.text!r} in header "
                          f"{reader.fieldnames[:8]} (use --text-field to name another)")
            return
        n = 0
        for n, row in enumerate(reader, start=1):
            if None in row:  # more cells than header columns
                yield Problem(str(path), "row has more cells than the header", n)
                continue
            yield make_record(row, path, n, fields)
        if n == 0:
            yield Problem(str(path), "no records")
    except csv.Error as e:
        yield Problem(str(path), f"malformed CSV ({e})", reader.line_num)


def read_parquet(path: Path, fields: FieldMap) -> Iterator[Document | Problem]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as e:
        yield Problem(str(path), f"not a valid parquet file ({e})")
        return
    names = pf.schema_arrow.names
    if fields.text not in names:
        yield Problem(str(path), f"no column {fields.text!r} in {names[:8]} "
                      f"(use --text-field to name another)")
        return
    n = 0
    try:
        for batch in pf.iter_batches(batch_size=4096):
            for rec in batch.to_pylist():
                n += 1
                yield make_record(rec, path, n, fields)
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as e:
        yield Problem(str(path), f"corrupt parquet data after record {n} ({e})")
    if n == 0:
        yield Problem(str(path), "no records")
